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
use crate::rest::testing::{self, Api, assert_error, decode, header, label};

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

impl Api for World {
    fn raw(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        auth: Result<Identity, AuthError>,
    ) -> Reply {
        let call = testing::call(method, path_and_query, body, self.now_ms);
        let mut random = testing::counter(&mut self.draws);
        serve(&call, auth, &self.settings, &mut self.store, &mut random)
    }
}

impl World {
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
