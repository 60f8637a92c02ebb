//! Every operation, validation and error path, through [`serve`] as the
//! component calls it, against the in-memory `channels` store. Paths are
//! built the way botocore builds them (labels percent-encoded), so routing
//! is exercised too.

mod channels;
mod endpoints;
mod packages;
mod tags;
mod wire;

use serde_json::{Value, json};
use tributary_guest::auth::{AuthError, Identity};

use super::*;
use crate::memory::MemoryChannels;
use crate::rest::testing::{Failure, assert_error, decode, header, label};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "111122223333";
const ENDPOINT: &str = "http://203.0.113.10:8080";
const NOW_MS: u64 = 1_763_000_000_123;

struct World {
    store: MemoryChannels,
    settings: Settings,
    now_ms: u64,
    draws: u64,
}

fn world() -> World {
    World {
        store: MemoryChannels::default(),
        settings: Settings {
            region: REGION.into(),
            account: ACCOUNT.into(),
            endpoint: ENDPOINT.into(),
        },
        now_ms: NOW_MS,
        draws: 0,
    }
}

fn tags_path(arn: &str) -> String {
    format!("/tags/{}", label(arn))
}

/// An `hlsPackage` with everything left to the defaults.
fn hls() -> Value {
    json!({})
}

impl World {
    fn raw(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        auth: Result<Identity, AuthError>,
    ) -> Reply {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let call = Call {
            method,
            path,
            query,
            body,
            now_ms: self.now_ms,
        };
        let draws = &mut self.draws;
        let mut random = move || {
            *draws += 1;
            // Spread the bits so values do not look alike.
            draws.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        };
        serve(&call, auth, &self.settings, &mut self.store, &mut random)
    }

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

    #[track_caller]
    fn ok(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        match self.call(method, path, body) {
            Ok(r) => r,
            Err(f) => panic!("{method} {path} failed: {f:?}"),
        }
    }

    #[track_caller]
    fn fails(&mut self, method: &str, path: &str, body: Option<Value>) -> Failure {
        match self.call(method, path, body) {
            Ok((s, v)) => panic!("{method} {path} succeeded with {s} {v}"),
            Err(f) => f,
        }
    }

    /// CreateChannel `id`; the channel.
    #[track_caller]
    fn channel(&mut self, id: &str) -> Value {
        let (status, v) = self.ok("POST", "/channels", Some(json!({"id": id})));
        assert_eq!(status, 200);
        v
    }

    /// CreateOriginEndpoint `id` on `channel` with `extra` members; the
    /// endpoint.
    #[track_caller]
    fn endpoint(&mut self, id: &str, channel: &str, extra: Value) -> Value {
        let mut body = json!({"id": id, "channelId": channel, "hlsPackage": hls()});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let (status, v) = self.ok("POST", "/origin_endpoints", Some(body));
        assert_eq!(status, 200);
        v
    }

    /// Advance the clock (creation order is by `createdAt`).
    fn tick(&mut self) {
        self.now_ms += 1;
    }
}
