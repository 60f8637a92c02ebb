//! Test helpers for the rest-json families: build paths as botocore does
//! and read [`Reply`]s back, checking the wire shape every error must have.

use serde_json::Value;

use super::wire::{CONTENT_TYPE, Reply};

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
