//! One playback request from start to answer, over two narrow traits: the
//! state and blob stores ([`Store`]) and the manifest plug ([`Manifest`]).
//! Nothing here touches WASI, so every path — statuses, headers, access,
//! playlists, segment assembly — runs in native tests against fakes.
//!
//! | step | store / plug calls | refusals |
//! | --- | --- | --- |
//! | method | — | OPTIONS → 200 preflight; not GET/HEAD → 405 |
//! | endpoint | `channels: endpoint/<id>` | unknown or no package → 404; DENY / whitelist → 403 |
//! | CMAF / DASH | [`fmp4::answer`]: indexes, blobs read whole and remuxed | as below |
//! | route | plug `route` | names nothing → 404 |
//! | channel | `channels: channel/<c>`, `ingest: state/<c>` | channel gone → 404 |
//! | master | plug `master-playlist` | no stream yet → 404; plug errors |
//! | media n | `ingest: index/<c>/<n>` (timeline only), plug `media-playlist` | no rendition n → 404; plug errors |
//! | segment | `index/<c>/<n>`, plug `resolve-segment`, blob `read` (GET) or `stat` (HEAD, Range) | gone → 404; 416; 304 |

use tributary_mediapackage::ingest::{IngestState, StoredIndex};
use tributary_mediapackage::{ChannelRecord, EndpointRecord, url};

use crate::bindings::manifest as wit;
use crate::playback::access;
use crate::playback::convert;
use crate::playback::fmp4;
#[cfg(doc)]
use crate::playback::memo::TrackMemo;
use crate::playback::reply::{self, Body, Reply};
use crate::playback::segment::{self, BlobMeta, Conditions, Plan};

/// What a store failure says (for the 500's body and logs).
pub type Fault = String;

/// The parts of a request playback reads. Header names are lower-case.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// Path, as received.
    pub path: &'a str,
    /// Query without `?`, as received (handed to the plug unchanged).
    pub query: &'a str,
    /// Headers, names lower-case.
    pub headers: &'a [(String, String)],
}

impl Head<'_> {
    /// First value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An opened blob.
#[derive(Debug)]
pub struct Opened<B> {
    /// Its size and tag when reading started.
    pub meta: BlobMeta,
    /// Bytes the stream yields; `None` while the blob is still being written.
    pub length: Option<u64>,
    /// The stream.
    pub body: B,
}

