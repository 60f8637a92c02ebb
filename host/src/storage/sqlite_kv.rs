//! [`SqliteKvBackend`]: key-value state in one SQLite file, the embedded
//! default that needs no server.
//!
//! Schema: `kv(bucket TEXT, key TEXT, value BLOB, PRIMARY KEY(bucket, key))
//! WITHOUT ROWID`, in WAL mode so readers never wait for the writer. Other
//! processes (the `tributary access-key` command) may write the same file
//! while the server runs: a busy database is waited for (`busy_timeout`), and
//! read-modify-write operations take the write lock up front (`BEGIN
//! IMMEDIATE`) so two writers cannot deadlock upgrading read locks.
//!
//! `get`, the call on every request's path, first tries a few read-only
//! connections right on the calling thread: in WAL mode a read never waits
//! for a writer, and a primary-key lookup in SQLite's page cache costs less
//! than the trip to the blocking pool and back. Such a read never waits
//! (no busy timeout, `try_lock`); when it would, it takes the blocking path.

use super::kv::{KvBackend, KvError, next_counter, page_size};
use async_trait::async_trait;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior, params,
};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::Duration;

/// File name of the key-value database inside the data directory.
pub const KV_FILE: &str = "state.sqlite3";

/// How long to wait for another process holding the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS kv (
    bucket TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  BLOB NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID";

const SELECT: &str = "SELECT value FROM kv WHERE bucket = ?1 AND key = ?2";
const UPSERT: &str = "INSERT INTO kv (bucket, key, value) VALUES (?1, ?2, ?3)
    ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value";

/// Key-value state in a SQLite file.
pub struct SqliteKvBackend {
    // One connection: SQLite allows one writer anyway, and statements are
    // short. Calls run on the blocking pool so async workers never wait on disk.
    conn: Arc<Mutex<Connection>>,
    // Read-only connections for `get` on the caller's thread (module docs).
    readers: Vec<Mutex<Connection>>,
}

/// Read-only connections: about one per thread that serves requests.
const READERS: usize = 4;

