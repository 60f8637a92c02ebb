//! RTP (RFC 3550) packets for the transport ingest: parse and serialize the
//! fixed header, CSRC list, header extension and padding, and compare
//! sequence numbers across the 16-bit wrap.
//!
//! Sans-IO and zero-copy: [`RtpPacket::decode`] borrows the datagram, so the
//! payload (MPEG-TS for MediaConnect's `rtp` protocol) is a slice of it.
//! Every input is answered with a packet or an [`Error`], never a panic: a
//! truncated or garbage datagram is something the caller counts and drops.
//!
//! ```
//! use tributary_rtp::{Decode, Encode, RtpPacket, seq_distance};
//!
//! let wire = [0x80, 0x21, 0x00, 0x07, 0, 0, 0x03, 0xe8, 0xde, 0xad, 0xbe, 0xef, 0x47];
//! let packet = RtpPacket::decode(&wire)?;
//! assert_eq!(packet.payload_type, 33); // MP2T
//! assert_eq!(packet.sequence, 7);
//! assert_eq!(packet.payload, &[0x47]);
//!
//! let mut out = Vec::new();
//! packet.encode(&mut out)?;
//! assert_eq!(out, wire);
//!
//! assert_eq!(seq_distance(65535, 2), 3); // across the wrap
//! # Ok::<(), tributary_rtp::Error>(())
//! ```

#![deny(missing_docs)]

mod error;
mod packet;
mod seq;

pub use error::{Error, Result};
pub use packet::{Extension, MAX_CSRC, RtpPacket};
pub use seq::seq_distance;

/// Reads a value from wire bytes that it borrows.
pub trait Decode<'a>: Sized {
    /// Parses `buf`; an error says which field is missing or invalid.
    fn decode(buf: &'a [u8]) -> Result<Self>;
}

/// Writes a value as wire bytes.
pub trait Encode {
    /// Appends the wire form to `out`; on error nothing is appended.
    fn encode(&self, out: &mut Vec<u8>) -> Result<()>;

    /// Bytes [`Encode::encode`] appends.
    fn encoded_len(&self) -> usize;
}
