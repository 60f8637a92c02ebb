//! Bad input is an error, never a panic: garbage, truncation, and real
//! segments with bytes flipped (a small deterministic fuzz).

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod common;

use common::h264_aac;
use tributary_fmp4::{Error, Options, remux};

fn run(segments: &[&[u8]]) -> Result<tributary_fmp4::Remux, Error> {
    remux(segments, &Options::default())
}

/// xorshift64: reproducible pseudo-random bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn no_segments_and_empty_segments_are_refused() {
    assert_eq!(run(&[]).unwrap_err(), Error::NoSegments);
    assert!(matches!(
        run(&[&[]]).unwrap_err(),
        Error::NotTransportStream { segment: 0, .. }
    ));
}

#[test]
fn garbage_is_not_transport_stream() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let garbage: Vec<u8> = (0..188 * 20).map(|_| rng.next() as u8).collect();
    assert!(matches!(
        run(&[&garbage]).unwrap_err(),
        Error::NotTransportStream { .. }
    ));
    // Sync bytes in the right places but nothing inside: no program, no streams.
    let mut hollow = garbage.clone();
    for p in hollow.chunks_mut(188) {
        p[0] = 0x47;
    }
    assert_eq!(run(&[&hollow]).unwrap_err(), Error::NoStreams);
    // An HTML error page stored as a segment.
    let html = b"<html><body>404 Not Found</body></html>".repeat(50);
    assert!(run(&[&html]).is_err());
}

#[test]
fn a_truncated_segment_is_refused_with_its_index() {
    let f = h264_aac();
    let cut = &f.segments[1][..f.segments[1].len() - 100];
    let err = run(&[&f.segments[0], cut]).unwrap_err();
    assert!(
        matches!(err, Error::NotTransportStream { segment: 1, .. }),
        "{err}"
    );
}

#[test]
fn a_segment_cut_at_a_packet_boundary_remuxes_what_is_whole_or_errs() {
    let f = h264_aac();
    let seg = &f.segments[0];
    for packets in [
        1,
        2,
        3,
        10,
        50,
        100,
        seg.len() / 188 / 2,
        seg.len() / 188 - 1,
    ] {
        let part = &seg[..packets * 188];
        if let Ok(out) = run(&[part]) {
            for t in &out.tracks {
                assert!(t.fragments[0].samples > 0);
            }
        }
    }
}

#[test]
fn a_segment_without_the_renditions_audio_is_an_error() {
    let f = h264_aac();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ts");
    std::fs::write(&input, &f.segments[1]).unwrap();
    let video_only = dir.path().join("video.ts");
    common::ffmpeg(&[
        "-loglevel",
        "error",
        "-i",
        input.to_str().unwrap(),
        "-map",
        "0:v",
        "-c",
        "copy",
        "-f",
        "mpegts",
        video_only.to_str().unwrap(),
    ]);
    let video_only = std::fs::read(&video_only).unwrap();
    assert_eq!(
        run(&[&f.segments[0], &video_only]).unwrap_err(),
        Error::EmptySegment {
            segment: 1,
            stream: "audio"
        }
    );
}

#[test]
fn flipped_bytes_never_panic() {
    let f = h264_aac();
    let mut rng = Rng(42);
    let (mut ok, mut err) = (0, 0);
    for _ in 0..300 {
        let mut seg = f.segments[rng.below(f.segments.len())].clone();
        for _ in 0..1 + rng.below(64) {
            let i = rng.below(seg.len());
            seg[i] = rng.next() as u8;
        }
        match run(&[&seg]) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    // Both outcomes happen: damage in a picture still remuxes, damage in a
    // sync byte, PES header or ADTS header does not.
    assert!(ok > 0 && err > 0, "ok {ok}, err {err}");
}

#[test]
fn lost_packets_leave_gaps_not_errors() {
    let f = h264_aac();
    let seg = &f.segments[1];
    let whole = run(&[seg]).unwrap();
    let packets = seg.len() / 188;
    // Lose 3 packets at a time (a UDP datagram carries 7), at 20 places. The
    // demuxer drops a PES packet it lost part of: one picture (whose bytes
    // are then missing), or one audio PES (ffmpeg fills one with ~15 frames),
    // whose gap the next PES's PTS closes: the fragment keeps its length.
    for k in 1..=20 {
        let at = packets * k / 21;
        let mut damaged = seg[..at * 188].to_vec();
        damaged.extend_from_slice(&seg[(at + 3) * 188..]);
        let out = run(&[&damaged]).unwrap_or_else(|e| panic!("packets {at}..{}: {e}", at + 3));
        assert_eq!(out.tracks.len(), 2);
        for (a, b) in out.tracks.iter().zip(&whole.tracks) {
            let (x, y) = (&a.fragments[0], &b.fragments[0]);
            let lost = if a.resolution.is_some() { 1 } else { 16 };
            assert!(
                x.samples + lost >= y.samples && x.samples <= y.samples,
                "{}: {} of {} samples",
                a.codec,
                x.samples,
                y.samples
            );
            assert_eq!(
                x.base_media_decode_time, y.base_media_decode_time,
                "{}",
                a.codec
            );
            assert_eq!(x.duration, y.duration, "{}: packets {at}..", a.codec);
        }
    }
}

#[test]
fn a_reference_at_the_end_of_time_is_not_a_panic() {
    let f = h264_aac();
    let options = Options {
        timeline_reference: Some(u64::MAX),
        ..Options::default()
    };
    let out = remux(&f.refs()[..1], &options).unwrap();
    assert!(out.tracks[0].fragments[0].base_media_decode_time > u64::MAX / 2);
}
