//! MediaConnect flows on this host: the supervisor that reconciles the
//! `flows` store (written by the `control` component) with what runs here,
//! and the data path of each flow.
//!
//! ```text
//!  flow/<id> (control) ──▶ supervisor ──lease/<id>, runtime/<id>──▶ KV
//!                              │ start / apply / stop
//!                              ▼
//!  UDP :ingestPort ─▶ source (allowlist, rtp|udp check, seq + TS probe) ─┐
//!  UDP :ingestPort ─▶ source ───────────────────────────────────────────┤
//!  entitlement (in process) ─▶ source ───────────────────────────────────┤
//!                     MERGE (2022-7) | FAILOVER | single ◀───────────────┘
//!                              │
//!                              ├─▶ output rtp/udp → destination:port
//!                              ├─▶ output → channel: segmenter → PUT /in/v1/… (own listener)
//!                              └─▶ entitlement subscribers
//! ```
//!
//! Sans-IO cores: [`allowlist`], [`ingress`], [`seqstats`], [`source`],
//! [`pipeline`], [`output`], [`plan`], [`reconcile`], and the segmenter of
//! [`channel`]. Drivers: [`flow`] (sockets and timers of one flow),
//! [`supervisor`] (the store) and [`channel::push`] (HTTP into a channel).

pub mod allowlist;
pub mod bus;
pub mod channel;
pub mod flow;
pub mod ingress;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod reconcile;
pub mod seqstats;
pub mod source;
pub mod supervisor;

#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

pub use supervisor::{Config, Supervisor};

use crate::storage::KvBackend;

/// The address a listener bound on `listen` is reached at from this host:
/// a wildcard bind is reached on loopback.
pub fn reachable(listen: std::net::SocketAddr) -> std::net::SocketAddr {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    std::net::SocketAddr::new(ip, listen.port())
}

/// Starts the supervisor on the current runtime; it stops every flow,
/// writes their `Stopped` runtimes and releases their leases once
/// `shutdown` resolves, and then the returned task ends.
pub fn spawn(
    kv: Arc<dyn KvBackend>,
    config: Config,
    metrics: Arc<metrics::TransportMetrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tracing::info!(
        host_id = %config.host_id,
        transport_address = %config.transport_address,
        "transport supervisor started"
    );
    let ctx = flow::FlowCtx {
        metrics,
        bus: bus::EntitlementBus::new(),
        push: channel::push::PushCtx {
            kv: kv.clone(),
            http: config.ingest_http,
        },
    };
    let supervisor = Supervisor::new(kv, config, ctx);
    tokio::spawn(supervisor.run(shutdown))
}
