//! Playback at `/out/v1/<endpoint>/<file>` (engineer B2 replaces this stub).

use tributary_guest::http::{Request, Response};

/// Answer a request under `/out/v1/`.
pub fn handle(_req: &Request) -> Response {
    Response::empty(404)
}
