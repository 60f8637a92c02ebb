//! Combining whole input segments into output segments, and numbering them.
//!
//! With a combine factor `k` (endpoint `SegmentDurationSeconds` over the
//! ingest target duration), input segment `s` belongs to block `s / k`; a
//! group is a block's segments, cut again at every discontinuity (one TS file
//! must not span one). The output number of the group holding `s` is
//!
//! ```text
//! s / k  +  #{ discontinuities d ≤ s with d % k ≠ 0 }
//! ```
//!
//! which rises by exactly one at every group start (a block start, or a
//! discontinuity inside a block, never both), so numbers are consecutive as
//! HLS media sequence numbers must be, and they depend only on `s` and the
//! discontinuity history: the same on every reload, before and after older
//! segments expire. With `k = 1` the output number is the input sequence.
//!
//! A group is served only once it is *final*: it has `k` segments, or the
//! segment after it exists and starts another group. Until then its URL
//! would name bytes that are still growing, which a CDN must never cache.

use crate::model::{Segment, SegmentIndex};
use crate::{Error, Result};
use core::ops::Range;

/// How many input segments make one output segment: `segment_duration_s /
/// input_target_s` when that is a whole number of at least 2, else 1 (input
/// segments pass through; re-cutting at other durations needs a remux).
pub fn combine_factor(segment_duration_s: u32, input_target_s: u32) -> u32 {
    if input_target_s > 0
        && segment_duration_s >= input_target_s.saturating_mul(2)
        && segment_duration_s.is_multiple_of(input_target_s)
    {
        segment_duration_s / input_target_s
    } else {
        1
    }
}

/// The input segments of output segment `number` of `index` combined `k` at
/// a time: [`Error::SegmentUnavailable`] when it expired, never existed, or
/// is not final yet.
pub fn resolve_segment(index: &SegmentIndex, k: u32, number: u64) -> Result<&[Segment]> {
    let g = Grouping::new(index, k);
    let segments = index.segments();
    let Some(first) = g.first_group_start(0, segments.len()) else {
        return Err(Error::SegmentUnavailable);
    };
    let mut n = g.number(segments[first].sequence);
    let mut at = first;
    while at < segments.len() && n <= number {
        let end = g.group_end(at, segments.len());
        if n == number {
            return if g.is_final(at, end) {
                Ok(&segments[at..end])
            } else {
                Err(Error::SegmentUnavailable)
            };
        }
        at = end;
        n += 1;
    }
    Err(Error::SegmentUnavailable)
}

/// Group arithmetic over one index.
pub(crate) struct Grouping<'a> {
    k: u64,
    segments: &'a [Segment],
    history: &'a [u64],
}

impl<'a> Grouping<'a> {
    pub(crate) fn new(index: &'a SegmentIndex, k: u32) -> Self {
        Self {
            k: u64::from(k.max(1)),
            segments: index.segments(),
            history: index.discontinuities(),
        }
    }

    /// Whether `segments[i]` is the first of its group.
    pub(crate) fn starts_group(&self, i: usize) -> bool {
        let s = &self.segments[i];
        self.k == 1 || s.discontinuity || s.sequence.is_multiple_of(self.k)
    }

    /// Output number of the group holding input sequence `seq`.
    pub(crate) fn number(&self, seq: u64) -> u64 {
        if self.k == 1 {
            return seq;
        }
        let inside = self
            .history
            .iter()
            .take_while(|&&d| d <= seq)
            .filter(|&&d| d % self.k != 0)
            .count();
        seq / self.k + inside as u64
    }

    /// The first `i` in `from..to` that starts a group whose first segment is
    /// retained (a group whose head expired is incomplete for good).
    pub(crate) fn first_group_start(&self, from: usize, to: usize) -> Option<usize> {
        (from..to).find(|&i| self.starts_group(i))
    }

    /// One past the last segment of the group starting at `start`, looking
    /// no further than `limit`.
    pub(crate) fn group_end(&self, start: usize, limit: usize) -> usize {
        let mut end = start + 1;
        while end < limit && !self.starts_group(end) {
            end += 1;
        }
        end
    }

    /// Whether the group `start..end` can no longer change.
    pub(crate) fn is_final(&self, start: usize, end: usize) -> bool {
        (end - start) as u64 >= self.k || (end < self.segments.len() && self.starts_group(end))
    }

