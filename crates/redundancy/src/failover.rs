//! MediaConnect `FAILOVER`: one active source, switched on silence.
//!
//! MediaConnect's model has `failoverMode: FAILOVER` and an optional
//! `sourcePriority.primarySource`. With a primary, MediaConnect uses it
//! whenever it is available and goes back to it after it recovers; without
//! one, it stays on whichever source is working. This switch implements:
//!
//! 1. **Silence**: a source is healthy while its last packet is at most the
//!    silence timeout old. When the active source is silent, the switch
//!    moves to the healthy source with the highest priority (ties: the one
//!    listed first). With no healthy source, it stays put.
//! 2. **Revert**: when a source with a *higher* priority than the active one
//!    has been healthy continuously for the revert hold (default: the silence
//!    timeout), the switch moves back to it, so a flapping primary is not
//!    chosen on its first packet. Equal priorities never revert: that is
//!    MediaConnect without a `primarySource`, and the switch is sticky.
//! 3. **Start**: the first packet picks the active source (preferring a
//!    higher priority when several are already healthy).

use std::time::Duration;

use crate::{Error, Result};

/// A source's identity, chosen by the caller (an index into the flow's sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// A source and its priority; higher is preferred. Give the
/// `primarySource` a higher priority than the others, or all the same
/// priority when the flow has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The source.
    pub id: SourceId,
    /// Its priority; higher wins.
    pub priority: u32,
}

#[derive(Debug)]
struct Slot {
    source: Source,
    last_packet: Option<Duration>,
    healthy_since: Option<Duration>,
}

/// The failover switch.
#[derive(Debug)]
pub struct Failover {
    slots: Vec<Slot>,
    silence_timeout: Duration,
    revert_hold: Duration,
    active: Option<usize>,
    switches: u64,
}

impl Failover {
    /// A switch over `sources`, declaring a source silent after
    /// `silence_timeout` without packets.
    pub fn new(sources: &[Source], silence_timeout: Duration) -> Result<Self> {
        if sources.is_empty() {
            return Err(Error::NoSources);
        }
        if silence_timeout.is_zero() {
            return Err(Error::SilenceTimeout);
        }
        for (i, source) in sources.iter().enumerate() {
            if sources.iter().skip(i + 1).any(|s| s.id == source.id) {
                return Err(Error::DuplicateSource(source.id.0));
            }
        }
        Ok(Self {
            slots: sources
                .iter()
                .map(|&source| Slot {
                    source,
                    last_packet: None,
                    healthy_since: None,
                })
                .collect(),
            silence_timeout,
            revert_hold: silence_timeout,
            active: None,
            switches: 0,
        })
    }

    /// Sets how long a higher-priority source must be healthy before the
    /// switch reverts to it.
    pub fn with_revert_hold(mut self, hold: Duration) -> Self {
        self.revert_hold = hold;
        self
    }

    /// The active source, once any source has sent a packet.
    pub fn active(&self) -> Option<SourceId> {
        self.active
            .and_then(|i| self.slots.get(i))
            .map(|s| s.source.id)
    }

    /// How many times the active source changed (the first pick not included).
    pub fn switches(&self) -> u64 {
        self.switches
    }

    /// Records a packet from `source` at `now`; `true` when it should be
    /// forwarded (it comes from the active source). Unknown sources are
    /// never forwarded.
    pub fn on_packet(&mut self, now: Duration, source: SourceId) -> bool {
        let timeout = self.silence_timeout;
        let Some(index) = self.slots.iter().position(|s| s.source.id == source) else {
            return false;
        };
        if let Some(slot) = self.slots.get_mut(index) {
            let was_healthy = slot
                .last_packet
                .is_some_and(|at| now.saturating_sub(at) <= timeout);
            if !was_healthy {
                slot.healthy_since = Some(now);
            }
            slot.last_packet = Some(now);
        }
        self.decide(now);
        self.active == Some(index)
    }

    /// Re-decides at `now` without a packet (call it on a timer, about every
    /// tenth of the silence timeout); returns the new active source when it changed.
    pub fn poll(&mut self, now: Duration) -> Option<SourceId> {
        let before = self.active;
        self.decide(now);
        if self.active != before {
            self.active()
        } else {
            None
        }
    }

    fn healthy(&self, slot: &Slot, now: Duration) -> bool {
        slot.last_packet
            .is_some_and(|at| now.saturating_sub(at) <= self.silence_timeout)
    }

    /// The healthy source with the highest priority, first listed on ties,
    /// optionally only among those healthy for the revert hold.
    fn best(&self, now: Duration, held: bool) -> Option<usize> {
        let mut best: Option<(usize, u32)> = None;
        for (i, slot) in self.slots.iter().enumerate() {
            let steady = slot
                .healthy_since
                .is_some_and(|since| now.saturating_sub(since) >= self.revert_hold);
            if self.healthy(slot, now)
                && (!held || steady)
                && best.is_none_or(|(_, p)| slot.source.priority > p)
            {
                best = Some((i, slot.source.priority));
            }
        }
        best.map(|(i, _)| i)
    }

