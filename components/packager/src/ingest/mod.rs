//! Ingest at `/in/v1/<channel>/<ingest>/<file>`: what encoders (ffmpeg
//! `-f hls -method PUT`, AWS Elemental MediaLive) PUT — master and media
//! playlists and segments — authenticated with the ingest endpoint's
//! credentials, into the blob store and the channel's segment indexes.
//!
//! - [`request`]: method, channel, endpoint, credentials ([`auth`]: Digest
//!   and Basic) and file kind, before any body byte is read.
//! - [`service`]: what each PUT does to the records, over a
//!   [`service::Backend`]; the rules it applies are [`channel`] (rendition
//!   numbers, which endpoint is active), [`append`] (new segments, sequence,
//!   program date time, discontinuities), [`feed`] (uploads waiting to be
//!   appended) and the contract's retention.
//! - [`keys`]: blob keys (`.packager/<channel>/<ingest>/<ms>-<random>/<file>`)
//!   and the `feed/` records; [`stored`]: the stored index ↔ the checked one;
//!   [`pts`]: a segment's first PTS.
//! - `wasi`: bodies to blobs and the backend over WASI.
//!
//! Answers: 204 stored (or a DELETE ignored: retention is ours); 400 with a
//! plain-text reason (malformed playlist, a body cut short, a file type
//! ingest does not take); 401 with Digest challenges (SHA-256, MD5); 404
//! unknown channel or ingest endpoint; 405 other methods; 413 too large;
//! 500/503 when the stores fail.

pub mod append;
pub mod auth;
pub mod channel;
pub mod feed;
pub mod keys;
pub mod pts;
pub mod request;
pub mod service;
pub mod stored;
mod wasi;

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests;

use tributary_guest::http::{Request, Response, decode_path};
use tributary_mediapackage::url::parse_ingest;

/// Answer a request under `/in/v1/`.
pub fn handle(req: &Request) -> Response {
    let Some((channel, ingest, file)) = parse_ingest(&req.path) else {
        return Response::empty(404);
    };
    let now_ms = i64::try_from(tributary_guest::config::now_ms()).unwrap_or(i64::MAX);
    wasi::serve(
        req,
        &decode_path(channel),
        &decode_path(ingest),
        &decode_path(file),
        now_ms,
    )
}
