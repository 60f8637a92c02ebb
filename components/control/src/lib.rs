//! The control component: AWS control planes over `wasi:http` — today the
//! MediaStore API (awsJson1_1, all 21 operations), so `aws mediastore …
//! --endpoint-url` works against Tributary.
//!
//! This file is the thin shell: it reads the request, authenticates it with
//! SigV4 through the policy plug, and hands method, target, body, caller and
//! time to the sans-IO [`mediastore::serve`], which answers through the
//! [`store::Containers`] and [`store::Plug`] traits. The shell's
//! implementations of those traits live in `wasi.rs`; tests use in-memory
//! ones, so every operation is tested natively.
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 -p tributary-control
//! # → target/wasm32-wasip2/release/tributary_control.wasm
//! ```

#![deny(missing_docs)]

pub mod mediastore;
#[cfg(test)]
mod memory;
pub mod store;
mod wasi;

use tributary_guest::http::{Body, BodyError, Request, Response};
use tributary_guest::wasip2;
use tributary_guest::wasip2::http::types::{IncomingRequest, ResponseOutparam};
use tributary_guest::{auth, config};
use tributary_mediastore::ApiError;

use mediastore::{Call, MAX_BODY_BYTES, Reply};
use store::Settings;

/// The exported `wasi:http/incoming-handler`.
pub struct Component;

// Only the component exports it: the names (`wasi:http/incoming-handler@…`)
// are not valid symbols for a native shared library.
#[cfg(target_arch = "wasm32")]
wasip2::http::proxy::export!(Component);

impl wasip2::exports::http::incoming_handler::Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let request = Request::new(request);
        let reply = answer(&request);
        let response = Response {
            status: reply.status,
            headers: reply.headers,
            body: Body::Bytes(reply.body),
        };
        response.send(response_out, request.method == "HEAD");
    }
}

fn answer(request: &Request) -> Reply {
    let body = match request.read_body(MAX_BODY_BYTES) {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Reply::error(&ApiError::validation(format!(
                "The request body is larger than the {MAX_BODY_BYTES} bytes a MediaStore call may have"
            )));
        }
        Err(BodyError::Interrupted) => {
            return Reply::error(&ApiError::serialization(
                "The request body ended before it was complete",
            ));
        }
    };
    // The payload hash is computed here, not taken from a header, so a JSON
    // body is always covered by the signature.
    let auth = auth::authenticate(request, "mediastore", Some(auth::sha256_hex(&body)));
    let settings = Settings {
        region: config::region(),
        account: config::account_id(),
        endpoint: config::public_endpoint(),
    };
    let mut containers = match wasi::KvContainers::open() {
        Ok(containers) => containers,
        Err(e) => return Reply::error(&e),
    };
    let plug = wasi::WasiPlug { request };
    let call = Call {
        method: &request.method,
        target: request.header("x-amz-target"),
        body: &body,
        now_ms: config::now_ms(),
    };
    mediastore::serve(&call, auth, &settings, &mut containers, &plug)
}
