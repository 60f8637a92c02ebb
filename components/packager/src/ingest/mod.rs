//! Ingest at `/in/v1/<channel>/<ingest>/<file>`: what encoders PUT.

pub mod append;
pub mod auth;
pub mod channel;
pub mod feed;
pub mod keys;

use tributary_guest::http::{Request, Response};

/// Answer a request under `/in/v1/`.
pub fn handle(_req: &Request) -> Response {
    Response::empty(404)
}
