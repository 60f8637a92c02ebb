//! Storage backends behind the host capabilities, free of wasmtime types.
//!
//! - Key-value state: [`KvBackend`], with [`SqliteKvBackend`] (the embedded
//!   default: one SQLite file) and `MemoryKvBackend` (the test double, compiled
//!   for tests only).
//!
//! The WIT glue in `crate::capabilities` checks permissions and limits, then
//! delegates here.

mod kv;
#[cfg(test)]
mod memory_kv;
mod sqlite_kv;

pub use kv::{KvBackend, KvError};
#[cfg(test)]
pub use memory_kv::MemoryKvBackend;
pub use sqlite_kv::{KV_FILE, SqliteKvBackend};
