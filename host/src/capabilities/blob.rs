//! `tributary:blob/store@0.1.0`: objects for components, backed by a
//! [`BlobBackend`]. Bodies cross as `wasi:io` input-streams that the host
//! moves itself, so object bytes never enter guest memory.

use super::file_stream::FileReadStream;
use crate::bindings::blob::{self as wit, Host};
use crate::storage::{self, BlobBackend, BlobError, ReadBody};
use bytes::Bytes;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::pipe::{AsyncReadStream, MemoryInputPipe};
use wasmtime_wasi_io::streams::{DynInputStream, StreamError};

/// Most entries one `list` call returns, whatever the guest asks (S3's page size).
pub const MAX_LIST_LIMIT: u32 = 1000;

/// Bytes taken from the guest's body stream per read.
const WRITE_CHUNK: usize = 64 * 1024;

/// The blob capability's configuration, shared by every store.
#[derive(Clone)]
pub struct BlobCtx {
    backend: Arc<dyn BlobBackend>,
}

impl BlobCtx {
    /// Objects from `backend`.
    pub fn new(backend: Arc<dyn BlobBackend>) -> Self {
        Self { backend }
    }
}

/// The blob capability as one store sees it.
pub struct BlobView<'a> {
    /// The shared configuration.
    pub ctx: &'a BlobCtx,
    /// The store's resource table (the one `wasi:io` uses).
    pub table: &'a mut ResourceTable,
}

impl<'a> BlobView<'a> {
    /// A view of `ctx` using the store's resource `table`.
    pub fn new(ctx: &'a BlobCtx, table: &'a mut ResourceTable) -> Self {
        Self { ctx, table }
    }
}

/// Link `tributary:blob/store` into `linker`; `get` hands out the store's view.
/// `wasi:io` must be linked too (`wasmtime_wasi::p2::add_to_linker_async`).
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> BlobView<'_>,
) -> wasmtime::Result<()> {
    wit::add_to_linker::<T, Blob>(linker, get)
}

struct Blob;

impl HasData for Blob {
    type Data<'a> = BlobView<'a>;
}

