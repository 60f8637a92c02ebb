//! Why a datagram is not a valid RTP packet.

/// A datagram that cannot be read as an RTP packet, or a header that cannot
/// be written; the message names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes than the header (fixed part, CSRCs, extension or padding) needs.
    #[error("truncated RTP packet: {needed} bytes needed, {actual} present")]
    Truncated {
        /// Bytes the header announces.
        needed: usize,
        /// Bytes in the datagram.
        actual: usize,
    },
    /// The version field is not 2.
    #[error("unsupported RTP version {0} (expected 2)")]
    Version(u8),
    /// The padding bit is set but the padding count is 0 or exceeds the packet.
    #[error("invalid RTP padding length {0}")]
    Padding(u8),
    /// A field to encode is out of range (payload type > 127, more than 15 CSRCs,
    /// extension data not a multiple of 4 bytes, padding of 0).
    #[error("cannot encode RTP header: {0}")]
    Encode(&'static str),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
