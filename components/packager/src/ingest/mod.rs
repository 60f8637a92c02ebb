//! Ingest at `/in/v1/<channel>/<ingest>/<file>`: what encoders PUT.

use tributary_guest::http::{Request, Response};

/// Answer a request under `/in/v1/`.
pub fn handle(_req: &Request) -> Response {
    Response::empty(404)
}
