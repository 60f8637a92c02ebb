//! Which output segments a media playlist lists at time `now`.
//!
//! - **Delay** (`TimeDelaySeconds`, or a larger `time_delay` in the query):
//!   a segment is visible once `now − delay` has passed its end. Without a
//!   delay every ingested segment is visible.
//! - **Live window** (no `start`/`end`): the visible groups whose start lies
//!   within `PlaylistWindowSeconds` (or a shorter `manifest_window_seconds`)
//!   of the live edge — the end of the newest final group; at least one.
//! - **Time-shift** (needs `StartoverWindowSeconds`): `start` must lie within
//!   the startover window and not in the future, `end` after its beginning
//!   and after `start`, at most 24 hours apart. With `start` the playlist
//!   lists the groups from the one playing at it (up to `end`, or 24 hours), grows
//!   as an `EVENT` playlist and becomes `VOD` with `#EXT-X-ENDLIST` once
//!   `end` has passed; with `end` alone it is the live window ending at `end`.
//!   A group is in a range when it overlaps it: the group playing at
//!   `start` is listed first, and the last is the one playing at `end`.

use crate::endpoint::{HlsEndpoint, PlaylistType};
use crate::group::{Grouping, combine_factor};
use crate::model::SegmentIndex;
use crate::query::Request;
use crate::{Error, Result};
use alloc::vec::Vec;
use core::ops::Range;

/// Longest time-shifted range MediaPackage serves.
pub const MAX_TIME_SHIFT_MS: i64 = 24 * 3600 * 1000;

/// One output segment: whole input segments played as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSegment {
    /// Its media sequence number (see [`resolve_segment`](crate::resolve_segment)).
    pub number: u64,
    /// Which of the index's retained segments it is made of.
    pub inputs: Range<usize>,
    /// Sum of the inputs' durations.
    pub duration_ms: u64,
    /// Its first input's program date time.
    pub program_date_time_ms: i64,
    /// Its first input starts a discontinuity.
    pub discontinuity: bool,
}

/// A media playlist's contents before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// `#EXT-X-TARGETDURATION`.
    pub target_duration_s: u64,
    /// `#EXT-X-MEDIA-SEQUENCE`: the first segment's number.
    pub media_sequence: u64,
    /// `#EXT-X-DISCONTINUITY-SEQUENCE`: discontinuities before the first segment.
    pub discontinuity_sequence: u64,
    /// `#EXT-X-PLAYLIST-TYPE`.
    pub playlist_type: PlaylistType,
    /// `#EXT-X-ENDLIST`: a time-shifted range that has fully passed.
    pub ended: bool,
    /// Oldest first; empty before the first segment is listable.
    pub segments: Vec<OutputSegment>,
}

