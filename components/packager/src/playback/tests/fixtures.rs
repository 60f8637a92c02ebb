//! A channel `live` with two video renditions of 30 two-second segments
//! each, endpoints on it, and a fake store that logs every call.

use std::cell::RefCell;
use std::collections::HashMap;

use tributary_mediapackage::ingest::{
    IngestState, StoredIndex, StoredKind, StoredRendition, StoredSegment,
};
use tributary_mediapackage::wire::{Channel, HlsPackage, OriginEndpoint};
use tributary_mediapackage::{ChannelRecord, EndpointRecord};

use super::native::NativePlug;
use crate::playback::memo::TrackMemo;
use crate::playback::reply::{Body, Reply};
use crate::playback::segment::BlobMeta;
use crate::playback::serve::{self, Fault, Head, Opened, Store};

/// 2026-11-21T00:00:00Z: the first segment's program date time.
pub const T0: i64 = 1_795_219_200_000;
/// Segments in each rendition's index.
pub const SEGMENTS: u64 = 30;
/// Just after the last segment ended.
pub const NOW: i64 = T0 + SEGMENTS as i64 * 2000 + 500;
pub const CREATED: &str = "2026-11-20T23:00:00Z";

/// What a fake blob stream is: the key and the range opened.
pub type Opening = (String, Option<(u64, u64)>);

#[derive(Default)]
pub struct Fake {
    pub endpoints: HashMap<String, EndpointRecord>,
    pub channels: HashMap<String, ChannelRecord>,
    pub states: HashMap<String, IngestState>,
    pub indexes: HashMap<(String, u32), StoredIndex>,
    pub blobs: RefCell<HashMap<String, BlobMeta>>,
    /// The bytes of blobs a remux reads (CMAF/DASH tests); others have none.
    pub bytes: RefCell<HashMap<String, Vec<u8>>>,
    pub broken_kv: bool,
    pub calls: RefCell<Vec<String>>,
    /// Tracks remembered by blob key, as a warm instance keeps them.
    pub tracks: RefCell<TrackMemo>,
}

impl Fake {
    fn log(&self, call: String) {
        self.calls.borrow_mut().push(call);
    }

    fn kv<T: Clone>(&self, call: String, value: Option<&T>) -> Result<Option<T>, Fault> {
        self.log(call);
        if self.broken_kv {
            return Err("disk on fire".into());
        }
        Ok(value.cloned())
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    /// Blob calls only (`stat …`, `read …`).
    pub fn blob_calls(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.starts_with("stat ") || c.starts_with("read "))
            .collect()
    }
}

impl Store for Fake {
    type Body = Opening;

    fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, Fault> {
        self.kv(format!("endpoint {id}"), self.endpoints.get(id))
    }

    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, Fault> {
        self.kv(format!("channel {id}"), self.channels.get(id))
    }

    fn ingest_state(&self, channel: &str) -> Result<Option<IngestState>, Fault> {
        self.kv(format!("state {channel}"), self.states.get(channel))
    }

    fn index(&self, channel: &str, rendition: u32) -> Result<Option<StoredIndex>, Fault> {
        self.kv(
            format!("index {channel} {rendition}"),
            self.indexes.get(&(channel.to_owned(), rendition)),
        )
    }

    fn remembered_tracks(&self, key: &str) -> Option<Vec<tributary_hls::TrackInfo>> {
        self.tracks.borrow().get(key)
    }

    fn remember_tracks(&self, key: &str, tracks: Vec<tributary_hls::TrackInfo>) {
        self.tracks.borrow_mut().put(key, tracks);
    }

    fn stat(&self, key: &str) -> Result<Option<BlobMeta>, Fault> {
        self.log(format!("stat {key}"));
        Ok(self.blobs.borrow().get(key).cloned())
    }

    fn read_bytes(&self, key: &str) -> Result<Option<(BlobMeta, Vec<u8>)>, Fault> {
        self.log(format!("read_bytes {key}"));
        let meta = self.blobs.borrow().get(key).cloned();
        Ok(meta.and_then(|m| self.bytes.borrow().get(key).map(|b| (m, b.clone()))))
    }

    fn read(&self, key: &str, range: Option<(u64, u64)>) -> Result<Option<Opened<Opening>>, Fault> {
        self.log(format!("read {key} {range:?}"));
        Ok(self.blobs.borrow().get(key).map(|meta| Opened {
            meta: meta.clone(),
            length: Some(range.map_or(meta.size, |(a, b)| b - a + 1)),
            body: (key.to_owned(), range),
        }))
    }
}

