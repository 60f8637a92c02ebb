//! An in-memory [`Backend`] and a simulated HLS encoder.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use tributary_guest::state::Change;
use tributary_hls::ingest::{IngestMedia, IngestSegment};
use tributary_hls::{HlsEndpoint, retention_start};
use tributary_mediapackage::ingest::{IngestState, StoredIndex};
use tributary_mediapackage::stored::Stored;
use tributary_mediapackage::wire::{
    Channel, HlsIngest, HlsPackage, IngestEndpoint, OriginEndpoint,
};
use tributary_mediapackage::{ChannelRecord, EndpointRecord, keys};

use crate::ingest::feed::{Feed, Upload};
use crate::ingest::keys::segment_blob;
use crate::ingest::service::{self, Backend, Fault, MediaOutcome};
use crate::ingest::stored;

pub const T0: i64 = 1_800_000_000_000;

#[derive(Default)]
pub struct Memory {
    pub channel: RefCell<Option<ChannelRecord>>,
    pub endpoints: RefCell<Vec<EndpointRecord>>,
    pub records: RefCell<BTreeMap<String, Vec<u8>>>,
    pub blobs: RefCell<BTreeSet<String>>,
}

impl Memory {
    /// A channel `live` with ingest endpoints `a` and `b`.
    pub fn with_channel(created_at: &str) -> Self {
        let m = Self::default();
        m.create_channel(created_at);
        m
    }

    pub fn create_channel(&self, created_at: &str) {
        let ep = |id: &str| IngestEndpoint {
            id: id.into(),
            url: String::new(),
            username: "u".into(),
            password: "p".into(),
        };
        *self.channel.borrow_mut() = Some(ChannelRecord {
            channel: Channel {
                id: "live".into(),
                created_at: created_at.into(),
                hls_ingest: HlsIngest {
                    ingest_endpoints: vec![ep("a"), ep("b")],
                },
                ..Channel::default()
            },
        });
    }

    pub fn channel(&self) -> Channel {
        self.channel.borrow().clone().unwrap().channel
    }

    /// An origin endpoint of `live` with this window and startover.
    pub fn add_endpoint(&self, window_s: u32, startover_s: Option<u32>) {
        let id = format!("e{}", self.endpoints.borrow().len());
        self.endpoints.borrow_mut().push(EndpointRecord {
            endpoint: OriginEndpoint {
                id,
                channel_id: "live".into(),
                manifest_name: "index".into(),
                startover_window_seconds: startover_s,
                hls_package: Some(HlsPackage {
                    playlist_window_seconds: window_s,
                    segment_duration_seconds: 2,
                    ..HlsPackage::default()
                }),
                ..OriginEndpoint::default()
            },
        });
    }

    pub fn index(&self, n: u32) -> StoredIndex {
        self.get(&keys::segment_index("live", n))
            .unwrap()
            .unwrap_or_default()
    }

    pub fn state(&self) -> IngestState {
        self.get(&keys::ingest_state("live"))
            .unwrap()
            .unwrap_or_default()
    }

    pub fn feed(&self, ingest: &str) -> Feed {
        self.get(&crate::ingest::keys::feed("live", ingest))
            .unwrap()
            .unwrap_or_default()
    }
}

impl Backend for Memory {
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, Fault> {
        Ok(self.channel.borrow().clone().filter(|c| c.channel.id == id))
    }

    fn endpoints(&self) -> Result<Vec<EndpointRecord>, Fault> {
        Ok(self.endpoints.borrow().clone())
    }

    fn get<T: Stored>(&self, key: &str) -> Result<Option<T>, Fault> {
        self.records
            .borrow()
            .get(key)
            .map(|v| T::from_bytes(v))
            .transpose()
    }

    fn update<T: Stored, R>(
        &self,
        key: &str,
        mut f: impl FnMut(Option<T>) -> Result<Change<T, R>, Fault>,
    ) -> Result<R, Fault> {
        match f(self.get(key)?)? {
            Change::Keep(r) => Ok(r),
            Change::Write(v, r) => {
                let bytes = v.to_bytes()?;
                self.records.borrow_mut().insert(key.to_owned(), bytes);
                Ok(r)
            }
        }
    }

    fn remove(&self, key: &str) -> Result<(), Fault> {
        self.records.borrow_mut().remove(key);
        Ok(())
    }

    fn delete_blob(&self, key: &str) -> Result<(), Fault> {
        self.blobs.borrow_mut().remove(key);
        Ok(())
    }

