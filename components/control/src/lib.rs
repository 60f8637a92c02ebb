//! The control component: AWS control planes over `wasi:http`, so the
//! official clients work against Tributary with `--endpoint-url`:
//!
//! - MediaStore (awsJson1_1, all 21 operations): `POST /` with
//!   `X-Amz-Target: MediaStore_20170901.<Op>`;
//! - MediaConnect (REST-JSON): flows, sources, outputs, entitlements and
//!   tags under `/v1/flows…`, `/v1/entitlements` and `/tags/<ARN>`;
//! - MediaPackage v1 (REST-JSON): channels, origin endpoints and tags under
//!   `/channels…`, `/origin_endpoints…` and `/tags/<ARN>`.
//!
//! This file is the thin shell: it tells the families apart by path
//! ([`route::family`]), reads the request, authenticates it with SigV4 through
//! the policy plug (for the family's signing name), and hands method, path,
//! body, caller and time to the sans-IO [`mediastore::serve`],
//! [`mediaconnect::serve`] or [`mediapackage::serve`], which answer through the traits of [`store`]. The
//! shell's implementations of those traits live in `wasi.rs`; tests use
//! in-memory ones, so every operation is tested natively.
//!
//! The two REST-JSON families share one error shape, call and reply, body
//! reader, path router and the value rules both models have (`rest`); each
//! keeps its own operations, records, error codes and messages.
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 -p tributary-control
//! # → target/wasm32-wasip2/release/tributary_control.wasm
//! ```

#![deny(missing_docs)]

pub mod mediaconnect;
pub mod mediapackage;
pub mod mediastore;
#[cfg(test)]
mod memory;
mod rest;
pub mod route;
pub mod store;
mod wasi;

use tributary_guest::http::{Body, BodyError, Request, Response};
use tributary_guest::wasip2;
use tributary_guest::wasip2::http::types::{IncomingRequest, ResponseOutparam};
use tributary_guest::{auth, config};
use tributary_mediastore::ApiError;

use route::Family;
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
        let (status, headers, body) = match route::family(&request.path) {
            Family::MediaStore => {
                let r = mediastore_answer(&request);
                (r.status, r.headers, r.body)
            }
            Family::MediaConnect => {
                let r = mediaconnect_answer(&request);
                (r.status, r.headers, r.body)
            }
            Family::MediaPackage => {
                let r = mediapackage_answer(&request);
                (r.status, r.headers, r.body)
            }
        };
        let response = Response {
            status,
            headers,
            body: Body::Bytes(body),
        };
        response.send(response_out, request.method == "HEAD");
    }
}

fn mediastore_answer(request: &Request) -> mediastore::Reply {
    use mediastore::{Call, MAX_BODY_BYTES, Reply};
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

fn mediaconnect_answer(request: &Request) -> mediaconnect::Reply {
    use mediaconnect::{Call, MAX_BODY_BYTES, Reply, SIGNING_NAME};
    let body = match rest_body::<mediaconnect::MediaConnect>(request, MAX_BODY_BYTES) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let auth = auth::authenticate(request, SIGNING_NAME, Some(auth::sha256_hex(&body)));
    let settings = mediaconnect::Settings {
        region: config::region(),
        account: config::account_id(),
        ingest_ip: config::ingest_ip(),
    };
    let mut flows = match wasi::KvFlows::open() {
        Ok(flows) => flows,
        Err(e) => return Reply::error(&e),
    };
    let call = Call {
        method: &request.method,
        path: &request.path,
        query: &request.query,
        body: &body,
        now_ms: config::now_ms(),
    };
    let mut random = wasip2::random::random::get_random_u64;
    mediaconnect::serve(&call, auth, &settings, &mut flows, &mut random)
}

fn mediapackage_answer(request: &Request) -> mediapackage::Reply {
    use mediapackage::{Call, MAX_BODY_BYTES, Reply, SIGNING_NAME};
    let body = match rest_body::<mediapackage::MediaPackage>(request, MAX_BODY_BYTES) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let auth = auth::authenticate(request, SIGNING_NAME, Some(auth::sha256_hex(&body)));
    let settings = mediapackage::Settings {
        region: config::region(),
        account: config::account_id(),
        endpoint: config::public_endpoint(),
    };
    let mut channels = match wasi::KvChannels::open() {
        Ok(channels) => channels,
        Err(e) => return Reply::error(&e),
    };
    let call = Call {
        method: &request.method,
        path: &request.path,
        query: &request.query,
        body: &body,
        now_ms: config::now_ms(),
    };
    let mut random = wasip2::random::random::get_random_u64;
    mediapackage::serve(&call, auth, &settings, &mut channels, &mut random)
}

/// A REST-JSON request's body, or the family's own refusal of it.
fn rest_body<F: rest::Family>(request: &Request, max: usize) -> Result<Vec<u8>, rest::wire::Reply> {
    request.read_body(max).map_err(|e| {
        rest::wire::Reply::error(&F::invalid(match e {
            BodyError::TooLarge => format!(
                "The request body is larger than the {max} bytes a {} call may have",
                F::NAME
            ),
            BodyError::Interrupted => "The request body ended before it was complete".to_owned(),
        }))
    })
}
