//! What both blob backends share about writing: hashing and size checks on
//! the way in, and uploads that are visible while they arrive (MediaStore
//! `STREAMING`): a registry of uploads in progress, each publishing its byte
//! count on a watch channel that readers follow.

use super::blob::{BlobError, BodyReader, ObjectMeta, WriteOptions};
use async_trait::async_trait;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::watch;

/// Largest chunk a following reader asks for at once.
const FOLLOW_CHUNK: u64 = 64 * 1024;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Counts and hashes a body as it arrives and enforces the write options.
pub(crate) struct BodyCheck {
    hasher: Sha256,
    written: u64,
    max_size: Option<u64>,
}

impl BodyCheck {
    pub(crate) fn new(options: &WriteOptions) -> Self {
        Self {
            hasher: Sha256::new(),
            written: 0,
            max_size: options.max_size,
        }
    }

    /// Account for `chunk` before it is stored: fails with `TooLarge` before a
    /// byte past the limit is written anywhere.
    pub(crate) fn accept(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        let total = self.written.saturating_add(len);
        if self.max_size.is_some_and(|max| total > max) {
            return Err(BlobError::TooLarge);
        }
        self.hasher.update(chunk);
        self.written = total;
        Ok(())
    }

    /// Bytes accepted so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// The body ended: the final metadata, after checking the expected SHA-256.
    pub(crate) fn finish(
        self,
        key: &str,
        created_ms: u64,
        options: &WriteOptions,
    ) -> Result<ObjectMeta, BlobError> {
        let sha256 = hex::encode(self.hasher.finalize());
        if let Some(expected) = &options.expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(BlobError::ChecksumMismatch);
        }
        Ok(ObjectMeta {
            key: key.to_owned(),
            size: self.written,
            etag: sha256.clone(),
            sha256,
            content_type: options.content_type.clone(),
            cache_control: options.cache_control.clone(),
            created_ms,
            user_metadata: options.user_metadata.clone(),
            complete: true,
        })
    }
}

/// The next chunk of an upload body; a stream error means the client went away.
pub(crate) async fn next_chunk(
    body: &mut (impl Stream<Item = io::Result<Bytes>> + Unpin),
) -> Result<Option<Bytes>, BlobError> {
    loop {
        match body.next().await {
            None => return Ok(None),
            Some(Ok(chunk)) if chunk.is_empty() => continue,
            Some(Ok(chunk)) => return Ok(Some(chunk)),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "upload body failed");
                return Err(BlobError::BodyInterrupted);
            }
        }
    }
}

/// Where an upload in progress keeps the bytes received so far.
#[async_trait]
pub(crate) trait GrowingBody: Send + Sync + 'static {
    /// Up to `max` bytes at `offset`, which is below the published byte count.
    async fn read_at(&self, offset: u64, max: usize) -> io::Result<Bytes>;
}

/// An upload's published state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadState {
    Writing,
    Done,
    Failed,
}

#[derive(Debug, Clone, Copy)]
struct Progress {
    written: u64,
    state: UploadState,
}

/// An upload visible while it arrives.
pub(crate) struct Upload {
    meta: ObjectMeta,
    body: Arc<dyn GrowingBody>,
    progress: watch::Receiver<Progress>,
}

impl Upload {
    /// The metadata readers see now: `complete = false`, size so far.
    pub(crate) fn meta(&self) -> ObjectMeta {
        let mut meta = self.meta.clone();
        meta.size = self.progress.borrow().written;
        meta
    }

    /// Still arriving (not yet done or failed).
    pub(crate) fn is_writing(&self) -> bool {
        self.progress.borrow().state == UploadState::Writing
    }

