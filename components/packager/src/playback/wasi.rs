//! The thin WASI side of playback: [`Store`] over `wasi:keyvalue` and the
//! host's blob store, [`Manifest`] over the imported plug, and the
//! [`Reply`] turned into a `wasi:http` response whose blob bodies the host
//! splices, one after another, without copying them through guest memory.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use tributary_guest::http::{Body as HttpBody, Response};
use tributary_guest::wasip2::io::streams::{InputStream, StreamError};
use tributary_guest::{blob, kv, state};
use tributary_mediapackage::ingest::{IngestState, StoredIndex};
use tributary_mediapackage::stored::{Stored, decode_index};
use tributary_mediapackage::{BUCKET, ChannelRecord, EndpointRecord, INGEST_BUCKET, keys};

use crate::bindings::manifest as wit;
use crate::playback::convert;
use crate::playback::memo::TrackMemo;
use crate::playback::reply::{Body, Reply};
use crate::playback::segment::BlobMeta;
use crate::playback::serve::{CmafMediaRequest, DashRequest, Fault, Manifest, Opened, Store};

thread_local! {
    /// Tracks by blob key, kept while the instance stays warm (spin.toml
    /// declares the packager stateless: nothing request-specific is kept).
    static TRACKS: RefCell<TrackMemo> = RefCell::new(TrackMemo::default());
}

/// The `channels` and `ingest` key-value stores and the blob store.
pub struct Stores {
    channels: Result<kv::Bucket, Fault>,
    ingest: Result<kv::Bucket, Fault>,
}

impl Stores {
    /// Opens both key-value stores (a failure surfaces at first use, as a 500).
    pub fn open() -> Self {
        Self {
            channels: state::open(BUCKET).map_err(|e| e.to_string()),
            ingest: state::open(INGEST_BUCKET).map_err(|e| e.to_string()),
        }
    }
}

fn get<T: DeserializeOwned>(
    bucket: &Result<kv::Bucket, Fault>,
    key: &str,
) -> Result<Option<T>, Fault> {
    let bucket = bucket.as_ref().map_err(Clone::clone)?;
    state::get(bucket, key).map_err(|e| e.to_string())
}

fn get_stored<T: Stored>(
    bucket: &Result<kv::Bucket, Fault>,
    key: &str,
) -> Result<Option<T>, Fault> {
    get_stored_with(bucket, key, T::from_bytes)
}

fn get_stored_with<T>(
    bucket: &Result<kv::Bucket, Fault>,
    key: &str,
    decode: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<Option<T>, Fault> {
    let bucket = bucket.as_ref().map_err(Clone::clone)?;
    state::get_with(bucket, key, decode).map_err(|e| e.to_string())
}

fn blob_fault(e: blob::Error) -> Fault {
    match e {
        blob::Error::InvalidKey(m) => format!("invalid blob key: {m}"),
        blob::Error::Io(m) => m,
        other => format!("{other:?}"),
    }
}

impl Store for Stores {
    type Body = InputStream;

    fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, Fault> {
        get(&self.channels, &keys::endpoint(id))
    }

    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, Fault> {
        get(&self.channels, &keys::channel(id))
    }

    fn ingest_state(&self, channel: &str) -> Result<Option<IngestState>, Fault> {
        get_stored(&self.ingest, &keys::ingest_state(channel))
    }

    fn index(&self, channel: &str, rendition: u32) -> Result<Option<StoredIndex>, Fault> {
        get_stored(&self.ingest, &keys::segment_index(channel, rendition))
    }

    fn timeline(&self, channel: &str, rendition: u32) -> Result<Option<wit::SegmentIndex>, Fault> {
        let key = keys::segment_index(channel, rendition);
        let decoded = get_stored_with(&self.ingest, &key, |bytes| {
            decode_index(bytes, |head, _key| convert::segment(head))
        })?;
        Ok(decoded.map(convert::timeline))
    }

    fn remembered_tracks(&self, key: &str) -> Option<Vec<tributary_hls::TrackInfo>> {
        TRACKS.with(|memo| memo.borrow().get(key))
    }

    fn remember_tracks(&self, key: &str, tracks: Vec<tributary_hls::TrackInfo>) {
        TRACKS.with(|memo| memo.borrow_mut().put(key, tracks));
    }

    fn stat(&self, key: &str) -> Result<Option<BlobMeta>, Fault> {
        Ok(blob::stat(key).map_err(blob_fault)?.map(|m| BlobMeta {
            size: m.size,
            etag: m.etag,
        }))
    }

    fn read_bytes(&self, key: &str) -> Result<Option<(BlobMeta, Vec<u8>)>, Fault> {
        let r = match blob::read(key, None) {
            Ok(r) => r,
            Err(blob::Error::NotFound) => return Ok(None),
            Err(e) => return Err(blob_fault(e)),
        };
        let mut bytes = Vec::with_capacity(usize::try_from(r.meta.size).unwrap_or(0));
        loop {
            match r.body.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(format!("reading blob {key}: {}", e.to_debug_string()));
                }
            }
        }
        if bytes.len() as u64 != r.meta.size {
            return Err(format!(
                "blob {key} changed while it was read ({} of {} bytes)",
                bytes.len(),
                r.meta.size
            ));
        }
        Ok(Some((
            BlobMeta {
                size: r.meta.size,
                etag: r.meta.etag,
            },
            bytes,
        )))
    }

    fn read(
        &self,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Option<Opened<InputStream>>, Fault> {
        let range = range.map(|(from, to)| blob::ByteRange::StartingAt((from, Some(to))));
        match blob::read(key, range) {
            Ok(r) => Ok(Some(Opened {
                meta: BlobMeta {
                    size: r.meta.size,
                    etag: r.meta.etag,
                },
                length: r.length,
                body: r.body,
            })),
            Err(blob::Error::NotFound) => Ok(None),
            Err(e) => Err(blob_fault(e)),
        }
    }
}

