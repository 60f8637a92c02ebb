//! SMPTE ST 2022-7 seamless protection switching: merge two RTP paths by
//! sequence number.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use tributary_rtp::seq_distance;

use crate::{Error, Result};

/// MediaConnect's default `recoveryWindow`.
pub const DEFAULT_RECOVERY_WINDOW: Duration = Duration::from_millis(200);
const MIN_WINDOW: Duration = Duration::from_millis(100);
const MAX_WINDOW: Duration = Duration::from_millis(15_000);

/// A jump forward this far (RFC 3550 §A.1 `MAX_DROPOUT`) is not a gap but a
/// candidate stream restart; it also bounds how many packets are held.
const MAX_DROPOUT: i32 = 3000;
/// How many already-emitted sequence numbers are remembered to recognise
/// duplicates; a packet further behind is a candidate restart.
const HISTORY: usize = 3000;
/// Extended sequence numbers start here so that stepping back never underflows.
const BASE: u64 = 1 << 32;

const EMITTED: u8 = 1;
const RECOVERED: u8 = 2;

/// Which of the two 2022-7 paths a packet came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathId {
    /// The first source.
    A,
    /// The second source.
    B,
}

impl PathId {
    fn index(self) -> usize {
        match self {
            Self::A => 0,
            Self::B => 1,
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::A => 4,
            Self::B => 8,
        }
    }

    fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// A packet the merger releases, in sequence order, once per sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The RTP sequence number.
    pub seq: u16,
    /// The datagram as it arrived on the first path that delivered it.
    pub bytes: Vec<u8>,
    /// That path.
    pub path: PathId,
}

/// What the merger has seen; each counter only grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Packets released.
    pub emitted: u64,
    /// Packets one path lost and the other delivered: counted when the
    /// emitted copy came from one path and the other path has moved past
    /// that sequence number without it (so a path's loss at the very end of
    /// its stream is not known, and a packet it merely reordered beyond the
    /// merge point also counts).
    pub recovered: u64,
    /// Sequence numbers neither path delivered inside the recovery window.
    pub lost: u64,
    /// Copies dropped because the sequence number was already held or emitted.
    pub duplicates: u64,
    /// Packets that arrived on their path after a later sequence number on that path.
    pub reordered: u64,
    /// Packets that arrived after their sequence number had been declared lost.
    pub late: u64,
    /// Packets dropped as far out of range (the first of a possible restart).
    pub out_of_range: u64,
    /// Times the merger followed a restarted stream to a new sequence range.
    pub resyncs: u64,
}

#[derive(Debug)]
struct Candidate {
    confirm: u16,
    seq: u16,
    bytes: Vec<u8>,
    arrived: Duration,
}

#[derive(Debug)]
struct Held {
    bytes: Vec<u8>,
    path: PathId,
    paths: u8,
    arrived: Duration,
}

/// The 2022-7 merge state machine.
///
/// Rules:
/// - the first copy of a sequence number is kept; later copies (from either
///   path) are dropped and counted as duplicates;
/// - packets are released in sequence order; a packet waits for its
///   predecessors until it has itself waited the recovery window, then the
///   missing predecessors are declared lost and counted;
/// - at start-up nothing is released for one recovery window, so a path
///   that is behind can still supply the first packets;
/// - sequence numbers wrap from 65535 to 0;
/// - a packet more than 3000 ahead or behind is dropped, unless the next
///   packet on its path continues it: then the stream restarted and the
///   merger resyncs to it (at most once per recovery window, so a lagging
///   path still sending the old range cannot pull it back).
#[derive(Debug)]
pub struct Merger {
    window: Duration,
    started: bool,
    next: u64,
    held: BTreeMap<u64, Held>,
    /// Flags of the extended sequence numbers just before `next`.
    history: VecDeque<u8>,
    /// Per path, the highest extended sequence number seen.
    high: [Option<u64>; 2],
    /// Per path, the first one seen: a path cannot lose what came before it joined.
    first: [Option<u64>; 2],
    /// Per path, the first packet of a possible restart: (the sequence
    /// number that would confirm it, its arrival, sequence number and bytes).
    candidate: [Option<Candidate>; 2],
    /// Nothing is released before this: at start-up the first packet to
    /// arrive may not be the first of the stream, the other path may be behind.
    start_until: Option<Duration>,
    last_resync: Option<Duration>,
    counters: Counters,
}

impl Default for Merger {
    fn default() -> Self {
        Self {
            window: DEFAULT_RECOVERY_WINDOW,
            started: false,
            next: BASE,
            held: BTreeMap::new(),
            history: VecDeque::with_capacity(HISTORY),
            high: [None; 2],
            first: [None; 2],
            candidate: [None, None],
            start_until: None,
            last_resync: None,
            counters: Counters::default(),
        }
    }
}

