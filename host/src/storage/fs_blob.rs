//! [`FsBlobBackend`]: objects as files under a root directory, the embedded
//! default that needs no server.
//!
//! # On-disk format
//!
//! **Names.** A key `a/b/c` maps to `<root>/a+/b+/c`: every segment but the
//! last is a *folder directory* named `<enc>+`, the last is an *object file*
//! named `<enc>`. `enc` percent-encodes (upper-case hex) every byte outside
//! `[A-Za-z0-9._~-]`, and a leading `.`, so:
//! - `+` never appears literally in an object name: the object `a` (`a`) and
//!   the folder `a/` (`a+`) cannot collide, and neither can `a+b` (`a%2Bb`);
//! - no encoded name starts with `.`: `.tmp-*` upload files and `.`/`..`
//!   cannot collide with objects or folders;
//! - names that are not the canonical encoding of something are not ours and
//!   are ignored (a stray `README` is an object only if it decodes and
//!   re-encodes to itself, which it does; `x%zz` is skipped).
//!
//! An encoded segment longer than [`MAX_ENCODED_SEGMENT`] bytes does not fit in
//! a file name (255 bytes) and is rejected as an invalid key.
//!
//! **Objects.** One file per object, so content and metadata become visible
//! together:
//!
//! ```text
//! [body: size bytes][trailer: JSON][trailer length: u32 LE][magic: "TRBLOB01"]
//! ```
//!
//! The body starts at offset 0 (reads and a future `sendfile` need no
//! offset arithmetic). The JSON trailer holds `size`, `sha256`, `etag`,
//! `content_type`, `cache_control`, `created_ms` and `user_metadata` (a list of
//! `[name, value]` pairs). A file whose magic, length or trailer does not check
//! out is treated as absent and logged.
//!
//! **Writes.** Into `.tmp-<random>` in the object's folder directory: the body
//! is streamed while being hashed and counted, the trailer appended, the file
//! fsynced, renamed over `<enc>`, and the directory fsynced. A failed write
//! (too large, checksum, body error) removes its temporary file; one cut short
//! by a crash leaves `.tmp-*` behind, which [`FsBlobBackend::open`] removes.
//! Either way no partial object is ever visible. Deleting the last object of a
//! folder removes the folder directories it leaves empty (never the root).
//!
//! One process owns a root at a time: `open` deletes every `.tmp-*` file,
//! including those of another live process.

use super::blob::{
    BlobBackend, BlobError, BodyStream, ByteRange, ListPage, ObjectKey, ObjectMeta, ReadBody,
    ReadHandle, WriteOptions,
};
use super::listing::{Entry, MergeSorted, assemble, page};
use super::upload::{
    BodyCheck, GrowingBody, Registry, UploadState, UploadWriter, next_chunk, now_ms,
};
use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Longest encoded segment: a folder name adds one byte and must fit in 255.
pub const MAX_ENCODED_SEGMENT: usize = 254;
/// Marks a folder directory; never part of an encoded name.
const FOLDER_SUFFIX: char = '+';
/// Starts every temporary upload file; no encoded name starts with `.`.
const TMP_PREFIX: &str = ".tmp-";
/// Ends every object file; the version is in the last byte.
const MAGIC: &[u8; 8] = b"TRBLOB01";
/// Trailer length field plus magic.
const TAIL_LEN: u64 = 12;
/// A trailer larger than this is treated as damage (metadata is small).
const MAX_TRAILER: u64 = 1 << 20;
/// Bodies up to this size are read together with the open; larger ones are
/// handed on as the open file.
const INLINE_READ: usize = 64 * 1024;

/// Objects stored as files under a root directory (see the module docs for
/// the format).
pub struct FsBlobBackend {
    root: Arc<PathBuf>,
    uploads: Arc<Registry>,
}

impl FsBlobBackend {
    /// Use `root` (created if missing) and remove upload files a crash left
    /// behind, with the folder directories they leave empty. Blocks while it
    /// walks the tree.
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        fs::create_dir_all(root)?;
        let removed = clean_dir(root, true)?;
        if removed > 0 {
            tracing::info!(root = %root.display(), removed, "removed unfinished uploads");
        }
        Ok(Self {
            root: Arc::new(root.to_path_buf()),
            uploads: Arc::new(Registry::default()),
        })
    }

    /// The folder directory and object file of `key`.
    fn paths(&self, key: &ObjectKey) -> Result<(PathBuf, PathBuf), BlobError> {
        paths(&self.root, key)
    }
}

