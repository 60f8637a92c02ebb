//! The object-store contract shared by every blob backend. It mirrors
//! `tributary:blob/store@0.1.0` (see `wit/deps/tributary-blob@0.1.0/store.wit`)
//! in plain Rust types so that backends know nothing about wasmtime.

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;
use std::fmt;
use std::io;
use std::pin::Pin;
use tokio::io::AsyncRead;

/// Longest key accepted, in bytes (S3's and MediaStore's limit).
pub const MAX_KEY_LEN: usize = 1024;

/// A body being uploaded: chunks, or an error when the client went away.
pub type BodyStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A body being read.
pub type BodyReader = Pin<Box<dyn AsyncRead + Send>>;

/// Objects addressed by key.
///
/// Visibility is atomic: a [`write`](Self::write) becomes visible all at once
/// when it succeeds and replaces any earlier object; a failed or abandoned
/// write leaves the earlier object (or nothing). The exception is
/// [`WriteOptions::visible_while_writing`]: such an upload is visible, with
/// `complete = false` and a growing body, until it ends. If it fails, its
/// readers get an error and it disappears; an earlier object under the key,
/// untouched meanwhile, is visible again.
#[async_trait]
pub trait BlobBackend: Send + Sync + 'static {
    /// Metadata of the object under `key`; `Ok(None)` when absent.
    async fn stat(&self, key: &str) -> Result<Option<ObjectMeta>, BlobError>;

    /// Read all of an object, or the bytes `range` selects. Fails with
    /// [`BlobError::NotFound`] when absent and [`BlobError::RangeNotSatisfiable`]
    /// when `range` selects nothing of a complete object. For an object still
    /// being uploaded the range is ignored: the reader starts at 0, follows the
    /// upload and ends when it ends (or fails when it fails).
    async fn read(&self, key: &str, range: Option<ByteRange>) -> Result<ReadHandle, BlobError>;

    /// Store `body` under `key`; returns once the object is durable and visible.
    /// Any failure stores nothing.
    async fn write(
        &self,
        key: &str,
        body: BodyStream,
        options: WriteOptions,
    ) -> Result<ObjectMeta, BlobError>;

    /// Remove the stored object under `key`; `Ok(false)` when there was none.
    /// An upload in progress under `key` is not affected.
    async fn delete(&self, key: &str) -> Result<bool, BlobError>;

    /// Objects whose key starts with `prefix`, in key order, at most `limit`
    /// entries (objects and common prefixes together; 0 counts as 1). With a
    /// `delimiter`, keys having it after the prefix roll up into
    /// `common_prefixes`. `cursor` is the previous page's
    /// [`ListPage::cursor`]: the last entry it returned.
    async fn list(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, BlobError>;
}

/// Why a blob operation failed (the WIT `error` variant).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// The key breaks the key rules; the string says which.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// No object under the key.
    #[error("no such object")]
    NotFound,
    /// The body grew past [`WriteOptions::max_size`]; nothing was stored.
    #[error("the body is larger than allowed")]
    TooLarge,
    /// The body's SHA-256 differed from [`WriteOptions::expected_sha256`].
    #[error("the body does not match its expected SHA-256")]
    ChecksumMismatch,
    /// The range starts at or after the end; the payload is the object's size.
    #[error("range not satisfiable for an object of {0} bytes")]
    RangeNotSatisfiable(u64),
    /// The body stream failed before it ended; nothing was stored.
    #[error("the body stream failed before it ended")]
    BodyInterrupted,
    /// The storage itself failed (disk full, I/O error).
    #[error("storage I/O error: {0}")]
    Io(#[from] io::Error),
}

/// What is known about a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The object's key.
    pub key: String,
    /// Size in bytes; while an upload is still arriving, the bytes so far.
    pub size: u64,
    /// Lower-case hex SHA-256 of the body; empty while still arriving.
    pub sha256: String,
    /// Entity tag (the SHA-256 hex, unquoted); empty while still arriving.
    pub etag: String,
    /// `Content-Type` given at write time.
    pub content_type: Option<String>,
    /// `Cache-Control` given at write time.
    pub cache_control: Option<String>,
    /// When the write that made this object started (ms since the Unix epoch).
    pub created_ms: u64,
    /// Caller-defined metadata, in the order given.
    pub user_metadata: Vec<(String, String)>,
    /// False while a `visible_while_writing` upload is still arriving.
    pub complete: bool,
}

/// Which bytes to read (an HTTP `Range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// From the first offset to the second, inclusive; `None` = to the end. An
    /// end past the object's end is clamped to it.
    StartingAt(u64, Option<u64>),
    /// The last `n` bytes; the whole object when it is shorter.
    Suffix(u64),
}

impl ByteRange {
    /// The `(start, length)` this range selects from an object of `size`
    /// bytes. A range that selects nothing (starts at or past the end, ends
    /// before it starts, or an empty suffix) is not satisfiable, as in
    /// RFC 9110 §14.1.1.
    pub fn resolve(self, size: u64) -> Result<(u64, u64), BlobError> {
        let unsatisfiable = Err(BlobError::RangeNotSatisfiable(size));
        match self {
            ByteRange::StartingAt(first, last) => {
                if first >= size || last.is_some_and(|last| last < first) {
                    return unsatisfiable;
                }
                let last = last.map_or(size - 1, |last| last.min(size - 1));
                Ok((first, last - first + 1))
            }
            ByteRange::Suffix(n) => {
                if n == 0 || size == 0 {
                    return unsatisfiable;
                }
                let length = n.min(size);
                Ok((size - length, length))
            }
        }
    }
}

