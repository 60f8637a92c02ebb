//! Responses: the stored wire shapes plus what only the moment knows — the
//! status derived from desired state and the host's runtime record, the
//! ingest address of this deployment, the sender last seen per source.

use serde_json::{Value, json};
use tributary_mediaconnect::wire::{Flow, Source, Status};
use tributary_mediaconnect::{FlowRecord, LEASE_MS, Runtime, RuntimeState, status};

use super::Settings;

/// `runtime` when its host is still reporting (fresher than [`LEASE_MS`]).
pub fn live(runtime: Option<&Runtime>, now_ms: u64) -> Option<&Runtime> {
    runtime.filter(|r| now_ms.saturating_sub(r.updated_ms) <= LEASE_MS)
}

/// The wire name of a status (`STANDBY`).
pub fn status_name(s: Status) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// A source as responses show it: `ingestIp` of this deployment for sources
/// that listen, `peerIpAddress` when a running host saw a sender.
pub fn source(source: &Source, runtime: Option<&Runtime>, settings: &Settings) -> Value {
    let mut v = serde_json::to_value(source).unwrap_or(Value::Null);
    if let (Some(ip), Some(_)) = (&settings.ingest_ip, source.ingest_port) {
        v["ingestIp"] = json!(ip);
    }
    let peer = runtime
        .filter(|r| r.state == RuntimeState::Running)
        .and_then(|r| r.sources.iter().find(|s| s.name == source.name))
        .and_then(|s| s.peer_ip.as_deref());
    if let Some(peer) = peer {
        v["peerIpAddress"] = json!(peer);
    }
    v
}

/// A flow as DescribeFlow and the change operations return it.
pub fn flow(
    record: &FlowRecord,
    runtime: Option<&Runtime>,
    settings: &Settings,
    now_ms: u64,
) -> Value {
    let runtime = live(runtime, now_ms);
    let f: &Flow = &record.flow;
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    v["status"] = status_name(status(record, runtime, now_ms));
    v["source"] = source(&f.source, runtime, settings);
    v["sources"] = f
        .sources
        .iter()
        .map(|s| source(s, runtime, settings))
        .collect();
    if let Some(ip) = &settings.ingest_ip {
        // Outputs leave from the host that ingests.
        v["egressIp"] = json!(ip);
    }
    v
}

/// A ListFlows entry.
pub fn listed_flow(record: &FlowRecord, runtime: Option<&Runtime>, now_ms: u64) -> Value {
    let f = &record.flow;
    let source_type = if f.source.entitlement_arn.is_some() {
        "ENTITLED"
    } else {
        "OWNED"
    };
    json!({
        "availabilityZone": f.availability_zone,
        // Required in ListedFlow; CreateFlow has no description to give.
        "description": f.description.clone().unwrap_or_default(),
        "flowArn": f.flow_arn,
        "name": f.name,
        "sourceType": source_type,
        "status": status_name(status(record, live(runtime, now_ms), now_ms)),
    })
}
