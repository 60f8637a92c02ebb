//! The key-value contract shared by every key-value backend: buckets of
//! byte values under string keys, with atomic increment and compare-and-swap
//! (what `wasi:keyvalue/store` and `wasi:keyvalue/atomics` need).

use async_trait::async_trait;

/// Buckets of byte values under string keys.
///
/// Counters ([`increment`](Self::increment)) are stored as decimal ASCII
/// (`b"42"`), as Redis `INCRBY` keeps them, so a counter reads the same from
/// every backend and from `get`. (Spin's SQLite store uses 8 little-endian
/// bytes instead; its Redis store uses decimal.)
#[async_trait]
pub trait KvBackend: Send + Sync + 'static {
    /// The value under `key`; `None` when absent.
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KvError>;

    /// Store `value` under `key`, replacing any earlier value.
    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KvError>;

    /// Remove `key`; `false` when it was absent.
    async fn delete(&self, bucket: &str, key: &str) -> Result<bool, KvError>;

    /// Whether `key` has a value.
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, KvError>;

    /// Up to `limit` keys (0 counts as 1) after `cursor`, in byte order, and
    /// the cursor for the next page (the last key returned) when more follow.
    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<String>, Option<String>), KvError>;

    /// Atomically add `delta` to the decimal counter under `key` (absent = 0)
    /// and return the new value.
    async fn increment(&self, bucket: &str, key: &str, delta: i64) -> Result<i64, KvError>;

    /// Atomically store `new` if the current value equals `expected` (`None`:
    /// the key must be absent); `false`, changing nothing, when it does not.
    async fn compare_and_swap(
        &self,
        bucket: &str,
        key: &str,
        expected: Option<&[u8]>,
        new: Vec<u8>,
    ) -> Result<bool, KvError>;
}

/// Why a key-value operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// `increment` found a value that is not a decimal 64-bit integer.
    #[error("the value under {key:?} is not a decimal integer")]
    NotAnInteger {
        /// The key.
        key: String,
    },
    /// `increment` would overflow a signed 64-bit integer.
    #[error("incrementing {key:?} overflows a 64-bit integer")]
    Overflow {
        /// The key.
        key: String,
    },
    /// The storage itself failed; the string is for logs.
    #[error("key-value storage failed: {0}")]
    Backend(String),
}

/// `current + delta` for the counter under `key`, encoded for storage.
pub(crate) fn next_counter(
    key: &str,
    current: Option<&[u8]>,
    delta: i64,
) -> Result<(i64, Vec<u8>), KvError> {
    let current = match current {
        None => 0,
        Some(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| KvError::NotAnInteger {
                key: key.to_owned(),
            })?,
    };
    let next = current
        .checked_add(delta)
        .ok_or_else(|| KvError::Overflow {
            key: key.to_owned(),
        })?;
    Ok((next, next.to_string().into_bytes()))
}

