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
//!                              └─▶ entitlement subscribers
//! ```
//!
//! Sans-IO cores: [`allowlist`], [`ingress`], [`seqstats`], [`source`],
//! [`pipeline`], [`output`], [`plan`], [`reconcile`]. Drivers: [`flow`]
//! (sockets and timers of one flow) and [`supervisor`] (the store).

pub mod allowlist;
pub mod bus;
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
    };
    let supervisor = Supervisor::new(kv, config, ctx);
    tokio::spawn(supervisor.run(shutdown))
}
