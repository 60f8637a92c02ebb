//! Which of the segments a media playlist lists join the channel's index
//! of that rendition, and with which sequence number, program date time
//! and discontinuity. Pure: the caller passes the index, the playlist, the
//! endpoint's feed, and applies the result.
//!
//! Only uploads still in the feed (stored, not yet appended) are candidates.
//! Which of them are new depends on who delivered the index's last segment:
//!
//! - **nobody** (empty index): all of them;
//! - **this endpoint**: those the encoder numbered after the last one
//!   appended from it; when the whole playlist is numbered at or below that,
//!   the encoder restarted (it reuses names and numbers): all of them, the
//!   first starting a discontinuity — those newer than the index's end
//!   only (see `is_newer`); listed uploads numbered at or below it
//!   otherwise arrived late and are discarded (the index moved on);
//! - **the other endpoint** (a switch-over): those that lie after the
//!   index's end — by `EXT-X-PROGRAM-DATE-TIME` when the encoder sends it,
//!   else by PTS when both are on one timeline, else by when they were PUT
//!   (more than half a segment after the index's last segment); earlier
//!   ones can never be appended and are discarded.
//!
//! A listed segment not PUT (yet) holds back the ones after it (they may be
//! uploaded in parallel), unless two later ones are already here: then it
//! is taken as lost and skipped.
//!
//! Program date time: the encoder's `EXT-X-PROGRAM-DATE-TIME`; else the
//! previous segment's end; else (first segment) when it was PUT less its
//! duration. When the extrapolated time falls more than [`RESYNC_MS`] behind
//! the PUT time (the encoder was away), it restarts from the PUT time.
//! Without a discontinuity a time is the previous segment's end; with one it
//! is never before it.
//!
//! Discontinuity: the ingest's `EXT-X-DISCONTINUITY`, an encoder restart,
//! a resync, or a timeline that does not line up with the previous segment
//! by more than [`TOLERANCE_MS`]: program date time against the previous
//! end, first PTS against the previous PTS plus its duration.

use std::collections::BTreeMap;

use tributary_hls::ingest::{IngestMedia, IngestSegment};
use tributary_hls::{Segment, SegmentIndex};

use crate::ingest::feed::Upload;
use crate::ingest::keys::blob_origin;

/// How far two timelines may disagree and still be one.
pub const TOLERANCE_MS: i64 = 500;

/// How far behind the clock an extrapolated program date time may fall.
pub const RESYNC_MS: i64 = 10_000;

/// Two PTS this close (90 kHz) are taken to be on one timeline.
const SAME_TIMELINE_TICKS: i64 = 30 * 90_000;

/// The sequence number of a channel's first segment.
pub const FIRST_SEQUENCE: u64 = 1;

/// The endpoint delivering the playlist.
#[derive(Debug, Clone, Copy)]
pub struct Feeding<'a> {
    /// Its id.
    pub ingest: &'a str,
    /// The encoder's number of the last segment appended from it to this
    /// rendition.
    pub last_appended: Option<u64>,
    /// Its uploads not yet appended, by file name.
    pub uploads: &'a BTreeMap<String, Upload>,
}

/// What [`append`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Uploads now in the index (or found there already), in order: file
    /// name, blob key, the encoder's sequence number.
    pub appended: Vec<(String, String, u64)>,
    /// Uploads that can never be appended: file name and blob key.
    pub discarded: Vec<(String, String)>,
}

impl Plan {
    /// The encoder's number of the last segment appended.
    pub fn last_encoder_sequence(&self) -> Option<u64> {
        self.appended.last().map(|a| a.2)
    }
}