#[async_trait]
impl BlobBackend for FsBlobBackend {
    async fn stat(&self, key: &str) -> Result<Option<ObjectMeta>, BlobError> {
        let key = ObjectKey::parse(key)?;
        if let Some(upload) = self.uploads.get(key.as_str()) {
            return Ok(Some(upload.meta()));
        }
        let (_, file) = self.paths(&key)?;
        // As in `read`: from the page cache on this thread when it can be.
        match open_object(&file, key.as_str(), Reads::Cached) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            done => return Ok(done?.map(|(_, meta)| meta)),
        }
        blocking(
            move || Ok(open_object(&file, key.as_str(), Reads::Waiting)?.map(|(_, meta)| meta)),
        )
        .await
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
        let (_, path) = self.paths(&key)?;
        // Hot objects are in the page cache: read them on this thread, with
        // reads that refuse to wait for the disk; anything else goes to the
        // blocking pool.
        match read_object(&path, key.as_str(), range, Reads::Cached) {
            Err(BlobError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {}
            done => return done,
        }
        blocking(move || read_object(&path, key.as_str(), range, Reads::Waiting)).await
    }

    async fn write(
        &self,
        key: &str,
        mut body: BodyStream,
        options: WriteOptions,
    ) -> Result<ObjectMeta, BlobError> {
        let key = ObjectKey::parse(key)?;
        let (dir, final_path) = self.paths(&key)?;
        let created_ms = now_ms();
        let root = self.root.clone();
        let (file, tmp) = blocking(move || create_tmp(&root, &dir)).await?;
        let file = Arc::new(file);

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
            self.uploads
                .start(template, Arc::new(FileBody(file.clone())))
        });

        while let Some(chunk) = next_chunk(&mut body).await? {
            check.accept(&chunk)?;
            let offset = check.written() - chunk.len() as u64;
            let f = file.clone();
            blocking(move || Ok(f.write_all_at(&chunk, offset)?)).await?;
            if let Some(progress) = &progress {
                progress.advance(check.written());
            }
        }
        let meta = check.finish(key.as_str(), created_ms, &options)?;

        let trailer = Trailer::of(&meta);
        let f = file.clone();
        let tmp_path = tmp.path.clone();
        blocking(move || {
            let json = serde_json::to_vec(&trailer).map_err(io::Error::other)?;
            let json_len = u32::try_from(json.len())
                .ok()
                .filter(|&n| u64::from(n) <= MAX_TRAILER);
            let Some(json_len) = json_len else {
                // Only enormous user metadata gets here; refuse rather than
                // write a trailer the reader would call damaged.
                return Err(BlobError::TooLarge);
            };
            let mut tail = json;
            tail.extend_from_slice(&json_len.to_le_bytes());
            tail.extend_from_slice(MAGIC);
            f.write_all_at(&tail, trailer.size)?;
            f.sync_all()?;
            fs::rename(&tmp_path, &final_path)?;
            if let Some(dir) = final_path.parent() {
                sync_dir(dir)?;
            }
            Ok(())
        })
        .await?;
        tmp.disarm();
        finish(progress, UploadState::Done);
        Ok(meta)
    }

    async fn delete(&self, key: &str) -> Result<bool, BlobError> {
        let key = ObjectKey::parse(key)?;
        let (dir, file) = self.paths(&key)?;
        let root = self.root.clone();
        blocking(move || match fs::remove_file(&file) {
            Ok(()) => {
                sync_dir(&dir)?;
                prune_empty(&root, &dir);
                Ok(true)
            }
            Err(e) if is_absent(&e) => Ok(false),
            Err(e) => Err(e.into()),
        })
        .await
    }

    async fn list(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, BlobError> {
        let root = self.root.clone();
        let uploads = self.uploads.clone();
        let prefix = prefix.to_owned();
        let delimiter = delimiter.filter(|d| !d.is_empty()).map(str::to_owned);
        let cursor = cursor.map(str::to_owned);
        blocking(move || {
            list_blocking(
                &root,
                &uploads,
                &prefix,
                delimiter.as_deref(),
                cursor.as_deref(),
                limit,
            )
        })
        .await
    }
}

/// The folder directory and object file of `key` under `root`.
fn paths(root: &Path, key: &ObjectKey) -> Result<(PathBuf, PathBuf), BlobError> {
    let mut dir = root.to_path_buf();
    let mut segments = key.segments().peekable();
    while let Some(segment) = segments.next() {
        let name = encode_checked(segment)?;
        if segments.peek().is_none() {
            let file = dir.join(name);
            return Ok((dir, file));
        }
        dir.push(format!("{name}{FOLDER_SUFFIX}"));
    }
    // Unreachable: an `ObjectKey` has at least one segment.
    Err(BlobError::InvalidKey("the key is empty".into()))
}