impl Merger {
    /// A merger with MediaConnect's `recoveryWindow`, which must be 100–15000 ms.
    pub fn new(recovery_window: Duration) -> Result<Self> {
        if !(MIN_WINDOW..=MAX_WINDOW).contains(&recovery_window) {
            return Err(Error::RecoveryWindow(recovery_window));
        }
        Ok(Self {
            window: recovery_window,
            ..Self::default()
        })
    }

    /// The recovery window.
    pub fn recovery_window(&self) -> Duration {
        self.window
    }

    /// What has happened so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Packets held waiting for a predecessor.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// When [`Merger::poll`] next has something to release, if anything is held.
    pub fn next_deadline(&self) -> Option<Duration> {
        let head = self.held.values().next()?;
        Some(
            self.start_until
                .unwrap_or(head.arrived.saturating_add(self.window)),
        )
    }

    /// Takes one packet that arrived at `now` on `path` and appends whatever
    /// can now be released, in order, to `out`.
    pub fn push(
        &mut self,
        now: Duration,
        path: PathId,
        seq: u16,
        bytes: Vec<u8>,
        out: &mut Vec<Merged>,
    ) {
        if !self.started {
            self.started = true;
            self.next = BASE + u64::from(seq);
            self.start_until = Some(now.saturating_add(self.window));
        }
        let distance = seq_distance(self.low16(), seq);
        if distance >= MAX_DROPOUT || distance < -(HISTORY as i32) {
            let slot = self.candidate.get_mut(path.index());
            let settled = self
                .last_resync
                .is_none_or(|at| now.saturating_sub(at) >= self.window);
            match slot {
                Some(slot @ Some(_))
                    if settled && slot.as_ref().is_some_and(|c| c.confirm == seq) =>
                {
                    if let Some(first) = slot.take() {
                        self.resync(now, first.seq, out);
                        let ext = self.next;
                        self.note_path(path, ext);
                        self.held.insert(
                            ext,
                            Held {
                                bytes: first.bytes,
                                path,
                                paths: path.bit(),
                                arrived: first.arrived,
                            },
                        );
                    }
                }
                Some(slot) => {
                    *slot = Some(Candidate {
                        confirm: seq.wrapping_add(1),
                        seq,
                        bytes,
                        arrived: now,
                    });
                    self.counters.out_of_range += 1;
                    self.release(now, out);
                    return;
                }
                None => return,
            }
        }
        if let Some(slot) = self.candidate.get_mut(path.index()) {
            *slot = None;
        }
        let ext = self
            .next
            .saturating_add_signed(i64::from(seq_distance(self.low16(), seq)));
        self.note_path(path, ext);

        if ext < self.next && self.counters.emitted == 0 && self.counters.lost == 0 {
            // Still starting: the stream began earlier than the first arrival.
            self.next = ext;
        }
        if ext < self.next {
            let behind = usize::try_from(self.next - ext).unwrap_or(usize::MAX);
            let index = self.history.len().checked_sub(behind);
            match index.and_then(|i| self.history.get_mut(i)) {
                Some(flags) if *flags & EMITTED != 0 => {
                    *flags |= path.bit();
                    self.counters.duplicates += 1;
                }
                _ => self.counters.late += 1,
            }
        } else if let Some(held) = self.held.get_mut(&ext) {
            held.paths |= path.bit();
            self.counters.duplicates += 1;
        } else {
            self.held.insert(
                ext,
                Held {
                    bytes,
                    path,
                    paths: path.bit(),
                    arrived: now,
                },
            );
        }
        self.release(now, out);
    }

    /// Releases packets whose predecessors' wait has run out at `now`; call
    /// it at [`Merger::next_deadline`] or on a regular tick.
    pub fn poll(&mut self, now: Duration, out: &mut Vec<Merged>) {
        self.release(now, out);
    }

    fn low16(&self) -> u16 {
        // Truncation is the point: the low 16 bits are the wire sequence number.
        (self.next & 0xffff) as u16
    }

