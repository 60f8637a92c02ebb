//! Playback at `/out/v1/<endpoint>/<file>`: an origin endpoint's master and
//! media playlists, rendered just in time by the manifest plug from the
//! channel's stored index, and its segments, streamed from the blob store.
//!
//! - [`serve`]: the request from method to answer, over a [`serve::Store`]
//!   and a [`serve::Manifest`] trait (no WASI inside).
//! - [`access`]: `Origination: DENY` and the `Whitelist` CIDR blocks (403).
//! - [`convert`]: stored records → the plug's WIT records.
//! - [`fmp4`]: CMAF HLS and DASH endpoints — the TS segments remuxed just
//!   in time (`tributary-fmp4`), manifests from `tributary-hls`.
//! - [`memo`]: what a stored segment's remux said about its tracks,
//!   remembered by blob key between requests of a warm instance.
//! - [`segment`]: 200/206/304/416 of a segment made of one or more blobs.
//! - [`reply`]: statuses, content types, `Cache-Control`, CORS, plug errors.
//! - `wasi`: the stores, the plug and the response over WASI.
//!
//! Headers: playlists `application/vnd.apple.mpegurl` with `max-age` half an
//! output segment (at least 1; five minutes once `#EXT-X-ENDLIST`);
//! segments `video/MP2T`, `max-age=1209600`, `ETag`, `Accept-Ranges`;
//! CMAF/DASH: MPDs `application/dash+xml` with the playlists' `max-age`,
//! fragments `video/mp4` with the segments' `max-age`, init segments
//! `video/mp4` with `max-age=300`;
//! errors short `text/plain` with `max-age=1` (403: `no-store`); every
//! answer `Access-Control-Allow-Origin: *`.

pub mod access;
pub mod convert;
pub mod fmp4;
pub mod memo;
pub mod reply;
pub mod segment;
pub mod serve;
mod wasi;

#[cfg(test)]
mod tests;

use tributary_guest::config;
use tributary_guest::http::{Request, Response};

/// Answer a request under `/out/v1/`.
pub fn handle(req: &Request) -> Response {
    let head = serve::Head {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        headers: &req.headers,
    };
    let now_ms = i64::try_from(config::now_ms()).unwrap_or(i64::MAX);
    wasi::respond(serve::serve(
        &head,
        &wasi::Stores::open(),
        &wasi::Plug,
        now_ms,
    ))
}