/// Run blocking file-system work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Io(io::Error::other(e)))?
}

fn finish(progress: Option<UploadWriter>, state: UploadState) {
    if let Some(progress) = progress {
        progress.finish(state);
    }
}

/// The bytes of an upload in progress, read from its temporary file (by file
/// handle, so the rename at the end does not disturb readers).
struct FileBody(Arc<File>);

#[async_trait]
impl GrowingBody for FileBody {
    async fn read_at(&self, offset: u64, max: usize) -> io::Result<Bytes> {
        let file = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut buf = vec![0; max];
            let n = file.read_at(&mut buf, offset)?;
            buf.truncate(n);
            Ok(Bytes::from(buf))
        })
        .await
        .map_err(io::Error::other)?
    }
}

/// A temporary upload file, removed (with the folders it leaves empty) unless
/// disarmed, so every failed or cancelled write cleans up after itself.
struct TmpFile {
    root: Arc<PathBuf>,
    path: PathBuf,
    armed: bool,
}

impl TmpFile {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for TmpFile {
    fn drop(&mut self) {
        if self.armed {
            // A quick unlink; doing it inline keeps cleanup certain even when
            // the write future is dropped outside a runtime.
            if let Err(e) = fs::remove_file(&self.path)
                && !is_absent(&e)
            {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot remove an unfinished upload");
            }
            if let Some(dir) = self.path.parent() {
                prune_empty(&self.root, dir);
            }
        }
    }
}

/// Create the folder directories of `dir` and a new temporary file in it.
fn create_tmp(root: &Arc<PathBuf>, dir: &Path) -> Result<(File, TmpFile), BlobError> {
    // A concurrent delete may remove a folder directory between creating it
    // and creating the file in it: try again a few times.
    let mut last_error = None;
    for _ in 0..8 {
        create_folders(root, dir)?;
        let path = dir.join(format!("{TMP_PREFIX}{:016x}", rand::random::<u64>()));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                return Ok((
                    file,
                    TmpFile {
                        root: root.clone(),
                        path,
                        armed: true,
                    },
                ));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::AlreadyExists
                ) =>
            {
                last_error = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::other("cannot create an upload file"))
        .into())
}