    /// The start of the group holding `segments[i]`, if that start is retained.
    pub(crate) fn group_start_of(&self, i: usize) -> Option<usize> {
        (0..=i).rev().find(|&j| self.starts_group(j))
    }

    /// The groups a playlist may list, from `from` (a group start) on: each
    /// final and wholly before `visible`. Stops at the first that is not.
    pub(crate) fn listable(
        &self,
        from: usize,
        visible: usize,
    ) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut at = from;
        core::iter::from_fn(move || {
            if at >= visible {
                return None;
            }
            let end = self.group_end(at, self.segments.len());
            if end > visible || !self.is_final(at, end) {
                return None;
            }
            let g = at..end;
            at = end;
            Some(g)
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn index(range: Range<u64>, discontinuities: &[u64]) -> SegmentIndex {
        let mut ix = SegmentIndex::new(2);
        for s in range {
            ix.push(Segment {
                sequence: s,
                duration_ms: 2000,
                program_date_time_ms: s as i64 * 2000,
                pts: None,
                discontinuity: discontinuities.contains(&s),
                key: s.to_string(),
            })
            .unwrap();
        }
        ix
    }

    fn seqs(segments: &[Segment]) -> Vec<u64> {
        segments.iter().map(|s| s.sequence).collect()
    }

    #[test]
    fn factor_is_a_whole_multiple_of_at_least_two() {
        assert_eq!(combine_factor(6, 2), 3);
        assert_eq!(combine_factor(6, 6), 1);
        assert_eq!(combine_factor(5, 2), 1);
        assert_eq!(combine_factor(2, 6), 1);
        assert_eq!(combine_factor(6, 0), 1);
    }

    #[test]
    fn whole_blocks_resolve_to_their_inputs() {
        let ix = index(0..12, &[]);
        assert_eq!(seqs(resolve_segment(&ix, 3, 0).unwrap()), [0, 1, 2]);
        assert_eq!(seqs(resolve_segment(&ix, 3, 3).unwrap()), [9, 10, 11]);
        assert_eq!(resolve_segment(&ix, 3, 4), Err(Error::SegmentUnavailable));
        assert_eq!(seqs(resolve_segment(&ix, 1, 7).unwrap()), [7]);
    }

    #[test]
    fn a_growing_block_is_not_served_until_final() {
        let ix = index(0..8, &[]);
        assert_eq!(seqs(resolve_segment(&ix, 3, 1).unwrap()), [3, 4, 5]);
        assert_eq!(resolve_segment(&ix, 3, 2), Err(Error::SegmentUnavailable));
    }

    #[test]
    fn a_block_whose_head_expired_is_gone() {
        let mut ix = index(0..12, &[]);
        ix.expire_before(4);
        assert_eq!(resolve_segment(&ix, 3, 1), Err(Error::SegmentUnavailable));
        assert_eq!(seqs(resolve_segment(&ix, 3, 2).unwrap()), [6, 7, 8]);
    }

    #[test]
    fn discontinuities_cut_groups_and_numbers_stay_consecutive() {
        // blocks of 3: [0 1 2] [3 4 | 5] [6 | 7 8] [9 10 11] ; 9 is a block start
        let ix = index(0..12, &[5, 7, 9]);
        let g = Grouping::new(&ix, 3);
        let groups: Vec<_> = g.listable(0, 12).map(|r| seqs(&ix.segments()[r])).collect();
        assert_eq!(
            groups,
            [
                vec![0, 1, 2],
                vec![3, 4],
                vec![5],
                vec![6],
                vec![7, 8],
                vec![9, 10, 11]
            ]
        );
        let numbers: Vec<u64> = [0, 3, 5, 6, 7, 9].iter().map(|&s| g.number(s)).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4, 5]);
        for (n, group) in groups.iter().enumerate() {
            assert_eq!(&seqs(resolve_segment(&ix, 3, n as u64).unwrap()), group);
        }
    }

    #[test]
    fn numbering_survives_expiry_of_the_discontinuity() {
        let full = index(0..30, &[4, 13]);
        let mut expired = full.clone();
        expired.expire_before(20);
        let a = Grouping::new(&full, 3);
        let b = Grouping::new(&expired, 3);
        for s in 21..30 {
            assert_eq!(a.number(s), b.number(s));
        }
        assert_eq!(
            resolve_segment(&full, 3, 9).unwrap(),
            resolve_segment(&expired, 3, 9).unwrap()
        );
    }
}
