//! Per-source RTP sequence accounting: packets missing on that source's
//! path (gaps), reordered, duplicated, and — under `MERGE` — how many of its
//! gaps the other path filled.
//!
//! As MediaConnect counts them (`SourceNotRecoveredPackets`,
//! `SourceRecoveredPackets`), a gap is either *recovered* (the merge
//! released that packet from the other path) or *lost* (nobody delivered
//! it): `lost + recovered` is every gap. Without a merge every gap is lost
//! when seen; under a merge it waits until the merge has released that
//! sequence number or gone past it.

use std::collections::BTreeSet;

use tributary_rtp::seq_distance;

/// Sequence numbers remembered to tell duplicates from late packets.
const WINDOW: u64 = 1024;
/// A jump this far either way is a restarted sender, not a gap (RFC 3550
/// §A.1 `MAX_DROPOUT`).
const MAX_DROPOUT: i32 = 3000;
/// Extended sequence numbers start here so stepping back never underflows.
const BASE: u64 = 1 << 32;

/// What one source's RTP sequence numbers showed; each counter only grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeqCounters {
    /// Sequence numbers skipped here that no path delivered (without a
    /// merge: every gap, counted when seen).
    pub lost: u64,
    /// Sequence numbers skipped here that a `MERGE` took from the other path.
    pub recovered: u64,
    /// Packets older than one already seen on this path.
    pub reordered: u64,
    /// Packets whose sequence number this path had already delivered.
    pub duplicates: u64,
}

/// The sequence tracker of one source.
#[derive(Debug, Default)]
pub struct SeqStats {
    highest: Option<u64>,
    /// Bit `ext % WINDOW` is set when `ext` arrived, for the last `WINDOW`.
    seen: [u64; (WINDOW / 64) as usize],
    /// Under a merge: skipped here, fate not known yet.
    missing: BTreeSet<u64>,
    /// Whether a merge may fill gaps.
    merged: bool,
    counters: SeqCounters,
}

impl SeqStats {
    /// A tracker that has seen nothing; `merged` when a merge may fill its gaps.
    pub fn new(merged: bool) -> Self {
        Self {
            merged,
            ..Self::default()
        }
    }

    /// What it has counted.
    pub fn counters(&self) -> SeqCounters {
        self.counters
    }

    /// Records an arrival of `seq`; `merged` tells which sequence numbers a
    /// merge has already released from another path.
    pub fn packet(&mut self, seq: u16, merged: &Emitted) {
        let Some(high) = self.highest else {
            self.restart(seq);
            return;
        };
        let distance = seq_distance(low16(high), seq);
        if distance >= MAX_DROPOUT || distance <= -MAX_DROPOUT {
            self.restart(seq);
            return;
        }
        let ext = high.saturating_add_signed(i64::from(distance));
        if ext > high {
            for skipped in high + 1..ext {
                self.set_seen(skipped, false);
                if !self.merged {
                    self.counters.lost += 1;
                } else if merged.contains(low16(skipped)) {
                    self.counters.recovered += 1;
                } else {
                    self.missing.insert(skipped);
                }
            }
            self.set_seen(ext, true);
            self.highest = Some(ext);
            let oldest = ext.saturating_sub(u64::from(MAX_DROPOUT.unsigned_abs()));
            let kept = self.missing.split_off(&oldest);
            self.counters.lost += self.missing.len() as u64;
            self.missing = kept;
        } else if high - ext >= WINDOW {
            self.counters.reordered += 1;
        } else if self.is_seen(ext) {
            self.counters.duplicates += 1;
        } else {
            self.counters.reordered += 1;
            self.set_seen(ext, true);
            self.missing.remove(&ext);
        }
    }

    /// The merge released `seq` (from either path): if this path skipped
    /// it, the gap is recovered; gaps before it the merge went past are lost.
    pub fn released(&mut self, seq: u16) {
        let Some(high) = self.highest else { return };
        let ext = high.saturating_add_signed(i64::from(seq_distance(low16(high), seq)));
        if self.missing.remove(&ext) {
            self.counters.recovered += 1;
        }
        if self.missing.first().is_some_and(|&first| first < ext) {
            let kept = self.missing.split_off(&ext);
            self.counters.lost += self.missing.len() as u64;
            self.missing = kept;
        }
    }

