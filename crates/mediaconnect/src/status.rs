//! The status a client sees, derived from what control asked for and what
//! the host running the flow reports.

use crate::record::{Desired, FlowRecord, Runtime, RuntimeState};
use crate::wire::Status;

/// How long a lease lasts, and how old a [`Runtime`] may be before its host
/// counts as gone, in milliseconds. Hosts renew both every second.
pub const LEASE_MS: u64 = 10_000;

/// The flow's status at `now_ms`.
///
/// | desired | runtime (fresh) | status |
/// | --- | --- | --- |
/// | standby | running | STOPPING |
/// | standby | anything else | STANDBY |
/// | active | running this generation | ACTIVE |
/// | active | running an older one | UPDATING |
/// | active | failed this generation | ERROR |
/// | active | anything else | STARTING |
pub fn status(record: &FlowRecord, runtime: Option<&Runtime>, now_ms: u64) -> Status {
    let live = runtime.filter(|r| now_ms.saturating_sub(r.updated_ms) <= LEASE_MS);
    match (record.desired, live) {
        (Desired::Standby, Some(r)) if r.state == RuntimeState::Running => Status::Stopping,
        (Desired::Standby, _) => Status::Standby,
        (Desired::Active, Some(r)) => match r.state {
            RuntimeState::Running if r.generation >= record.generation => Status::Active,
            RuntimeState::Running => Status::Updating,
            RuntimeState::Failed if r.generation >= record.generation => Status::Error,
            _ => Status::Starting,
        },
        (Desired::Active, None) => Status::Starting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Flow, Source};

    fn record(desired: Desired, generation: u64) -> FlowRecord {
        let source = Source {
            description: None,
            entitlement_arn: None,
            ingest_ip: None,
            ingest_port: Some(5000),
            name: "s".into(),
            source_arn: "arn".into(),
            transport: None,
            whitelist_cidr: None,
        };
        FlowRecord {
            flow: Flow {
                availability_zone: "us-east-1a".into(),
                description: None,
                egress_ip: None,
                entitlements: vec![],
                flow_arn: "arn".into(),
                name: "f".into(),
                outputs: vec![],
                source: source.clone(),
                source_failover_config: None,
                sources: vec![source],
                status: Status::Standby,
            },
            desired,
            generation,
            created_ms: 0,
            tags: Default::default(),
        }
    }

    fn runtime(state: RuntimeState, generation: u64, updated_ms: u64) -> Runtime {
        Runtime {
            host: "h".into(),
            generation,
            state,
            errors: vec![],
            updated_ms,
            sources: vec![],
        }
    }

    #[test]
    fn follows_the_table() {
        let now = 100_000;
        let fresh = |s, g| Some(runtime(s, g, now - 500));
        let cases = [
            (Desired::Standby, None, Status::Standby),
            (
                Desired::Standby,
                fresh(RuntimeState::Running, 1),
                Status::Stopping,
            ),
            (
                Desired::Standby,
                fresh(RuntimeState::Stopped, 1),
                Status::Standby,
            ),
            (Desired::Active, None, Status::Starting),
            (
                Desired::Active,
                fresh(RuntimeState::Stopped, 2),
                Status::Starting,
            ),
            (
                Desired::Active,
                fresh(RuntimeState::Running, 2),
                Status::Active,
            ),
            (
                Desired::Active,
                fresh(RuntimeState::Running, 1),
                Status::Updating,
            ),
            (
                Desired::Active,
                fresh(RuntimeState::Failed, 2),
                Status::Error,
            ),
            (
                Desired::Active,
                fresh(RuntimeState::Failed, 1),
                Status::Starting,
            ),
        ];
        for (desired, rt, want) in cases {
            assert_eq!(
                status(&record(desired, 2), rt.as_ref(), now),
                want,
                "{desired:?} {rt:?}"
            );
        }
    }

    #[test]
    fn a_silent_host_counts_as_gone() {
        let stale = runtime(RuntimeState::Running, 2, 0);
        let now = LEASE_MS + 1;
        assert_eq!(
            status(&record(Desired::Active, 2), Some(&stale), now),
            Status::Starting
        );
        assert_eq!(
            status(&record(Desired::Standby, 2), Some(&stale), now),
            Status::Standby
        );
    }
}