impl SqliteKvBackend {
    /// Open (creating if missing) the database at `path`, switch it to WAL
    /// mode and create the table. Blocks briefly.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        let conn = Connection::open(path)
            .map_err(|e| KvError::Backend(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "SQLite refused WAL mode; readers will wait for writers");
        }
        conn.execute_batch(SCHEMA).map_err(db)?;
        let readers = if mode.eq_ignore_ascii_case("wal") {
            (0..READERS)
                .map(|_| {
                    // No busy timeout: a read that would wait goes to the
                    // blocking pool instead.
                    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                    Connection::open_with_flags(path, flags)
                        .map(Mutex::new)
                        .map_err(db)
                })
                .collect::<Result<_, _>>()?
        } else {
            // Without WAL a reader can wait for a writer: every read blocks.
            Vec::new()
        };
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers,
        })
    }

    /// `get` on the calling thread through a free read-only connection;
    /// `None` when none is free or SQLite would make it wait.
    fn get_now(&self, bucket: &str, key: &str) -> Option<Result<Option<Vec<u8>>, KvError>> {
        let conn = self.readers.iter().find_map(|m| match m.try_lock() {
            Ok(conn) => Some(conn),
            // A panic mid-read left nothing half-done in a read-only connection.
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })?;
        let read = conn
            .prepare_cached(SELECT)
            .and_then(|mut stmt| stmt.query_row(params![bucket, key], value).optional());
        match read {
            Ok(found) => Some(Ok(found)),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
            {
                None
            }
            Err(e) => Some(Err(db(e))),
        }
    }

    /// Run `f` with the connection on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<Result<T, KvError>> + Send + 'static,
    ) -> Result<T, KvError> {
        let conn = self.conn.clone();
        let joined = tokio::task::spawn_blocking(move || {
            // A panic mid-call rolled its transaction back when it unwound.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await;
        match joined {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(db(e)),
            Err(e) => Err(KvError::Backend(format!("key-value task failed: {e}"))),
        }
    }
}

fn db(e: rusqlite::Error) -> KvError {
    KvError::Backend(e.to_string())
}

/// A value column, accepting TEXT too (rows written by hand with the sqlite3 shell).
fn value(row: &Row<'_>) -> rusqlite::Result<Vec<u8>> {
    Ok(row.get_ref(0)?.as_bytes()?.to_vec())
}

#[async_trait]
impl KvBackend for SqliteKvBackend {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        if let Some(read) = self.get_now(bucket, key) {
            return read;
        }
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |conn| {
            Ok(Ok(conn
                .prepare_cached(SELECT)?
                .query_row(params![bucket, key], value)
                .optional()?))
        })
        .await
    }

    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |conn| {
            conn.prepare_cached(UPSERT)?
                .execute(params![bucket, key, value])?;
            Ok(Ok(()))
        })
        .await
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<bool, KvError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |conn| {
            let n = conn
                .prepare_cached("DELETE FROM kv WHERE bucket = ?1 AND key = ?2")?
                .execute(params![bucket, key])?;
            Ok(Ok(n > 0))
        })
        .await
    }

    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, KvError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |conn| {
            Ok(Ok(conn
                .prepare_cached("SELECT 1 FROM kv WHERE bucket = ?1 AND key = ?2")?
                .exists(params![bucket, key])?))
        })
        .await
    }

    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<String>, Option<String>), KvError> {
        let (bucket, cursor) = (bucket.to_owned(), cursor.map(str::to_owned));
        let limit = page_size(limit);
        self.run(move |conn| {
            let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
            let key = |row: &Row<'_>| row.get::<_, String>(0);
            // Two statements rather than `(?2 IS NULL OR key > ?2)`, which
            // would keep SQLite from seeking in the primary key.
            let mut keys = match &cursor {
                None => conn
                    .prepare_cached("SELECT key FROM kv WHERE bucket = ?1 ORDER BY key LIMIT ?2")?
                    .query_map(params![bucket, fetch], key)?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
                Some(cursor) => conn
                    .prepare_cached(
                        "SELECT key FROM kv WHERE bucket = ?1 AND key > ?2 ORDER BY key LIMIT ?3",
                    )?
                    .query_map(params![bucket, cursor, fetch], key)?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            };
            let next = if keys.len() > limit {
                keys.truncate(limit);
                keys.last().cloned()
            } else {
                None
            };
            Ok(Ok((keys, next)))
        })
        .await
    }

    async fn increment(&self, bucket: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = tx
                .prepare_cached(SELECT)?
                .query_row(params![bucket, key], value)
                .optional()?;
            let (next, encoded) = match next_counter(&key, current.as_deref(), delta) {
                Ok(next) => next,
                // Dropping `tx` rolls back.
                Err(e) => return Ok(Err(e)),
            };
            tx.prepare_cached(UPSERT)?
                .execute(params![bucket, key, encoded])?;
            tx.commit()?;
            Ok(Ok(next))
        })
        .await
    }

    async fn compare_and_swap(
        &self,
        bucket: &str,
        key: &str,
        expected: Option<&[u8]>,
        new: Vec<u8>,
    ) -> Result<bool, KvError> {
        let (bucket, key, expected) = (
            bucket.to_owned(),
            key.to_owned(),
            expected.map(<[u8]>::to_vec),
        );
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = tx
                .prepare_cached(SELECT)?
                .query_row(params![bucket, key], value)
                .optional()?;
            if current != expected {
                return Ok(Ok(false));
            }
            tx.prepare_cached(UPSERT)?
                .execute(params![bucket, key, new])?;
            tx.commit()?;
            Ok(Ok(true))
        })
        .await
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::super::kv::tests as contract;
    use super::*;

    fn open() -> (tempfile::TempDir, SqliteKvBackend) {
        let dir = tempfile::tempdir().unwrap();
        let kv = SqliteKvBackend::open(&dir.path().join(KV_FILE)).unwrap();
        (dir, kv)
    }

    #[tokio::test]
    async fn values_are_set_read_and_deleted_per_bucket() {
        let (_dir, kv) = open();
        contract::values_are_set_read_and_deleted_per_bucket(&kv).await;
    }

    #[tokio::test]
    async fn keys_list_in_order_in_pages() {
        let (_dir, kv) = open();
        contract::keys_list_in_order_in_pages(&kv).await;
    }

    #[tokio::test]
    async fn counters_are_decimal_and_start_at_zero() {
        let (_dir, kv) = open();
        contract::counters_are_decimal_and_start_at_zero(&kv).await;
    }

    #[tokio::test]
    async fn compare_and_swap_checks_the_current_value() {
        let (_dir, kv) = open();
        contract::compare_and_swap_checks_the_current_value(&kv).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_compare_and_swap_loses_no_update() {
        let (_dir, kv) = open();
        contract::concurrent_compare_and_swap_loses_no_update(Arc::new(kv)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_connections_to_one_file_share_state_and_counters() {
        // Stands in for the `access-key` command writing while the server runs.
        let (dir, server) = open();
        let cli = SqliteKvBackend::open(&dir.path().join(KV_FILE)).unwrap();
        cli.set("credentials", "AKID", b"{}".to_vec())
            .await
            .unwrap();
        assert_eq!(
            server.get("credentials", "AKID").await.unwrap().as_deref(),
            Some(&b"{}"[..])
        );
        let (server, cli) = (Arc::new(server), Arc::new(cli));
        let bump = |kv: Arc<SqliteKvBackend>| async move {
            for _ in 0..100 {
                kv.increment("n", "hits", 1).await.unwrap();
            }
        };
        let (a, b) = tokio::join!(tokio::spawn(bump(server.clone())), tokio::spawn(bump(cli)));
        a.unwrap();
        b.unwrap();
        assert_eq!(
            server.get("n", "hits").await.unwrap().as_deref(),
            Some(&b"200"[..])
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_on_the_calling_thread_see_every_committed_write() {
        let (dir, kv) = open();
        assert_eq!(kv.readers.len(), READERS, "WAL mode, so reads need no pool");
        let cli = SqliteKvBackend::open(&dir.path().join(KV_FILE)).unwrap();
        for i in 0..50u32 {
            let v = i.to_string().into_bytes();
            // Written through this backend's writer, then by "another process".
            kv.set("b", "own", v.clone()).await.unwrap();
            assert_eq!(kv.get_now("b", "own").unwrap().unwrap(), Some(v.clone()));
            cli.set("b", "other", v.clone()).await.unwrap();
            assert_eq!(kv.get("b", "other").await.unwrap(), Some(v));
        }
        assert_eq!(kv.get_now("b", "absent").unwrap().unwrap(), None);
        // Every reader busy: the read goes to the blocking pool and still answers.
        let held: Vec<_> = kv.readers.iter().map(|m| m.lock().unwrap()).collect();
        assert!(kv.get_now("b", "own").is_none());
        assert_eq!(
            kv.get("b", "own").await.unwrap().as_deref(),
            Some(&b"49"[..])
        );
        drop(held);
    }

    #[tokio::test]
    async fn state_survives_reopening_and_text_values_read_as_bytes() {
        let (dir, kv) = open();
        kv.set("b", "k", b"v".to_vec()).await.unwrap();
        drop(kv);
        let kv = SqliteKvBackend::open(&dir.path().join(KV_FILE)).unwrap();
        assert_eq!(kv.get("b", "k").await.unwrap().as_deref(), Some(&b"v"[..]));
        kv.run(|conn| {
            Ok(Ok(
                conn.execute("INSERT INTO kv VALUES ('b', 't', 'text')", [])?
            ))
        })
        .await
        .unwrap();
        assert_eq!(
            kv.get("b", "t").await.unwrap().as_deref(),
            Some(&b"text"[..])
        );
    }
}
