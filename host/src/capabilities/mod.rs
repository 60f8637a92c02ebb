//! The WIT glue of the capabilities Tributary gives components. Each one is an
//! `XCtx` (built once, shared), an `XView<'a>` (borrowed from the store data
//! per call; implements the generated `Host` traits of `crate::bindings`) and
//! an `add_to_linker`. The views check permissions and limits, then delegate
//! to a backend from `crate::storage`.
//!
//! ```ignore
//! blob::add_to_linker(&mut linker, |s: &mut StoreState| BlobView::new(&s.blob, &mut s.table))?;
//! keyvalue::add_to_linker(&mut linker, |s: &mut StoreState| KvView::new(&s.kv, &mut s.table))?;
//! ```
//!
//! The `table` must be the store's one `ResourceTable`, the same that
//! `wasi:io` uses: blob bodies are `wasi:io` input-streams.

pub mod blob;
pub mod file_stream;
pub mod keyvalue;
