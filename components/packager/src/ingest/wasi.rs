//! The thin WASI side of ingest: the request's body into the blob store
//! (streamed host-side; playlists, at most 1 MiB, read into memory to be
//! parsed), [`Backend`] over `wasi:keyvalue`, the blob store and the
//! manifest plug's `retention-start`.

use tributary_guest::http::{BodyError, Request, Response};
use tributary_guest::state::{self, Change, StateError};
use tributary_guest::wasip2::io::streams::StreamError;
use tributary_guest::{blob, kv, wasip2};
use tributary_hls::ingest::{self as parse, Ingest, MAX_PLAYLIST_BYTES};
use tributary_mediapackage::ingest::StoredIndex;
use tributary_mediapackage::stored::Stored;
use tributary_mediapackage::wire::Channel;
use tributary_mediapackage::{BUCKET, ChannelRecord, EndpointRecord, INGEST_BUCKET, keys};

use crate::bindings::manifest as plug;
use crate::ingest::feed::Upload;
use crate::ingest::keys::segment_blob;
use crate::ingest::pts::{PROBE_BYTES, first_pts};
use crate::ingest::request::{Admitted, FileKind, Reply, admit};
use crate::ingest::service::{self, Backend, Fault};
use crate::playback::convert;

/// Largest segment ingest stores.
const MAX_SEGMENT_BYTES: u64 = 1 << 30;

/// Serves `file` of ingest endpoint `ingest` of channel `channel_id`.
pub fn serve(req: &Request, channel_id: &str, ingest: &str, file: &str, now_ms: i64) -> Response {
    let stores = match Stores::open() {
        Ok(s) => s,
        Err(e) => return fault(&e),
    };
    let record = match stores.channel(channel_id) {
        Ok(r) => r,
        Err(e) => return fault(&e),
    };
    let uri = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let admitted = admit(
        &req.method,
        &uri,
        req.header("authorization"),
        record.as_ref(),
        ingest,
        file,
        now_ms,
    );
    let (kind, channel) = match (admitted, record) {
        (Err(reply), _) => return respond(reply),
        (Ok(Admitted::Delete), _) => return respond(Reply::done()),
        (Ok(Admitted::Store(kind)), Some(r)) => (kind, r.channel),
        (Ok(Admitted::Store(_)), None) => return respond(Reply::text(404, "no such channel")),
    };
    if let Err(e) = service::begin(&stores, &channel) {
        return fault(&e);
    }
    let result = match kind {
        FileKind::Segment(content_type) => {
            segment(req, &stores, &channel, ingest, file, content_type, now_ms)
        }
        FileKind::Playlist => playlist(req, &stores, &channel, ingest, file, now_ms),
    };
    match result {
        Ok(reply) => respond(reply),
        Err(e) => fault(&e),
    }
}

fn segment(
    req: &Request,
    stores: &Stores,
    channel: &Channel,
    ingest: &str,
    file: &str,
    content_type: &str,
    now_ms: i64,
) -> Result<Reply, Fault> {
    let random = wasip2::random::random::get_random_u64();
    let key = segment_blob(&channel.id, ingest, now_ms, random, file);
    let Some((body, stream)) = req.body_stream() else {
        return Err("the request body could not be opened".into());
    };
    let options = blob::WriteOptions {
        content_type: Some(content_type.to_owned()),
        cache_control: None,
        user_metadata: Vec::new(),
        max_size: Some(MAX_SEGMENT_BYTES),
        visible_while_writing: false,
        expected_sha256: None,
    };
    let written = blob::write(&key, stream, &options);
    drop(body);
    match written {
        Ok(_) => {}
        Err(blob::Error::BodyInterrupted) => {
            return Ok(Reply::text(
                400,
                format!("{file}: the body ended before it was complete; nothing was stored"),
            ));
        }
        Err(blob::Error::TooLarge) => {
            return Ok(Reply::text(
                413,
                format!("{file}: larger than {MAX_SEGMENT_BYTES} bytes; nothing was stored"),
            ));
        }
        Err(e) => return Err(format!("storing {key}: {e:?}")),
    }
    let pts = if content_type == "video/MP2T" {
        probe(&key)
    } else {
        None
    };
    // The PUT's time is when it finished: the segment's end, live.
    let at_ms = now_ms_after().max(now_ms);
    let upload = Upload { key, at_ms, pts };
    service::segment_stored(stores, channel, ingest, file, upload, now_ms)?;
    Ok(Reply::done())
}

