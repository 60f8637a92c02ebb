//! The segmenter on a real stream: `testdata/gop1s.ts`, made by
//!
//! ```text
//! ffmpeg -f lavfi -i testsrc=size=96x54:rate=25 -f lavfi -i sine=frequency=440:sample_rate=22050 \
//!   -t 9 -pix_fmt yuv420p -c:v libx264 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 \
//!   -bf 2 -b:v 24k -c:a aac -ac 1 -b:a 16k -f mpegts gop1s.ts
//! ```
//!
//! 9 s of H.264 (High, B-frames) with an IDR every second from PTS 1.48 s
//! (ffmpeg's default offset), AAC beside it; PIDs 0x100 (video) and 0x101.
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use tributary_ts::{PACKET_SIZE, TsPacket};

use super::es::{Access, RapScanner, VideoCoding, pes_header};
use super::segmenter::{Segment, Segmenter};

const FIXTURE: &[u8] = include_bytes!("testdata/gop1s.ts");
const VIDEO_PID: u16 = 0x100;
/// PTS of the first IDR, 90 kHz.
const FIRST_IDR: u64 = 133_200;
const START_MS: i64 = 1_700_000_000_000;

/// Feeds `ts` seven packets at a time, 40 ms of wall clock apart per
/// datagram, and returns the segments and the segmenter.
fn segment(ts: &[u8], target_ms: u32) -> (Vec<Segment>, Segmenter) {
    let mut s = Segmenter::new(target_ms);
    let mut out = Vec::new();
    for (i, datagram) in ts.chunks(7 * PACKET_SIZE).enumerate() {
        s.push(START_MS + i as i64 * 40, datagram, &mut out);
    }
    (out, s)
}

fn packets(bytes: &[u8]) -> impl Iterator<Item = TsPacket<'_>> {
    bytes
        .chunks(PACKET_SIZE)
        .map(|c| TsPacket::decode(c).unwrap())
}

/// PID order of a segment's first packets, and whether its first video PES
/// is an IDR, by its NAL units (not the adaptation field flag).
fn starts_at_an_idr(segment: &Segment) -> bool {
    let mut scanner = RapScanner::new(VideoCoding::Avc);
    let mut started = false;
    for p in packets(&segment.bytes).filter(|p| p.pid == VIDEO_PID) {
        let payload = p.payload.unwrap_or(&[]);
        if p.pusi {
            if started {
                break;
            }
            started = true;
            let h = pes_header(payload).unwrap();
            assert_eq!(
                h.pts,
                Some(segment.pts),
                "the segment's PTS is its first PES's"
            );
            scanner.feed(&payload[h.payload_offset..]);
        } else {
            assert!(started, "video before the first PES start");
            scanner.feed(payload);
        }
        if scanner.access() != Access::Unknown {
            break;
        }
    }
    scanner.access() == Access::Rap
}

fn without_random_access_flags(ts: &[u8]) -> Vec<u8> {
    let mut out = ts.to_vec();
    for p in out.chunks_mut(PACKET_SIZE) {
        if p[3] & 0x20 != 0 && p[4] > 0 {
            p[5] &= !0x40;
        }
    }
    out
}

#[test]
fn segments_start_at_idrs_with_psi_and_last_the_target() {
    let (segments, s) = segment(FIXTURE, 2_000);
    // IDRs at 1.48, 2.48 … 9.48: closed at 3.48, 5.48, 7.48, 9.48 — the
    // last IDR is the stream's final frame, so four segments close.
    assert_eq!(segments.len(), 4, "{:?}", s.counters());
    for (i, seg) in segments.iter().enumerate() {
        let pids: Vec<u16> = packets(&seg.bytes).take(2).map(|p| p.pid).collect();
        assert_eq!(pids, [0, 0x1000], "segment {i} starts with PAT and PMT");
        assert!(starts_at_an_idr(seg), "segment {i}");
        assert_eq!(seg.duration_ms, 2_000, "segment {i}");
        assert_eq!(seg.pts, FIRST_IDR + i as u64 * 180_000);
        assert_eq!(seg.discontinuity, i == 0, "only the first is discontinuous");
        assert_eq!(seg.bytes.len() % PACKET_SIZE, 0);
    }
    for pair in segments.windows(2) {
        assert_eq!(
            pair[1].program_date_time_ms,
            pair[0].program_date_time_ms + 2_000,
            "program date time runs on with the media"
        );
    }
    let c = s.counters();
    assert_eq!((c.garbage, c.cc_breaks, c.timeline_breaks), (0, 0, 0));
    assert!(
        c.dropped_bytes > 0,
        "what precedes the first IDR is dropped"
    );
    assert_eq!(s.codecs().as_deref(), Some("avc1.64000a,mp4a.40.2"));
}

