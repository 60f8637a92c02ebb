//! [`MemoryKvBackend`]: the key-value test double.

use super::kv::{KvBackend, KvError, next_counter, page_size};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Buckets kept in memory; every operation holds one lock, so increment and
/// compare-and-swap are atomic.
#[derive(Default)]
pub struct MemoryKvBackend {
    buckets: Mutex<BTreeMap<String, BTreeMap<String, Vec<u8>>>>,
}

impl MemoryKvBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn buckets(&self) -> MutexGuard<'_, BTreeMap<String, BTreeMap<String, Vec<u8>>>> {
        // Every change is a single insert or remove, so a poisoned map is still consistent.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl KvBackend for MemoryKvBackend {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.buckets().get(bucket).and_then(|b| b.get(key)).cloned())
    }

    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        self.buckets()
            .entry(bucket.to_owned())
            .or_default()
            .insert(key.to_owned(), value);
        Ok(())
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<bool, KvError> {
        Ok(self
            .buckets()
            .get_mut(bucket)
            .and_then(|b| b.remove(key))
            .is_some())
    }

    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, KvError> {
        Ok(self
            .buckets()
            .get(bucket)
            .is_some_and(|b| b.contains_key(key)))
    }

    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<String>, Option<String>), KvError> {
        let buckets = self.buckets();
        let Some(bucket) = buckets.get(bucket) else {
            return Ok((Vec::new(), None));
        };
        let start = cursor.map_or(Bound::Unbounded, |c| Bound::Excluded(c.to_owned()));
        let limit = page_size(limit);
        let mut keys: Vec<String> = bucket
            .range((start, Bound::Unbounded))
            .take(limit.saturating_add(1))
            .map(|(k, _)| k.clone())
            .collect();
        let next = if keys.len() > limit {
            keys.truncate(limit);
            keys.last().cloned()
        } else {
            None
        };
        Ok((keys, next))
    }

    async fn increment(&self, bucket: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        let mut buckets = self.buckets();
        let values = buckets.entry(bucket.to_owned()).or_default();
        let (next, encoded) = next_counter(key, values.get(key).map(Vec::as_slice), delta)?;
        values.insert(key.to_owned(), encoded);
        Ok(next)
    }

    async fn compare_and_swap(
        &self,
        bucket: &str,
        key: &str,
        expected: Option<&[u8]>,
        new: Vec<u8>,
    ) -> Result<bool, KvError> {
        let mut buckets = self.buckets();
        let values = buckets.entry(bucket.to_owned()).or_default();
        if values.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        values.insert(key.to_owned(), new);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::kv::tests as contract;
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn values_are_set_read_and_deleted_per_bucket() {
        contract::values_are_set_read_and_deleted_per_bucket(&MemoryKvBackend::new()).await;
    }

    #[tokio::test]
    async fn keys_list_in_order_in_pages() {
        contract::keys_list_in_order_in_pages(&MemoryKvBackend::new()).await;
    }

    #[tokio::test]
    async fn counters_are_decimal_and_start_at_zero() {
        contract::counters_are_decimal_and_start_at_zero(&MemoryKvBackend::new()).await;
    }

    #[tokio::test]
    async fn compare_and_swap_checks_the_current_value() {
        contract::compare_and_swap_checks_the_current_value(&MemoryKvBackend::new()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_compare_and_swap_loses_no_update() {
        contract::concurrent_compare_and_swap_loses_no_update(Arc::new(MemoryKvBackend::new()))
            .await;
    }
}
