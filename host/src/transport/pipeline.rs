//! A flow's packet path, sans-IO: datagrams and entitlement units come in
//! with their arrival time, units to send come out. Redundancy (`MERGE`,
//! `FAILOVER`) sits between the sources and the outputs and is driven by
//! packets and by [`Pipeline::poll`] at [`Pipeline::next_deadline`].

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tributary_redundancy::{Failover, Merged, Merger, PathId, Source, SourceId};

use super::ingress::{DropReason, Unit};
use super::plan::{FAILOVER_SILENCE, FlowPlan, Redundancy};
use super::seqstats::Emitted;
use super::source::{SourceSnapshot, SourceState};

/// How often a failover switch is re-decided without packets: a tenth of
/// the silence timeout, as the switch asks.
const FAILOVER_POLL: Duration = Duration::from_millis(50);
/// With a `primarySource`, a flow's first packets from another source wait
/// this long for the primary before that source is chosen, so two sources
/// starting together begin on the primary whichever datagram is read first.
pub const FAILOVER_START_GRACE: Duration = Duration::from_millis(200);

enum Selector {
    Single,
    Merge {
        merger: Box<Merger>,
        released: Vec<Merged>,
    },
    Failover {
        switch: Failover,
        polled: Duration,
        primary: Option<usize>,
        first_packet: Option<Duration>,
    },
}

/// The packet path of one flow.
pub struct Pipeline {
    redundancy: Redundancy,
    sources: Vec<SourceState>,
    selector: Selector,
    emitted: Emitted,
}

impl Pipeline {
    /// The path for `plan`. Sources of `previous` with the same name and
    /// input kind keep their counters and probes; the redundancy state is
    /// kept when neither it nor the source list changed.
    pub fn new(plan: &FlowPlan, previous: Option<Pipeline>) -> Result<Self, String> {
        let (mut old_sources, old_selector, old_redundancy, old_emitted) = match previous {
            Some(p) => (p.sources, Some(p.selector), Some(p.redundancy), p.emitted),
            None => (Vec::new(), None, None, Emitted::default()),
        };
        let same_list = old_redundancy == Some(plan.redundancy)
            && old_sources.len() == plan.sources.len()
            && old_sources
                .iter()
                .zip(&plan.sources)
                .all(|(o, n)| o.plan().name == n.name && same_kind(o, n));
        let merged = matches!(plan.redundancy, Redundancy::Merge { .. });
        let mut sources = Vec::new();
        for source in &plan.sources {
            // Counting under a merge differs: a changed redundancy starts afresh.
            let kept = old_sources
                .iter()
                .position(|o| o.plan().name == source.name && same_kind(o, source))
                .filter(|_| old_redundancy == Some(plan.redundancy))
                .map(|i| old_sources.swap_remove(i));
            sources.push(match kept {
                Some(mut state) => {
                    state.replan(source.clone());
                    state
                }
                None => SourceState::new(source.clone(), merged),
            });
        }
        let selector = match old_selector {
            Some(s) if same_list => s,
            _ => selector(plan)?,
        };
        Ok(Self {
            redundancy: plan.redundancy,
            sources,
            selector,
            emitted: old_emitted,
        })
    }

    /// A datagram from `from` on source `source` at `now`; units to send are
    /// appended to `out`. `Err` says why it was dropped (already counted).
    pub fn datagram(
        &mut self,
        now: Duration,
        source: usize,
        from: SocketAddr,
        bytes: &[u8],
        out: &mut Vec<Unit>,
    ) -> Result<(), DropReason> {
        let Some(state) = self.sources.get_mut(source) else {
            return Ok(());
        };
        let unit = state.datagram(from, bytes, &self.emitted)?;
        self.route(now, source, unit, out);
        Ok(())
    }

    /// A unit from an entitlement on source `source` at `now`.
    pub fn unit(&mut self, now: Duration, source: usize, unit: Unit, out: &mut Vec<Unit>) {
        let Some(state) = self.sources.get_mut(source) else {
            return;
        };
        state.accept(&unit, &self.emitted);
        self.route(now, source, unit, out);
    }

