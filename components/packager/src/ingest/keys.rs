//! Where ingest puts things: blob keys of stored segments and the
//! packager-private key-value records beside the contract's
//! `state/<channel>` and `index/<channel>/<n>`.
//!
//! A segment's blob key is `.packager/<channel>/<ingest>/<ms>-<random>/<file>`:
//! unique per PUT (encoders reuse file names after a restart, and a
//! re-used name must not overwrite bytes an index still lists), outside
//! every MediaStore container (container names cannot start with `.`), and
//! telling which ingest endpoint delivered it and when, which the redundancy
//! rules read back from the index.

/// Prefix of every blob the packager's ingest writes.
pub const BLOB_PREFIX: &str = ".packager";

/// The blob key for `file` PUT to `ingest` of `channel` at `at_ms`, with
/// `random` making two PUTs in the same millisecond distinct.
pub fn segment_blob(channel: &str, ingest: &str, at_ms: i64, random: u64, file: &str) -> String {
    format!("{BLOB_PREFIX}/{channel}/{ingest}/{at_ms}-{random:016x}/{file}")
}

/// Which ingest endpoint stored the blob under `key`, and when; `None` for
/// keys not made by [`segment_blob`].
pub fn blob_origin(key: &str) -> Option<(&str, i64)> {
    let mut parts = key.split('/');
    if parts.next()? != BLOB_PREFIX {
        return None;
    }
    let (_channel, ingest, stamp) = (parts.next()?, parts.next()?, parts.next()?);
    let ms = stamp.split_once('-')?.0.parse().ok()?;
    Some((ingest, ms))
}

/// `feed/<channel>/<ingest>` in the `ingest` store: one ingest endpoint's
/// segments not yet in an index and where its encoder's numbering stands
/// ([`crate::ingest::feed::Feed`]).
pub fn feed(channel: &str, ingest: &str) -> String {
    format!("feed/{channel}/{ingest}")
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn blob_keys_name_their_ingest_and_time() {
        let k = segment_blob("live", "ab12", 1_800_000_000_123, 0xfeed, "channel_0_7.ts");
        assert_eq!(
            k,
            ".packager/live/ab12/1800000000123-000000000000feed/channel_0_7.ts"
        );
        assert_eq!(blob_origin(&k).unwrap(), ("ab12", 1_800_000_000_123));
        assert_eq!(blob_origin("live/a/b/c.ts"), None);
        assert_eq!(blob_origin(".packager/live/ab12/x/c.ts"), None);
    }
}
