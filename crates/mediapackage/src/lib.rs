//! MediaPackage (v1) channels and origin endpoints as Tributary keeps them:
//! the contract between the `control` component (which writes what channels
//! and endpoints are), the `packager` component (which ingests into channels
//! and plays endpoints out) and the host (whose flows push into channels).
//!
//! Two key-value stores:
//!
//! | store | key | value | written by |
//! | --- | --- | --- | --- |
//! | `channels` | `channel/<id>` | [`ChannelRecord`] | control |
//! | `channels` | `endpoint/<id>` | [`EndpointRecord`] | control |
//! | `ingest` | `state/<channel>` | [`ingest::IngestState`] | packager |
//! | `ingest` | `index/<channel>/<n>` | [`ingest::StoredIndex`] of rendition n, binary ([`stored`]) | packager |
//!
//! Control never writes `ingest`; the packager only reads `channels`. The
//! packager answers 404 for anything under a channel that no longer exists,
//! and starts a channel's ingest state afresh when the channel's `createdAt`
//! differs from the one its state was begun under (deleted and re-created).
//!
//! URL layout (DESIGN §5), both under the public endpoint:
//! - ingest endpoint `i` of channel `c`: `/in/v1/<c>/<i>/channel` — the
//!   encoder PUTs `channel.m3u8`, `channel_<k>.m3u8` and segments next to it;
//! - origin endpoint `e`: `/out/v1/<e>/<manifestName>.m3u8`.

#![deny(missing_docs)]

pub mod arn;
pub mod ingest;
mod record;
pub mod stored;
pub mod url;
pub mod wire;

pub use record::{ChannelRecord, EndpointRecord, keys};

/// The key-value store channels and origin endpoints live in (control's).
pub const BUCKET: &str = "channels";

/// The key-value store the packager keeps ingest state and indexes in.
pub const INGEST_BUCKET: &str = "ingest";