#[test]
fn idrs_are_found_by_their_nal_units_without_the_random_access_flag() {
    let stripped = without_random_access_flags(FIXTURE);
    assert_ne!(stripped, FIXTURE, "the fixture carries the flag");
    let (flagged, _) = segment(FIXTURE, 2_000);
    let (found, _) = segment(&stripped, 2_000);
    let pts = |s: &[Segment]| s.iter().map(|s| (s.pts, s.duration_ms)).collect::<Vec<_>>();
    assert_eq!(pts(&found), pts(&flagged));
    assert!(found.iter().all(starts_at_an_idr));
}

#[test]
fn a_longer_target_waits_for_the_idr_that_reaches_it() {
    let (segments, _) = segment(FIXTURE, 6_000);
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0].duration_ms, 6_000);
    // 2.5 s: IDRs come each second, so the cut is at 3 s.
    let (segments, _) = segment(FIXTURE, 2_500);
    let durations: Vec<u32> = segments.iter().map(|s| s.duration_ms).collect();
    assert_eq!(durations, [3_000, 3_000]);
}

#[test]
fn a_restarted_encoder_starts_a_discontinuity_with_a_fresh_date() {
    // The stream twice: timestamps and continuity counters start over.
    let twice = [FIXTURE, FIXTURE].concat();
    let (segments, s) = segment(&twice, 2_000);
    assert_eq!(s.counters().timeline_breaks, 1);
    let broken: Vec<usize> = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.discontinuity)
        .map(|(i, _)| i)
        .collect();
    // Before the join: 4 closed segments and the one from 9.48 s ended by
    // the break after its last frame (10.44 s + 40 ms); after it, a
    // discontinuity.
    assert_eq!(
        broken,
        [0, 5],
        "{:?}",
        segments.iter().map(|s| s.duration_ms).collect::<Vec<_>>()
    );
    assert_eq!(segments[4].duration_ms, 1_000);
    assert_eq!(segments[5].pts, FIRST_IDR);
    assert!(segments.iter().all(starts_at_an_idr));
    let arrival = segments[5].program_date_time_ms;
    let carried = segments[4].program_date_time_ms + i64::from(segments[4].duration_ms);
    assert_ne!(arrival, carried, "the date is taken afresh after a break");
}

#[test]
fn lost_video_packets_mark_the_next_segment_discontinuous() {
    // Drop three video packets after the frame at 4.0 s: inside the second
    // segment (3.48–5.48 s), far from any IDR.
    let mut lossy = Vec::new();
    let mut to_drop = 0;
    for p in FIXTURE.chunks(PACKET_SIZE) {
        let packet = TsPacket::decode(p).unwrap();
        if packet.pid == VIDEO_PID {
            if to_drop > 0 {
                to_drop -= 1;
                continue;
            }
            if packet.pusi && pes_header(packet.payload.unwrap()).unwrap().pts == Some(4 * 90_000) {
                to_drop = 3;
            }
        }
        lossy.extend_from_slice(p);
    }
    let (clean, _) = segment(FIXTURE, 2_000);
    let (segments, s) = segment(&lossy, 2_000);
    assert_eq!(s.counters().cc_breaks, 1);
    assert_eq!(segments.len(), clean.len());
    let marked: Vec<usize> = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.discontinuity)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        marked,
        [0, 2],
        "the segment after the damaged one is marked"
    );
    for pair in segments.windows(2) {
        assert_eq!(
            pair[1].program_date_time_ms,
            pair[0].program_date_time_ms + i64::from(pair[0].duration_ms),
            "loss does not move the timeline"
        );
    }
}

#[test]
fn garbage_between_packets_is_counted_and_changes_nothing() {
    let mut noisy = Vec::new();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for (i, p) in FIXTURE.chunks(PACKET_SIZE).enumerate() {
        noisy.extend_from_slice(p);
        if i % 50 == 0 {
            // A whole 188-byte unit of noise not starting with 0x47.
            noisy.extend((0..PACKET_SIZE).map(|k| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if k == 0 { 0x00 } else { state as u8 }
            }));
        }
    }
    let (clean, _) = segment(FIXTURE, 2_000);
    let (segments, s) = segment(&noisy, 2_000);
    assert_eq!(
        s.counters().garbage,
        FIXTURE.len().div_ceil(PACKET_SIZE * 50) as u64
    );
    assert_eq!(
        segments,
        clean
            .iter()
            .map(|c| Segment {
                // Wall clock differs: more datagrams went by.
                program_date_time_ms: segments[0].program_date_time_ms
                    + (c.program_date_time_ms - clean[0].program_date_time_ms),
                ..c.clone()
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn random_bytes_never_panic_and_never_make_a_segment() {
    let mut state = 0x1234_5678_9abc_def1_u64;
    let mut s = Segmenter::new(2_000);
    let mut out = Vec::new();
    for i in 0..3_000 {
        let len = 1 + (i * 37) % 1400;
        let mut d: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        // Some of it framed like TS, to reach the deeper parsers.
        for p in d.chunks_mut(PACKET_SIZE) {
            if i % 2 == 0 {
                p[0] = 0x47;
            }
        }
        s.push(i as i64, &d, &mut out);
    }
    assert!(out.is_empty());
}
