//! Tributary's load harness: the pieces behind `benches/load/run`, which
//! measures Tributary beside two baselines in the same run — nginx serving
//! the same files from disk and a minimal native hyper handler — and writes
//! `benches/RESULTS.md`.
//!
//! The pure parts are here and unit-tested: reading wrk's summary line
//! ([`wrk`]), medians and ratios ([`stats`]), the report ([`report`]). The
//! parts with processes and sockets ([`machine`], [`servers`], [`fixtures`],
//! [`live`]) are driven by the `tributary-load` binary.
//!
//! ```
//! let line = r#"LOADJSON {"requests":10,"duration_us":1000000,"bytes":20480,
//!   "connect_errors":0,"read_errors":0,"write_errors":0,"status_errors":0,"timeouts":0,
//!   "p50_us":900,"p90_us":1500,"p99_us":2000,"max_us":3000}"#.replace('\n', "");
//! let sample = tributary_benches::wrk::parse(&line).unwrap();
//! assert_eq!(sample.requests_per_second(), 10.0);
//! ```

#![deny(missing_docs)]

pub mod fixtures;
pub mod live;
pub mod machine;
pub mod report;
pub mod servers;
pub mod stats;
pub mod wrk;