    fn route(&mut self, now: Duration, source: usize, unit: Unit, out: &mut Vec<Unit>) {
        match &mut self.selector {
            Selector::Single => out.push(unit),
            Selector::Merge { merger, released } => {
                let Some(seq) = unit.rtp().map(|p| p.sequence) else {
                    return;
                };
                let path = if source == 0 { PathId::A } else { PathId::B };
                let bytes = match unit {
                    Unit::Rtp(b) | Unit::Ts(b) => Vec::from(b),
                };
                merger.push(now, path, seq, bytes, released);
                self.release(out);
            }
            Selector::Failover {
                switch,
                primary,
                first_packet,
                ..
            } => {
                let first = *first_packet.get_or_insert(now);
                let waiting = switch.active().is_none()
                    && primary.is_some_and(|p| p != source)
                    && now.saturating_sub(first) < FAILOVER_START_GRACE;
                if waiting {
                    return;
                }
                let id = SourceId(u32::try_from(source).unwrap_or(u32::MAX));
                if switch.on_packet(now, id) {
                    out.push(unit);
                }
            }
        }
    }

    fn release(&mut self, out: &mut Vec<Unit>) {
        let Selector::Merge { released, .. } = &mut self.selector else {
            return;
        };
        for merged in released.drain(..) {
            self.emitted.mark(merged.seq);
            for state in &mut self.sources {
                state.released(merged.seq);
            }
            out.push(Unit::Rtp(Bytes::from(merged.bytes)));
        }
    }

    /// Runs timers due at `now`: the merge releases what waited its window,
    /// the failover switch re-decides.
    pub fn poll(&mut self, now: Duration, out: &mut Vec<Unit>) {
        match &mut self.selector {
            Selector::Single => {}
            Selector::Merge { merger, released } => {
                merger.poll(now, released);
                self.release(out);
            }
            Selector::Failover { switch, polled, .. } => {
                switch.poll(now);
                *polled = now;
            }
        }
    }

    /// When [`Pipeline::poll`] next has work.
    pub fn next_deadline(&self) -> Option<Duration> {
        match &self.selector {
            Selector::Single => None,
            Selector::Merge { merger, .. } => merger.next_deadline(),
            Selector::Failover { switch, polled, .. } => {
                switch.active().map(|_| *polled + FAILOVER_POLL)
            }
        }
    }

    /// Advances bitrate windows and PAT/PMT presence.
    pub fn tick(&mut self, now: Duration) {
        for source in &mut self.sources {
            source.tick(now);
        }
    }

    /// Times the failover switch changed source.
    pub fn switches(&self) -> u64 {
        match &self.selector {
            Selector::Failover { switch, .. } => switch.switches(),
            _ => 0,
        }
    }

    /// Every source's counters and findings at `now`. A source is *active*
    /// when it is the one selected to feed the outputs: the only source, both
    /// paths of a merge, or the failover switch's choice (none before the
    /// first packet), whether or not packets are arriving right now.
    pub fn snapshot(&self, now: Duration) -> Vec<SourceSnapshot> {
        let chosen = match &self.selector {
            Selector::Failover { switch, .. } => {
                Some(switch.active().and_then(|id| usize::try_from(id.0).ok()))
            }
            Selector::Single | Selector::Merge { .. } => None,
        };
        self.sources
            .iter()
            .enumerate()
            .map(|(i, s)| s.snapshot(now, chosen.is_none_or(|c| c == Some(i))))
            .collect()
    }
}

fn same_kind(state: &SourceState, plan: &super::plan::SourcePlan) -> bool {
    use super::plan::InputPlan::{Entitlement, Socket};
    match (&state.plan().input, &plan.input) {
        (Socket { protocol: a, .. }, Socket { protocol: b, .. }) => a == b,
        (Entitlement { arn: a }, Entitlement { arn: b }) => a == b,
        _ => false,
    }
}