/// The stores playback reads.
pub trait Store {
    /// An open blob stream.
    type Body;
    /// `endpoint/<id>` in `channels`.
    fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, Fault>;
    /// `channel/<id>` in `channels`.
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, Fault>;
    /// `state/<channel>` in `ingest`.
    fn ingest_state(&self, channel: &str) -> Result<Option<IngestState>, Fault>;
    /// `index/<channel>/<n>` in `ingest`.
    fn index(&self, channel: &str, rendition: u32) -> Result<Option<StoredIndex>, Fault>;
    /// `index/<channel>/<n>` as the plug takes it, without blob keys (what a
    /// playlist needs; a store may read it faster than the whole index).
    fn timeline(&self, channel: &str, rendition: u32) -> Result<Option<wit::SegmentIndex>, Fault> {
        Ok(self.index(channel, rendition)?.map(|s| convert::index(&s)))
    }
    /// The tracks a remux of blob `key` found, if remembered ([`TrackMemo`]).
    fn remembered_tracks(&self, _key: &str) -> Option<Vec<tributary_hls::TrackInfo>> {
        None
    }
    /// Remember the tracks a remux of blob `key` found (nothing by default).
    fn remember_tracks(&self, _key: &str, _tracks: Vec<tributary_hls::TrackInfo>) {}
    /// Size and tag of blob `key`; `None` when absent.
    fn stat(&self, key: &str) -> Result<Option<BlobMeta>, Fault>;
    /// Blob `key`, whole, read into memory (for a remux); `None` when absent.
    fn read_bytes(&self, key: &str) -> Result<Option<(BlobMeta, Vec<u8>)>, Fault>;
    /// Opens blob `key`, whole or bytes `from..=to`; `None` when absent.
    fn read(
        &self,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Option<Opened<Self::Body>>, Fault>;
}

/// The manifest plug, `tributary:manifest/hls@0.1.0`.
pub trait Manifest {
    /// `route`.
    fn route(&self, manifest_name: &str, path: &str) -> Option<wit::Target>;
    /// `master-playlist`.
    fn master_playlist(
        &self,
        renditions: &[wit::Rendition],
        endpoint: &wit::Endpoint,
        query: &str,
    ) -> Result<String, wit::Error>;
    /// `media-playlist`.
    fn media_playlist(
        &self,
        renditions: &[wit::Rendition],
        rendition: u32,
        index: &wit::SegmentIndex,
        endpoint: &wit::Endpoint,
        query: &str,
        now_ms: i64,
    ) -> Result<String, wit::Error>;
    /// `resolve-segment`.
    fn resolve_segment(
        &self,
        index: &wit::SegmentIndex,
        endpoint: &wit::Endpoint,
        number: u64,
    ) -> Result<Vec<u64>, wit::Error>;
    /// `dash-manifest`.
    fn dash_manifest(&self, mpd: &DashRequest<'_>) -> Result<String, wit::Error>;
    /// `cmaf-master-playlist`.
    fn cmaf_master_playlist(
        &self,
        renditions: &[wit::Rendition],
        tracks: &[Vec<wit::TrackInfo>],
        endpoint: &wit::Endpoint,
        manifest_name: &str,
        query: &str,
    ) -> Result<String, wit::Error>;
    /// `cmaf-media-playlist`.
    fn cmaf_media_playlist(&self, playlist: &CmafMediaRequest<'_>) -> Result<String, wit::Error>;
}

/// The arguments of `dash-manifest`.
#[derive(Debug, Clone, Copy)]
pub struct DashRequest<'a> {
    /// The channel's renditions.
    pub renditions: &'a [wit::Rendition],
    /// Rendition n's index is `indexes[n - 1]`.
    pub indexes: &'a [wit::SegmentIndex],
    /// Rendition n's tracks are `tracks[n - 1]`.
    pub tracks: &'a [Vec<wit::TrackInfo>],
    /// Window, delay, startover, selection.
    pub endpoint: &'a wit::Endpoint,
    /// The MPD-only settings.
    pub dash: &'a wit::DashSettings,
    /// Segment name prefix.
    pub prefix: &'a str,
    /// The request's query.
    pub query: &'a str,
    /// Now, epoch ms.
    pub now_ms: i64,
}

/// The arguments of `cmaf-media-playlist`.
#[derive(Debug, Clone, Copy)]
pub struct CmafMediaRequest<'a> {
    /// The channel's renditions.
    pub renditions: &'a [wit::Rendition],
    /// 1-based.
    pub rendition: u32,
    /// Which track.
    pub track: wit::Track,
    /// The rendition's index.
    pub index: &'a wit::SegmentIndex,
    /// Window, delay, startover, selection, program date time.
    pub endpoint: &'a wit::Endpoint,
    /// Segment name prefix.
    pub prefix: &'a str,
    /// The request's query.
    pub query: &'a str,
    /// Now, epoch ms.
    pub now_ms: i64,
}

/// Answers one request under `/out/v1/` at wall-clock `now_ms`.
pub fn serve<S: Store, M: Manifest>(
    head: &Head<'_>,
    store: &S,
    plug: &M,
    now_ms: i64,
) -> Reply<S::Body> {
    let get = match head.method {
        "GET" => true,
        "HEAD" => false,
        "OPTIONS" => return Reply::preflight(head.header("access-control-request-headers")),
        other => return Reply::method_not_allowed(other),
    };
    let mut reply = match answer(head, get, store, plug, now_ms) {
        Ok(r) | Err(r) => r,
    };
    if !get {
        // HEAD: the same headers, Content-Length included, and no body.
        reply.body = Body::Empty;
    }
    reply
}

type Step<T, B> = Result<T, Reply<B>>;

fn answer<S: Store, M: Manifest>(
    head: &Head<'_>,
    get: bool,
    store: &S,
    plug: &M,
    now_ms: i64,
) -> Step<Reply<S::Body>, S::Body> {
    let Some((id, file)) = url::parse_playback(head.path) else {
        return Err(Reply::error(
            404,
            "not a playback URL: /out/v1/<endpoint>/<file>",
        ));
    };
    let record = store
        .endpoint(id)
        .map_err(state_fault)?
        .ok_or_else(|| Reply::error(404, format!("no origin endpoint {id}")))?;
    let endpoint = record.endpoint;
    let fmp4_package = match (&endpoint.cmaf_package, &endpoint.dash_package) {
        (Some(c), _) => Some(fmp4::Package::Cmaf(c)),
        (None, Some(d)) => Some(fmp4::Package::Dash(d)),
        (None, None) => None,
    };
    let hls = endpoint.hls_package.as_ref();
    if hls.is_none() && fmp4_package.is_none() {
        return Err(Reply::error(
            404,
            format!("origin endpoint {id} has no package"),
        ));
    }
    access::check(&endpoint, head.header("spin-client-addr"))
        .map_err(|r| Reply::error(403, r.message()))?;
    let Some(hls) = hls else {
        let package = fmp4_package.ok_or_else(|| Reply::error(404, "no package"))?;
        return fmp4::answer(store, plug, &endpoint, &package, file, head.query, now_ms);
    };
    let settings = convert::endpoint(&endpoint, hls);
    let Some(target) = plug.route(&settings.manifest_name, file) else {
        return Err(Reply::error(
            404,
            format!("origin endpoint {id} has no {file}"),
        ));
    };

    let channel_id = endpoint.channel_id.as_str();
    let channel = store
        .channel(channel_id)
        .map_err(state_fault)?
        .ok_or_else(|| Reply::error(404, format!("channel {channel_id} no longer exists")))?;
    // State begun under an earlier channel of the same id is not this channel's.
    let state = store
        .ingest_state(channel_id)
        .map_err(state_fault)?
        .filter(|s| s.channel_created_at == channel.channel.created_at)
        .unwrap_or_default();
    let renditions = convert::renditions(&state.renditions);
    let known = |n: u32| n >= 1 && (n as usize) <= renditions.len();

    match target {
        wit::Target::Master => {
            if renditions.is_empty() {
                return Err(Reply::error(
                    404,
                    format!("channel {channel_id} has not received a stream yet"),
                ));
            }
            let text = plug
                .master_playlist(&renditions, &settings, head.query)
                .map_err(plug_fault)?;
            Ok(Reply::playlist(
                text,
                reply::live_max_age(settings.segment_duration_s),
            ))
        }
        wit::Target::Media(n) => {
            if !known(n) {
                return Err(plug_fault(wit::Error::UnknownRendition));
            }
            let index = store
                .timeline(channel_id, n)
                .map_err(state_fault)?
                .unwrap_or_else(|| convert::empty_index(&settings));
            let k =
                tributary_hls::combine_factor(settings.segment_duration_s, index.target_duration_s);
            let output_s = index.target_duration_s.saturating_mul(k);
            let text = plug
                .media_playlist(&renditions, n, &index, &settings, head.query, now_ms)
                .map_err(plug_fault)?;
            let max_age = reply::media_max_age(&text, output_s);
            Ok(Reply::playlist(text, max_age))
        }
        wit::Target::Segment((n, number)) => {
            if !known(n) {
                return Err(plug_fault(wit::Error::UnknownRendition));
            }
            let index = store
                .index(channel_id, n)
                .map_err(state_fault)?
                .ok_or_else(|| plug_fault(wit::Error::SegmentUnavailable))?;
            let sequences = plug
                .resolve_segment(&convert::index(&index), &settings, number)
                .map_err(plug_fault)?;
            let keys = convert::keys(&index, &sequences).ok_or_else(|| {
                plug_fault(wit::Error::InvalidIndex(format!(
                    "the plug named segments {sequences:?}, not all in the index"
                )))
            })?;
            segment_reply(head, get, store, &keys)
        }
    }
}

/// A segment made of the blobs `keys`, in order.
fn segment_reply<S: Store>(
    head: &Head<'_>,
    get: bool,
    store: &S,
    keys: &[String],
) -> Step<Reply<S::Body>, S::Body> {
    let conditions = Conditions {
        range: head.header("range"),
        if_range: head.header("if-range"),
        if_none_match: head.header("if-none-match"),
    };
    if keys.is_empty() {
        return Err(plug_fault(wit::Error::InvalidIndex(
            "a segment of no blobs".into(),
        )));
    }
    if get && conditions.range.is_none() {
        // The common case: open every blob right away; what the store says
        // when opening sizes the response. Nothing is sent before all are open.
        let opened = open(store, keys, |_| None)?;
        let metas: Vec<BlobMeta> = opened.iter().map(|o| o.meta.clone()).collect();
        let plan = segment::plan(&metas, &conditions, true);
        let mut r = segment::reply(&plan, &metas);
        if plan == Plan::Whole {
            r.body = Body::Blobs(whole_bodies(opened)?);
        }
        return Ok(r);
    }
    // HEAD, or a range: sizes first, then only the bytes the plan needs.
    let mut metas = Vec::with_capacity(keys.len());
    for key in keys {
        metas.push(store.stat(key).map_err(blob_fault)?.ok_or_else(vanished)?);
    }
    let plan = segment::plan(&metas, &conditions, get);
    let mut r = segment::reply(&plan, &metas);
    if !get {
        return Ok(r);
    }
    match &plan {
        Plan::Whole => {
            let opened = open(store, keys, |_| None)?;
            if opened.iter().zip(&metas).any(|(o, m)| o.meta != *m) {
                return Err(changed());
            }
            r.body = Body::Blobs(whole_bodies(opened)?);
        }
        Plan::Partial { parts, .. } => {
            let mut bodies = Vec::with_capacity(parts.len());
            for part in parts {
                let o = store
                    .read(&keys[part.blob], Some((part.from, part.to)))
                    .map_err(blob_fault)?
                    .ok_or_else(vanished)?;
                if o.meta != metas[part.blob] || o.length != Some(part.to - part.from + 1) {
                    return Err(changed());
                }
                bodies.push(o.body);
            }
            r.body = Body::Blobs(bodies);
        }
        Plan::NotModified | Plan::Unsatisfiable => {}
    }
    Ok(r)
}

fn open<S: Store>(
    store: &S,
    keys: &[String],
    range: impl Fn(usize) -> Option<(u64, u64)>,
) -> Step<Vec<Opened<S::Body>>, S::Body> {
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            store
                .read(key, range(i))
                .map_err(blob_fault)?
                .ok_or_else(vanished)
        })
        .collect()
}

/// The streams of whole blobs, each checked to be complete: a blob still
/// being written would make `Content-Length` a lie.
fn whole_bodies<B>(opened: Vec<Opened<B>>) -> Step<Vec<B>, B> {
    opened
        .into_iter()
        .map(|o| {
            if o.length == Some(o.meta.size) {
                Ok(o.body)
            } else {
                Err(changed())
            }
        })
        .collect()
}

fn vanished<B>() -> Reply<B> {
    Reply::error(404, "segment not available: its stored bytes are gone")
}

fn changed<B>() -> Reply<B> {
    Reply::error(503, "the segment changed while it was being read; retry")
        .header("retry-after", "1")
}

fn plug_fault<B>(e: wit::Error) -> Reply<B> {
    let (status, message) = reply::plug_error(e);
    Reply::error(status, message)
}

fn state_fault<B>(f: Fault) -> Reply<B> {
    Reply::error(500, format!("reading the channel's state failed: {f}"))
}

fn blob_fault<B>(f: Fault) -> Reply<B> {
    Reply::error(500, format!("reading the segment failed: {f}"))
}
