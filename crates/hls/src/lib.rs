//! HLS for a MediaPackage-style packager, sans-IO: the per-rendition
//! **segment index**, **ingest parsing** of what encoders PUT (feature
//! `ingest`, over m3u8-rs), and **just-in-time playlists** rendered from the
//! index at a time `now` the caller passes in.
//!
//! - [`SegmentIndex`] / [`Segment`]: what the packager keeps per rendition
//!   (sequence, duration, program date time, PTS, discontinuity, blob key),
//!   plus the history of discontinuities that keeps output numbering stable.
//! - [`Channel`] / [`Rendition`]: the renditions an encoder announced in its
//!   master playlist.
//! - [`HlsEndpoint`]: an origin endpoint's `HlsPackage` settings
//!   (SegmentDurationSeconds, PlaylistWindowSeconds, TimeDelaySeconds,
//!   StartoverWindowSeconds, ProgramDateTimeIntervalSeconds, PlaylistType,
//!   StreamSelection, ManifestName).
//! - [`Request`]: what a playback URL's query asks for — time-shift
//!   (`?start=…&end=…`, `aws.manifestsettings=`) and `aws.manifestfilter=`.
//! - [`media_playlist`], [`master_playlist`]: the text players get;
//!   [`cmaf_master_playlist`], [`cmaf_media_playlist`] and [`dash_manifest`]
//!   the same for the CMAF tracks a remux makes of each rendition;
//!   [`resolve_segment`] maps an output segment back to the blobs to send;
//!   [`route`] parses the endpoint's URL layout; [`retention_start`] says
//!   what may be deleted.
//!
//! Without the `ingest` feature the crate is `no_std` + `alloc`, so the pure
//! manifest component can link it and import nothing.
//!
//! ```
//! use tributary_hls::{HlsEndpoint, Request, Segment, SegmentIndex, media_playlist};
//!
//! let mut index = SegmentIndex::new(2);
//! for seq in 0..30u64 {
//!     index.push(Segment {
//!         sequence: seq,
//!         duration_ms: 2_000,
//!         program_date_time_ms: 1_800_000_000_000 + seq as i64 * 2_000,
//!         pts: None,
//!         discontinuity: false,
//!         key: format!("ch/1/{seq}.ts"),
//!     })?;
//! }
//! let endpoint = HlsEndpoint { playlist_window_s: 10, segment_duration_s: 2, ..HlsEndpoint::default() };
//! let now = 1_800_000_000_000 + 60_000;
//! let text = media_playlist(&index, 1, &endpoint, &Request::default(), now)?;
//! assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:25\n"));
//! assert!(text.ends_with("index_1_29.ts\n"));
//! # Ok::<(), tributary_hls::Error>(())
//! ```

#![cfg_attr(not(any(test, feature = "ingest")), no_std)]
#![deny(missing_docs)]

extern crate alloc;
// The `-nostd` flavours of these crates (root Cargo.toml), under their usual names.
extern crate percent_encoding_nostd as percent_encoding;
extern crate thiserror_nostd as thiserror;

pub mod cmaf;
pub mod dash;
mod endpoint;
mod error;
mod filter;
mod group;
#[cfg(feature = "ingest")]
pub mod ingest;
mod master;
mod media;
mod model;
mod query;
mod retention;
mod text;
pub mod time;
mod uri;
mod window;

pub use cmaf::{
    Fmp4Target, Track, TrackInfo, cmaf_master_playlist, cmaf_media_playlist, media_times,
    number_at_time, route_fmp4,
};
pub use dash::{DashSettings, Source, TemplateFormat, UtcScheme, dash_manifest};
pub use endpoint::{HlsEndpoint, PlaylistType, StreamOrder, StreamSelection};
pub use error::{Error, Result};
pub use filter::{ManifestFilter, Ranges, admit_rendition, select_renditions};
pub use group::{combine_factor, resolve_segment};
pub use master::master_playlist;
pub use media::media_playlist;
pub use model::{Channel, MediaKind, Rendition, Resolution, Segment, SegmentIndex};
pub use query::Request;
pub use retention::retention_start;
pub use uri::{Target, route};
pub use window::{OutputSegment, Window, window};
