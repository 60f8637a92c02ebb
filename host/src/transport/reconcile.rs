//! What the supervisor should do about one flow, sans-IO: given the record
//! control wrote, the lease, what runs here and the time, decide the lease
//! step and the run step.
//!
//! | desired | lease | here | lease step | run step |
//! | --- | --- | --- | --- | --- |
//! | active | another host's, live | anything | leave | abandon (stop, write nothing) |
//! | active | none, expired, or ours | not running | claim | start |
//! | active | ours | running generation g < record's | renew when due | update |
//! | active | ours | failed at this generation | renew when due | nothing (retried on the next generation) |
//! | standby / record gone | ours | anything | release | stop (write `Stopped` if the record exists) |
//! | standby / record gone | not ours | running | leave | stop |

use tributary_mediaconnect::{Desired, FlowRecord, LEASE_MS, Lease};

/// A lease is renewed once it is this old, so it stays ahead of [`LEASE_MS`]
/// by nine seconds.
pub const RENEW_MS: u64 = 1_000;

/// What runs here for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Local {
    /// Running this generation.
    Running(u64),
    /// Could not run this generation.
    Failed(u64),
}

/// What to do with the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseStep {
    /// Nothing.
    Leave,
    /// Write this lease by compare-and-swap against the one read; run only
    /// if that succeeds.
    Claim(Lease),
    /// Delete our lease.
    Release,
}

/// What to do with the flow here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStep {
    /// Nothing.
    Nothing,
    /// Plan and start the record's generation.
    Start,
    /// Move the running flow to the record's generation.
    Update,
    /// Stop it; write a `Stopped` runtime when `write_stopped`.
    Stop {
        /// The record still exists.
        write_stopped: bool,
    },
    /// Another host runs it: stop here without writing anything.
    Abandon,
}

/// The two steps, lease first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The lease step.
    pub lease: LeaseStep,
    /// The run step (after a successful claim, when there is one).
    pub run: RunStep,
}