/// What a media playlist of `index` lists for `request` on `endpoint` at
/// `now_ms` (epoch ms).
pub fn window(
    index: &SegmentIndex,
    endpoint: &HlsEndpoint,
    request: &Request,
    now_ms: i64,
) -> Result<Window> {
    let k = combine_factor(endpoint.segment_duration_s, index.target_duration_s());
    let g = Grouping::new(index, k);
    let segs = index.segments();

    let delay_s = endpoint.time_delay_s.max(request.time_delay_s.unwrap_or(0));
    let delay_ms = i64::from(delay_s) * 1000;
    let cutoff = now_ms.saturating_sub(delay_ms);
    let visible = if delay_ms == 0 {
        segs.len()
    } else {
        segs.partition_point(|s| s.end_ms() <= cutoff)
    };
    let window_s = request
        .manifest_window_s
        .map_or(endpoint.playlist_window_s, |w| {
            w.min(endpoint.playlist_window_s)
        });
    let window_ms = i64::from(window_s.max(1)) * 1000;
    check_time_shift(endpoint, request, now_ms)?;

    // Groups listed: from `lo` (a group start), while they start before `until`.
    let until = match (request.start_ms, request.end_ms) {
        (_, Some(end)) => end,
        (Some(start), None) => start.saturating_add(MAX_TIME_SHIFT_MS),
        (None, None) => i64::MAX,
    };
    let lo = match request.start_ms {
        Some(start) => {
            // The group still playing at `start` comes first, so playback
            // covers `start` itself (the first segment ending after it).
            let raw = segs[..visible].partition_point(|s| s.end_ms() <= start);
            let holding = (raw < visible).then(|| g.group_start_of(raw)).flatten();
            holding.or_else(|| g.first_group_start(raw, visible))
        }
        None => live_start(&g, index, visible, until, window_ms),
    };
    let mut out = Vec::new();
    if let Some(lo) = lo {
        let numbers = g.number(segs[lo].sequence)..;
        for (number, group) in numbers.zip(g.listable(lo, visible)) {
            let first = &segs[group.start];
            if first.program_date_time_ms >= until {
                break;
            }
            out.push(OutputSegment {
                number,
                duration_ms: segs[group.clone()]
                    .iter()
                    .map(|s| u64::from(s.duration_ms))
                    .sum(),
                program_date_time_ms: first.program_date_time_ms,
                discontinuity: first.discontinuity,
                inputs: group,
            });
        }
    }

    let first_seq = out
        .first()
        .map(|o| segs[o.inputs.start].sequence)
        .or_else(|| segs.get(visible).map(|s| s.sequence))
        .or_else(|| index.next_sequence())
        .unwrap_or(0);
    let ended = request.is_time_shifted() && until <= cutoff;
    let playlist_type = if ended {
        PlaylistType::Vod
    } else if request.start_ms.is_some() {
        PlaylistType::Event
    } else {
        endpoint.playlist_type
    };
    let input_target = u64::from(k) * u64::from(index.target_duration_s());
    // RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer.
    let longest = out.iter().map(|o| (o.duration_ms + 500) / 1000).max();
    Ok(Window {
        target_duration_s: input_target.max(longest.unwrap_or(0)).max(1),
        media_sequence: out
            .first()
            .map_or_else(|| g.number(first_seq), |o| o.number),
        discontinuity_sequence: index.discontinuities().partition_point(|&d| d < first_seq) as u64,
        playlist_type,
        ended,
        segments: out,
    })
}

/// The first group of a live window ending at the newest listable group
/// that starts before `until`.
fn live_start(
    g: &Grouping<'_>,
    index: &SegmentIndex,
    visible: usize,
    until: i64,
    window_ms: i64,
) -> Option<usize> {
    let segs = index.segments();
    let hi = segs[..visible].partition_point(|s| s.program_date_time_ms < until);
    // The group holding segs[hi - 1], or the one before it when that one
    // is not listable yet (still growing, or partly hidden by the delay).
    let mut last = g.group_start_of(hi.checked_sub(1)?)?;
    if g.listable(last, visible).next().is_none() {
        last = g.group_start_of(last.checked_sub(1)?)?;
    }
    let end = g.listable(last, visible).next()?.end;
    let edge = segs[end - 1].end_ms();
    let raw = segs[..last].partition_point(|s| s.program_date_time_ms < edge - window_ms);
    // `raw` may fall inside a group that started before the window (or
    // lost its head to expiry): begin at the next group start.
    g.first_group_start(raw, last + 1)
}

fn check_time_shift(endpoint: &HlsEndpoint, request: &Request, now_ms: i64) -> Result<()> {
    if !request.is_time_shifted() {
        return Ok(());
    }
    let startover = endpoint
        .startover_window_s
        .ok_or(Error::TimeShiftDisabled)?;
    let begin = now_ms - i64::from(startover) * 1000;
    if let Some(start) = request.start_ms {
        if start > now_ms {
            return Err(Error::InvalidTimeRange("start is in the future".into()));
        }
        if start < begin {
            return Err(Error::OutsideStartoverWindow);
        }
    }
    if let Some(end) = request.end_ms {
        if end <= begin {
            return Err(Error::OutsideStartoverWindow);
        }
        if let Some(start) = request.start_ms {
            if end <= start {
                return Err(Error::InvalidTimeRange("end is not after start".into()));
            }
            if end - start > MAX_TIME_SHIFT_MS {
                return Err(Error::InvalidTimeRange("longer than 24 hours".into()));
            }
        }
    }
    Ok(())
}