/// The imported manifest plug.
pub struct Plug;

impl Manifest for Plug {
    fn route(&self, manifest_name: &str, path: &str) -> Option<wit::Target> {
        wit::route(manifest_name, path)
    }

    fn master_playlist(
        &self,
        renditions: &[wit::Rendition],
        endpoint: &wit::Endpoint,
        query: &str,
    ) -> Result<String, wit::Error> {
        wit::master_playlist(renditions, endpoint, query)
    }

    fn media_playlist(
        &self,
        renditions: &[wit::Rendition],
        rendition: u32,
        index: &wit::SegmentIndex,
        endpoint: &wit::Endpoint,
        query: &str,
        now_ms: i64,
    ) -> Result<String, wit::Error> {
        wit::media_playlist(renditions, rendition, index, endpoint, query, now_ms)
    }

    fn resolve_segment(
        &self,
        index: &wit::SegmentIndex,
        endpoint: &wit::Endpoint,
        number: u64,
    ) -> Result<Vec<u64>, wit::Error> {
        wit::resolve_segment(index, endpoint, number)
    }

    fn dash_manifest(&self, m: &DashRequest<'_>) -> Result<String, wit::Error> {
        wit::dash_manifest(
            m.renditions,
            m.indexes,
            m.tracks,
            m.endpoint,
            m.dash,
            m.prefix,
            m.query,
            m.now_ms,
        )
    }

    fn cmaf_master_playlist(
        &self,
        renditions: &[wit::Rendition],
        tracks: &[Vec<wit::TrackInfo>],
        endpoint: &wit::Endpoint,
        manifest_name: &str,
        query: &str,
    ) -> Result<String, wit::Error> {
        wit::cmaf_master_playlist(renditions, tracks, endpoint, manifest_name, query)
    }

    fn cmaf_media_playlist(&self, p: &CmafMediaRequest<'_>) -> Result<String, wit::Error> {
        wit::cmaf_media_playlist(
            p.renditions,
            p.rendition,
            p.track,
            p.index,
            p.endpoint,
            p.prefix,
            p.query,
            p.now_ms,
        )
    }
}

/// The reply as a `wasi:http` response. `Content-Length` is already among
/// the headers wherever it is known.
pub fn respond(reply: Reply<InputStream>) -> Response {
    let body = match reply.body {
        Body::Empty => HttpBody::Empty,
        Body::Text(t) => HttpBody::Bytes(t.into_bytes()),
        Body::Bytes(b) => HttpBody::Bytes(b),
        Body::Blobs(streams) => HttpBody::Streams {
            streams,
            length: None,
        },
    };
    Response {
        status: reply.status,
        headers: reply.headers,
        body,
    }
}