/// Appends `listing`'s new segments from `feeding` to `index`.
pub fn append(index: &mut SegmentIndex, listing: &IngestMedia, feeding: &Feeding<'_>) -> Plan {
    let mut plan = Plan::default();
    let present = |s: &IngestSegment| feeding.uploads.get(&s.uri);
    let last = index.segments().last().cloned();
    let same_source = last
        .as_ref()
        .and_then(|l| blob_origin(&l.key))
        .is_some_and(|(ingest, _)| ingest == feeding.ingest);

    let mut restart = false;
    let eligible: Vec<&IngestSegment> = match (&last, same_source, feeding.last_appended) {
        (None, _, _) => listing.segments.iter().collect(),
        (Some(l), true, Some(la)) => {
            let newest = listing.segments.last().map_or(0, |s| s.sequence);
            if newest <= la {
                restart = true;
                // A restarted encoder lists what it made before and after
                // the index's end; only what is newer may join (content
                // never repeats).
                for s in &listing.segments {
                    if let Some(u) = present(s).filter(|u| !is_newer(s, u, l)) {
                        plan.discarded.push((s.uri.clone(), u.key.clone()));
                    }
                }
                listing
                    .segments
                    .iter()
                    .filter(|s| present(s).is_none_or(|u| is_newer(s, u, l)))
                    .collect()
            } else {
                for s in listing.segments.iter().filter(|s| s.sequence <= la) {
                    if let Some(u) = present(s) {
                        plan.discarded.push((s.uri.clone(), u.key.clone()));
                    }
                }
                listing
                    .segments
                    .iter()
                    .filter(|s| s.sequence > la)
                    .collect()
            }
        }
        (Some(l), _, _) => {
            let first = listing
                .segments
                .iter()
                .position(|s| present(s).is_some_and(|u| lies_after(s, u, l)))
                .unwrap_or(listing.segments.len());
            for s in &listing.segments[..first] {
                if let Some(u) = present(s) {
                    plan.discarded.push((s.uri.clone(), u.key.clone()));
                }
            }
            listing.segments[first..].iter().collect()
        }
    };

    for (i, s) in eligible.iter().enumerate() {
        let Some(upload) = present(s) else {
            let later = eligible[i + 1..]
                .iter()
                .filter(|s| present(s).is_some())
                .count();
            if later >= 2 {
                continue;
            }
            break;
        };
        if index.segments().iter().any(|seg| seg.key == upload.key) {
            plan.appended
                .push((s.uri.clone(), upload.key.clone(), s.sequence));
            continue;
        }
        let first_after_restart = restart && plan.appended.is_empty();
        let segment = place(index, s, upload, first_after_restart);
        if index.push(segment).is_err() {
            // `place` keeps every rule `push` checks; stop rather than guess.
            break;
        }
        plan.appended
            .push((s.uri.clone(), upload.key.clone(), s.sequence));
    }
    // The caller deletes what is discarded: never a blob the index lists
    // (an upload two racing requests both saw, one of which appended it).
    plan.discarded
        .retain(|(_, key)| !index.segments().iter().any(|seg| &seg.key == key));
    plan
}

/// The index entry for listed segment `s`, stored as `upload`.
fn place(index: &SegmentIndex, s: &IngestSegment, upload: &Upload, restarted: bool) -> Segment {
    let duration = i64::from(s.duration_ms);
    let put_start = upload.at_ms.saturating_sub(duration);
    let prev = index.segments().last();
    let mut discontinuity = s.discontinuity || restarted;
    let program_date_time_ms = match (prev, s.program_date_time_ms) {
        (None, Some(pdt)) => pdt,
        (None, None) => put_start,
        (Some(p), Some(pdt)) => {
            if (pdt - p.end_ms()).abs() > TOLERANCE_MS {
                discontinuity = true;
            }
            pdt.max(p.end_ms())
        }
        (Some(p), None) => {
            if put_start - p.end_ms() > RESYNC_MS {
                discontinuity = true;
                put_start
            } else {
                p.end_ms()
            }
        }
    };
    if let (Some(p), Some(pts)) = (prev, upload.pts)
        && let Some(prev_pts) = p.pts
    {
        let expected = prev_pts + u64::from(p.duration_ms) * 90;
        if pts_distance(pts, expected).abs() > TOLERANCE_MS * 90 {
            discontinuity = true;
        }
    }
    // Within one timeline the dates stay continuous (each the previous one's
    // end), as players and RFC 8216 expect; a jump is only ever taken with
    // a discontinuity.
    let program_date_time_ms = match prev {
        Some(p) if !discontinuity => p.end_ms(),
        _ => program_date_time_ms,
    };
    Segment {
        sequence: index.next_sequence().unwrap_or(FIRST_SEQUENCE),
        duration_ms: s.duration_ms,
        program_date_time_ms,
        pts: upload.pts,
        discontinuity,
        key: upload.key.clone(),
    }
}

/// Whether segment `s` (stored as `upload`) of another endpoint starts
/// after the index's last segment `last` ends.
fn lies_after(s: &IngestSegment, upload: &Upload, last: &Segment) -> bool {
    let half = i64::from(s.duration_ms) / 2;
    if let Some(pdt) = s.program_date_time_ms {
        return pdt + half > last.end_ms();
    }
    if let (Some(pts), Some(last_pts)) = (upload.pts, last.pts) {
        let expected = last_pts + u64::from(last.duration_ms) * 90;
        let d = pts_distance(pts, expected);
        if d.abs() < SAME_TIMELINE_TICKS {
            return d + half * 90 > 0;
        }
    }
    let last_put = blob_origin(&last.key).map_or(i64::MIN, |(_, ms)| ms);
    upload.at_ms > last_put.saturating_add(half)
}