/// Create the folder directories from `root` down to `dir`, fsyncing the parent
/// of each new one so the path survives a crash with the object.
fn create_folders(root: &Path, dir: &Path) -> io::Result<()> {
    let Ok(relative) = dir.strip_prefix(root) else {
        return Err(io::Error::other("object directory outside the root"));
    };
    let mut path = root.to_path_buf();
    for component in relative.components() {
        let parent = path.clone();
        path.push(component);
        match fs::create_dir(&path) {
            Ok(()) => sync_dir(&parent)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Remove `dir` and its ancestors below `root` while they are empty.
fn prune_empty(root: &Path, dir: &Path) {
    let mut dir = dir;
    while dir != root && dir.starts_with(root) {
        // Fails (and stops) on the first directory that is not empty.
        if fs::remove_dir(dir).is_err() {
            return;
        }
        match dir.parent() {
            Some(parent) => dir = parent,
            None => return,
        }
    }
}

fn is_absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// Remove `.tmp-*` files under `dir` and the folder directories left empty;
/// returns how many files were removed.
fn clean_dir(dir: &Path, is_root: bool) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if file_type.is_file() && name.starts_with(TMP_PREFIX) {
            fs::remove_file(entry.path())?;
            removed += 1;
        } else if file_type.is_dir() && folder_segment(&name).is_some() {
            removed += clean_dir(&entry.path(), false)?;
        }
    }
    if !is_root {
        // Only succeeds when empty.
        let _ = fs::remove_dir(dir);
    }
    Ok(removed)
}

/// Percent-encode a key segment into a file name.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for (i, byte) in segment.bytes().enumerate() {
        let literal =
            byte.is_ascii_alphanumeric() || b"_~-".contains(&byte) || (byte == b'.' && i > 0);
        if literal {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn encode_checked(segment: &str) -> Result<String, BlobError> {
    let name = encode(segment);
    if name.len() > MAX_ENCODED_SEGMENT {
        return Err(BlobError::InvalidKey(format!(
            "the segment {segment:?} is too long for file storage ({} bytes encoded, at most {MAX_ENCODED_SEGMENT})",
            name.len()
        )));
    }
    Ok(name)
}

/// The key segment an object file name encodes, if it is a canonical encoding
/// of a valid segment.
fn object_segment(name: &str) -> Option<String> {
    let bytes = percent_encoding::percent_decode_str(name).collect::<Vec<u8>>();
    let segment = String::from_utf8(bytes).ok()?;
    let valid = !segment.is_empty()
        && segment != "."
        && segment != ".."
        && !segment.contains('/')
        && !segment.chars().any(char::is_control);
    (valid && encode(&segment) == name).then_some(segment)
}

/// The key segment a folder directory name encodes.
fn folder_segment(name: &str) -> Option<String> {
    object_segment(name.strip_suffix(FOLDER_SUFFIX)?)
}

/// How reads of object files may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// Block until the bytes are there (on the blocking pool).
    Waiting,
    /// Only from the page cache (`RWF_NOWAIT`): anything else fails with
    /// `WouldBlock`, and so do short reads and kernels or file systems
    /// without the flag.
    Cached,
}

impl Reads {
    /// Fill `buf` from `offset` of `file`.
    fn read_exact_at(self, file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
        match self {
            Reads::Waiting => file.read_exact_at(buf, offset),
            Reads::Cached => {
                let wanted = buf.len();
                let got = rustix::io::preadv2(
                    file,
                    &mut [io::IoSliceMut::new(buf)],
                    offset,
                    rustix::io::ReadWriteFlags::NOWAIT,
                );
                match got {
                    Ok(n) if n == wanted => Ok(()),
                    _ => Err(io::ErrorKind::WouldBlock.into()),
                }
            }
        }
    }
}

/// A read of `key` from its file at `path`: metadata and, for bodies up to
/// [`INLINE_READ`], the bytes; larger bodies are handed on as the open file.
fn read_object(
    path: &Path,
    key: &str,
    range: Option<ByteRange>,
    reads: Reads,
) -> Result<ReadHandle, BlobError> {
    // Metadata and body come from one open file: a concurrent replace
    // renames a new file into place and cannot mix the two.
    let Some((file, meta)) = open_object(path, key, reads)? else {
        return Err(BlobError::NotFound);
    };
    let (start, length) = match range {
        Some(range) => range.resolve(meta.size)?,
        None => (0, meta.size),
    };
    // A small body is read with the open: one step for a playlist or a
    // small segment.
    let body = match usize::try_from(length) {
        Ok(n) if n <= INLINE_READ => {
            let mut buf = vec![0; n];
            reads.read_exact_at(&file, &mut buf, start)?;
            ReadBody::Bytes(Bytes::from(buf))
        }
        _ => ReadBody::File {
            file,
            offset: start,
            length,
        },
    };
    Ok(ReadHandle {
        meta,
        start,
        length: Some(length),
        body,
    })
}

/// Open the object file at `path` and read its trailer; `None` when there is
/// no file or its trailer is damaged.
fn open_object(path: &Path, key: &str, reads: Reads) -> io::Result<Option<(File, ObjectMeta)>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if is_absent(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    match read_trailer(&file, reads)? {
        Ok(trailer) => Ok(Some((file, trailer.into_meta(key)))),
        Err(why) => {
            tracing::warn!(key, path = %path.display(), why, "damaged object file, treated as absent");
            Ok(None)
        }
    }
}

/// The trailer of an object file, or why it is damaged.
fn read_trailer(file: &File, reads: Reads) -> io::Result<Result<Trailer, &'static str>> {
    let len = file.metadata()?.len();
    if len < TAIL_LEN {
        return Ok(Err("shorter than a trailer"));
    }
    let mut tail = [0u8; TAIL_LEN as usize];
    reads.read_exact_at(file, &mut tail, len - TAIL_LEN)?;
    let (json_len, magic) = tail.split_at(4);
    if magic != MAGIC {
        return Ok(Err("no trailer magic"));
    }
    let json_len = u64::from(u32::from_le_bytes([
        json_len[0],
        json_len[1],
        json_len[2],
        json_len[3],
    ]));
    if json_len > MAX_TRAILER || json_len > len - TAIL_LEN {
        return Ok(Err("bad trailer length"));
    }
    let body_len = len - TAIL_LEN - json_len;
    let mut json = vec![0u8; usize::try_from(json_len).unwrap_or(0)];
    reads.read_exact_at(file, &mut json, body_len)?;
    let Ok(trailer) = serde_json::from_slice::<Trailer>(&json) else {
        return Ok(Err("trailer is not valid JSON"));
    };
    if trailer.size != body_len {
        return Ok(Err("trailer size does not match the body"));
    }
    Ok(Ok(trailer))
}

