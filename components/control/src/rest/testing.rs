//! Test helpers for the rest-json families: build paths as botocore does,
//! call a family's `serve` the way the component does ([`Api`]) and read
//! [`Reply`]s back, checking the wire shape every error must have.

use serde_json::Value;
use tributary_guest::auth::{AuthError, Identity};

use super::wire::{CONTENT_TYPE, Call, Reply};

/// A failed call, checked for the wire shape every error must have.
#[derive(Debug)]
pub struct Failure {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// Percent-encode a path label as botocore does (only `-._~` kept).
pub fn label(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A reply's status and JSON on success, or its error after checking the
/// error's wire shape: code in `x-amzn-errortype`, `{"message"}` body.
pub fn decode(reply: &Reply) -> Result<(u16, Value), Failure> {
    if reply.status == 204 {
        assert!(reply.body.is_empty(), "204 has no body");
        return Ok((204, Value::Null));
    }
    assert_eq!(header(reply, "content-type"), Some(CONTENT_TYPE));
    let body: Value = serde_json::from_slice(&reply.body).expect("every reply is JSON");
    if reply.status < 300 {
        assert!(header(reply, "x-amzn-errortype").is_none());
        return Ok((reply.status, body));
    }
    let code = header(reply, "x-amzn-errortype")
        .expect("errors carry X-Amzn-ErrorType")
        .to_owned();
    let message = body["message"]
        .as_str()
        .expect("errors carry message")
        .to_owned();
    assert_eq!(
        body.as_object().map(serde_json::Map::len),
        Some(1),
        "{body}"
    );
    Err(Failure {
        status: reply.status,
        code,
        message,
    })
}

#[track_caller]
pub fn assert_error(f: &Failure, status: u16, code: &str) {
    assert_eq!((f.status, f.code.as_str()), (status, code), "{}", f.message);
}

/// The [`Call`] of a `method` request for `path_and_query` (split at `?`).
pub fn call<'a>(method: &'a str, path_and_query: &'a str, body: &'a [u8], now_ms: u64) -> Call<'a> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    Call {
        method,
        path,
        query,
        body,
        now_ms,
    }
}

/// Randomness for tests: each draw counts on `draws`, with the bits spread
/// so values do not look alike.
pub fn counter(draws: &mut u64) -> impl FnMut() -> u64 + '_ {
    move || {
        *draws += 1;
        draws.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// A family's test world: [`Api::raw`] answers one request as `serve` does;
/// the rest signs as root and decodes.
pub trait Api {
    /// The reply to `method` on `path_and_query` with `body`, as `auth`.
    fn raw(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        auth: Result<Identity, AuthError>,
    ) -> Reply;

    /// A root-signed call with `body` as JSON, decoded.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), Failure> {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let reply = self.raw(method, path, &bytes, Ok(Identity::Root));
        decode(&reply)
    }

    /// A call that must succeed: its status and JSON.
    #[track_caller]
    fn ok(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        match self.call(method, path, body) {
            Ok(r) => r,
            Err(f) => panic!("{method} {path} failed: {f:?}"),
        }
    }

    /// A call that must fail: its error.
    #[track_caller]
    fn fails(&mut self, method: &str, path: &str, body: Option<Value>) -> Failure {
        match self.call(method, path, body) {
            Ok((s, v)) => panic!("{method} {path} succeeded with {s} {v}"),
            Err(f) => f,
        }
    }
}