/// Whether segment `s` (stored as `upload`) of a restarted encoder is newer
/// than the index's last segment `last`: by `EXT-X-PROGRAM-DATE-TIME` when
/// the encoder sends it, else by when it was PUT (a restart's PTS start
/// over, so they say nothing).
fn is_newer(s: &IngestSegment, upload: &Upload, last: &Segment) -> bool {
    let half = i64::from(s.duration_ms) / 2;
    if let Some(pdt) = s.program_date_time_ms {
        return pdt + half > last.end_ms();
    }
    let last_put = blob_origin(&last.key).map_or(i64::MIN, |(_, ms)| ms);
    upload.at_ms > last_put
}

/// `a − b` on the 33-bit PTS circle, in (−2³², 2³²].
fn pts_distance(a: u64, b: u64) -> i64 {
    const WRAP: i64 = 1 << 33;
    let d = ((a as i64) - (b as i64)).rem_euclid(WRAP);
    if d > WRAP / 2 { d - WRAP } else { d }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::keys::segment_blob;

    const T0: i64 = 1_800_000_000_000;

    fn listing(first: u64, n: u64, pdt: Option<i64>) -> IngestMedia {
        let segments = (first..first + n)
            .map(|seq| IngestSegment {
                sequence: seq,
                uri: format!("c_{seq}.ts"),
                duration_ms: 2000,
                discontinuity: false,
                program_date_time_ms: pdt.map(|p| p + (seq - first) as i64 * 2000),
            })
            .collect();
        IngestMedia {
            target_duration_s: 2,
            media_sequence: first,
            discontinuity_sequence: 0,
            segments,
            ended: false,
        }
    }

    fn upload(ingest: &str, seq: u64, at_ms: i64, pts: Option<u64>) -> (String, Upload) {
        let file = format!("c_{seq}.ts");
        let key = segment_blob("live", ingest, at_ms, seq, &file);
        (file, Upload { key, at_ms, pts })
    }

    fn uploads(
        ingest: &str,
        seqs: impl IntoIterator<Item = u64>,
        at: impl Fn(u64) -> i64,
    ) -> BTreeMap<String, Upload> {
        seqs.into_iter()
            .map(|s| upload(ingest, s, at(s), Some(s * 180_000)))
            .collect()
    }

    fn feeding<'a>(
        ingest: &'a str,
        la: Option<u64>,
        ups: &'a BTreeMap<String, Upload>,
    ) -> Feeding<'a> {
        Feeding {
            ingest,
            last_appended: la,
            uploads: ups,
        }
    }

    #[test]
    fn a_first_playlist_appends_every_uploaded_segment_timed_from_its_put() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..3, |s| T0 + (s as i64 + 1) * 2000);
        let plan = append(&mut index, &listing(0, 3, None), &feeding("a", None, &ups));
        assert_eq!(plan.appended.len(), 3);
        let segs = index.segments();
        assert_eq!(segs[0].sequence, FIRST_SEQUENCE);
        assert_eq!(segs[0].program_date_time_ms, T0);
        assert_eq!(segs[2].program_date_time_ms, T0 + 4000);
        assert!(segs.iter().all(|s| !s.discontinuity));
        assert_eq!(plan.last_encoder_sequence(), Some(2));
    }

    #[test]
    fn re_put_playlists_append_only_what_is_new_and_late_uploads_are_discarded() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..2, |s| T0 + s as i64 * 2000);
        append(&mut index, &listing(0, 2, None), &feeding("a", None, &ups));
        // Segment 1's name is PUT again late; 2 and 3 are new.
        let ups = uploads("a", 1..4, |s| T0 + 10_000 + s as i64);
        let plan = append(
            &mut index,
            &listing(0, 4, None),
            &feeding("a", Some(1), &ups),
        );
        assert_eq!(
            plan.appended.iter().map(|a| a.2).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(plan.discarded.len(), 1);
        assert_eq!(plan.discarded[0].0, "c_1.ts");
        assert_eq!(index.segments().len(), 4);
        assert_eq!(index.segments()[3].sequence, 4);
    }

    #[test]
    fn a_missing_segment_holds_back_later_ones_until_two_are_here() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", [0, 2], |s| T0 + s as i64 * 2000);
        let plan = append(&mut index, &listing(0, 3, None), &feeding("a", None, &ups));
        assert_eq!(plan.appended.len(), 1, "1 may still be uploading");
        let ups = uploads("a", [2, 3], |s| T0 + s as i64 * 2000);
        let plan = append(
            &mut index,
            &listing(0, 4, None),
            &feeding("a", Some(0), &ups),
        );
        assert_eq!(
            plan.appended.iter().map(|a| a.2).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(
            index.segments()[1].discontinuity,
            "PTS jumped over the lost segment"
        );
    }

    #[test]
    fn an_encoder_restart_appends_reused_names_with_a_discontinuity() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..5, |s| T0 + s as i64 * 2000);
        append(&mut index, &listing(0, 5, None), &feeding("a", None, &ups));
        let ups = uploads("a", 0..2, |s| T0 + 20_000 + s as i64 * 2000);
        let plan = append(
            &mut index,
            &listing(0, 2, None),
            &feeding("a", Some(4), &ups),
        );
        assert_eq!(plan.appended.len(), 2);
        let segs = index.segments();
        assert_eq!(segs.len(), 7);
        assert!(segs[5].discontinuity);
        assert!(!segs[6].discontinuity);
        assert_eq!(index.discontinuities(), &[6]);
    }

    #[test]
    fn program_date_time_comes_from_the_encoder_and_a_jump_is_a_discontinuity() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..2, |_| T0 + 99_000);
        append(
            &mut index,
            &listing(0, 2, Some(T0)),
            &feeding("a", None, &ups),
        );
        assert_eq!(index.segments()[1].program_date_time_ms, T0 + 2000);
        let ups = uploads("a", [2], |_| T0 + 99_000);
        append(
            &mut index,
            &listing(2, 1, Some(T0 + 60_000)),
            &feeding("a", Some(1), &ups),
        );
        let s = &index.segments()[2];
        assert_eq!(s.program_date_time_ms, T0 + 60_000);
        assert!(s.discontinuity);
    }

    #[test]
    fn extrapolated_time_resyncs_to_the_clock_after_the_encoder_was_away() {
        let mut index = SegmentIndex::new(2);
        let ups: BTreeMap<_, _> = [upload("a", 0, T0 + 2000, None)].into();
        append(&mut index, &listing(0, 1, None), &feeding("a", None, &ups));
        let ups: BTreeMap<_, _> = [upload("a", 1, T0 + 64_000, None)].into();
        append(
            &mut index,
            &listing(0, 2, None),
            &feeding("a", Some(0), &ups),
        );
        let s = &index.segments()[1];
        assert_eq!(s.program_date_time_ms, T0 + 62_000);
        assert!(s.discontinuity);
    }

    #[test]
    fn a_takeover_continues_after_the_index_end_by_pts_on_one_timeline() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..3, |s| T0 + s as i64 * 2000);
        append(&mut index, &listing(0, 3, None), &feeding("a", None, &ups));
        // b encodes the same source on the same PTS timeline (segments 1..5);
        // 1 and 2 duplicate what a delivered.
        let ups = uploads("b", 1..6, |s| T0 + s as i64 * 2000 + 300);
        let plan = append(
            &mut index,
            &listing(1, 5, None),
            &feeding("b", Some(9), &ups),
        );
        assert_eq!(
            plan.appended.iter().map(|a| a.2).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert_eq!(plan.discarded.len(), 2);
        let segs = index.segments();
        assert_eq!(
            segs.iter().map(|s| s.sequence).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6]
        );
        assert!(segs.iter().all(|s| !s.discontinuity), "timelines line up");
        assert_eq!(segs[3].program_date_time_ms, segs[2].end_ms());
    }

    #[test]
    fn a_takeover_from_an_unrelated_encoder_starts_a_discontinuity() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..3, |s| T0 + s as i64 * 2000);
        append(&mut index, &listing(0, 3, None), &feeding("a", None, &ups));
        // b's PTS are an hour off; its segments were PUT around and after a's.
        let ups: BTreeMap<_, _> = (0..4)
            .map(|s| {
                upload(
                    "b",
                    s,
                    T0 + 1000 + s as i64 * 2000,
                    Some(324_000_000 + s * 180_000),
                )
            })
            .collect();
        let plan = append(&mut index, &listing(0, 4, None), &feeding("b", None, &ups));
        // a's last was PUT at T0 + 4000: b's 2 (T0 + 5000) is within half a
        // segment, so only 3 is after it.
        assert_eq!(
            plan.appended.iter().map(|a| a.2).collect::<Vec<_>>(),
            vec![3]
        );
        assert_eq!(plan.discarded.len(), 3);
        let s = &index.segments()[3];
        assert!(s.discontinuity);
        assert_eq!(s.sequence, 4);
    }

    #[test]
    fn an_upload_already_in_the_index_is_not_appended_twice() {
        let mut index = SegmentIndex::new(2);
        let ups = uploads("a", 0..2, |s| T0 + s as i64 * 2000);
        append(&mut index, &listing(0, 2, None), &feeding("a", None, &ups));
        // The feed update was lost: the uploads are still there.
        let plan = append(&mut index, &listing(0, 2, None), &feeding("a", None, &ups));
        assert_eq!(index.segments().len(), 2);
        // Nor discarded: the caller would delete blobs the index lists.
        assert!(plan.discarded.is_empty(), "{plan:?}");
    }

    #[test]
    fn pts_distance_wraps_at_33_bits() {
        assert_eq!(pts_distance(10, (1 << 33) - 10), 20);
        assert_eq!(pts_distance((1 << 33) - 10, 10), -20);
        assert_eq!(pts_distance(5, 3), 2);
    }
}