    fn restart(&mut self, seq: u16) {
        self.seen = Default::default();
        self.counters.lost += self.missing.len() as u64;
        self.missing.clear();
        let ext = BASE + u64::from(seq);
        self.highest = Some(ext);
        self.set_seen(ext, true);
    }

    fn is_seen(&self, ext: u64) -> bool {
        let bit = ext % WINDOW;
        self.seen
            .get((bit / 64) as usize)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    fn set_seen(&mut self, ext: u64, on: bool) {
        let bit = ext % WINDOW;
        if let Some(w) = self.seen.get_mut((bit / 64) as usize) {
            if on {
                *w |= 1 << (bit % 64);
            } else {
                *w &= !(1 << (bit % 64));
            }
        }
    }
}

fn low16(ext: u64) -> u16 {
    // Truncation is the point: the wire sequence number.
    (ext & 0xffff) as u16
}

/// The sequence numbers a merge released recently: a bit per number in the
/// 16-bit circle; marking one forgets the number half a circle away.
#[derive(Debug)]
pub struct Emitted {
    bits: Box<[u64; 1024]>,
}

impl Default for Emitted {
    fn default() -> Self {
        Self {
            bits: Box::new([0; 1024]),
        }
    }
}

impl Emitted {
    /// Records that `seq` was released.
    pub fn mark(&mut self, seq: u16) {
        self.set(seq.wrapping_add(0x8000), false);
        self.set(seq, true);
    }

    /// Whether `seq` was released (within the last half circle).
    pub fn contains(&self, seq: u16) -> bool {
        self.bits
            .get(usize::from(seq / 64))
            .is_some_and(|w| w & (1 << (seq % 64)) != 0)
    }

    fn set(&mut self, seq: u16, on: bool) {
        if let Some(w) = self.bits.get_mut(usize::from(seq / 64)) {
            if on {
                *w |= 1 << (seq % 64);
            } else {
                *w &= !(1 << (seq % 64));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(stats: &mut SeqStats, seqs: &[u16]) {
        let none = Emitted::default();
        for &s in seqs {
            stats.packet(s, &none);
        }
    }

    #[test]
    fn an_unbroken_run_counts_nothing() {
        let mut s = SeqStats::new(false);
        feed(&mut s, &[65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2]);
        assert_eq!(s.counters(), SeqCounters::default());
    }

    #[test]
    fn gaps_are_lost_across_the_wrap() {
        let mut s = SeqStats::new(false);
        feed(&mut s, &[65533, 65534, 1, 2, 5]);
        assert_eq!(s.counters().lost, 2 + 2);
    }

    #[test]
    fn late_packets_are_reordered_and_repeats_are_duplicates() {
        let mut s = SeqStats::new(false);
        feed(&mut s, &[10, 12, 11, 11, 12, 13]);
        let c = s.counters();
        assert_eq!((c.lost, c.reordered, c.duplicates), (1, 1, 2));
    }

    #[test]
    fn a_far_jump_is_a_restart_not_a_loss() {
        let mut s = SeqStats::new(false);
        feed(&mut s, &[100, 101, 40_000, 40_001]);
        assert_eq!(s.counters(), SeqCounters::default());
    }

    #[test]
    fn under_a_merge_gaps_are_recovered_or_lost_as_the_merge_decides() {
        let mut emitted = Emitted::default();
        let mut a = SeqStats::new(true);
        a.packet(1, &emitted);
        // The merge released 2 (from the other path) before A saw its gap.
        emitted.mark(2);
        a.released(2);
        a.packet(3, &emitted);
        assert_eq!((a.counters().lost, a.counters().recovered), (0, 1));
        // A skips 4, 5 and 6; the merge releases 4 later, never 5; 6 turns
        // up late on A itself.
        a.packet(7, &emitted);
        a.released(3);
        a.released(4);
        assert_eq!((a.counters().lost, a.counters().recovered), (0, 2));
        a.packet(6, &emitted);
        a.released(6);
        let c = a.counters();
        assert_eq!(
            (c.lost, c.recovered, c.reordered),
            (1, 2, 1),
            "5 was passed over"
        );
        // Released twice is still one recovery.
        a.released(4);
        assert_eq!(a.counters().recovered, 2);
    }

    #[test]
    fn the_emitted_set_forgets_half_a_circle_back() {
        let mut e = Emitted::default();
        e.mark(5);
        assert!(e.contains(5));
        e.mark(5 + 0x8000);
        assert!(!e.contains(5));
        assert!(e.contains(5 + 0x8000));
    }
}
