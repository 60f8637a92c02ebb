//! Why a playlist could not be read or made.

use alloc::string::String;

/// What went wrong, with a message a person can act on. The suggested HTTP
/// status is what the packager should answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An ingest playlist that cannot be used (not HLS, a segment without
    /// `#EXTINF`, a bad duration or URI, encryption or byte ranges). The
    /// message says what and where. HTTP 400.
    #[error("malformed ingest playlist: {0}")]
    MalformedPlaylist(String),
    /// A segment index or channel that breaks the model's rules (sequence
    /// gaps, time going backwards, a zero duration): a packager bug, not user
    /// input. HTTP 500.
    #[error("invalid segment index: {0}")]
    InvalidIndex(String),
    /// A playback query that cannot be read (`aws.manifestfilter`,
    /// `aws.manifestsettings`, `start`, `end`). HTTP 400.
    #[error("malformed query: {0}")]
    MalformedQuery(String),
    /// A manifest filter key this packager does not implement
    /// (e.g. `video_codec`); refused rather than ignored. HTTP 400.
    #[error("unsupported manifest filter: {0}")]
    UnsupportedFilter(String),
    /// `start`/`end` on an endpoint without a startover window. HTTP 404.
    #[error("time-shifted viewing needs a startover window on the endpoint")]
    TimeShiftDisabled,
    /// `start` before the startover window, or `end` before its beginning
    /// (MediaPackage answers 404). HTTP 404.
    #[error("requested time is outside the startover window")]
    OutsideStartoverWindow,
    /// `end` not after `start`, a range over 24 hours, or `start` in the
    /// future. HTTP 400.
    #[error("invalid time range: {0}")]
    InvalidTimeRange(String),
    /// Stream selection and the manifest filter left no stream. HTTP 404.
    #[error("no stream matches the endpoint's stream selection and the manifest filter")]
    NoMatchingStreams,
    /// The channel has no rendition with that number. HTTP 404.
    #[error("no such rendition")]
    UnknownRendition,
    /// The requested rendition exists but stream selection or the manifest
    /// filter excludes it. HTTP 404.
    #[error("rendition excluded by stream selection or the manifest filter")]
    RenditionExcluded,
    /// No such output segment (never existed, expired, or not complete yet).
    /// HTTP 404.
    #[error("segment not available")]
    SegmentUnavailable,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