    /// Tracks each path's own order, and counts as recovered the emitted
    /// packets this path has just skipped.
    fn note_path(&mut self, path: PathId, ext: u64) {
        let slot = &mut self.high[path.index()];
        match *slot {
            Some(high) if ext < high => self.counters.reordered += 1,
            Some(high) => {
                *slot = Some(ext);
                let oldest = self.next.saturating_sub(self.history.len() as u64);
                for skipped in (high + 1).max(oldest)..ext.min(self.next) {
                    let i = usize::try_from(skipped - oldest).unwrap_or(usize::MAX);
                    if let Some(flags) = self.history.get_mut(i)
                        && *flags & EMITTED != 0
                        && *flags & RECOVERED == 0
                        && *flags & path.bit() == 0
                    {
                        *flags |= RECOVERED;
                        self.counters.recovered += 1;
                    }
                }
            }
            None => {
                *slot = Some(ext);
                if let Some(first) = self.first.get_mut(path.index()) {
                    *first = Some(ext);
                }
            }
        }
    }

    fn release(&mut self, now: Duration, out: &mut Vec<Merged>) {
        if self.start_until.is_some_and(|until| now < until) {
            return;
        }
        self.start_until = None;
        loop {
            while let Some(held) = self.held.remove(&self.next) {
                self.emit(held, out);
            }
            let Some((&first, held)) = self.held.first_key_value() else {
                break;
            };
            if now.saturating_sub(held.arrived) < self.window {
                break;
            }
            while self.next < first {
                self.counters.lost += 1;
                self.remember(0);
                self.next += 1;
            }
        }
    }

    fn emit(&mut self, held: Held, out: &mut Vec<Merged>) {
        let mut flags = EMITTED | held.paths;
        let other = held.path.other();
        let joined = self.first[other.index()].is_some_and(|first| first < self.next);
        let passed = joined && self.high[other.index()].is_some_and(|high| high > self.next);
        if passed && held.paths & other.bit() == 0 {
            flags |= RECOVERED;
            self.counters.recovered += 1;
        }
        self.remember(flags);
        out.push(Merged {
            seq: self.low16(),
            bytes: held.bytes,
            path: held.path,
        });
        self.counters.emitted += 1;
        self.next += 1;
    }

    fn remember(&mut self, flags: u8) {
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(flags);
    }

