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

use crate::rest;
use crate::store::Flows;

pub use crate::rest::wire::{CONTENT_TYPE, Call, Reply};
pub use error::{Error, MediaConnect};
pub use rules::{MAX_ENTITLEMENTS, MAX_OUTPUTS, MAX_SOURCES};

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
    Reply::of(run(call, auth, settings, store, random))
}

fn run<S: Flows>(
    call: &Call<'_>,
    auth: Result<Identity, AuthError>,
    settings: &Settings,
    store: &mut S,
    random: &mut dyn FnMut() -> u64,
) -> Result<(u16, Option<Value>), Error> {
    rest::error::signed(auth)?;
    let route = paths::route(call.method, call.path)?;
    let body = match call.method {
        "POST" | "PUT" => input::parse_body(call.body)?,
        _ => Value::Object(serde_json::Map::new()),
    };
    let ctx = ops::Ctx::new(
        settings,
        call.now_ms,
        rest::wire::query_params(call.query),
        random,
    );
    let value = ops::dispatch(&route, &body, &ctx, store)?;
    Ok((route.op.success_status(), value))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests;