/// The metadata kept at the end of an object file.
#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    size: u64,
    sha256: String,
    etag: String,
    content_type: Option<String>,
    cache_control: Option<String>,
    created_ms: u64,
    user_metadata: Vec<(String, String)>,
}

impl Trailer {
    fn of(meta: &ObjectMeta) -> Self {
        Self {
            size: meta.size,
            sha256: meta.sha256.clone(),
            etag: meta.etag.clone(),
            content_type: meta.content_type.clone(),
            cache_control: meta.cache_control.clone(),
            created_ms: meta.created_ms,
            user_metadata: meta.user_metadata.clone(),
        }
    }

    fn into_meta(self, key: &str) -> ObjectMeta {
        ObjectMeta {
            key: key.to_owned(),
            size: self.size,
            sha256: self.sha256,
            etag: self.etag,
            content_type: self.content_type,
            cache_control: self.cache_control,
            created_ms: self.created_ms,
            user_metadata: self.user_metadata,
            complete: true,
        }
    }
}

/// One directory entry that belongs to the store.
struct DirItem {
    /// The object key, or for a folder its key prefix ending in `/`; items
    /// sort by it, which is key order of everything beneath.
    key: String,
    path: PathBuf,
    folder: bool,
}

/// The store's entries in the folder directory `dir` (key prefix `key_prefix`)
/// whose segment starts with `name_prefix`, in key order; none if `dir` is gone.
fn read_folder(dir: &Path, key_prefix: &str, name_prefix: &str) -> io::Result<Vec<DirItem>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if is_absent(&e) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut items = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let file_type = entry.file_type()?;
        let (segment, folder) = if file_type.is_file() {
            (object_segment(name), false)
        } else if file_type.is_dir() {
            (folder_segment(name), true)
        } else {
            (None, false)
        };
        let Some(segment) = segment.filter(|s| s.starts_with(name_prefix)) else {
            continue;
        };
        let key = if folder {
            format!("{key_prefix}{segment}/")
        } else {
            format!("{key_prefix}{segment}")
        };
        items.push(DirItem {
            key,
            path: entry.path(),
            folder,
        });
    }
    items.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(items)
}