    /// A reader from byte 0 that follows the upload: it waits for more bytes,
    /// ends when the upload is done and fails when it fails or is abandoned.
    pub(crate) fn reader(self: &Arc<Self>) -> BodyReader {
        struct Follow {
            upload: Arc<Upload>,
            progress: watch::Receiver<Progress>,
            offset: u64,
        }
        let start = Follow {
            upload: self.clone(),
            progress: self.progress.clone(),
            offset: 0,
        };
        let chunks = futures::stream::unfold(Some(start), |state| async move {
            let mut f = state?;
            loop {
                let now = *f.progress.borrow_and_update();
                if f.offset < now.written {
                    let max = usize::try_from((now.written - f.offset).min(FOLLOW_CHUNK))
                        .unwrap_or(usize::MAX);
                    return match f.upload.body.read_at(f.offset, max).await {
                        Ok(chunk) if chunk.is_empty() => {
                            Some((Err(io::ErrorKind::UnexpectedEof.into()), None))
                        }
                        Ok(chunk) => {
                            f.offset += u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                            Some((Ok(chunk), Some(f)))
                        }
                        Err(e) => Some((Err(e), None)),
                    };
                }
                match now.state {
                    UploadState::Done => return None,
                    UploadState::Failed => {
                        return Some((Err(io::Error::other("the upload failed")), None));
                    }
                    UploadState::Writing => {
                        if f.progress.changed().await.is_err() {
                            // The writer vanished without saying how it ended.
                            return Some((Err(io::Error::other("the upload was abandoned")), None));
                        }
                    }
                }
            }
        });
        Box::pin(ChunkReader::new(chunks.boxed()))
    }
}

/// The writer's side of an upload that is visible while it arrives. Dropping
/// it before [`finish`](Self::finish) marks the upload failed and hides it,
/// so an abandoned write (cancelled future) never stays visible.
pub(crate) struct UploadWriter {
    key: String,
    upload: Arc<Upload>,
    progress: watch::Sender<Progress>,
    registry: Arc<Registry>,
    finished: bool,
}

impl UploadWriter {
    /// Publish that `written` bytes are now readable from the body.
    pub(crate) fn advance(&self, written: u64) {
        self.progress.send_modify(|p| p.written = written);
    }

    /// The upload ended; `Done` only once the complete object is in place.
    pub(crate) fn finish(mut self, state: UploadState) {
        self.end(state);
    }

    fn end(&mut self, state: UploadState) {
        if !self.finished {
            self.finished = true;
            self.progress.send_modify(|p| p.state = state);
            self.registry.remove(&self.key, &self.upload);
        }
    }
}

impl Drop for UploadWriter {
    fn drop(&mut self) {
        self.end(UploadState::Failed);
    }
}

/// Uploads in progress by key; the newest upload of a key is the visible one.
#[derive(Default)]
pub(crate) struct Registry {
    uploads: Mutex<BTreeMap<String, Arc<Upload>>>,
}

impl Registry {
    /// Make an upload of `meta.key` visible, its bytes readable from `body`.
    pub(crate) fn start(
        self: &Arc<Self>,
        mut meta: ObjectMeta,
        body: Arc<dyn GrowingBody>,
    ) -> UploadWriter {
        meta.complete = false;
        meta.size = 0;
        meta.sha256.clear();
        meta.etag.clear();
        let (progress, rx) = watch::channel(Progress {
            written: 0,
            state: UploadState::Writing,
        });
        let key = meta.key.clone();
        let upload = Arc::new(Upload {
            meta,
            body,
            progress: rx,
        });
        self.lock().insert(key.clone(), upload.clone());
        UploadWriter {
            key,
            upload,
            progress,
            registry: self.clone(),
            finished: false,
        }
    }