fn playlist(
    req: &Request,
    stores: &Stores,
    channel: &Channel,
    ingest: &str,
    file: &str,
    now_ms: i64,
) -> Result<Reply, Fault> {
    let bytes = match req.read_body(MAX_PLAYLIST_BYTES) {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return Ok(Reply::text(
                413,
                format!("{file}: playlists are at most {MAX_PLAYLIST_BYTES} bytes"),
            ));
        }
        Err(BodyError::Interrupted) => {
            return Ok(Reply::text(
                400,
                format!("{file}: the body ended before it was complete"),
            ));
        }
    };
    match parse::parse(&bytes) {
        Err(e) => Ok(Reply::text(400, format!("{file}: {e}"))),
        Ok(Ingest::Master(m)) => {
            service::master(stores, channel, &m)?;
            Ok(Reply::done())
        }
        Ok(Ingest::Media(m)) => {
            service::media(stores, channel, ingest, file, &m, now_ms)?;
            Ok(Reply::done())
        }
        Ok(_) => Ok(Reply::text(400, format!("{file}: not an HLS playlist"))),
    }
}

/// The first PTS of the stored segment under `key`.
fn probe(key: &str) -> Option<u64> {
    let read = blob::read(
        key,
        Some(blob::ByteRange::StartingAt((0, Some(PROBE_BYTES - 1)))),
    )
    .ok()?;
    let mut head = Vec::new();
    while (head.len() as u64) < PROBE_BYTES {
        match read.body.blocking_read(PROBE_BYTES - head.len() as u64) {
            Ok(chunk) => head.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return None,
        }
    }
    first_pts(&head)
}

fn now_ms_after() -> i64 {
    i64::try_from(tributary_guest::config::now_ms()).unwrap_or(i64::MAX)
}

fn respond(reply: Reply) -> Response {
    let mut r = Response::empty(reply.status).with_headers(reply.headers);
    if !reply.body.is_empty() {
        r = r.with_header("content-type", "text/plain; charset=utf-8");
        r.body = tributary_guest::http::Body::Bytes(format!("{}\n", reply.body).into_bytes());
    }
    r
}

fn fault(e: &str) -> Response {
    eprintln!("packager ingest: {e}");
    let status = if e.contains("too many concurrent updates") {
        503
    } else {
        500
    };
    respond(Reply::text(
        status,
        "the packager could not store this; retry",
    ))
}

/// The `channels` and `ingest` key-value stores, the blob store and the plug.
struct Stores {
    channels: kv::Bucket,
    ingest: kv::Bucket,
}

impl Stores {
    fn open() -> Result<Self, Fault> {
        Ok(Self {
            channels: state::open(BUCKET).map_err(|e| e.to_string())?,
            ingest: state::open(INGEST_BUCKET).map_err(|e| e.to_string())?,
        })
    }
}

/// `state::update` wants an error type it can lift store errors into.
struct UpdateError(Fault);

impl From<StateError> for UpdateError {
    fn from(e: StateError) -> Self {
        Self(e.to_string())
    }
}

impl Backend for Stores {
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, Fault> {
        state::get(&self.channels, &keys::channel(id)).map_err(|e| e.to_string())
    }

    fn endpoints(&self) -> Result<Vec<EndpointRecord>, Fault> {
        let mut out = Vec::new();
        for key in state::keys(&self.channels).map_err(|e| e.to_string())? {
            if key.starts_with(keys::ENDPOINT)
                && let Some(e) = state::get(&self.channels, &key).map_err(|e| e.to_string())?
            {
                out.push(e);
            }
        }
        Ok(out)
    }

    fn get<T: Stored>(&self, key: &str) -> Result<Option<T>, Fault> {
        state::get_with(&self.ingest, key, T::from_bytes).map_err(|e| e.to_string())
    }

    fn update<T: Stored, R>(
        &self,
        key: &str,
        mut f: impl FnMut(Option<T>) -> Result<Change<T, R>, Fault>,
    ) -> Result<R, Fault> {
        state::update_with(&self.ingest, key, T::from_bytes, T::to_bytes, |current| {
            f(current).map_err(UpdateError)
        })
        .map_err(|e: UpdateError| e.0)
    }

    fn remove(&self, key: &str) -> Result<(), Fault> {
        state::delete(&self.ingest, key).map_err(|e| e.to_string())
    }

    fn delete_blob(&self, key: &str) -> Result<(), Fault> {
        match blob::delete(key) {
            Ok(_) | Err(blob::Error::NotFound) => Ok(()),
            Err(e) => Err(format!("deleting {key}: {e:?}")),
        }
    }

    fn retention_start(
        &self,
        index: &StoredIndex,
        endpoints: &[EndpointRecord],
        now_ms: i64,
    ) -> Result<Option<u64>, Fault> {
        let endpoints: Vec<plug::Endpoint> = endpoints
            .iter()
            .filter_map(|e| convert::retention_endpoint(&e.endpoint))
            .collect();
        plug::retention_start(&convert::index(index), &endpoints, now_ms)
            .map_err(|e| format!("retention: {e:?}"))
    }
}