/// A body being read and what it is.
pub struct ReadHandle {
    /// The object's metadata when reading started.
    pub meta: ObjectMeta,
    /// Offset of the first byte `body` yields.
    pub start: u64,
    /// Bytes `body` will yield; `None` while the upload is still arriving.
    pub length: Option<u64>,
    /// The bytes. For an incomplete object it ends when the upload ends and
    /// fails with an error when the upload fails.
    pub body: ReadBody,
}

/// The bytes of a read, in the form that is cheapest to move: the blob
/// capability turns each into a `wasi:io` input-stream of its own kind.
pub enum ReadBody {
    /// All of it, already in memory (small objects, the memory backend).
    Bytes(Bytes),
    /// `length` bytes of an open file from `offset`, for the capability to
    /// read in large chunks on the blocking pool.
    File {
        /// The object file, opened when the read started (a concurrent
        /// replace renames another file into place and does not disturb it).
        file: std::fs::File,
        /// First byte.
        offset: u64,
        /// Bytes to read.
        length: u64,
    },
    /// Anything else (an upload still arriving).
    Reader(BodyReader),
}

impl ReadBody {
    /// The body as one async reader, whatever its form.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "the host moves each form its own way; tests read them all alike"
        )
    )]
    pub fn into_reader(self) -> io::Result<BodyReader> {
        Ok(match self {
            ReadBody::Bytes(bytes) => Box::pin(io::Cursor::new(bytes)),
            ReadBody::File {
                mut file,
                offset,
                length,
            } => {
                use std::io::Seek;
                file.seek(io::SeekFrom::Start(offset))?;
                Box::pin(tokio::io::AsyncReadExt::take(
                    tokio::fs::File::from_std(file),
                    length,
                ))
            }
            ReadBody::Reader(reader) => reader,
        })
    }
}

impl fmt::Debug for ReadHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHandle")
            .field("meta", &self.meta)
            .field("start", &self.start)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// How to store an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// `Content-Type` to keep with the object.
    pub content_type: Option<String>,
    /// `Cache-Control` to keep with the object.
    pub cache_control: Option<String>,
    /// Caller-defined metadata, kept in order.
    pub user_metadata: Vec<(String, String)>,
    /// Fail with [`BlobError::TooLarge`] (storing nothing) past this many bytes.
    pub max_size: Option<u64>,
    /// Make the object readable while it arrives (MediaStore `STREAMING`).
    pub visible_while_writing: bool,
    /// Lower-case hex SHA-256 the body must have (case is ignored).
    pub expected_sha256: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    /// Objects, in key order.
    pub objects: Vec<ObjectMeta>,
    /// With a delimiter: the distinct prefixes up to and including it, in order.
    pub common_prefixes: Vec<String>,
    /// The last entry returned, to pass back for the next page; `None` on the
    /// last page.
    pub cursor: Option<String>,
}

/// A key that follows the key rules: non-empty, at most [`MAX_KEY_LEN`] bytes,
/// `/`-separated segments none of which is empty, `.` or `..`, and no control
/// characters. Backends can map it to paths without escaping the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Check `key` against the key rules.
    pub fn parse(key: &str) -> Result<Self, BlobError> {
        let invalid = |why: String| Err(BlobError::InvalidKey(why));
        if key.is_empty() {
            return invalid("the key is empty".into());
        }
        if key.len() > MAX_KEY_LEN {
            return invalid(format!(
                "the key is {} bytes long, more than {MAX_KEY_LEN}",
                key.len()
            ));
        }
        if let Some(c) = key.chars().find(|c| c.is_control()) {
            return invalid(format!("the key contains the control character {c:?}"));
        }
        for segment in key.split('/') {
            match segment {
                "" => return invalid(format!("{key:?} has an empty segment")),
                "." | ".." => return invalid(format!("{key:?} has a {segment:?} segment")),
                _ => {}
            }
        }
        Ok(Self(key.to_owned()))
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `/`-separated segments, each non-empty and neither `.` nor `..`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(key: &str) -> bool {
        matches!(ObjectKey::parse(key), Err(BlobError::InvalidKey(_)))
    }

    #[test]
    fn keys_must_be_nonempty_segments_without_dots_or_controls() {
        for key in [
            "live/seg1.ts",
            "a",
            "a/b/c",
            ".hidden/x",
            "x/..y",
            "ü/ß",
            "a b/%2F",
        ] {
            assert!(ObjectKey::parse(key).is_ok(), "{key}");
        }
        for key in [
            "", "/a", "a/", "a//b", "./a", "a/.", "a/../b", "..", "a\nb", "a\u{7f}", "a\u{85}b",
        ] {
            assert!(invalid(key), "{key:?}");
        }
        assert!(ObjectKey::parse(&"a".repeat(MAX_KEY_LEN)).is_ok());
        assert!(invalid(&"a".repeat(MAX_KEY_LEN + 1)));
    }

    #[test]
    fn ranges_resolve_like_http_and_clamp_their_end() {
        use ByteRange::*;
        assert_eq!(StartingAt(0, None).resolve(10).ok(), Some((0, 10)));
        assert_eq!(StartingAt(2, Some(4)).resolve(10).ok(), Some((2, 3)));
        assert_eq!(StartingAt(8, Some(100)).resolve(10).ok(), Some((8, 2)));
        assert_eq!(StartingAt(9, Some(9)).resolve(10).ok(), Some((9, 1)));
        assert_eq!(Suffix(3).resolve(10).ok(), Some((7, 3)));
        assert_eq!(Suffix(30).resolve(10).ok(), Some((0, 10)));
        for (range, size) in [
            (StartingAt(10, None), 10),
            (StartingAt(5, Some(4)), 10),
            (Suffix(0), 10),
            (Suffix(1), 0),
        ] {
            assert!(
                matches!(range.resolve(size), Err(BlobError::RangeNotSatisfiable(s)) if s == size),
                "{range:?}"
            );
        }
    }
}
