//! Storage backends behind the host capabilities, free of wasmtime types.
//!
//! - Objects: [`BlobBackend`], with [`FsBlobBackend`] (the embedded default: one
//!   file per object under a data directory) and `MemoryBlobBackend` (the test
//!   double, compiled for tests only). An S3-compatible backend for scale-out
//!   would implement the same trait.
//! - Key-value state: [`KvBackend`], with [`SqliteKvBackend`] (the embedded
//!   default: one SQLite file) and `MemoryKvBackend` (the test double, compiled
//!   for tests only).
//!
//! The WIT glue in `crate::capabilities` checks permissions and limits, then
//! delegates here.
//!
//! ```ignore
//! let blobs: Arc<dyn BlobBackend> = Arc::new(FsBlobBackend::open(&data_dir.join("objects"))?);
//! let kv: Arc<dyn KvBackend> = Arc::new(SqliteKvBackend::open(&data_dir.join(KV_FILE))?);
//! let meta = blobs.write("live/seg1.ts", body, WriteOptions::default()).await?;
//! ```

mod blob;
#[cfg(test)]
mod blob_tests;
mod fs_blob;
mod kv;
mod listing;
#[cfg(test)]
mod memory_blob;
#[cfg(test)]
mod memory_kv;
mod sqlite_kv;
mod upload;

#[allow(
    unused_imports,
    reason = "the whole backend contract is API; the binary names only part of it"
)]
pub use blob::{
    BlobBackend, BlobError, BodyReader, BodyStream, ByteRange, ListPage, MAX_KEY_LEN, ObjectKey,
    ObjectMeta, ReadBody, ReadHandle, WriteOptions,
};
pub use fs_blob::FsBlobBackend;
pub use kv::{KvBackend, KvError};
#[cfg(test)]
pub use memory_blob::MemoryBlobBackend;
#[cfg(test)]
pub use memory_kv::MemoryKvBackend;
pub use sqlite_kv::{KV_FILE, SqliteKvBackend};