    fn retention_start(
        &self,
        index: &StoredIndex,
        endpoints: &[EndpointRecord],
        now_ms: i64,
    ) -> Result<Option<u64>, Fault> {
        let endpoints: Vec<HlsEndpoint> = endpoints
            .iter()
            .map(|e| {
                let hls = e.endpoint.hls_package.clone().unwrap_or_default();
                HlsEndpoint {
                    segment_duration_s: hls.segment_duration_seconds,
                    playlist_window_s: hls.playlist_window_seconds,
                    time_delay_s: e.endpoint.time_delay_seconds.unwrap_or(0),
                    startover_window_s: e.endpoint.startover_window_seconds,
                    ..HlsEndpoint::default()
                }
            })
            .collect();
        let index = stored::load(index.clone())?;
        Ok(retention_start(&index, &endpoints, now_ms))
    }
}

/// An encoder pushing 2-second segments of one rendition, ffmpeg style:
/// each segment PUT, then the playlist listing the last five.
pub struct Encoder {
    pub ingest: &'static str,
    pub playlist: &'static str,
    /// The encoder's next sequence number.
    pub next: u64,
    /// PTS of its sequence 0.
    pub pts_base: u64,
    /// Sequence numbers it uploaded, for the sliding playlist.
    listed: Vec<u64>,
    /// Whether it writes EXT-X-PROGRAM-DATE-TIME (then: `T0 + 2 s × seq + offset`).
    pub pdt_offset_ms: Option<i64>,
}

impl Encoder {
    pub fn new(ingest: &'static str) -> Self {
        Self {
            ingest,
            playlist: "c_0.m3u8",
            next: 0,
            pts_base: 126_000,
            listed: Vec::new(),
            pdt_offset_ms: None,
        }
    }

    pub fn file(&self, seq: u64) -> String {
        format!("{}_{seq}.ts", self.playlist.trim_end_matches(".m3u8"))
    }

    /// Lists the next segment in the playlist before its PUT finished.
    pub fn announce_next(&mut self) {
        self.listed.push(self.next);
    }

    /// PUTs its next segment at `now_ms` (listed by the next playlist).
    pub fn put_segment(&mut self, m: &Memory, now_ms: i64) {
        let seq = self.next;
        self.next += 1;
        let announced = self.listed.last() == Some(&seq);
        let file = self.file(seq);
        let key = segment_blob("live", self.ingest, now_ms, seq, &file);
        m.blobs.borrow_mut().insert(key.clone());
        let upload = Upload {
            key,
            at_ms: now_ms,
            pts: Some(self.pts_base + seq * 180_000),
        };
        service::segment_stored(m, &m.channel(), self.ingest, &file, upload, now_ms).unwrap();
        if !announced {
            self.listed.push(seq);
        }
    }

    /// PUTs its playlist at `now_ms`.
    pub fn put_playlist(&mut self, m: &Memory, now_ms: i64) -> MediaOutcome {
        let from = self.listed.len().saturating_sub(5);
        let segments: Vec<IngestSegment> = self.listed[from..]
            .iter()
            .map(|&seq| IngestSegment {
                sequence: seq,
                uri: self.file(seq),
                duration_ms: 2000,
                discontinuity: false,
                program_date_time_ms: self.pdt_offset_ms.map(|o| T0 + seq as i64 * 2000 + o),
            })
            .collect();
        let listing = IngestMedia {
            target_duration_s: 2,
            media_sequence: segments.first().map_or(0, |s| s.sequence),
            discontinuity_sequence: 0,
            segments,
            ended: false,
        };
        service::begin(m, &m.channel()).unwrap();
        service::media(
            m,
            &m.channel(),
            self.ingest,
            self.playlist,
            &listing,
            now_ms,
        )
        .unwrap()
    }

    /// One segment and its playlist at `now_ms`.
    pub fn push(&mut self, m: &Memory, now_ms: i64) -> MediaOutcome {
        self.put_segment(m, now_ms);
        self.put_playlist(m, now_ms)
    }

    /// A restart: numbering (and PTS) start again.
    pub fn restart(&mut self, pts_base: u64) {
        self.next = 0;
        self.listed.clear();
        self.pts_base = pts_base;
    }
}

/// Sequences of an index, and that they are contiguous.
pub fn sequences(index: &StoredIndex) -> Vec<u64> {
    let seqs: Vec<u64> = index.segments.iter().map(|s| s.sequence).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "gap in {seqs:?}");
    seqs
}
