//! What is stored under `flow/`, `runtime/` and `lease/` (see the crate docs).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::{Flow, TransportMediaInfo};

/// Key names in the `flows` store.
pub mod keys {
    /// Prefix of [`FlowRecord`](crate::FlowRecord) keys.
    pub const FLOW: &str = "flow/";
    /// Prefix of [`Runtime`](crate::Runtime) keys.
    pub const RUNTIME: &str = "runtime/";
    /// Prefix of [`Lease`](crate::Lease) keys.
    pub const LEASE: &str = "lease/";

    /// `flow/<id>`.
    pub fn flow(id: &str) -> String {
        format!("{FLOW}{id}")
    }
    /// `runtime/<id>`.
    pub fn runtime(id: &str) -> String {
        format!("{RUNTIME}{id}")
    }
    /// `lease/<id>`.
    pub fn lease(id: &str) -> String {
        format!("{LEASE}{id}")
    }
}

/// Whether the flow's owner asked it to run (StartFlow) or not (StopFlow).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Desired {
    /// Not running (new flows, after StopFlow).
    #[default]
    Standby,
    /// Running (after StartFlow).
    Active,
}

/// A flow as control keeps it under `flow/<id>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowRecord {
    /// The flow in its wire shape. Its `status` is not authoritative:
    /// responses derive it with [`crate::status`].
    pub flow: Flow,
    /// What the owner asked for.
    pub desired: Desired,
    /// Bumped by every change to `flow` or `desired`; the supervisor reports
    /// which generation it runs, so "updating" is visible.
    pub generation: u64,
    /// Creation time, milliseconds since the epoch.
    pub created_ms: u64,
    /// Tags by resource ARN (the flow's and its sources', outputs' and
    /// entitlements'), so they go when the flow goes.
    #[serde(default)]
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
}

/// What the host running a flow reports, under `runtime/<id>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Runtime {
    /// The id of the host that wrote this.
    pub host: String,
    /// The [`FlowRecord::generation`] it runs.
    pub generation: u64,
    /// Running or not.
    pub state: RuntimeState,
    /// Why it is not running as asked (DescribeFlow `messages.errors`).
    #[serde(default)]
    pub errors: Vec<String>,
    /// When this was written, milliseconds since the epoch; a record older
    /// than [`crate::LEASE_MS`] is from a host that is gone.
    pub updated_ms: u64,
    /// Per source, by name.
    #[serde(default)]
    pub sources: Vec<SourceRuntime>,
}

/// The host's view of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeState {
    /// Sockets bound, packets flowing.
    Running,
    /// Stopped cleanly.
    Stopped,
    /// Could not run the generation asked for (see `errors`).
    Failed,
}

/// What a running flow knows of one source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceRuntime {
    /// The source's name.
    pub name: String,
    /// The last sender seen (DescribeFlow `peerIpAddress`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_ip: Option<String>,
    /// Programs and streams found in the stream (DescribeFlowSourceMetadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<TransportMediaInfo>,
    /// When `media` last changed, milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_changed_ms: Option<u64>,
    /// Whether this source is the one feeding the outputs now.
    #[serde(default)]
    pub active: bool,
}

/// Which host runs a flow, under `lease/<id>`; claimed and renewed by
/// compare-and-swap, so one host runs each flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The holder's host id.
    pub host: String,
    /// The lease lapses after this, milliseconds since the epoch.
    pub until_ms: u64,
}
