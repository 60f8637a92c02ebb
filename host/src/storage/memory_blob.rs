//! [`MemoryBlobBackend`]: the blob test double, with the same semantics as the
//! file-system backend (atomic replace, limits, uploads visible while
//! writing, listing) and nothing persisted.

use super::blob::{
    BlobBackend, BlobError, BodyStream, ByteRange, ListPage, ObjectKey, ObjectMeta, ReadBody,
    ReadHandle, WriteOptions,
};
use super::listing::{Entry, MergeSorted, assemble, page};
use super::upload::{BodyCheck, GrowingBody, Registry, UploadState, next_chunk, now_ms};
use async_trait::async_trait;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Objects kept in memory.
#[derive(Default)]
pub struct MemoryBlobBackend {
    objects: Mutex<BTreeMap<String, (ObjectMeta, Bytes)>>,
    uploads: Arc<Registry>,
}

impl MemoryBlobBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn objects(&self) -> MutexGuard<'_, BTreeMap<String, (ObjectMeta, Bytes)>> {
        // Every change is a single insert or remove, so a poisoned map is still consistent.
        self.objects.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl BlobBackend for MemoryBlobBackend {
    async fn stat(&self, key: &str) -> Result<Option<ObjectMeta>, BlobError> {
        let key = ObjectKey::parse(key)?;
        if let Some(upload) = self.uploads.get(key.as_str()) {
            return Ok(Some(upload.meta()));
        }
        Ok(self
            .objects()
            .get(key.as_str())
            .map(|(meta, _)| meta.clone()))
    }

    async fn read(&self, key: &str, range: Option<ByteRange>) -> Result<ReadHandle, BlobError> {
        let key = ObjectKey::parse(key)?;
        if let Some(upload) = self.uploads.get(key.as_str()) {
            return Ok(ReadHandle {
                meta: upload.meta(),
                start: 0,
                length: None,
                body: ReadBody::Reader(upload.reader()),
            });
        }
        let Some((meta, body)) = self.objects().get(key.as_str()).cloned() else {
            return Err(BlobError::NotFound);
        };
        let (start, length) = match range {
            Some(range) => range.resolve(meta.size)?,
            None => (0, meta.size),
        };
        let (Ok(from), Ok(to)) = (usize::try_from(start), usize::try_from(start + length)) else {
            return Err(BlobError::Io(io::Error::other("object larger than memory")));
        };
        Ok(ReadHandle {
            meta,
            start,
            length: Some(length),
            body: ReadBody::Bytes(body.slice(from..to)),
        })
    }

    async fn write(
        &self,
        key: &str,
        mut body: BodyStream,
        options: WriteOptions,
    ) -> Result<ObjectMeta, BlobError> {
        let key = ObjectKey::parse(key)?;
        let created_ms = now_ms();
        let buffer = Arc::new(Buffer::default());
        let mut check = BodyCheck::new(&options);
        let progress = options.visible_while_writing.then(|| {
            let template = ObjectMeta {
                key: key.to_string(),
                size: 0,
                sha256: String::new(),
                etag: String::new(),
                content_type: options.content_type.clone(),
                cache_control: options.cache_control.clone(),
                created_ms,
                user_metadata: options.user_metadata.clone(),
                complete: false,
            };
            self.uploads.start(template, buffer.clone())
        });
        while let Some(chunk) = next_chunk(&mut body).await? {
            check.accept(&chunk)?;
            buffer.lock().extend_from_slice(&chunk);
            if let Some(progress) = &progress {
                progress.advance(check.written());
            }
        }
        let meta = check.finish(key.as_str(), created_ms, &options)?;
        let bytes = match &progress {
            // Followers still read the buffer until the upload says it is done.
            Some(_) => Bytes::copy_from_slice(&buffer.lock()),
            None => Bytes::from(std::mem::take(&mut *buffer.lock())),
        };
        // In place before the upload says it is done, so no reader sees a gap.
        self.objects()
            .insert(key.to_string(), (meta.clone(), bytes));
        if let Some(progress) = progress {
            progress.finish(UploadState::Done);
        }
        Ok(meta)
    }

    async fn delete(&self, key: &str) -> Result<bool, BlobError> {
        let key = ObjectKey::parse(key)?;
        Ok(self.objects().remove(key.as_str()).is_some())
    }

    async fn list(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, BlobError> {
        let delimiter = delimiter.filter(|d| !d.is_empty());
        let stored: Vec<Result<Entry, Infallible>> = self
            .objects()
            .range(prefix.to_owned()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, _)| Ok(Entry::for_key(key.clone(), prefix, delimiter)))
            .collect();
        let in_progress = self
            .uploads
            .under(prefix)
            .into_iter()
            .map(|(key, _)| Entry::for_key(key, prefix, delimiter));
        let Ok((entries, next)) = page(
            MergeSorted::new(stored.into_iter(), in_progress),
            cursor,
            limit,
        );
        let Ok(out) = assemble(entries, next, &self.uploads, |key| {
            Ok::<_, Infallible>(self.objects().get(key).map(|(meta, _)| meta.clone()))
        });
        Ok(out)
    }
}

/// An upload's bytes so far.
#[derive(Default)]
struct Buffer(Mutex<Vec<u8>>);

impl Buffer {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl GrowingBody for Buffer {
    async fn read_at(&self, offset: u64, max: usize) -> io::Result<Bytes> {
        let body = self.lock();
        let start = usize::try_from(offset).map_or(body.len(), |o| o.min(body.len()));
        let end = body.len().min(start.saturating_add(max));
        Ok(Bytes::copy_from_slice(&body[start..end]))
    }
}