    fn decide(&mut self, now: Duration) {
        let current = self.active.and_then(|i| self.slots.get(i).map(|s| (i, s)));
        let next = match current {
            None => self.best(now, false),
            Some((i, slot)) if !self.healthy(slot, now) => self.best(now, false).or(Some(i)),
            Some((i, slot)) => {
                let priority = slot.source.priority;
                match self.best(now, true) {
                    Some(b)
                        if self
                            .slots
                            .get(b)
                            .is_some_and(|s| s.source.priority > priority) =>
                    {
                        Some(b)
                    }
                    _ => Some(i),
                }
            }
        };
        if next != self.active {
            if self.active.is_some() {
                self.switches += 1;
            }
            self.active = next;
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const PRIMARY: SourceId = SourceId(1);
    const BACKUP: SourceId = SourceId(2);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn with_primary() -> Failover {
        let sources = [
            Source {
                id: PRIMARY,
                priority: 1,
            },
            Source {
                id: BACKUP,
                priority: 0,
            },
        ];
        Failover::new(&sources, ms(500))
            .unwrap()
            .with_revert_hold(ms(2000))
    }

    /// Sends from `source` every 10 ms in `from..to` ms.
    fn feed(f: &mut Failover, source: SourceId, from: u64, to: u64) -> bool {
        let mut forwarded = false;
        for t in (from..to).step_by(10) {
            forwarded = f.on_packet(ms(t), source);
        }
        forwarded
    }

    #[test]
    fn a_configuration_without_sources_or_timeout_or_with_a_repeated_source_is_refused() {
        assert_eq!(Failover::new(&[], ms(1)).unwrap_err(), Error::NoSources);
        let one = [Source {
            id: PRIMARY,
            priority: 0,
        }];
        assert_eq!(
            Failover::new(&one, Duration::ZERO).unwrap_err(),
            Error::SilenceTimeout
        );
        let twice = [one[0], one[0]];
        assert_eq!(
            Failover::new(&twice, ms(1)).unwrap_err(),
            Error::DuplicateSource(1)
        );
    }

    #[test]
    fn the_first_packet_picks_its_source_and_the_other_is_not_forwarded() {
        let mut f = with_primary();
        assert_eq!(f.active(), None);
        assert!(f.on_packet(ms(0), BACKUP));
        assert_eq!(f.active(), Some(BACKUP));
        assert!(
            !f.on_packet(ms(1), PRIMARY),
            "the primary must prove itself first"
        );
        assert_eq!(f.switches(), 0);
    }

    #[test]
    fn a_silent_active_source_is_replaced_after_the_timeout_and_not_before() {
        let mut f = with_primary();
        feed(&mut f, PRIMARY, 0, 100);
        feed(&mut f, BACKUP, 0, 100);
        assert_eq!(f.active(), Some(PRIMARY));
        // Primary's last packet at 90 ms; silent past 590 ms.
        assert!(!feed(&mut f, BACKUP, 100, 590));
        assert_eq!(f.poll(ms(590)), None);
        assert_eq!(f.poll(ms(591)), Some(BACKUP));
        assert!(f.on_packet(ms(595), BACKUP));
        assert_eq!(f.switches(), 1);
    }

    #[test]
    fn with_every_source_silent_the_switch_stays_put() {
        let mut f = with_primary();
        f.on_packet(ms(0), PRIMARY);
        assert_eq!(f.poll(ms(10_000)), None);
        assert_eq!(f.active(), Some(PRIMARY));
    }

    #[test]
    fn the_switch_reverts_to_the_primary_once_it_has_been_healthy_for_the_hold() {
        let mut f = with_primary();
        feed(&mut f, PRIMARY, 0, 100);
        feed(&mut f, BACKUP, 0, 1000);
        assert_eq!(f.active(), Some(BACKUP));
        // Primary comes back at 1000 ms; the hold is 2000 ms.
        feed(&mut f, BACKUP, 1000, 3000);
        assert!(!feed(&mut f, PRIMARY, 1000, 3000));
        assert_eq!(f.active(), Some(BACKUP));
        assert!(f.on_packet(ms(3000), PRIMARY));
        assert_eq!(f.active(), Some(PRIMARY));
        assert_eq!(f.switches(), 2);
    }

    #[test]
    fn a_flapping_primary_restarts_its_hold() {
        let mut f = with_primary();
        feed(&mut f, PRIMARY, 0, 100);
        feed(&mut f, BACKUP, 0, 5000);
        feed(&mut f, PRIMARY, 1000, 2500); // back, then silent again for > 500 ms
        feed(&mut f, PRIMARY, 3100, 4000);
        assert_eq!(f.active(), Some(BACKUP), "healthy only since 3100 ms");
        feed(&mut f, PRIMARY, 4000, 5200);
        assert_eq!(f.active(), Some(PRIMARY));
    }

    #[test]
    fn without_a_primary_the_switch_is_sticky() {
        let sources = [
            Source {
                id: PRIMARY,
                priority: 0,
            },
            Source {
                id: BACKUP,
                priority: 0,
            },
        ];
        let mut f = Failover::new(&sources, ms(500)).unwrap();
        feed(&mut f, PRIMARY, 0, 100);
        feed(&mut f, BACKUP, 0, 1000);
        assert_eq!(f.active(), Some(BACKUP));
        for t in (1000..10_000).step_by(10) {
            f.on_packet(ms(t), PRIMARY);
            f.on_packet(ms(t), BACKUP);
        }
        assert_eq!(f.active(), Some(BACKUP));
        assert_eq!(f.switches(), 1);
    }

    #[test]
    fn packets_from_an_unknown_source_are_never_forwarded() {
        let mut f = with_primary();
        assert!(!f.on_packet(ms(0), SourceId(99)));
        assert_eq!(f.active(), None);
    }
}