/// Page `limit` (0 counts as 1) as a `usize`.
pub(crate) fn page_size(limit: u32) -> usize {
    usize::try_from(limit.max(1)).unwrap_or(usize::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    //! Behaviour every [`KvBackend`] must show; each backend's tests run these.
    #![expect(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;
    use std::sync::Arc;

    pub(crate) async fn values_are_set_read_and_deleted_per_bucket(kv: &dyn KvBackend) {
        assert_eq!(kv.get("b", "k").await.unwrap(), None);
        assert!(!kv.exists("b", "k").await.unwrap());
        kv.set("b", "k", b"one".to_vec()).await.unwrap();
        kv.set("b", "k", b"two".to_vec()).await.unwrap();
        kv.set("other", "k", b"elsewhere".to_vec()).await.unwrap();
        assert_eq!(
            kv.get("b", "k").await.unwrap().as_deref(),
            Some(&b"two"[..])
        );
        assert!(kv.exists("b", "k").await.unwrap());
        kv.set("b", "empty", Vec::new()).await.unwrap();
        assert_eq!(
            kv.get("b", "empty").await.unwrap(),
            Some(Vec::new()),
            "empty is not absent"
        );
        assert!(kv.delete("b", "k").await.unwrap());
        assert!(!kv.delete("b", "k").await.unwrap());
        assert_eq!(kv.get("b", "k").await.unwrap(), None);
        assert_eq!(
            kv.get("other", "k").await.unwrap().as_deref(),
            Some(&b"elsewhere"[..])
        );
    }

    pub(crate) async fn keys_list_in_order_in_pages(kv: &dyn KvBackend) {
        for key in ["b", "a", "c/1", "c", "é", "B"] {
            kv.set("list", key, b"x".to_vec()).await.unwrap();
        }
        kv.set("list-other", "zzz", b"x".to_vec()).await.unwrap();
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let (keys, next) = kv.list_keys("list", cursor.as_deref(), 4).await.unwrap();
            assert!(keys.len() <= 4);
            all.extend(keys);
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(all, ["B", "a", "b", "c", "c/1", "é"]);
        let (keys, next) = kv.list_keys("list", None, 6).await.unwrap();
        assert_eq!(
            (keys.len(), next),
            (6, None),
            "an exactly full page is the last"
        );
        assert_eq!(
            kv.list_keys("nothing", None, 10).await.unwrap(),
            (vec![], None)
        );
    }

    pub(crate) async fn counters_are_decimal_and_start_at_zero(kv: &dyn KvBackend) {
        assert_eq!(kv.increment("n", "hits", 5).await.unwrap(), 5);
        assert_eq!(kv.increment("n", "hits", -7).await.unwrap(), -2);
        assert_eq!(
            kv.get("n", "hits").await.unwrap().as_deref(),
            Some(&b"-2"[..])
        );
        kv.set("n", "text", b"ten".to_vec()).await.unwrap();
        assert!(matches!(
            kv.increment("n", "text", 1).await,
            Err(KvError::NotAnInteger { .. })
        ));
        kv.set("n", "big", i64::MAX.to_string().into_bytes())
            .await
            .unwrap();
        assert!(matches!(
            kv.increment("n", "big", 1).await,
            Err(KvError::Overflow { .. })
        ));
        assert_eq!(
            kv.get("n", "big").await.unwrap(),
            Some(i64::MAX.to_string().into_bytes()),
            "unchanged"
        );
    }

    pub(crate) async fn compare_and_swap_checks_the_current_value(kv: &dyn KvBackend) {
        assert!(
            !kv.compare_and_swap("c", "k", Some(b"x"), b"y".to_vec())
                .await
                .unwrap(),
            "absent is not x"
        );
        assert!(
            kv.compare_and_swap("c", "k", None, b"1".to_vec())
                .await
                .unwrap()
        );
        assert!(
            !kv.compare_and_swap("c", "k", None, b"2".to_vec())
                .await
                .unwrap(),
            "present now"
        );
        assert!(
            !kv.compare_and_swap("c", "k", Some(b"0"), b"2".to_vec())
                .await
                .unwrap(),
            "conflict"
        );
        assert_eq!(kv.get("c", "k").await.unwrap().as_deref(), Some(&b"1"[..]));
        assert!(
            kv.compare_and_swap("c", "k", Some(b"1"), b"2".to_vec())
                .await
                .unwrap()
        );
        assert_eq!(kv.get("c", "k").await.unwrap().as_deref(), Some(&b"2"[..]));
    }

    /// Two tasks add to one counter by read + compare-and-swap retries; no
    /// update may be lost.
    pub(crate) async fn concurrent_compare_and_swap_loses_no_update(kv: Arc<dyn KvBackend>) {
        const EACH: u32 = 50;
        let add = |kv: Arc<dyn KvBackend>| async move {
            let mut conflicts = 0;
            for _ in 0..EACH {
                loop {
                    let current = kv.get("race", "n").await.unwrap();
                    let n: u32 = current
                        .as_deref()
                        .map_or(0, |v| std::str::from_utf8(v).unwrap().parse().unwrap());
                    let next = (n + 1).to_string().into_bytes();
                    if kv
                        .compare_and_swap("race", "n", current.as_deref(), next)
                        .await
                        .unwrap()
                    {
                        break;
                    }
                    conflicts += 1;
                    tokio::task::yield_now().await;
                }
            }
            conflicts
        };
        let (a, b) = tokio::join!(tokio::spawn(add(kv.clone())), tokio::spawn(add(kv.clone())));
        let _conflicts = a.unwrap() + b.unwrap();
        assert_eq!(
            kv.get("race", "n").await.unwrap(),
            Some((2 * EACH).to_string().into_bytes())
        );
    }

    #[test]
    fn counters_parse_and_encode_decimal() {
        assert_eq!(next_counter("k", None, 3).unwrap(), (3, b"3".to_vec()));
        assert_eq!(
            next_counter("k", Some(b"-4"), 1).unwrap(),
            (-3, b"-3".to_vec())
        );
        assert!(matches!(
            next_counter("k", Some(b"4 "), 1),
            Err(KvError::NotAnInteger { .. })
        ));
        assert!(matches!(
            next_counter("k", Some(&[0xff]), 1),
            Err(KvError::NotAnInteger { .. })
        ));
        assert!(matches!(
            next_counter("k", Some(b"-9223372036854775808"), -1),
            Err(KvError::Overflow { .. })
        ));
    }
}