    /// Flushes the old range in order and starts over at `seq`.
    fn resync(&mut self, now: Duration, seq: u16, out: &mut Vec<Merged>) {
        for (ext, held) in std::mem::take(&mut self.held) {
            self.counters.lost += ext.saturating_sub(self.next);
            self.next = ext;
            self.emit(held, out);
        }
        self.history.clear();
        self.high = [None; 2];
        self.first = [None; 2];
        self.next = BASE + u64::from(seq);
        self.last_resync = Some(now);
        self.candidate = [None, None];
        self.counters.resyncs += 1;
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn payload(seq: u16) -> Vec<u8> {
        seq.to_be_bytes().to_vec()
    }

    /// Feeds `(arrival ms, path, seq)` in order, then polls far in the future.
    fn run(merger: &mut Merger, events: &[(u64, PathId, u16)]) -> Vec<u16> {
        let mut out = Vec::new();
        for &(at, path, seq) in events {
            merger.push(ms(at), path, seq, payload(seq), &mut out);
        }
        merger.poll(ms(1_000_000), &mut out);
        for m in &out {
            assert_eq!(m.bytes, payload(m.seq));
        }
        out.iter().map(|m| m.seq).collect()
    }

    /// Both paths send `seqs` at 1 ms intervals, B `skew` ms behind, each
    /// skipping its own drop list.
    fn two_paths(
        seqs: &[u16],
        drop_a: &[u16],
        drop_b: &[u16],
        skew: u64,
    ) -> Vec<(u64, PathId, u16)> {
        let mut events = Vec::new();
        for (i, &seq) in seqs.iter().enumerate() {
            let t = i as u64;
            if !drop_a.contains(&seq) {
                events.push((t, PathId::A, seq));
            }
            if !drop_b.contains(&seq) {
                events.push((t + skew, PathId::B, seq));
            }
        }
        events.sort_by_key(|&(t, _, _)| t);
        events
    }

    #[test]
    fn the_recovery_window_must_be_between_100_ms_and_15_s() {
        assert_eq!(
            Merger::new(ms(99)).unwrap_err(),
            Error::RecoveryWindow(ms(99))
        );
        assert!(Merger::new(ms(15_001)).is_err());
        assert_eq!(Merger::new(ms(100)).unwrap().recovery_window(), ms(100));
        assert!(Merger::new(ms(15_000)).is_ok());
        assert_eq!(Merger::default().recovery_window(), ms(200));
    }

    #[test]
    fn after_start_up_a_single_path_in_order_is_emitted_at_once() {
        let mut m = Merger::default();
        let mut out = Vec::new();
        m.push(ms(0), PathId::A, 0, payload(0), &mut out);
        assert!(
            out.is_empty(),
            "the first window waits for a path that is behind"
        );
        m.poll(ms(200), &mut out);
        assert_eq!(out.len(), 1);
        for seq in 1..5 {
            m.push(
                ms(200 + u64::from(seq)),
                PathId::A,
                seq,
                payload(seq),
                &mut out,
            );
            assert_eq!(out.len(), usize::from(seq) + 1);
        }
        assert_eq!(m.counters().emitted, 5);
        assert_eq!(m.held(), 0);
    }

    #[test]
    fn both_paths_complete_emit_each_packet_once_and_count_the_copies() {
        let seqs: Vec<u16> = (0..50).collect();
        let mut m = Merger::default();
        assert_eq!(run(&mut m, &two_paths(&seqs, &[], &[], 0)), seqs);
        let c = m.counters();
        assert_eq!(
            (c.emitted, c.duplicates, c.lost, c.recovered),
            (50, 50, 0, 0)
        );
    }

    #[test]
    fn loss_on_one_path_is_recovered_from_the_other() {
        let seqs: Vec<u16> = (0..50).collect();
        let mut m = Merger::default();
        assert_eq!(run(&mut m, &two_paths(&seqs, &[3, 17, 18], &[], 0)), seqs);
        let c = m.counters();
        assert_eq!((c.recovered, c.lost, c.duplicates), (3, 0, 47));
    }

    #[test]
    fn disjoint_loss_on_both_paths_still_gives_a_complete_stream() {
        let seqs: Vec<u16> = (0..100).collect();
        let mut m = Merger::default();
        // B's loss of 98 is known when B's 99 arrives.
        let out = run(&mut m, &two_paths(&seqs, &[1, 10, 50], &[2, 11, 98], 3));
        assert_eq!(out, seqs);
        assert_eq!(m.counters().recovered, 6);
        assert_eq!(m.counters().lost, 0);
    }

    #[test]
    fn a_packet_lost_on_both_paths_is_declared_lost_after_the_window() {
        let seqs: Vec<u16> = (0..10).collect();
        let mut m = Merger::new(ms(100)).unwrap();
        let mut out = Vec::new();
        for (t, path, seq) in two_paths(&seqs, &[4], &[4], 0) {
            m.push(ms(t), path, seq, payload(seq), &mut out);
        }
        assert!(out.is_empty(), "start-up holds the first window");
        assert_eq!(m.next_deadline(), Some(ms(100)), "the end of start-up");
        m.poll(ms(100), &mut out);
        assert_eq!(out.len(), 4, "5.. wait for 4");
        assert_eq!(m.next_deadline(), Some(ms(105)));
        m.poll(ms(104), &mut out);
        assert_eq!(out.len(), 4);
        m.poll(ms(105), &mut out);
        let got: Vec<u16> = out.iter().map(|p| p.seq).collect();
        assert_eq!(got, [0, 1, 2, 3, 5, 6, 7, 8, 9]);
        assert_eq!(m.counters().lost, 1);
        assert_eq!(m.next_deadline(), None);
    }

    #[test]
    fn at_start_up_a_path_that_is_behind_supplies_the_first_packets() {
        let mut m = Merger::default();
        let events = [
            (0, PathId::A, 12),
            (1, PathId::A, 13),
            (50, PathId::B, 10),
            (51, PathId::B, 11),
        ];
        assert_eq!(run(&mut m, &events), [10, 11, 12, 13]);
    }

    #[test]
    fn reordering_on_a_path_is_put_back_in_order_and_counted() {
        let mut m = Merger::default();
        let events = [
            (0, PathId::A, 1),
            (1, PathId::A, 3),
            (2, PathId::A, 2),
            (3, PathId::A, 4),
        ];
        assert_eq!(run(&mut m, &events), [1, 2, 3, 4]);
        assert_eq!(m.counters().reordered, 1);
        assert_eq!(m.counters().lost, 0);
    }

    #[test]
    fn duplicates_on_the_same_path_are_dropped() {
        let mut m = Merger::default();
        let events = [
            (0, PathId::A, 1),
            (1, PathId::A, 1),
            (2, PathId::A, 3),
            (3, PathId::A, 3),
            (4, PathId::A, 2),
        ];
        assert_eq!(run(&mut m, &events), [1, 2, 3]);
        assert_eq!(m.counters().duplicates, 2);
    }

    #[test]
    fn skew_inside_the_window_still_recovers() {
        let seqs: Vec<u16> = (0..400).collect();
        let mut m = Merger::new(ms(200)).unwrap();
        assert_eq!(run(&mut m, &two_paths(&seqs, &[5, 300], &[], 150)), seqs);
        assert_eq!(m.counters().recovered, 2);
        assert_eq!(m.counters().lost, 0);
    }

    #[test]
    fn skew_beyond_the_window_loses_the_packet_and_the_late_copy_is_dropped() {
        let seqs: Vec<u16> = (0..400).collect();
        let mut m = Merger::new(ms(200)).unwrap();
        let out = run(&mut m, &two_paths(&seqs, &[5], &[], 300));
        let expected: Vec<u16> = seqs.iter().copied().filter(|&s| s != 5).collect();
        assert_eq!(out, expected);
        assert_eq!(m.counters().lost, 1);
        assert_eq!(m.counters().late, 1);
    }

    #[test]
    fn sequence_numbers_wrap_from_65535_to_0() {
        let seqs: Vec<u16> = (65530..=65535).chain(0..6).collect();
        let mut m = Merger::default();
        let out = run(&mut m, &two_paths(&seqs, &[65535, 2], &[0, 65533], 2));
        assert_eq!(out, seqs);
        assert_eq!(m.counters().lost, 0);
    }

    #[test]
    fn a_single_stray_far_packet_is_dropped_without_resync() {
        let mut m = Merger::default();
        let events = [(0, PathId::A, 1), (1, PathId::B, 40_000), (2, PathId::A, 2)];
        assert_eq!(run(&mut m, &events), [1, 2]);
        assert_eq!(m.counters().out_of_range, 1);
        assert_eq!(m.counters().resyncs, 0);
    }

    #[test]
    fn a_restarted_stream_is_followed_after_two_consecutive_packets() {
        let mut m = Merger::default();
        let mut events = vec![(0, PathId::A, 100), (1, PathId::A, 101)];
        events.extend((0..5).map(|i| (2 + i, PathId::A, 20_000 + i as u16)));
        assert_eq!(
            run(&mut m, &events),
            [100, 101, 20_000, 20_001, 20_002, 20_003, 20_004]
        );
        assert_eq!(m.counters().resyncs, 1);
    }

    #[test]
    fn a_lagging_path_still_on_the_old_range_does_not_pull_the_merger_back() {
        let mut m = Merger::default();
        let mut events = Vec::new();
        for i in 0..10u16 {
            events.push((
                u64::from(i),
                PathId::A,
                if i < 5 { 100 + i } else { 30_000 + i },
            ));
            events.push((
                u64::from(i) + 3,
                PathId::B,
                if i < 5 { 100 + i } else { 30_000 + i },
            ));
        }
        events.sort_by_key(|&(t, _, _)| t);
        let out = run(&mut m, &events);
        assert_eq!(m.counters().resyncs, 1);
        assert_eq!(
            out,
            [
                100, 101, 102, 103, 104, 30_005, 30_006, 30_007, 30_008, 30_009
            ]
        );
    }

    /// xorshift64: deterministic, no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn five_percent_disjoint_drops_on_two_paths_over_10000_packets_give_identical_output() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let first: u16 = 60_000; // crosses the wrap
        let source: Vec<(u16, Vec<u8>)> = (0..10_000u32)
            .map(|i| {
                let seq = first.wrapping_add(i as u16);
                let bytes = (0..1316).map(|_| rng.next().to_le_bytes()[0]).collect();
                (seq, bytes)
            })
            .collect();
        let mut events = Vec::new();
        for (i, (seq, bytes)) in source.iter().enumerate() {
            let at = i as u64 * 100; // µs
            match rng.next() % 20 {
                0 => events.push((
                    at + 7_000 + rng.next() % 500,
                    PathId::B,
                    *seq,
                    bytes.clone(),
                )),
                1 => events.push((at + rng.next() % 500, PathId::A, *seq, bytes.clone())),
                _ => {
                    events.push((at + rng.next() % 500, PathId::A, *seq, bytes.clone()));
                    events.push((
                        at + 7_000 + rng.next() % 500,
                        PathId::B,
                        *seq,
                        bytes.clone(),
                    ));
                }
            }
        }
        events.sort_by_key(|e| e.0);
        let mut m = Merger::default();
        let mut out = Vec::new();
        for (at, path, seq, bytes) in events {
            m.push(Duration::from_micros(at), path, seq, bytes, &mut out);
        }
        m.poll(Duration::from_secs(100), &mut out);
        let sent: Vec<u8> = source.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        let got: Vec<u8> = out.iter().flat_map(|p| p.bytes.iter().copied()).collect();
        assert_eq!(out.len(), 10_000);
        assert!(sent == got, "merged output differs from the source");
        let c = m.counters();
        assert_eq!(c.lost, 0);
        assert!(
            c.recovered > 700,
            "about 10% recovered, got {}",
            c.recovered
        );
        assert_eq!(c.emitted, 10_000);
    }
}
