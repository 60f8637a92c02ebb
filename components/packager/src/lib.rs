//! The MediaPackage data plane as a WASI HTTP component.
//!
//! - [`ingest`]: `/in/v1/<channel>/<ingest>/<file>` — what encoders (ffmpeg
//!   `-f hls -method PUT`, MediaLive) PUT: playlists and segments.
//! - [`playback`]: `/out/v1/<endpoint>/<file>` — playlists rendered just in
//!   time by the manifest plug, and segments from the blob store.
//!
//! Both share the contract in `tributary-mediapackage` (records, keys,
//! `IngestState`, `StoredIndex`).

#![deny(missing_docs)]

pub mod bindings;
pub mod ingest;
pub mod playback;

use tributary_guest::http::{Request, Response};

/// Route a request to ingest or playback by its path prefix.
pub fn route(req: &Request) -> Response {
    if req.path.starts_with("/in/v1/") {
        ingest::handle(req)
    } else if req.path.starts_with("/out/v1/") {
        playback::handle(req)
    } else {
        Response::empty(404)
    }
}

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
            super::route(&req).send(out, head_only);
        }
    }

    wasip2::http::proxy::export!(Component);
}
