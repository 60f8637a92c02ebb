//! The MediaStore data plane as a WASI HTTP component: PutObject, GetObject,
//! DescribeObject, DeleteObject and ListItems at `/store/<container>/<path>`,
//! wire-compatible with `aws mediastore-data --endpoint-url
//! <public>/store/<container>` and the AWS SDKs.
//!
//! The shell below only hands the request to [`service`], the one module
//! that calls the host (blob store, key-value state, policy plug). Everything
//! it decides with is plain Rust, tested natively with `cargo test -p
//! tributary-origin`: URL and header parsing ([`op`]), ranges ([`range`]),
//! conditional requests ([`conditional`]), status and headers of object
//! responses ([`object`]), the sequence of store calls behind GetObject and
//! DescribeObject ([`reading`], over a trait), ListItems pages and tokens
//! ([`list`]), CORS inputs ([`cors`]), wire errors ([`reply`]) and HTTP dates
//! ([`httpdate`]).
//!
//! Every request reads the container record (`containers` bucket) and, when
//! signed, the access key (`credentials` bucket); then, per operation:
//!
//! | operation | blob store calls |
//! | --- | --- |
//! | GetObject | `read(key, range)`; on `range-not-satisfiable` a `stat` (416, or 304/404 first); a re-`read` when the plan needs other bytes |
//! | DescribeObject | `stat(key)` |
//! | PutObject | `write(key, request body, {max-size, visible-while-writing, expected-sha256, …})` |
//! | DeleteObject | `delete(key)` |
//! | ListItems | `list("<container>/<folder>/", "/", cursor, MaxResults)` |
//! | (expiry) | `stat(key)` then `delete(key)` if unchanged |
//!
//! Blob keys are `<container>/<path>`. Object bytes never pass through the
//! guest: read streams are spliced into the response and the request body
//! stream is handed to `write`, both host-side.
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
pub mod reading;
pub mod reply;
pub mod service;

// The export names (`wasi:http/incoming-handler@0.2.12#handle`) only link
// for wasm; natively this crate is its pure modules, for tests.
#[cfg(target_arch = "wasm32")]
mod shell {
    use tributary_guest::http::Request;
    use tributary_guest::wasip2;
    use wasip2::http::types::{IncomingRequest, ResponseOutparam};

    struct Component;

    impl wasip2::exports::http::incoming_handler::Guest for Component {
        fn handle(request: IncomingRequest, out: ResponseOutparam) {
            let req = Request::new(request);
            let head_only = req.method == "HEAD";
            super::service::handle(&req).send(out, head_only);
        }
    }

    wasip2::http::proxy::export!(Component);
}
