//! The crate's one error type: what was wrong with the input, never a panic.

/// Why a remux failed. Every variant describes the input (or a limit), so the
/// packager can answer the request with a 4xx/5xx and log the reason.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No segments were given.
    #[error("no segments to remux")]
    NoSegments,
    /// A segment is not a whole number of 188-byte packets starting with 0x47.
    #[error("segment {segment}: not MPEG-TS ({reason})")]
    NotTransportStream {
        /// Index of the segment in the input.
        segment: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// The segments carry no H.264, HEVC or ADTS AAC stream.
    #[error("no H.264, HEVC or AAC (ADTS) stream in the program")]
    NoStreams,
    /// A PES packet of a media stream has no usable PTS/DTS.
    #[error("segment {segment}: {stream} PES packet without a timestamp")]
    MissingTimestamp {
        /// Index of the segment in the input.
        segment: usize,
        /// `video` or `audio`.
        stream: &'static str,
    },
    /// A stream's elementary data could not be parsed.
    #[error("{stream}: {reason}")]
    Malformed {
        /// `video` or `audio`.
        stream: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The video stream carried no parameter sets (SPS/PPS, or VPS/SPS/PPS).
    #[error("video: no parameter sets before the first picture")]
    NoParameterSets,
    /// A stream uses a feature this remuxer does not carry into MP4.
    #[error("{0}")]
    Unsupported(String),
    /// A segment has a stream but no complete sample of it.
    #[error("segment {segment}: no complete {stream} sample")]
    EmptySegment {
        /// Index of the segment in the input.
        segment: usize,
        /// `video` or `audio`.
        stream: &'static str,
    },
    /// Encoding a box failed (a value out of the box's range).
    #[error("mp4 encoding: {0}")]
    Encode(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