/// Whether a folder holds an object or an upload in progress, at any depth
/// (a folder holding only a non-streaming upload's temporary file does not).
/// Stops at the first object, so it rarely reads more than one directory.
fn folder_is_visible(dir: &Path, key_prefix: &str, uploads: &Registry) -> io::Result<bool> {
    if uploads.any_under(key_prefix) {
        return Ok(true);
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if is_absent(&e) => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut subfolders = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let file_type = entry.file_type()?;
        if file_type.is_file() && object_segment(name).is_some() {
            return Ok(true);
        }
        if file_type.is_dir()
            && let Some(segment) = folder_segment(name)
        {
            subfolders.push((entry.path(), format!("{key_prefix}{segment}/")));
        }
    }
    for (path, prefix) in subfolders {
        if folder_is_visible(&path, &prefix, uploads)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every object key under a folder, depth first in key order, skipping whole
/// folders that sort before `cursor`.
struct Walk {
    stack: Vec<std::vec::IntoIter<DirItem>>,
    cursor: Option<String>,
}

impl Iterator for Walk {
    type Item = io::Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let level = self.stack.last_mut()?;
            let Some(item) = level.next() else {
                self.stack.pop();
                continue;
            };
            if !item.folder {
                return Some(Ok(Entry::Object(item.key)));
            }
            // Everything in a folder sorts before the cursor when its prefix
            // does and the cursor is not inside it.
            if let Some(cursor) = &self.cursor
                && item.key.as_str() < cursor.as_str()
                && !cursor.starts_with(&item.key)
            {
                continue;
            }
            match read_folder(&item.path, &item.key, "") {
                Ok(items) => self.stack.push(items.into_iter()),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

fn list_blocking(
    root: &Path,
    uploads: &Registry,
    prefix: &str,
    delimiter: Option<&str>,
    cursor: Option<&str>,
    limit: u32,
) -> Result<ListPage, BlobError> {
    // `prefix` = folder part (whole segments) + the start of a segment.
    let (folder_part, name_prefix) = match prefix.rfind('/') {
        Some(at) => (&prefix[..=at], &prefix[at + 1..]),
        None => ("", prefix),
    };
    let mut dir = root.to_path_buf();
    if let Some(folders) = folder_part.strip_suffix('/') {
        for segment in folders.split('/') {
            match ObjectKey::parse(segment).and_then(|_| encode_checked(segment)) {
                Ok(name) => dir.push(format!("{name}{FOLDER_SUFFIX}")),
                // Not a run of valid segments: no key starts with this prefix.
                Err(_) => return Ok(ListPage::default()),
            }
        }
    }

    let in_progress: Vec<Entry> = uploads
        .under(prefix)
        .into_iter()
        .map(|(key, _)| Entry::for_key(key, prefix, delimiter))
        .collect();
    let skip_listed = |key: &str| cursor.is_some_and(|c| key <= c);

    let (entries, next) = if delimiter == Some("/") {
        // One directory: its objects, and its folders as common prefixes.
        // Lazy, so a page checks only as many folders as it returns.
        let on_disk = read_folder(&dir, folder_part, name_prefix)?
            .into_iter()
            .filter(|item| !skip_listed(&item.key))
            .filter_map(|item| {
                if !item.folder {
                    return Some(Ok(Entry::Object(item.key)));
                }
                match folder_is_visible(&item.path, &item.key, uploads) {
                    Ok(true) => Some(Ok(Entry::Prefix(item.key))),
                    Ok(false) => None,
                    Err(e) => Some(Err(e)),
                }
            });
        page(
            MergeSorted::new(on_disk, in_progress.into_iter()),
            cursor,
            limit,
        )?
    } else {
        let top = read_folder(&dir, folder_part, name_prefix)?;
        let walk = Walk {
            stack: vec![top.into_iter()],
            cursor: cursor.map(str::to_owned),
        }
        .map(|entry| entry.map(|e| Entry::for_key(e.name().to_owned(), prefix, delimiter)));
        page(
            MergeSorted::new(walk, in_progress.into_iter()),
            cursor,
            limit,
        )?
    };

    assemble(entries, next, uploads, |key| {
        let Ok((_, path)) = ObjectKey::parse(key).and_then(|k| paths(root, &k)) else {
            return Ok(None);
        };
        // Gone since the directory was read, or damaged: not listed.
        Ok(open_object(&path, key, Reads::Waiting)?.map(|(_, meta)| meta))
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn reads_that_refuse_to_wait_answer_like_waiting_ones_or_step_aside() {
        let dir = tempfile::tempdir().unwrap();
        let backend = FsBlobBackend::open(dir.path()).unwrap();
        let small = vec![3u8; 1000];
        let large = vec![5u8; INLINE_READ + 1];
        for (key, bytes) in [("a/small", &small), ("a/large", &large)] {
            backend
                .write(
                    key,
                    super::super::blob_tests::body(&[bytes.as_slice()]),
                    WriteOptions::default(),
                )
                .await
                .unwrap();
        }
        let path = |key: &str| {
            paths(dir.path(), &ObjectKey::parse(key).unwrap())
                .unwrap()
                .1
        };
        let range = Some(ByteRange::StartingAt(10, Some(19)));
        for key in ["a/small", "a/large"] {
            for r in [None, range] {
                let waited = read_object(&path(key), key, r, Reads::Waiting).unwrap();
                match read_object(&path(key), key, r, Reads::Cached) {
                    Ok(now) => {
                        assert_eq!(
                            (now.meta, now.start, now.length),
                            (waited.meta, waited.start, waited.length)
                        );
                        let (mut a, mut b) = (Vec::new(), Vec::new());
                        now.body
                            .into_reader()
                            .unwrap()
                            .read_to_end(&mut a)
                            .await
                            .unwrap();
                        waited
                            .body
                            .into_reader()
                            .unwrap()
                            .read_to_end(&mut b)
                            .await
                            .unwrap();
                        assert_eq!(a, b, "{key} {r:?}");
                    }
                    // Not in the page cache, or no RWF_NOWAIT here: the caller waits.
                    Err(BlobError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
                    Err(e) => panic!("{key}: {e}"),
                }
            }
        }
        assert!(matches!(
            read_object(&path("a/none"), "a/none", None, Reads::Cached),
            Err(BlobError::NotFound)
        ));
    }

    #[test]
    fn segments_encode_readably_and_decode_only_when_canonical() {
        assert_eq!(encode("seg1.ts"), "seg1.ts");
        assert_eq!(encode(".hidden"), "%2Ehidden");
        assert_eq!(encode("a+b c/"), "a%2Bb%20c%2F");
        assert_eq!(encode("ü"), "%C3%BC");
        for segment in ["seg1.ts", ".hidden", "a+b c", "ü", "..x", "~_-"] {
            assert_eq!(object_segment(&encode(segment)).as_deref(), Some(segment));
            assert_eq!(
                folder_segment(&format!("{}+", encode(segment))).as_deref(),
                Some(segment)
            );
        }
        for name in [
            ".tmp-0123",
            "a+",
            "x%zz",
            "%2e",
            "a%2fb",
            "%2E",
            "%2E%2E",
            "a b",
            "%C3",
        ] {
            assert_eq!(object_segment(name), None, "{name}");
        }
        assert_eq!(folder_segment("a"), None);
    }

    #[test]
    fn keys_map_into_folder_directories_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let backend = FsBlobBackend::open(dir.path()).unwrap();
        let key = ObjectKey::parse("live/.x/seg 1.ts").unwrap();
        let (folder, file) = backend.paths(&key).unwrap();
        assert_eq!(folder, dir.path().join("live+").join("%2Ex+"));
        assert_eq!(file, folder.join("seg%201.ts"));
        let long = ObjectKey::parse(&"é".repeat(60)).unwrap();
        assert!(matches!(
            backend.paths(&long),
            Err(BlobError::InvalidKey(_))
        ));
    }

    use crate::storage::blob_tests::{body, channel_body, chunk, get, put};
    use std::time::Duration;

    /// Every file under `dir`, relative, sorted.
    fn files(dir: &Path) -> Vec<String> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(base, &path, out);
                } else {
                    out.push(path.strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    #[tokio::test]
    async fn an_object_file_is_the_body_then_a_json_trailer_its_length_and_magic() {
        let dir = tempfile::tempdir().unwrap();
        let b = FsBlobBackend::open(dir.path()).unwrap();
        let options = WriteOptions {
            content_type: Some("text/plain".into()),
            user_metadata: vec![("k".into(), "v".into())],
            ..Default::default()
        };
        let meta = b
            .write("live/seg 1.ts", body(&[b"hello"]), options)
            .await
            .unwrap();
        assert_eq!(files(dir.path()), ["live+/seg%201.ts"]);
        let raw = fs::read(dir.path().join("live+/seg%201.ts")).unwrap();
        assert_eq!(&raw[..5], b"hello", "the body starts at offset 0");
        assert_eq!(&raw[raw.len() - 8..], b"TRBLOB01");
        let json_len =
            u32::from_le_bytes(raw[raw.len() - 12..raw.len() - 8].try_into().unwrap()) as usize;
        assert_eq!(5 + json_len + 12, raw.len());
        let trailer: serde_json::Value = serde_json::from_slice(&raw[5..5 + json_len]).unwrap();
        assert_eq!(trailer["size"], 5);
        assert_eq!(trailer["sha256"], meta.sha256.as_str());
        assert_eq!(trailer["etag"], meta.sha256.as_str());
        assert_eq!(trailer["content_type"], "text/plain");
        assert_eq!(trailer["created_ms"], meta.created_ms);
        assert_eq!(trailer["user_metadata"], serde_json::json!([["k", "v"]]));
    }

    #[tokio::test]
    async fn objects_and_folders_of_one_name_live_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let b = FsBlobBackend::open(dir.path()).unwrap();
        put(&b, "a", b"object a").await;
        put(&b, "a/b", b"object a/b").await;
        put(&b, "a+", b"plus").await;
        put(&b, ".a", b"dot").await;
        assert_eq!(files(dir.path()), ["%2Ea", "a", "a%2B", "a+/b"]);
        assert_eq!(get(&b, "a", None).await.unwrap(), b"object a");
        assert_eq!(get(&b, "a/b", None).await.unwrap(), b"object a/b");
        let page = b.list("", Some("/"), None, 10).await.unwrap();
        let keys: Vec<_> = page.objects.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            (keys, page.common_prefixes),
            (vec![".a", "a", "a+"], vec!["a/".to_owned()])
        );
    }

    #[tokio::test]
    async fn damaged_object_files_are_absent_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let b = FsBlobBackend::open(dir.path()).unwrap();
        for key in ["short", "magic", "length", "json", "size"] {
            put(&b, key, b"some body bytes").await;
        }
        let damage = |key: &str, f: &dyn Fn(&mut Vec<u8>)| {
            let path = dir.path().join(key);
            let mut raw = fs::read(&path).unwrap();
            f(&mut raw);
            fs::write(&path, raw).unwrap();
        };
        damage("short", &|raw| raw.truncate(5));
        damage("magic", &|raw| *raw.last_mut().unwrap() = b'X');
        damage("length", &|raw| {
            let at = raw.len() - 12;
            raw[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        });
        damage("json", &|raw| raw[15] = b'!');
        damage("size", &|raw| raw.insert(0, b'+'));
        fs::write(dir.path().join("stray%zz"), b"not ours").unwrap();
        fs::create_dir(dir.path().join("plain-dir")).unwrap();
        put(&b, "fine", b"ok").await;
        for key in ["short", "magic", "length", "json", "size"] {
            assert_eq!(b.stat(key).await.unwrap(), None, "{key}");
            assert!(
                matches!(b.read(key, None).await, Err(BlobError::NotFound)),
                "{key}"
            );
        }
        let page = b.list("", Some("/"), None, 100).await.unwrap();
        let keys: Vec<_> = page.objects.iter().map(|m| m.key.as_str()).collect();
        assert_eq!((keys, page.common_prefixes.len()), (vec!["fine"], 0));
        assert!(
            b.delete("magic").await.unwrap(),
            "a damaged object can be deleted"
        );
        put(&b, "json", b"rewritten").await;
        assert_eq!(
            get(&b, "json", None).await.unwrap(),
            b"rewritten",
            "and overwritten"
        );
    }

    #[tokio::test]
    async fn a_crash_mid_upload_leaves_a_temporary_file_that_open_removes() {
        let dir = tempfile::tempdir().unwrap();
        let b = FsBlobBackend::open(dir.path()).unwrap();
        put(&b, "keep/me", b"kept").await;
        let (tx, new_body) = channel_body();
        let mut write = b.write("new/folder/k", new_body, WriteOptions::default());
        tx.send(chunk(b"half of it")).unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut write)
                .await
                .is_err()
        );
        // A killed process runs no destructors.
        std::mem::forget(write);
        let left = files(dir.path());
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left[1].starts_with("new+/folder+/.tmp-"), "{left:?}");

        assert_eq!(b.stat("new/folder/k").await.unwrap(), None);
        let page = b.list("", Some("/"), None, 10).await.unwrap();
        assert_eq!(
            page.common_prefixes,
            ["keep/"],
            "a folder with only an unfinished upload is not listed"
        );
        assert_eq!(b.list("", None, None, 10).await.unwrap().objects.len(), 1);

        let b = FsBlobBackend::open(dir.path()).unwrap();
        assert_eq!(files(dir.path()), ["keep+/me"]);
        assert!(
            !dir.path().join("new+").exists(),
            "emptied folders are removed too"
        );
        assert_eq!(get(&b, "keep/me", None).await.unwrap(), b"kept");
    }

    #[tokio::test]
    async fn failed_and_cancelled_writes_clean_up_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let b = FsBlobBackend::open(dir.path()).unwrap();
        let options = WriteOptions {
            max_size: Some(1),
            ..Default::default()
        };
        assert!(
            b.write("x/too/large", body(&[b"12"]), options)
                .await
                .is_err()
        );
        let (tx, new_body) = channel_body();
        let mut write = b.write("y/cancelled", new_body, WriteOptions::default());
        tx.send(chunk(b"bytes")).unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut write)
                .await
                .is_err()
        );
        drop(write);
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no empty folders either"
        );
    }

    #[tokio::test]
    async fn deleting_the_last_object_removes_empty_folders_but_never_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("objects");
        let b = FsBlobBackend::open(&root).unwrap();
        put(&b, "a/b/c/d", b"1").await;
        put(&b, "a/x", b"2").await;
        assert!(b.delete("a/b/c/d").await.unwrap());
        assert_eq!(files(&root), ["a+/x"]);
        assert!(!root.join("a+/b+").exists());
        assert!(b.delete("a/x").await.unwrap());
        assert!(root.is_dir() && fs::read_dir(&root).unwrap().count() == 0);
        put(&b, "a/again", b"3").await;
        assert_eq!(get(&b, "a/again", None).await.unwrap(), b"3");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_and_deletes_racing_in_one_folder_never_lose_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let b = Arc::new(FsBlobBackend::open(dir.path()).unwrap());
        let deleter = {
            let b = b.clone();
            tokio::spawn(async move {
                for i in 0..100 {
                    put(&*b, &format!("f/g/tmp{i}"), b"x").await;
                    b.delete(&format!("f/g/tmp{i}")).await.unwrap();
                }
            })
        };
        for i in 0..100 {
            put(&*b, &format!("f/g/keep{i}"), b"y").await;
        }
        deleter.await.unwrap();
        assert_eq!(
            b.list("f/g/", None, None, 1000)
                .await
                .unwrap()
                .objects
                .len(),
            100
        );
    }
}
