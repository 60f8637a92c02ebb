//! The response-side shapes of the MediaConnect API that Tributary supports,
//! with the wire (camelCase) member names of the 2018-11-14 model. Absent
//! optional members are left out of the JSON, as AWS does.
//!
//! Members that belong to features Tributary does not run (VPC interfaces,
//! media streams, NDI, gateway bridges, router integration) are not here:
//! the control plane refuses requests that set them.

use serde::{Deserialize, Serialize};

/// The flow statuses of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Stopped; nothing bound.
    Standby,
    /// Running.
    Active,
    /// Running, applying a configuration change.
    Updating,
    /// Being deleted.
    Deleting,
    /// Asked to start; not running yet.
    Starting,
    /// Asked to stop; still running.
    Stopping,
    /// Asked to run but cannot (see the flow's `messages`).
    Error,
}

/// Source and output protocols of the model that Tributary runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// RTP (RFC 3550) carrying MPEG-TS.
    Rtp,
    /// MPEG-TS straight in UDP datagrams.
    Udp,
}

/// `ENABLED` / `DISABLED`, as several members of the model spell it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Switch {
    /// On.
    #[default]
    Enabled,
    /// Off.
    Disabled,
}

/// `FailoverConfig.failoverMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailoverMode {
    /// SMPTE 2022-7: merge two paths packet by packet.
    Merge,
    /// Switch to the other source when the active one goes silent.
    Failover,
}

/// A flow, as DescribeFlow returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// The zone the flow runs in (the region plus `a`).
    pub availability_zone: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The address outputs are sent from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_ip: Option<String>,
    /// Entitlements granted on this flow.
    pub entitlements: Vec<Entitlement>,
    /// The flow's ARN.
    pub flow_arn: String,
    /// The flow's name.
    pub name: String,
    /// Where the flow sends its content.
    pub outputs: Vec<Output>,
    /// The first source (the model requires it even for two-source flows).
    pub source: Source,
    /// Redundancy between the sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_failover_config: Option<FailoverConfig>,
    /// All sources (one, or two with failover enabled).
    pub sources: Vec<Source>,
    /// The status a client sees (derived, see [`crate::status`]).
    pub status: Status,
}

/// A flow source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Set when the source is another flow's entitlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_arn: Option<String>,
    /// The address the flow listens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingest_ip: Option<String>,
    /// The UDP port the flow listens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingest_port: Option<u16>,
    /// The source's name, unique within the flow.
    pub name: String,
    /// The source's ARN.
    pub source_arn: String,
    /// Protocol and its settings (absent for entitlement sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// Senders allowed to contribute, as a CIDR block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whitelist_cidr: Option<String>,
}

/// A flow output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The IP address packets are sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Set on outputs created for an entitlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_arn: Option<String>,
    /// The output's name, unique within the flow.
    pub name: String,
    /// The output's ARN.
    pub output_arn: String,
    /// The UDP port packets are sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Protocol and its settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// Whether the output sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_status: Option<Switch>,
}

/// Protocol settings of a source or output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transport {
    /// Senders allowed (outputs; unused by rtp/udp outputs, kept as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_allow_list: Option<Vec<String>>,
    /// Smoothing bitrate cap, bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bitrate: Option<u64>,
    /// Latency bound, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_latency: Option<u32>,
    /// The protocol.
    pub protocol: Protocol,
    /// Smoothing latency, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smoothing_latency: Option<u32>,
    /// Stream id (kept as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
}

/// An entitlement granted on a flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entitlement {
    /// Share of transfer cost billed to the subscriber (recorded, 0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_transfer_subscriber_fee_percent: Option<u8>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The entitlement's ARN.
    pub entitlement_arn: String,
    /// Whether subscribers receive content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_status: Option<Switch>,
    /// The entitlement's name, unique within the flow.
    pub name: String,
    /// Account ids allowed to use it as a source.
    pub subscribers: Vec<String>,
}

/// Redundancy between a flow's two sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverConfig {
    /// Merge or switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_mode: Option<FailoverMode>,
    /// Merge: how long to wait for the other path, milliseconds (100–15000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_window: Option<u32>,
    /// Failover: the preferred source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_priority: Option<SourcePriority>,
    /// Whether redundancy is on (off: one source only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Switch>,
}

/// `FailoverConfig.sourcePriority`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourcePriority {
    /// The name of the preferred source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_source: Option<String>,
}

/// What DescribeFlowSourceMetadata reports of a transport stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportMediaInfo {
    /// Programs from the PAT, with their streams from each PMT.
    pub programs: Vec<TransportStreamProgram>,
    /// `transport_stream_id` from the PAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts_id: Option<u16>,
}

/// One program of a transport stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportStreamProgram {
    /// PID carrying the PCR.
    pub pcr_pid: u16,
    /// Name from the SDT (not parsed today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_name: Option<String>,
    /// `program_number`.
    pub program_number: u16,
    /// PID of the PMT.
    pub program_pid: u16,
    /// Elementary streams.
    pub streams: Vec<TransportStream>,
}

/// One elementary stream of a program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportStream {
    /// Codec name from the stream type (`H264`, `AAC`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// The stream's PID.
    pub pid: u16,
    /// What the stream carries: `video`, `audio`, `data` or `unknown`.
    pub stream_type: String,
}