/// Decides for host `host` at `now_ms`.
pub fn decide(
    host: &str,
    now_ms: u64,
    record: Option<&FlowRecord>,
    lease: Option<&Lease>,
    local: Option<Local>,
) -> Decision {
    let ours = lease.is_some_and(|l| l.host == host);
    let wanted = record.filter(|r| r.desired == Desired::Active);
    let Some(record) = wanted else {
        return Decision {
            lease: if ours {
                LeaseStep::Release
            } else {
                LeaseStep::Leave
            },
            run: match local {
                Some(_) => RunStep::Stop {
                    write_stopped: record.is_some(),
                },
                None => RunStep::Nothing,
            },
        };
    };
    let held_elsewhere = lease.is_some_and(|l| l.host != host && l.until_ms >= now_ms);
    if held_elsewhere {
        return Decision {
            lease: LeaseStep::Leave,
            run: if local.is_some() {
                RunStep::Abandon
            } else {
                RunStep::Nothing
            },
        };
    }
    let fresh = lease.is_some_and(|l| ours && l.until_ms >= now_ms + LEASE_MS - RENEW_MS);
    let lease_step = if fresh {
        LeaseStep::Leave
    } else {
        LeaseStep::Claim(Lease {
            host: host.to_owned(),
            until_ms: now_ms + LEASE_MS,
        })
    };
    let generation = record.generation;
    let run = match local {
        None => RunStep::Start,
        Some(Local::Running(g)) if g != generation => RunStep::Update,
        Some(Local::Failed(g)) if g != generation => RunStep::Start,
        Some(Local::Running(_) | Local::Failed(_)) => RunStep::Nothing,
    };
    Decision {
        lease: lease_step,
        run,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::plan::tests::{record, source};
    use tributary_mediaconnect::wire::Protocol;

    const NOW: u64 = 1_000_000;

    fn flow(desired: Desired, generation: u64) -> FlowRecord {
        let mut r = record("f", vec![source("s", Protocol::Rtp, 5000)], vec![]);
        r.desired = desired;
        r.generation = generation;
        r
    }

    fn lease(host: &str, until_ms: u64) -> Lease {
        Lease {
            host: host.into(),
            until_ms,
        }
    }

    fn claim() -> LeaseStep {
        LeaseStep::Claim(lease("me", NOW + LEASE_MS))
    }

    #[test]
    fn an_active_flow_nobody_runs_is_claimed_and_started() {
        let r = flow(Desired::Active, 1);
        let d = decide("me", NOW, Some(&r), None, None);
        assert_eq!((d.lease, d.run), (claim(), RunStep::Start));
        let expired = lease("other", NOW - 1);
        let d = decide("me", NOW, Some(&r), Some(&expired), None);
        assert_eq!(
            (d.lease, d.run),
            (claim(), RunStep::Start),
            "expired leases are taken"
        );
    }

    #[test]
    fn a_live_lease_of_another_host_is_left_alone() {
        let r = flow(Desired::Active, 1);
        let theirs = lease("other", NOW + 5);
        let d = decide("me", NOW, Some(&r), Some(&theirs), None);
        assert_eq!((d.lease, d.run), (LeaseStep::Leave, RunStep::Nothing));
        let d = decide("me", NOW, Some(&r), Some(&theirs), Some(Local::Running(1)));
        assert_eq!(d.run, RunStep::Abandon, "it took over while we stalled");
    }

    #[test]
    fn our_lease_is_renewed_once_a_second() {
        let r = flow(Desired::Active, 1);
        let young = lease("me", NOW + LEASE_MS - 200);
        let d = decide("me", NOW, Some(&r), Some(&young), Some(Local::Running(1)));
        assert_eq!((d.lease, d.run), (LeaseStep::Leave, RunStep::Nothing));
        let old = lease("me", NOW + LEASE_MS - RENEW_MS - 1);
        let d = decide("me", NOW, Some(&r), Some(&old), Some(Local::Running(1)));
        assert_eq!((d.lease, d.run), (claim(), RunStep::Nothing));
    }

    #[test]
    fn a_new_generation_updates_and_a_failed_one_waits_for_the_next() {
        let ours = lease("me", NOW + LEASE_MS);
        let r = flow(Desired::Active, 3);
        let d = decide("me", NOW, Some(&r), Some(&ours), Some(Local::Running(2)));
        assert_eq!(d.run, RunStep::Update);
        let d = decide("me", NOW, Some(&r), Some(&ours), Some(Local::Failed(3)));
        assert_eq!(d.run, RunStep::Nothing);
        let d = decide("me", NOW, Some(&r), Some(&ours), Some(Local::Failed(2)));
        assert_eq!(d.run, RunStep::Start);
    }

    #[test]
    fn standby_or_deletion_stops_and_releases() {
        let ours = lease("me", NOW + LEASE_MS);
        let r = flow(Desired::Standby, 4);
        let d = decide("me", NOW, Some(&r), Some(&ours), Some(Local::Running(3)));
        assert_eq!(
            (d.lease, d.run),
            (
                LeaseStep::Release,
                RunStep::Stop {
                    write_stopped: true
                }
            )
        );
        let d = decide("me", NOW, None, Some(&ours), Some(Local::Running(3)));
        assert_eq!(
            (d.lease, d.run),
            (
                LeaseStep::Release,
                RunStep::Stop {
                    write_stopped: false
                }
            )
        );
        let d = decide("me", NOW, Some(&r), None, None);
        assert_eq!((d.lease, d.run), (LeaseStep::Leave, RunStep::Nothing));
        let theirs = lease("other", NOW + 5);
        let d = decide("me", NOW, Some(&r), Some(&theirs), None);
        assert_eq!(
            d.lease,
            LeaseStep::Leave,
            "never release another host's lease"
        );
    }
}
