//! Source redundancy for the transport ingest, as MediaConnect offers it:
//!
//! - [`Merger`]: SMPTE ST 2022-7 `MERGE`. Two paths carry the same RTP
//!   stream; packets are merged by sequence number inside a recovery window
//!   (100–15000 ms, default 200) and each is emitted once, in order.
//! - [`Failover`]: `FAILOVER`. One source is active; when it goes silent the
//!   switch moves to another, and back to the primary source once it has
//!   been healthy again for a hold time.
//!
//! Both are sans-IO: no sockets and no clock. The caller passes the arrival
//! time (`now`, a [`Duration`](std::time::Duration) since any fixed origin)
//! with each packet and calls `poll(now)` on a timer, so tests run in
//! simulated time.
//!
//! ```
//! use std::time::Duration;
//! use tributary_redundancy::{Merger, PathId};
//!
//! let ms = Duration::from_millis;
//! let mut merger = Merger::new(ms(200))?;
//! let mut out = Vec::new();
//! merger.push(ms(0), PathId::A, 10, b"ten".to_vec(), &mut out);
//! merger.push(ms(1), PathId::A, 12, b"twelve".to_vec(), &mut out); // 11 missing on A
//! merger.push(ms(5), PathId::B, 11, b"eleven".to_vec(), &mut out); // B has it
//! merger.push(ms(6), PathId::B, 12, b"twelve".to_vec(), &mut out); // duplicate
//! merger.poll(ms(200), &mut out); // the first window waits for a lagging path
//! let seqs: Vec<u16> = out.iter().map(|p| p.seq).collect();
//! assert_eq!(seqs, [10, 11, 12]);
//! assert_eq!(merger.counters().recovered, 1);
//! assert_eq!(merger.counters().duplicates, 1);
//! # Ok::<(), tributary_redundancy::Error>(())
//! ```

#![deny(missing_docs)]

mod error;
mod failover;
mod merge;

pub use error::{Error, Result};
pub use failover::{Failover, Source, SourceId};
pub use merge::{Counters, DEFAULT_RECOVERY_WINDOW, Merged, Merger, PathId};