impl Host for BlobView<'_> {
    async fn stat(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<wit::ObjectMeta>, wit::Error>> {
        Ok(self
            .ctx
            .backend
            .stat(&key)
            .await
            .map(|meta| meta.map(to_wit_meta))
            .map_err(to_wit_error))
    }

    async fn read(
        &mut self,
        key: String,
        range: Option<wit::ByteRange>,
    ) -> wasmtime::Result<Result<wit::ReadResult, wit::Error>> {
        let range = range.map(|r| match r {
            wit::ByteRange::StartingAt((first, last)) => {
                storage::ByteRange::StartingAt(first, last)
            }
            wit::ByteRange::Suffix(n) => storage::ByteRange::Suffix(n),
        });
        let handle = match self.ctx.backend.read(&key, range).await {
            Ok(handle) => handle,
            Err(e) => return Ok(Err(to_wit_error(e))),
        };
        let stream: DynInputStream = match handle.body {
            // No task, no channel: the bytes are here.
            ReadBody::Bytes(bytes) => Box::new(MemoryInputPipe::new(bytes)),
            ReadBody::File {
                file,
                offset,
                length,
            } => Box::new(FileReadStream::new(file, offset, length)),
            ReadBody::Reader(reader) => Box::new(AsyncReadStream::new(reader)),
        };
        let body = self.table.push(stream)?;
        Ok(Ok(wit::ReadResult {
            meta: to_wit_meta(handle.meta),
            start: handle.start,
            length: handle.length,
            body,
        }))
    }

    async fn write(
        &mut self,
        key: String,
        body: Resource<DynInputStream>,
        options: wit::WriteOptions,
    ) -> wasmtime::Result<Result<wit::ObjectMeta, wit::Error>> {
        // The guest gave the stream up: take it out of the table and drain it here.
        let stream = self.table.delete(body)?;
        let options = storage::WriteOptions {
            content_type: options.content_type,
            cache_control: options.cache_control,
            user_metadata: options.user_metadata,
            max_size: options.max_size,
            visible_while_writing: options.visible_while_writing,
            expected_sha256: options.expected_sha256,
        };
        let trap = Arc::new(Mutex::new(None));
        let result = self
            .ctx
            .backend
            .write(&key, body_stream(stream, trap.clone()), options)
            .await;
        // A stream that asked to trap is a host bug, not a client that went away.
        if let Some(e) = trap.lock().unwrap_or_else(PoisonError::into_inner).take() {
            return Err(e);
        }
        Ok(result.map(to_wit_meta).map_err(to_wit_error))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<Result<bool, wit::Error>> {
        Ok(self.ctx.backend.delete(&key).await.map_err(to_wit_error))
    }

    async fn list(
        &mut self,
        prefix: String,
        delimiter: Option<String>,
        cursor: Option<String>,
        limit: u32,
    ) -> wasmtime::Result<Result<wit::ListPage, wit::Error>> {
        let limit = limit.clamp(1, MAX_LIST_LIMIT);
        let page = self
            .ctx
            .backend
            .list(&prefix, delimiter.as_deref(), cursor.as_deref(), limit)
            .await;
        Ok(page
            .map(|page| wit::ListPage {
                objects: page.objects.into_iter().map(to_wit_meta).collect(),
                common_prefixes: page.common_prefixes,
                cursor: page.cursor,
            })
            .map_err(to_wit_error))
    }
}

/// The guest's input-stream as the backend's body stream. `Closed` is the
/// end; a failed read is an interrupted body; a trap is kept in `trap`.
fn body_stream(
    stream: DynInputStream,
    trap: Arc<Mutex<Option<wasmtime::Error>>>,
) -> storage::BodyStream {
    let chunks = futures::stream::unfold(Some(stream), move |state| {
        let trap = trap.clone();
        async move {
            let mut stream = state?;
            loop {
                stream.ready().await;
                let failure = match stream.read(WRITE_CHUNK) {
                    // `ready` may wake early; wait again.
                    Ok(chunk) if chunk.is_empty() => continue,
                    Ok(chunk) => return Some((Ok::<Bytes, io::Error>(chunk), Some(stream))),
                    Err(StreamError::Closed) => None,
                    Err(StreamError::LastOperationFailed(e)) => {
                        Some(io::Error::other(e.to_string()))
                    }
                    Err(StreamError::Trap(e)) => {
                        *trap.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                        Some(io::Error::other("the body stream trapped"))
                    }
                };
                stream.cancel().await;
                return failure.map(|e| (Err(e), None));
            }
        }
    });
    Box::pin(chunks)
}

fn to_wit_meta(meta: storage::ObjectMeta) -> wit::ObjectMeta {
    wit::ObjectMeta {
        key: meta.key,
        size: meta.size,
        sha256: meta.sha256,
        etag: meta.etag,
        content_type: meta.content_type,
        cache_control: meta.cache_control,
        created_ms: meta.created_ms,
        user_metadata: meta.user_metadata,
        complete: meta.complete,
    }
}

fn to_wit_error(e: BlobError) -> wit::Error {
    match e {
        BlobError::InvalidKey(why) => wit::Error::InvalidKey(why),
        BlobError::NotFound => wit::Error::NotFound,
        BlobError::TooLarge => wit::Error::TooLarge,
        BlobError::ChecksumMismatch => wit::Error::ChecksumMismatch,
        BlobError::RangeNotSatisfiable(size) => wit::Error::RangeNotSatisfiable(size),
        BlobError::BodyInterrupted => wit::Error::BodyInterrupted,
        BlobError::Io(e) => {
            tracing::warn!(error = %e, "blob storage failed");
            wit::Error::Io(e.to_string())
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::storage::MemoryBlobBackend;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::{AsyncRead, ReadBuf};
    use wasmtime_wasi::p2::pipe::MemoryInputPipe;

    fn ctx() -> BlobCtx {
        BlobCtx::new(Arc::new(MemoryBlobBackend::new()))
    }

    fn push(
        table: &mut ResourceTable,
        stream: impl wasmtime_wasi_io::streams::InputStream,
    ) -> Resource<DynInputStream> {
        let stream: DynInputStream = Box::new(stream);
        table.push(stream).unwrap()
    }

    fn options() -> wit::WriteOptions {
        wit::WriteOptions {
            content_type: Some("video/MP2T".into()),
            cache_control: None,
            user_metadata: vec![],
            max_size: None,
            visible_while_writing: false,
            expected_sha256: None,
        }
    }

    /// Read a body resource to its end, as a guest would.
    async fn drain(
        table: &mut ResourceTable,
        body: Resource<DynInputStream>,
    ) -> Result<Vec<u8>, StreamError> {
        let mut stream = table.delete(body).unwrap();
        let mut out = Vec::new();
        loop {
            match stream.blocking_read(1 << 16).await {
                Ok(chunk) => out.extend_from_slice(&chunk),
                Err(StreamError::Closed) => return Ok(out),
                Err(e) => return Err(e),
            }
        }
    }

    /// Yields `bytes`, then fails as a dropped connection does.
    struct FailingReader(Option<&'static [u8]>);

    impl AsyncRead for FailingReader {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match self.0.take() {
                Some(bytes) => {
                    buf.put_slice(bytes);
                    Poll::Ready(Ok(()))
                }
                None => Poll::Ready(Err(io::ErrorKind::ConnectionReset.into())),
            }
        }
    }

    #[tokio::test]
    async fn a_guest_stream_is_stored_and_read_back_as_a_stream() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = BlobView::new(&ctx, &mut table);
        let body = push(view.table, MemoryInputPipe::new(vec![7u8; 200_000]));
        let meta = Host::write(&mut view, "live/seg.ts".into(), body, options())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (meta.size, meta.complete, meta.content_type.as_deref()),
            (200_000, true, Some("video/MP2T"))
        );
        assert!(view.table.is_empty(), "the guest's stream was consumed");

        let stat = Host::stat(&mut view, "live/seg.ts".into())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(stat.etag, meta.etag);
        let read = Host::read(&mut view, "live/seg.ts".into(), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((read.start, read.length), (0, Some(200_000)));
        assert_eq!(
            drain(view.table, read.body).await.unwrap(),
            vec![7u8; 200_000]
        );

        let range = Some(wit::ByteRange::StartingAt((10, Some(19))));
        let read = Host::read(&mut view, "live/seg.ts".into(), range)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((read.start, read.length), (10, Some(10)));
        assert_eq!(drain(view.table, read.body).await.unwrap().len(), 10);
        let suffix = Some(wit::ByteRange::Suffix(5));
        let read = Host::read(&mut view, "live/seg.ts".into(), suffix)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((read.start, read.length), (199_995, Some(5)));
        drop(drain(view.table, read.body).await.unwrap());
    }

    #[tokio::test]
    async fn a_failing_guest_stream_is_an_interrupted_body_not_a_trap() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = BlobView::new(&ctx, &mut table);
        let body = push(
            view.table,
            AsyncReadStream::new(FailingReader(Some(b"partial"))),
        );
        let result = Host::write(&mut view, "k".into(), body, options())
            .await
            .unwrap();
        assert!(matches!(result, Err(wit::Error::BodyInterrupted)));
        assert!(
            Host::stat(&mut view, "k".into())
                .await
                .unwrap()
                .unwrap()
                .is_none()
        );

        let body = push(view.table, AsyncReadStream::new(&b"from a reader"[..]));
        let meta = Host::write(&mut view, "k".into(), body, options())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(meta.size, 13);
    }

    #[tokio::test]
    async fn guest_visible_failures_are_wit_errors() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = BlobView::new(&ctx, &mut table);
        let body = push(view.table, MemoryInputPipe::new(&b"1234"[..]));
        let guest_limit = wit::WriteOptions {
            max_size: Some(2),
            ..options()
        };
        assert!(matches!(
            Host::write(&mut view, "k".into(), body, guest_limit)
                .await
                .unwrap(),
            Err(wit::Error::TooLarge)
        ));
        let body = push(view.table, MemoryInputPipe::new(&b"1234"[..]));
        let wrong = wit::WriteOptions {
            expected_sha256: Some("00".into()),
            ..options()
        };
        assert!(matches!(
            Host::write(&mut view, "k".into(), body, wrong)
                .await
                .unwrap(),
            Err(wit::Error::ChecksumMismatch)
        ));
        let body = push(view.table, MemoryInputPipe::new(&b"1234"[..]));
        assert!(matches!(
            Host::write(&mut view, "a//b".into(), body, options())
                .await
                .unwrap(),
            Err(wit::Error::InvalidKey(_))
        ));
        assert!(
            view.table.is_empty(),
            "failed writes consume their stream too"
        );

        assert!(matches!(
            Host::read(&mut view, "k".into(), None).await.unwrap(),
            Err(wit::Error::NotFound)
        ));
        let body = push(view.table, MemoryInputPipe::new(&b"1234"[..]));
        Host::write(&mut view, "k".into(), body, options())
            .await
            .unwrap()
            .unwrap();
        let past_end = Some(wit::ByteRange::StartingAt((4, None)));
        assert!(matches!(
            Host::read(&mut view, "k".into(), past_end).await.unwrap(),
            Err(wit::Error::RangeNotSatisfiable(4))
        ));
        assert!(Host::delete(&mut view, "k".into()).await.unwrap().unwrap());
        assert!(!Host::delete(&mut view, "k".into()).await.unwrap().unwrap());
        assert!(matches!(
            Host::stat(&mut view, "".into()).await.unwrap(),
            Err(wit::Error::InvalidKey(_))
        ));
    }

    #[tokio::test]
    async fn listing_limits_are_clamped_to_at_least_one_and_at_most_a_thousand() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = BlobView::new(&ctx, &mut table);
        for i in 0..1002 {
            let body = push(view.table, MemoryInputPipe::new(&b"x"[..]));
            Host::write(&mut view, format!("d/{i:04}"), body, options())
                .await
                .unwrap()
                .unwrap();
        }
        let page = Host::list(&mut view, "d/".into(), Some("/".into()), None, 0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (page.objects.len(), page.cursor.as_deref()),
            (1, Some("d/0000"))
        );
        let page = Host::list(&mut view, "d/".into(), None, page.cursor, u32::MAX)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (page.objects.len(), page.cursor.as_deref()),
            (1000, Some("d/1000"))
        );
        let page = Host::list(&mut view, "".into(), Some("/".into()), None, 10)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (page.objects.len(), page.common_prefixes),
            (0, vec!["d/".to_owned()])
        );
    }

    #[tokio::test]
    async fn a_streaming_write_is_readable_through_another_view_before_it_ends() {
        let ctx = ctx();
        let (mut writer_table, mut reader_table) = (ResourceTable::new(), ResourceTable::new());
        let (tx, rx) = tokio::io::duplex(1024);
        let body = push(&mut writer_table, AsyncReadStream::new(rx));
        let streaming = wit::WriteOptions {
            visible_while_writing: true,
            ..options()
        };
        let writer = {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let mut view = BlobView::new(&ctx, &mut writer_table);
                Host::write(&mut view, "live.ts".into(), body, streaming)
                    .await
                    .unwrap()
            })
        };
        let mut tx = tx;
        tokio::io::AsyncWriteExt::write_all(&mut tx, b"early")
            .await
            .unwrap();
        let mut view = BlobView::new(&ctx, &mut reader_table);
        let read = loop {
            match Host::read(&mut view, "live.ts".into(), None).await.unwrap() {
                Ok(read) if read.meta.size == 5 => break read,
                _ => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
            }
        };
        assert_eq!((read.length, read.meta.complete), (None, false));
        let mut stream = view.table.delete(read.body).unwrap();
        assert_eq!(&stream.blocking_read(5).await.unwrap()[..], b"early");
        tokio::io::AsyncWriteExt::write_all(&mut tx, b" late")
            .await
            .unwrap();
        drop(tx);
        assert_eq!(&stream.blocking_read(100).await.unwrap()[..], b" late");
        assert!(matches!(
            stream.blocking_read(100).await,
            Err(StreamError::Closed)
        ));
        assert_eq!(writer.await.unwrap().unwrap().size, 10);
    }
}