pub fn key(rendition: u32, sequence: u64) -> String {
    format!("live/a1/{rendition}/{sequence}.ts")
}

pub fn size(sequence: u64) -> u64 {
    1000 + sequence
}

fn index(rendition: u32) -> StoredIndex {
    StoredIndex {
        target_duration_s: 2,
        segments: (0..SEGMENTS)
            .map(|s| StoredSegment {
                sequence: s,
                duration_ms: 2000,
                program_date_time_ms: T0 + s as i64 * 2000,
                pts: None,
                discontinuity: false,
                key: key(rendition, s),
            })
            .collect(),
        discontinuities: Vec::new(),
    }
}

fn video(name: &str, bandwidth: u64, height: u32) -> StoredRendition {
    StoredRendition {
        name: name.into(),
        kind: StoredKind::Video,
        bandwidth,
        resolution: Some((height * 16 / 9, height)),
        codecs: Some("avc1.64001f,mp4a.40.2".into()),
        ..StoredRendition::default()
    }
}

/// An HLS endpoint `id` on channel `live` with `SegmentDurationSeconds`
/// `segment_s` and a 10-second window.
pub fn endpoint(id: &str, segment_s: u32) -> OriginEndpoint {
    OriginEndpoint {
        id: id.into(),
        channel_id: "live".into(),
        created_at: CREATED.into(),
        manifest_name: "index".into(),
        hls_package: Some(HlsPackage {
            segment_duration_seconds: segment_s,
            playlist_window_seconds: 10,
            ..HlsPackage::default()
        }),
        ..OriginEndpoint::default()
    }
}

/// Channel `live`, its ingest state and indexes, blobs for every segment,
/// and endpoints `hls` (2 s segments) and `hls6` (6 s: three inputs each).
pub fn world() -> Fake {
    let mut f = Fake::default();
    f.channels.insert(
        "live".into(),
        ChannelRecord {
            channel: Channel {
                id: "live".into(),
                created_at: CREATED.into(),
                ..Channel::default()
            },
        },
    );
    f.states.insert(
        "live".into(),
        IngestState {
            channel_created_at: CREATED.into(),
            renditions: vec![
                video("channel_1.m3u8", 2_500_000, 720),
                video("channel_2.m3u8", 800_000, 360),
            ],
            active_ingest: Some("a1".into()),
            last_segment_ms: Default::default(),
        },
    );
    for n in [1, 2] {
        f.indexes.insert(("live".into(), n), index(n));
        for s in 0..SEGMENTS {
            f.blobs.borrow_mut().insert(
                key(n, s),
                BlobMeta {
                    size: size(s),
                    etag: format!("tag{n}-{s}"),
                },
            );
        }
    }
    put_endpoint(&mut f, endpoint("hls", 2));
    put_endpoint(&mut f, endpoint("hls6", 6));
    f
}

pub fn put_endpoint(f: &mut Fake, e: OriginEndpoint) {
    f.endpoints
        .insert(e.id.clone(), EndpointRecord { endpoint: e });
}

/// A request from 127.0.0.1 with `headers`, at [`NOW`].
pub fn call(f: &Fake, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply<Opening> {
    call_at(f, method, target, headers, NOW)
}

pub fn call_at(
    f: &Fake,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    now: i64,
) -> Reply<Opening> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut h: Vec<(String, String)> = vec![("spin-client-addr".into(), "127.0.0.1:50000".into())];
    h.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let head = Head {
        method,
        path,
        query,
        headers: &h,
    };
    serve::serve(&head, f, &NativePlug, now)
}

pub fn get(f: &Fake, target: &str) -> Reply<Opening> {
    call(f, "GET", target, &[])
}

pub fn text(r: &Reply<Opening>) -> &str {
    match &r.body {
        Body::Text(t) => t,
        _ => "",
    }
}

/// Asserts the CORS headers every playback answer carries.
pub fn assert_cors(r: &Reply<Opening>) {
    assert_eq!(
        r.header_value("access-control-allow-origin"),
        Some("*"),
        "{:?}",
        r.headers
    );
    let exposed = r
        .header_value("access-control-expose-headers")
        .unwrap_or("");
    assert!(
        exposed.contains("Content-Length") && exposed.contains("Content-Range"),
        "{exposed}"
    );
}
