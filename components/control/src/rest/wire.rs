//! One rest-json call as the shell read it ([`Call`]), the [`Reply`] to
//! send, and the decoded query.

use serde_json::Value;
use tributary_guest::http::decode_component;

use super::error::Error;

/// Content type of rest-json responses.
pub const CONTENT_TYPE: &str = "application/json";

/// A request as the shell read it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// The path as received, still percent-encoded.
    pub path: &'a str,
    /// The query as received, without `?`.
    pub query: &'a str,
    /// The whole body.
    pub body: &'a [u8],
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub now_ms: u64,
}

/// A response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// JSON body (empty for 204).
    pub body: Vec<u8>,
}

impl Reply {
    /// `status` with `value` as the JSON body (none for 204).
    pub fn ok(status: u16, value: Option<&Value>) -> Self {
        match value {
            Some(v) if status != 204 => Self {
                status,
                headers: vec![("content-type".into(), CONTENT_TYPE.into())],
                body: v.to_string().into_bytes(),
            },
            _ => Self {
                status,
                headers: Vec::new(),
                body: Vec::new(),
            },
        }
    }

    /// `error` as a rest-json service sends it.
    pub fn error<F>(error: &Error<F>) -> Self {
        Self {
            status: error.status,
            headers: vec![
                ("content-type".into(), CONTENT_TYPE.into()),
                ("x-amzn-errortype".into(), error.code.into()),
            ],
            body: error.body().into_bytes(),
        }
    }

    /// The reply to an operation's outcome: its success status and body,
    /// or its error.
    pub fn of<F>(outcome: Result<(u16, Option<Value>), Error<F>>) -> Self {
        match outcome {
            Ok((status, value)) => Self::ok(status, value.as_ref()),
            Err(error) => Self::error(&error),
        }
    }
}

/// Query parameters, decoded, in order (repeated names kept: `tagKeys`).
pub fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}
