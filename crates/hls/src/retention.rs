//! How long segments are kept: what some endpoint may still list or serve.

use crate::endpoint::HlsEndpoint;
use crate::group::{Grouping, combine_factor};
use crate::model::SegmentIndex;

/// The oldest sequence number any of `endpoints` may still list or serve at
/// `now_ms`; segments before it may be deleted
/// ([`SegmentIndex::expire_before`]). `None` for an empty index.
///
/// Each endpoint keeps `max(StartoverWindowSeconds, PlaylistWindowSeconds +
/// TimeDelaySeconds)` plus two output segments of slack (a player that
/// fetched a playlist just before may still ask for its oldest segment), and
/// whole output groups. A channel without endpoints keeps what a default
/// endpoint would.
pub fn retention_start(
    index: &SegmentIndex,
    endpoints: &[HlsEndpoint],
    now_ms: i64,
) -> Option<u64> {
    let default = [HlsEndpoint::default()];
    let endpoints = if endpoints.is_empty() {
        &default[..]
    } else {
        endpoints
    };
    let segs = index.segments();
    let mut keep_from = segs.len().checked_sub(1)?;
    for e in endpoints {
        let k = combine_factor(e.segment_duration_s, index.target_duration_s());
        let slack_s = 2 * i64::from(k) * i64::from(index.target_duration_s());
        let live_s = i64::from(e.playlist_window_s) + i64::from(e.time_delay_s);
        let keep_s = i64::from(e.startover_window_s.unwrap_or(0)).max(live_s) + slack_s;
        let cutoff = now_ms.saturating_sub(keep_s * 1000);
        let i = segs
            .partition_point(|s| s.end_ms() <= cutoff)
            .min(segs.len() - 1);
        let start = Grouping::new(index, k).group_start_of(i).unwrap_or(0);
        keep_from = keep_from.min(start);
    }
    Some(segs[keep_from].sequence)
}
