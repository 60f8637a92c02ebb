//! The contract's stored index ↔ `tributary_hls`'s checked [`SegmentIndex`].

use tributary_hls::{Segment, SegmentIndex};
use tributary_mediapackage::ingest::{StoredIndex, StoredSegment};

/// The stored index as a checked one; the error says which rule it breaks.
pub fn load(stored: StoredIndex) -> Result<SegmentIndex, String> {
    let segments = stored
        .segments
        .into_iter()
        .map(|s| Segment {
            sequence: s.sequence,
            duration_ms: s.duration_ms,
            program_date_time_ms: s.program_date_time_ms,
            pts: s.pts,
            discontinuity: s.discontinuity,
            key: s.key,
        })
        .collect();
    SegmentIndex::from_parts(
        stored.target_duration_s.max(1),
        segments,
        stored.discontinuities,
    )
    .map_err(|e| e.to_string())
}

/// The index as stored.
pub fn save(index: &SegmentIndex) -> StoredIndex {
    StoredIndex {
        target_duration_s: index.target_duration_s(),
        segments: index
            .segments()
            .iter()
            .map(|s| StoredSegment {
                sequence: s.sequence,
                duration_ms: s.duration_ms,
                program_date_time_ms: s.program_date_time_ms,
                pts: s.pts,
                discontinuity: s.discontinuity,
                key: s.key.clone(),
            })
            .collect(),
        discontinuities: index.discontinuities().to_vec(),
    }
}

/// `index` with target duration `target_s` (an encoder raised it).
pub fn retarget(index: SegmentIndex, target_s: u32) -> Result<SegmentIndex, String> {
    let discontinuities = index.discontinuities().to_vec();
    let segments = index.segments().to_vec();
    SegmentIndex::from_parts(target_s.max(1), segments, discontinuities).map_err(|e| e.to_string())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn an_index_round_trips_and_a_broken_one_is_refused() {
        let mut index = SegmentIndex::new(2);
        for seq in 5..8 {
            index
                .push(Segment {
                    sequence: seq,
                    duration_ms: 2000,
                    program_date_time_ms: seq as i64 * 2000,
                    pts: Some(seq),
                    discontinuity: seq == 6,
                    key: format!("k{seq}"),
                })
                .unwrap();
        }
        let stored = save(&index);
        assert_eq!(stored.discontinuities, vec![6]);
        assert_eq!(load(stored.clone()).unwrap(), index);
        assert_eq!(retarget(index, 6).unwrap().target_duration_s(), 6);
        let mut gap = stored;
        gap.segments.remove(1);
        assert!(load(gap).is_err());
    }
}
