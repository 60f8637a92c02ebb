//! What the packager keeps in the `ingest` store: written by the packager's
//! ingest side, read by its playback side (and by nothing else).
//!
//! `state/<channel>` holds an [`IngestState`]; `index/<channel>/<n>` holds
//! rendition n's [`StoredIndex`]. The shapes mirror
//! `tributary:manifest/hls@0.1.0`'s `rendition` and `segment-index`, so
//! playback converts them field by field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The packager's view of one channel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestState {
    /// The channel's `createdAt` when this state began: a channel deleted
    /// and created again under the same id starts from nothing.
    pub channel_created_at: String,
    /// The renditions, in the order the encoder's master playlist listed
    /// them; rendition n (1-based) is `renditions[n - 1]` and its index is
    /// `index/<channel>/<n>`. Numbers never change once given.
    pub renditions: Vec<StoredRendition>,
    /// The ingest endpoint whose segments the channel currently takes.
    pub active_ingest: Option<String>,
    /// Per ingest endpoint id: when it last delivered a new segment.
    pub last_segment_ms: BTreeMap<String, i64>,
}

/// What a rendition carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredKind {
    /// Video, possibly with audio muxed in.
    #[default]
    Video,
    /// Audio only.
    Audio,
}

/// One rendition as the encoder announced it (mirrors the WIT `rendition`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredRendition {
    /// The encoder's media playlist name (`channel_1.m3u8`).
    pub name: String,
    /// Video or audio.
    pub kind: StoredKind,
    /// Peak bits per second; 0 when unknown.
    pub bandwidth: u64,
    /// `AVERAGE-BANDWIDTH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_bandwidth: Option<u64>,
    /// Width and height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<(u32, u32)>,
    /// `FRAME-RATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// `CODECS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codecs: Option<String>,
    /// Video: its `AUDIO` group; audio: its `GROUP-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Audio: `LANGUAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Audio: `NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Audio: `DEFAULT=YES`.
    #[serde(default)]
    pub default: bool,
}

/// One rendition's retained segments (mirrors the WIT `segment-index`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredIndex {
    /// The ingest target duration, at least 1.
    pub target_duration_s: u32,
    /// Oldest first, sequences contiguous.
    pub segments: Vec<StoredSegment>,
    /// Every sequence that ever started a discontinuity, ascending.
    #[serde(default)]
    pub discontinuities: Vec<u64>,
}

/// One ingested segment (mirrors the WIT `segment`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredSegment {
    /// The channel's own sequence number (not the encoder's).
    pub sequence: u64,
    /// More than 0.
    pub duration_ms: u32,
    /// Wall-clock start.
    pub program_date_time_ms: i64,
    /// First PTS, 90 kHz, if probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pts: Option<u64>,
    /// Starts a discontinuity.
    #[serde(default)]
    pub discontinuity: bool,
    /// The blob key of its bytes.
    pub key: String,
}