fn selector(plan: &FlowPlan) -> Result<Selector, String> {
    Ok(match plan.redundancy {
        Redundancy::Single => Selector::Single,
        Redundancy::Merge { window } => Selector::Merge {
            merger: Box::new(Merger::new(window).map_err(|e| e.to_string())?),
            released: Vec::new(),
        },
        Redundancy::Failover { primary } => {
            let sources: Vec<Source> = (0..plan.sources.len())
                .map(|i| Source {
                    id: SourceId(u32::try_from(i).unwrap_or(u32::MAX)),
                    priority: u32::from(primary == Some(i)),
                })
                .collect();
            Selector::Failover {
                switch: Failover::new(&sources, FAILOVER_SILENCE).map_err(|e| e.to_string())?,
                polled: Duration::ZERO,
                primary,
                first_packet: None,
            }
        }
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::transport::plan::tests::{failover, record, source};
    use crate::transport::plan::{EntitlementIndex, plan};
    use crate::transport::testdata::{TS_ID, TsGen, rtp, rtp_stream};
    use tributary_mediaconnect::wire::{FailoverMode, Protocol};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn sender(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 40_000)
    }

    fn pipeline(record: &tributary_mediaconnect::FlowRecord) -> Pipeline {
        let p = plan(
            "1-x",
            record,
            "127.0.0.1".parse().unwrap(),
            &EntitlementIndex::new(),
            &Default::default(),
        )
        .unwrap();
        Pipeline::new(&p, None).unwrap()
    }

    fn seqs(units: &[Unit]) -> Vec<u16> {
        units.iter().map(|u| u.rtp().unwrap().sequence).collect()
    }

    #[test]
    fn a_single_source_forwards_what_it_accepts_and_counts_what_it_drops() {
        let mut s = source("in", Protocol::Rtp, 5000);
        s.whitelist_cidr = Some("127.0.0.1/32".into());
        let mut p = pipeline(&record("f", vec![s], vec![]));
        let mut out = Vec::new();
        let good = rtp_stream(100, 3);
        let ok = sender("127.0.0.1");
        p.datagram(ms(0), 0, ok, &good[0], &mut out).unwrap();
        let mut wrong_pt = good[1].clone();
        wrong_pt[1] = 96;
        let drops = [
            (sender("127.0.0.2"), good[1].clone(), DropReason::NotAllowed),
            (ok, b"garbage".to_vec(), DropReason::Malformed),
            (ok, good[1][..11].to_vec(), DropReason::Malformed),
            (ok, vec![], DropReason::Malformed),
            (ok, wrong_pt, DropReason::WrongPayloadType),
        ];
        for (from, bytes, reason) in drops {
            assert_eq!(p.datagram(ms(1), 0, from, &bytes, &mut out), Err(reason));
        }
        p.datagram(ms(2), 0, ok, &good[1], &mut out).unwrap();
        p.datagram(ms(3), 0, ok, &good[2], &mut out).unwrap();
        let sent: Vec<&[u8]> = out.iter().map(|u| u.datagram().as_ref()).collect();
        assert_eq!(sent, good.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let snap = &p.snapshot(ms(3))[0];
        assert_eq!((snap.packets, snap.dropped), (3, [1, 3, 1, 0]));
        assert_eq!(snap.bytes, good.iter().map(|g| g.len() as u64).sum::<u64>());
        assert_eq!(snap.peer, Some(ok.ip()));
        assert!(snap.active);
        assert!(
            p.snapshot(ms(3) + FAILOVER_SILENCE * 2)[0].active,
            "still the source feeding the outputs when silent"
        );
    }

    #[test]
    fn a_udp_source_takes_whole_ts_packets_only() {
        let mut p = pipeline(&record(
            "f",
            vec![source("in", Protocol::Udp, 5000)],
            vec![],
        ));
        let mut out = Vec::new();
        let ts = TsGen::new().datagram();
        let from = sender("192.0.2.1");
        p.datagram(ms(0), 0, from, &ts, &mut out).unwrap();
        assert_eq!(
            p.datagram(ms(0), 0, from, &ts[..100], &mut out),
            Err(DropReason::NotTs)
        );
        assert_eq!(out, [Unit::Ts(Bytes::from(ts))]);
    }

    #[test]
    fn the_probe_finds_programs_and_counts_continuity_errors() {
        let mut p = pipeline(&record(
            "f",
            vec![source("in", Protocol::Rtp, 5000)],
            vec![],
        ));
        let stream = rtp_stream(0, 30);
        let mut out = Vec::new();
        for (i, d) in stream.iter().enumerate() {
            // Datagram 25 is lost: its TS packets' counters jump.
            if i != 25 {
                p.datagram(ms(i as u64 * 10), 0, sender("127.0.0.1"), d, &mut out)
                    .unwrap();
            }
        }
        p.tick(ms(1000));
        let snap = &p.snapshot(ms(1000))[0];
        assert_eq!(snap.seq.lost, 1);
        assert!(
            snap.cc_errors >= 2,
            "video and audio both jump: {}",
            snap.cc_errors
        );
        assert_eq!(snap.sync_errors, 0);
        assert!(snap.pat_present && snap.pmt_present);
        let media = snap.media.as_ref().unwrap();
        assert_eq!(media.ts_id, Some(TS_ID));
        let program = &media.programs[0];
        assert_eq!((program.program_number, program.program_pid), (1, 0x1000));
        let streams: Vec<(u16, &str, Option<&str>)> = program
            .streams
            .iter()
            .map(|s| (s.pid, s.stream_type.as_str(), s.codec.as_deref()))
            .collect();
        assert_eq!(
            streams,
            [
                (0x100, "video", Some("H264")),
                (0x101, "audio", Some("AAC"))
            ]
        );
        assert!(snap.bitrate_bps > 0);
        // Long after the stream stopped, PAT and PMT are absent again.
        p.tick(ms(10_000));
        let snap = &p.snapshot(ms(10_000))[0];
        assert!(!snap.pat_present && !snap.pmt_present);
        assert_eq!(snap.bitrate_bps, 0);
    }

    #[test]
    fn merge_of_two_paths_with_disjoint_losses_is_complete_and_in_order() {
        let mut r = record(
            "f",
            vec![
                source("a", Protocol::Rtp, 5000),
                source("b", Protocol::Rtp, 5002),
            ],
            vec![],
        );
        r.flow.source_failover_config = Some(failover(FailoverMode::Merge, None));
        let mut p = pipeline(&r);
        // Across the sequence wrap; B runs 7 ms behind A.
        let stream = rtp_stream(65_400, 400);
        let mut events = Vec::new();
        for (i, d) in stream.iter().enumerate() {
            let t = i as u64 * 2;
            if i % 10 != 3 {
                events.push((t, 0, d));
            }
            if i % 10 != 7 {
                events.push((t + 7, 1, d));
            }
        }
        events.sort_by_key(|e| e.0);
        let mut out = Vec::new();
        for (t, path, d) in events {
            while let Some(deadline) = p.next_deadline().filter(|&d| d <= ms(t)) {
                p.poll(deadline, &mut out);
            }
            p.datagram(ms(t), path, sender("127.0.0.1"), d, &mut out)
                .unwrap();
        }
        p.poll(ms(10_000), &mut out);
        let got: Vec<&[u8]> = out.iter().map(|u| u.datagram().as_ref()).collect();
        assert_eq!(got, stream.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let snap = p.snapshot(ms(10_000));
        for s in &snap {
            assert_eq!((s.seq.lost, s.seq.recovered), (0, 40), "{}", s.name);
        }
    }

    #[test]
    fn failover_switches_on_silence_and_back_to_the_primary() {
        let mut r = record(
            "f",
            vec![
                source("main", Protocol::Rtp, 5000),
                source("backup", Protocol::Rtp, 5002),
            ],
            vec![],
        );
        r.flow.source_failover_config = Some(failover(FailoverMode::Failover, Some("main")));
        let mut p = pipeline(&r);
        let mut ts = TsGen::new();
        let mut from_main = Vec::new();
        let mut from_backup = Vec::new();
        let mut out = Vec::new();
        // 4 s at one datagram per 10 ms on each path; main is silent in 1–2 s.
        for step in 0..400u64 {
            let now = ms(step * 10);
            let d = rtp(step as u16, &ts.datagram());
            while let Some(deadline) = p.next_deadline().filter(|&d| d <= now) {
                p.poll(deadline, &mut out);
            }
            let main_silent = (100..200).contains(&step);
            if !main_silent {
                let before = out.len();
                p.datagram(now, 0, sender("127.0.0.1"), &d, &mut out)
                    .unwrap();
                if out.len() > before {
                    from_main.push(step);
                }
            }
            let before = out.len();
            p.datagram(now, 1, sender("127.0.0.2"), &d, &mut out)
                .unwrap();
            if out.len() > before {
                from_backup.push(step);
            }
            if step == 150 {
                let snap = p.snapshot(now);
                assert!(!snap[0].active && snap[1].active);
            }
        }
        // Backup took over after the silence timeout and handed back after
        // main had been healthy for the revert hold.
        let first_backup = *from_backup.first().unwrap();
        let last_backup = *from_backup.last().unwrap();
        assert!((149..=151).contains(&first_backup), "{first_backup}");
        assert!((249..=251).contains(&last_backup), "{last_backup}");
        assert_eq!(p.switches(), 2);
        // Nothing goes out while main is silent but not yet declared so;
        // otherwise exactly one copy per step.
        let want: Vec<u16> = (0..100).chain(first_backup as u16..400).collect();
        assert_eq!(seqs(&out), want);
    }

    #[test]
    fn failover_starts_on_the_primary_even_if_the_backup_is_read_first() {
        let mut r = record(
            "f",
            vec![
                source("backup", Protocol::Rtp, 5000),
                source("main", Protocol::Rtp, 5002),
            ],
            vec![],
        );
        r.flow.source_failover_config = Some(failover(FailoverMode::Failover, Some("main")));
        let mut p = pipeline(&r);
        let mut out = Vec::new();
        let d = rtp_stream(0, 2);
        p.datagram(ms(0), 0, sender("127.0.0.1"), &d[0], &mut out)
            .unwrap();
        p.datagram(ms(1), 1, sender("127.0.0.1"), &d[0], &mut out)
            .unwrap();
        p.datagram(ms(10), 0, sender("127.0.0.1"), &d[1], &mut out)
            .unwrap();
        p.datagram(ms(11), 1, sender("127.0.0.1"), &d[1], &mut out)
            .unwrap();
        assert_eq!(out.len(), 2, "main only");
        assert_eq!(p.switches(), 0);
        assert!(p.snapshot(ms(11))[1].active);

        // Without the primary, the backup is taken after the grace.
        let mut p = pipeline(&r);
        let mut out = Vec::new();
        for (i, d) in rtp_stream(0, 30).iter().enumerate() {
            p.datagram(ms(i as u64 * 10), 0, sender("127.0.0.1"), d, &mut out)
                .unwrap();
        }
        assert_eq!(out.len(), 10, "from 200 ms on");
    }

    #[test]
    fn random_datagrams_never_panic_under_any_redundancy() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3550);
        let two = || {
            vec![
                source("a", Protocol::Rtp, 5000),
                source("b", Protocol::Rtp, 5002),
            ]
        };
        let mut merge = record("m", two(), vec![]);
        merge.flow.source_failover_config = Some(failover(FailoverMode::Merge, None));
        let mut switch = record("f", two(), vec![]);
        switch.flow.source_failover_config = Some(failover(FailoverMode::Failover, Some("b")));
        let single_udp = record("u", vec![source("a", Protocol::Udp, 5000)], vec![]);
        for r in [merge, switch, single_udp] {
            let mut p = pipeline(&r);
            let mut out = Vec::new();
            for i in 0..5_000u64 {
                let len = rng.random_range(0..1_400);
                let mut d: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                // Make many of them pass the RTP and TS checks so the
                // merge, the sequence accounting and the probe see garbage.
                if len >= 200 && i % 2 == 0 {
                    d[0] = 0x80;
                    d[1] = 33;
                    d[12] = 0x47;
                }
                if i % 3 == 0 {
                    d.truncate(188 * (len / 188));
                    for chunk in d.chunks_mut(188) {
                        chunk[0] = 0x47;
                    }
                }
                let source = (i % 2) as usize;
                let _ = p.datagram(ms(i), source, sender("127.0.0.1"), &d, &mut out);
                if i % 50 == 0 {
                    p.poll(ms(i), &mut out);
                    p.tick(ms(i));
                    let _ = p.snapshot(ms(i));
                }
            }
            p.poll(ms(1_000_000), &mut out);
        }
    }

    #[test]
    fn a_new_plan_keeps_counters_of_unchanged_sources() {
        let r = record("f", vec![source("in", Protocol::Rtp, 5000)], vec![]);
        let mut p = pipeline(&r);
        let mut out = Vec::new();
        for d in rtp_stream(0, 5) {
            p.datagram(ms(0), 0, sender("127.0.0.1"), &d, &mut out)
                .unwrap();
        }
        let mut r2 = r.clone();
        r2.flow.sources[0].whitelist_cidr = Some("10.0.0.0/8".into());
        r2.generation = 2;
        let plan2 = plan(
            "1-x",
            &r2,
            "127.0.0.1".parse().unwrap(),
            &EntitlementIndex::new(),
            &Default::default(),
        )
        .unwrap();
        let mut p = Pipeline::new(&plan2, Some(p)).unwrap();
        assert_eq!(p.snapshot(ms(0))[0].packets, 5);
        assert_eq!(
            p.datagram(
                ms(1),
                0,
                sender("127.0.0.1"),
                &rtp_stream(5, 1)[0],
                &mut out
            ),
            Err(DropReason::NotAllowed),
            "the new allowlist applies"
        );
    }
}
