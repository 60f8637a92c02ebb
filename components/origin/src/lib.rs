//! The MediaStore data plane as a WASI HTTP component: PutObject, GetObject,
//! DescribeObject, DeleteObject and ListItems at `/store/<container>/<path>`,
//! wire-compatible with `aws mediastore-data --endpoint-url
//! <public>/store/<container>` and the AWS SDKs.
//!
//! Everything the data plane decides with — URL and header parsing ([`op`]), ranges ([`range`]),
//! conditional requests ([`conditional`]), status and headers of object
//! responses ([`object`]), ListItems pages and tokens ([`list`]), CORS inputs
//! ([`cors`]), wire errors ([`reply`]) and HTTP dates ([`httpdate`]) — is plain
//! Rust, tested natively with `cargo test -p tributary-origin`.
//!
//! ```
//! use tributary_origin::op::{self, Op, RequestHead};
//! let head = RequestHead { method: "GET", path: "/store/live/a/seg1.ts", query: "", headers: &[] };
//! let parsed = op::parse(&head).unwrap();
//! assert_eq!(parsed.container.as_str(), "live");
//! assert!(matches!(parsed.op, Ok(Op::GetObject { .. })));
//! ```

#![deny(missing_docs)]

pub mod conditional;
pub mod cors;
pub mod httpdate;
pub mod list;
pub mod object;
pub mod op;
pub mod range;
pub mod reply;
