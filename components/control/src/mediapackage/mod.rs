//! The MediaPackage (v1, 2017-10-12) control plane (rest-json), sans-IO.
//!
//! [`serve`] takes what the shell read off the wire — method, raw path and
//! query, body, who signed it, the time — and returns the [`Reply`] to send.
//! Records come in through the [`Channels`] trait and randomness (ingest
//! endpoint ids and credentials) from the `random` source given, so every
//! operation runs in native tests.
//!
//! Control writes `channel/<id>` and `endpoint/<id>` in the `channels`
//! store ([`tributary_mediapackage`]); the packager reads them to check
//! ingest credentials and to play endpoints out.
//!
//! Wire rules (reference §1.1, §4): operation by method + URI template
//! ([`paths`]); camelCase JSON members; success statuses from the model
//! (200, 202 deletes, 204 tag writes); errors are the error shape's status
//! with `X-Amzn-ErrorType: <Code>` and `{"message": …}`; anything invalid is
//! 422 `UnprocessableEntityException` naming the member.

mod error;
mod input;
mod ops;
pub mod paths;
mod validate;

use std::cell::RefCell;

use serde_json::Value;
use tributary_guest::auth::{AuthError, Identity};

use crate::rest;
use crate::store::Channels;

pub use crate::rest::wire::{CONTENT_TYPE, Call, Reply};
pub use error::{Error, MediaPackage};

/// Largest request body read (an origin endpoint is a few KiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The SigV4 service name MediaPackage requests are signed for.
pub const SIGNING_NAME: &str = "mediapackage";

/// Deployment settings (read from the environment by the shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Region in ARNs.
    pub region: String,
    /// 12-digit account id in ARNs.
    pub account: String,
    /// Public base URL without trailing `/` (`http://127.0.0.1:8080`):
    /// ingest and playback URLs are this + [`tributary_mediapackage::url`].
    pub endpoint: String,
}

/// Where and when, plus the query and a source of randomness.
pub struct Ctx<'a> {
    /// Region, account, public endpoint.
    pub settings: &'a Settings,
    /// Milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    random: RefCell<&'a mut dyn FnMut() -> u64>,
}

impl Ctx<'_> {
    /// 32 random lower-case hex digits: ingest endpoint ids, user names and
    /// passwords (128 bits each).
    pub fn hex32(&self) -> String {
        let mut random = self.random.borrow_mut();
        let (a, b) = ((random)(), (random)());
        format!("{a:016x}{b:016x}")
    }

    /// The value of query parameter `name`, if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Answer one MediaPackage call. `auth` is what authenticating the request
/// gave: every operation needs a signed caller, and any signed caller may
/// call every operation. `random` makes ingest ids and credentials.
pub fn serve<S: Channels>(
    call: &Call<'_>,
    auth: Result<Identity, AuthError>,
    settings: &Settings,
    store: &mut S,
    random: &mut dyn FnMut() -> u64,
) -> Reply {
    Reply::of(run(call, auth, settings, store, random))
}

fn run<S: Channels>(
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
    let ctx = Ctx {
        settings,
        now_ms: call.now_ms,
        query: rest::wire::query_params(call.query),
        random: RefCell::new(random),
    };
    let value = ops::dispatch(&route, &body, &ctx, store)?;
    Ok((route.op.success_status(), value))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests;