    /// The upload in progress under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Upload>> {
        self.lock().get(key).filter(|u| u.is_writing()).cloned()
    }

    /// Keys and metadata of uploads in progress whose key starts with `prefix`, in key order.
    pub(crate) fn under(&self, prefix: &str) -> Vec<(String, ObjectMeta)> {
        self.lock()
            .range(prefix.to_owned()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .filter(|(_, u)| u.is_writing())
            .map(|(key, u)| (key.clone(), u.meta()))
            .collect()
    }

    /// Whether any upload is in progress under `prefix`.
    pub(crate) fn any_under(&self, prefix: &str) -> bool {
        self.lock()
            .range(prefix.to_owned()..)
            .next()
            .is_some_and(|(key, _)| key.starts_with(prefix))
    }

    fn remove(&self, key: &str, upload: &Arc<Upload>) {
        let mut uploads = self.lock();
        // A newer upload of the same key may have replaced this one.
        if uploads
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, upload))
        {
            uploads.remove(key);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<Upload>>> {
        // The map stays consistent even if a holder panicked: every change is one call.
        self.uploads.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An [`AsyncRead`] over a stream of chunks; a stream error is a read error.
pub(crate) struct ChunkReader<S> {
    chunks: S,
    current: Bytes,
}

impl<S> ChunkReader<S> {
    pub(crate) fn new(chunks: S) -> Self {
        Self {
            chunks,
            current: Bytes::new(),
        }
    }
}

impl<S: Stream<Item = io::Result<Bytes>> + Unpin> AsyncRead for ChunkReader<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.current.is_empty() {
            match ready!(this.chunks.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => this.current = chunk,
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = buf.remaining().min(this.current.len());
        buf.put_slice(&this.current.split_to(n));
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    struct VecBody(Mutex<Vec<u8>>);

    #[async_trait]
    impl GrowingBody for VecBody {
        async fn read_at(&self, offset: u64, max: usize) -> io::Result<Bytes> {
            let body = self.0.lock().unwrap();
            let start = usize::try_from(offset).unwrap();
            let end = body.len().min(start + max);
            Ok(Bytes::copy_from_slice(&body[start..end]))
        }
    }

    fn meta(key: &str) -> ObjectMeta {
        BodyCheck::new(&WriteOptions::default())
            .finish(key, 1, &WriteOptions::default())
            .unwrap()
    }

    #[test]
    fn body_check_stops_before_the_limit_and_checks_the_hash() {
        let options = WriteOptions {
            max_size: Some(4),
            ..Default::default()
        };
        let mut check = BodyCheck::new(&options);
        check.accept(b"abcd").unwrap();
        assert!(matches!(check.accept(b"e"), Err(BlobError::TooLarge)));
        assert_eq!(check.written(), 4);

        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let options = WriteOptions {
            expected_sha256: Some(abc.to_uppercase()),
            ..Default::default()
        };
        let mut check = BodyCheck::new(&options);
        check.accept(b"abc").unwrap();
        let meta = check.finish("k", 7, &options).unwrap();
        assert_eq!(
            (meta.sha256.as_str(), meta.etag.as_str(), meta.size),
            (abc, abc, 3)
        );

        let options = WriteOptions {
            expected_sha256: Some(abc.into()),
            ..Default::default()
        };
        let mut check = BodyCheck::new(&options);
        check.accept(b"abd").unwrap();
        assert!(matches!(
            check.finish("k", 7, &options),
            Err(BlobError::ChecksumMismatch)
        ));
    }

    #[tokio::test]
    async fn a_follower_reads_what_arrived_then_waits_until_the_upload_is_done() {
        let registry = Arc::new(Registry::default());
        let body = Arc::new(VecBody(Mutex::new(Vec::new())));
        let writer = registry.start(meta("k"), body.clone());
        let upload = registry.get("k").unwrap();
        let mut reader = upload.reader();

        body.0.lock().unwrap().extend_from_slice(b"hello ");
        writer.advance(6);
        let mut buf = [0u8; 6];
        reader.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello ");
        assert_eq!(registry.get("k").unwrap().meta().size, 6);

        body.0.lock().unwrap().extend_from_slice(b"world");
        writer.advance(11);
        writer.finish(UploadState::Done);
        assert!(
            registry.get("k").is_none(),
            "a finished upload leaves the registry"
        );
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"world");
    }

    #[tokio::test]
    async fn a_follower_fails_when_the_writer_is_dropped() {
        let registry = Arc::new(Registry::default());
        let writer = registry.start(meta("k"), Arc::new(VecBody(Mutex::new(Vec::new()))));
        let mut reader = registry.get("k").unwrap().reader();
        assert!(registry.any_under("") && registry.under("k").len() == 1);
        drop(writer);
        assert!(reader.read_to_end(&mut Vec::new()).await.is_err());
        assert!(registry.get("k").is_none() && !registry.any_under(""));
    }
}
