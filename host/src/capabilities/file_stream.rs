//! A `wasi:io` input-stream over a region of an open file, for blob reads
//! past the inline size. It reads ahead one large chunk at a time on the
//! blocking pool with positional reads, so a guest's `blocking-splice`
//! moves a whole chunk per call. (wasmtime's `AsyncReadStream` over a tokio
//! file moves 64 KiB per hop through a spawned task, a channel and tokio's
//! own buffer: four times the guest calls and a copy more for a 1 MiB body.)

use bytes::Bytes;
use futures::FutureExt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use tokio::task::JoinHandle;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{InputStream, StreamError};

/// Bytes read per trip to the blocking pool. One of these is held per
/// stream and another may be on its way, so memory per response is bounded
/// by twice this.
pub const CHUNK: u64 = 512 * 1024;

/// `length` bytes of `file` from `offset`, as an input-stream.
pub struct FileReadStream {
    file: Arc<File>,
    /// Next byte to ask the blocking pool for.
    next: u64,
    /// Bytes not yet asked for.
    left: u64,
    /// Bytes read and not yet taken by the guest.
    ready: Bytes,
    /// The read under way.
    pending: Option<JoinHandle<io::Result<Bytes>>>,
    /// A failed read, reported once by `read`.
    failed: Option<io::Error>,
}

impl FileReadStream {
    /// A stream of `length` bytes of `file` starting at `offset`; the first
    /// chunk is asked for at once.
    pub fn new(file: File, offset: u64, length: u64) -> Self {
        let mut stream = Self {
            file: Arc::new(file),
            next: offset,
            left: length,
            ready: Bytes::new(),
            pending: None,
            failed: None,
        };
        stream.read_ahead();
        stream
    }

    /// Start reading the next chunk unless one is under way or all was asked.
    fn read_ahead(&mut self) {
        if self.pending.is_some() || self.left == 0 {
            return;
        }
        let len = self.left.min(CHUNK);
        let (file, at) = (self.file.clone(), self.next);
        self.next += len;
        self.left -= len;
        self.pending = Some(tokio::task::spawn_blocking(move || {
            read_region(&file, at, len)
        }));
    }

    /// Take a finished read's result into `ready` or `failed`.
    fn settle(&mut self, result: Result<io::Result<Bytes>, tokio::task::JoinError>) {
        self.pending = None;
        match result {
            Ok(Ok(bytes)) => self.ready = bytes,
            Ok(Err(e)) => self.failed = Some(e),
            Err(e) => self.failed = Some(io::Error::other(e)),
        }
    }
}

/// `len` bytes of `file` from `at`, read straight into fresh capacity: a
/// zero-filled buffer (`vec![0; len]`) cost a 512 KiB memset per chunk, 8%
/// of the server's CPU on 1 MiB GETs. The file's own cursor is used (only
/// this stream reads this handle, one chunk at a time) because `File`'s
/// `Read` fills uninitialised memory where a positional reader would have
/// to zero it first.
fn read_region(file: &File, at: u64, len: u64) -> io::Result<Bytes> {
    let mut buf = Vec::with_capacity(usize::try_from(len).map_err(io::Error::other)?);
    let mut reader = file;
    reader.seek(SeekFrom::Start(at))?;
    reader.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "the file ended {} bytes short of the region",
                len - buf.len() as u64
            ),
        ));
    }
    Ok(Bytes::from(buf))
}

#[async_trait::async_trait]
impl InputStream for FileReadStream {
    fn read(&mut self, size: usize) -> Result<Bytes, StreamError> {
        if self.ready.is_empty()
            && let Some(done) = self.pending.as_mut().and_then(|p| p.now_or_never())
        {
            self.settle(done);
        }
        if !self.ready.is_empty() {
            let out = self.ready.split_to(size.min(self.ready.len()));
            if self.ready.is_empty() {
                self.read_ahead();
            }
            return Ok(out);
        }
        if let Some(e) = self.failed.take() {
            self.left = 0;
            return Err(StreamError::LastOperationFailed(e.into()));
        }
        if self.pending.is_none() && self.left == 0 {
            return Err(StreamError::Closed);
        }
        Ok(Bytes::new())
    }

    async fn cancel(&mut self) {
        // A positional read cannot be interrupted; let it finish unobserved.
        self.pending = None;
        self.left = 0;
    }
}

#[async_trait::async_trait]
impl Pollable for FileReadStream {
    async fn ready(&mut self) {
        if !self.ready.is_empty() || self.failed.is_some() {
            return;
        }
        if let Some(pending) = self.pending.as_mut() {
            let done = pending.await;
            self.settle(done);
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    /// Read the stream as a guest's splice loop does, counting the reads
    /// that returned bytes.
    async fn drain(stream: &mut FileReadStream, size: usize) -> Result<(Vec<u8>, usize), String> {
        let mut out = Vec::new();
        let mut reads = 0;
        loop {
            match stream.blocking_read(size).await {
                Ok(bytes) => {
                    reads += 1;
                    out.extend_from_slice(&bytes);
                }
                Err(StreamError::Closed) => return Ok((out, reads)),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    #[tokio::test]
    async fn a_region_arrives_whole_one_chunk_per_read() {
        let bytes: Vec<u8> = (0..1_300_000u32).map(|i| (i % 253) as u8).collect();
        let mut stream = FileReadStream::new(file_of(&bytes), 0, bytes.len() as u64);
        let (out, reads) = drain(&mut stream, 1 << 20).await.unwrap();
        assert_eq!(out, bytes);
        assert_eq!(reads, 3, "512 KiB + 512 KiB + the rest");
    }

    #[tokio::test]
    async fn small_reads_take_part_of_a_chunk_and_ranges_start_mid_file() {
        let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 239) as u8).collect();
        let mut stream = FileReadStream::new(file_of(&bytes), 100_000, 550_000);
        let (out, reads) = drain(&mut stream, 100_000).await.unwrap();
        assert_eq!(out, &bytes[100_000..650_000]);
        assert_eq!(reads, 7, "six whole reads of 100 000 and the 50 000 left");
    }

    #[tokio::test]
    async fn an_empty_region_is_closed_at_once_and_a_short_file_fails() {
        let mut empty = FileReadStream::new(file_of(b"abc"), 3, 0);
        assert!(matches!(empty.read(10), Err(StreamError::Closed)));
        let mut short = FileReadStream::new(file_of(b"abc"), 0, 10);
        let e = drain(&mut short, 10).await.unwrap_err();
        assert!(e.contains("ended 7 bytes short"), "{e}");
        assert!(
            matches!(short.read(10), Err(StreamError::Closed)),
            "a failure is reported once, then the stream is over"
        );
    }

    #[tokio::test]
    async fn a_cancelled_stream_is_closed() {
        let mut stream = FileReadStream::new(file_of(&[1u8; 1000]), 0, 1000);
        stream.cancel().await;
        assert!(matches!(stream.read(10), Err(StreamError::Closed)));
    }
}
