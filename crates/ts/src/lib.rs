//! MPEG transport stream probing for the transport ingest: is the stream
//! healthy (sync, continuity counters) and what does it carry (PAT, PMT,
//! programs and their streams)? It feeds the per-source TS metrics and
//! DescribeFlowSourceMetadata.
//!
//! Sans-IO and panic-free on any input: [`Probe::push`] takes the payload
//! of each datagram (raw UDP, or the RTP payload), and damaged bytes are
//! counted, never fatal.
//!
//! ```
//! use tributary_ts::{Probe, PACKET_SIZE};
//!
//! let mut probe = Probe::new();
//! let mut null = vec![0x47, 0x1f, 0xff, 0x10];
//! null.resize(PACKET_SIZE, 0xff);
//! probe.push(&null);
//! probe.push(&[0x00; 10]); // garbage
//! assert_eq!(probe.counters().packets, 1);
//! assert_eq!(probe.counters().sync_errors, 1);
//! assert!(probe.programs().is_empty(), "no PAT yet");
//! ```

#![deny(missing_docs)]

mod error;
mod packet;
mod probe;
mod psi;

pub use error::{Error, Result};
pub use packet::{NULL_PID, PACKET_SIZE, SYNC_BYTE, TsPacket};
pub use probe::{Counters, PidStats, Probe, Program};
pub use psi::{Kind, Pat, Pmt, Section, Stream, codec_name, crc32_mpeg2};
