//! What is stored under `channel/` and `endpoint/` (see the crate docs).

use serde::{Deserialize, Serialize};

use crate::wire::{Channel, OriginEndpoint};

/// Key names in the `channels` and `ingest` stores.
pub mod keys {
    /// Prefix of [`ChannelRecord`](crate::ChannelRecord) keys.
    pub const CHANNEL: &str = "channel/";
    /// Prefix of [`EndpointRecord`](crate::EndpointRecord) keys.
    pub const ENDPOINT: &str = "endpoint/";

    /// `channel/<id>` in `channels`.
    pub fn channel(id: &str) -> String {
        format!("{CHANNEL}{id}")
    }
    /// `endpoint/<id>` in `channels`.
    pub fn endpoint(id: &str) -> String {
        format!("{ENDPOINT}{id}")
    }
    /// `state/<channel>` in `ingest`: the packager's view of the channel's
    /// renditions and which ingest endpoint is active.
    pub fn ingest_state(channel: &str) -> String {
        format!("state/{channel}")
    }
    /// `index/<channel>/<n>` in `ingest`: rendition `n`'s (1-based) segments.
    pub fn segment_index(channel: &str, rendition: u32) -> String {
        format!("index/{channel}/{rendition}")
    }
}

/// A channel as control keeps it under `channel/<id>`: its wire shape,
/// credentials included (the packager checks ingest requests against them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelRecord {
    /// The channel as the API returns it.
    pub channel: Channel,
}

/// An origin endpoint as control keeps it under `endpoint/<id>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointRecord {
    /// The endpoint as the API returns it.
    pub endpoint: OriginEndpoint,
}
