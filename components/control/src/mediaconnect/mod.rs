//! The MediaConnect control plane (rest-json, 2018-11-14), sans-IO.
//!
//! [`serve`] takes what the shell read off the wire — method, raw path and
//! query, body, who signed it, the time — and returns the [`Reply`] to send.
//! Flow records come in through the [`Flows`] trait and ids from the
//! `random` source given, so every operation runs in native tests.
//!
//! Flows are desired state: control writes `flow/<id>` (a
//! [`tributary_mediaconnect::FlowRecord`]) and the host's transport
//! supervisor runs it, reporting under `runtime/<id>`. The status a client
//! sees is derived from both ([`tributary_mediaconnect::status`]). Every
//! change to a flow's configuration or desired state bumps its `generation`,
//! so a running flow shows UPDATING until the host runs the new one.
//!
//! Wire rules (reference §1.1, §7): operation by method + URI template
//! ([`paths`]); camelCase JSON members; success statuses from the model
//! (201 creates, 202 changes, 204 tag writes); errors are the error shape's
//! status with `X-Amzn-ErrorType: <Code>` and `{"message": …}`.

mod error;
mod input;
mod ops;
pub mod paths;
mod request;
mod rules;
mod time;
mod validate;
mod view;

use serde_json::Value;
use tributary_guest::auth::{AuthError, Identity};
use tributary_guest::http::decode_component;

use crate::store::Flows;

pub use error::Error;
pub use rules::{MAX_ENTITLEMENTS, MAX_OUTPUTS, MAX_SOURCES};

/// Content type of MediaConnect responses.
pub const CONTENT_TYPE: &str = "application/json";
/// Largest request body read (a CreateFlow with 50 outputs and 50
/// entitlements is a few tens of KiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The SigV4 service name MediaConnect requests are signed for.
pub const SIGNING_NAME: &str = "mediaconnect";

/// Deployment settings (read from the environment by the shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Region in ARNs; availability zones are `<region>a`.
    pub region: String,
    /// 12-digit account id in ARNs, and the account entitlements must list.
    pub account: String,
    /// The address sources listen on (`ingestIp`); left out when unknown.
    pub ingest_ip: Option<String>,
}

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

    /// `error` as MediaConnect sends it.
    pub fn error(error: &Error) -> Self {
        Self {
            status: error.status,
            headers: vec![
                ("content-type".into(), CONTENT_TYPE.into()),
                ("x-amzn-errortype".into(), error.code.into()),
            ],
            body: error.body().into_bytes(),
        }
    }
}

/// The wire error for an authentication failure.
pub fn auth_error(error: AuthError) -> Error {
    match error {
        AuthError::MissingAuthentication => missing_authentication(),
        AuthError::UnknownAccessKey(_) => Error::signature(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        AuthError::BadSignature(m) => Error::signature("InvalidSignatureException", m),
        AuthError::Expired => Error::forbidden("Request has expired."),
        AuthError::Denied(m) => Error::forbidden(m),
        AuthError::Internal(m) => {
            Error::unavailable(format!("Could not read the access keys: {m}"))
        }
    }
}

fn missing_authentication() -> Error {
    Error::forbidden(format!(
        "Missing Authentication Token: MediaConnect calls must be signed (SigV4, service {SIGNING_NAME})"
    ))
}

/// Query parameters, decoded, in order (repeated names kept: `tagKeys`).
fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// Answer one MediaConnect call. `auth` is what authenticating the request
/// gave: every operation needs a signed caller, and any signed caller may
/// call every operation. `random` makes resource ids.
pub fn serve<S: Flows>(
    call: &Call<'_>,
    auth: Result<Identity, AuthError>,
    settings: &Settings,
    store: &mut S,
    random: &mut dyn FnMut() -> u64,
) -> Reply {
    match run(call, auth, settings, store, random) {
        Ok((status, value)) => Reply::ok(status, value.as_ref()),
        Err(error) => Reply::error(&error),
    }
}

fn run<S: Flows>(
    call: &Call<'_>,
    auth: Result<Identity, AuthError>,
    settings: &Settings,
    store: &mut S,
    random: &mut dyn FnMut() -> u64,
) -> Result<(u16, Option<Value>), Error> {
    match auth {
        Ok(Identity::Anonymous) => return Err(missing_authentication()),
        Ok(Identity::Root | Identity::User { .. }) => {}
        Err(e) => return Err(auth_error(e)),
    }
    let route = paths::route(call.method, call.path)?;
    let body = match call.method {
        "POST" | "PUT" => input::parse_body(call.body)?,
        _ => Value::Object(serde_json::Map::new()),
    };
    let ctx = ops::Ctx::new(settings, call.now_ms, query_params(call.query), random);
    let value = ops::dispatch(&route, &body, &ctx, store)?;
    Ok((route.op.success_status(), value))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests;
