//! The "Prove it" for fMP4: output read back by independent parsers
//! (the `mp4` crate, ffprobe, ffmpeg) — codecs, tfdt continuity, sample
//! counts against durations, sync samples first, B-frame composition
//! offsets, whole-stream decoding with every frame, the 33-bit wrap, and
//! segments remuxed one at a time equal to a batch.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod common;

use common::*;
use tributary_fmp4::{Options, Remux, Track, TrackKind, remux, timeline::WRAP};

fn remux_all(f: &Fixture) -> Remux {
    remux(&f.refs(), &Options::default()).unwrap()
}

/// init followed by every fragment: what a player concatenates.
fn stream(track: &Track) -> Vec<u8> {
    let mut out = track.init.clone();
    for f in &track.fragments {
        out.extend_from_slice(&f.bytes);
    }
    out
}

/// Per fragment, from the `mp4` crate's parse: (tfdt, sample durations,
/// sample flags, composition offsets).
struct Parsed {
    tfdt: u64,
    durations: Vec<u32>,
    flags: Vec<u32>,
    cts: Vec<u32>,
    sequence: u32,
}

fn parsed_fragments(track: &Track) -> Vec<Parsed> {
    let bytes = stream(track);
    let reader = parse(&bytes);
    assert_eq!(reader.moofs.len(), track.fragments.len());
    reader
        .moofs
        .iter()
        .map(|moof| {
            assert_eq!(moof.trafs.len(), 1);
            let traf = &moof.trafs[0];
            assert_eq!(traf.tfhd.track_id, track.id);
            let trun = traf.trun.as_ref().unwrap();
            let n = trun.sample_count as usize;
            let default = traf.tfhd.default_sample_flags.unwrap_or(0);
            let flags = (0..n)
                .map(
                    |i| match (i, trun.first_sample_flags, trun.sample_flags.get(i)) {
                        (_, _, Some(&f)) => f,
                        (0, Some(f), None) => f,
                        _ => default,
                    },
                )
                .collect();
            assert_eq!(trun.sample_durations.len(), n);
            assert_eq!(trun.sample_sizes.len(), n);
            Parsed {
                tfdt: traf.tfdt.as_ref().unwrap().base_media_decode_time,
                durations: trun.sample_durations.clone(),
                flags,
                cts: trun.sample_cts.clone(),
                sequence: moof.mfhd.sequence_number,
            }
        })
        .collect()
}

#[test]
fn tracks_carry_codec_strings_timescales_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let out = remux_all(h264_aac());
    assert_eq!(out.tracks.len(), 2);
    let video = out.track(TrackKind::Video).unwrap();
    // libx264 High profile, level 1.2 for 320x180 at 25 fps.
    let (profile, level) = {
        let p = ffprobe(&[
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=profile,level",
            "-of",
            "csv=p=0",
            h264_aac().joined(dir.path()).to_str().unwrap(),
        ]);
        let mut it = p.lines().next().unwrap().split(',');
        (
            it.next().unwrap().to_owned(),
            it.next().unwrap().parse::<u8>().unwrap(),
        )
    };
    assert_eq!(profile, "High");
    assert_eq!(&video.codec[..7], "avc1.64");
    assert_eq!(video.codec.len(), 11);
    assert_eq!(u8::from_str_radix(&video.codec[9..], 16).unwrap(), level);
    assert_eq!(
        (video.id, video.timescale, video.resolution),
        (1, 90_000, Some((320, 180)))
    );
    let audio = out.track(TrackKind::Audio).unwrap();
    assert_eq!(audio.codec, "mp4a.40.2");
    // lavfi's sine source is mono.
    assert_eq!(
        (audio.id, audio.timescale, audio.audio),
        (2, 44_100, Some((44_100, 1)))
    );

    // The init segments, read by the mp4 crate and by ffprobe.
    let v = parse(&video.init);
    assert_eq!(v.ftyp.major_brand.to_string(), "iso6");
    let t = v.tracks().get(&1).unwrap();
    assert_eq!(t.media_type().unwrap(), mp4::MediaType::H264);
    assert_eq!((t.width(), t.height(), t.timescale()), (320, 180, 90_000));
    let a = parse(&audio.init);
    let t = a.tracks().get(&2).unwrap();
    assert_eq!(t.media_type().unwrap(), mp4::MediaType::AAC);
    assert_eq!(t.timescale(), 44_100);
    assert_eq!(t.sample_freq_index().unwrap().freq(), 44_100);
    assert!(v.moov.mvex.is_some() && a.moov.mvex.is_some());
}

#[test]
fn tfdt_is_continuous_across_fragments() {
    let out = remux_all(h264_aac());
    for track in &out.tracks {
        let frags = parsed_fragments(track);
        assert_eq!(frags.len(), 4);
        for (i, (p, f)) in frags.iter().zip(&track.fragments).enumerate() {
            assert_eq!(p.tfdt, f.base_media_decode_time);
            assert_eq!(p.sequence, 1 + i as u32);
            let sum: u64 = p.durations.iter().map(|&d| u64::from(d)).sum();
            assert_eq!(sum, f.duration);
            if let Some(next) = frags.get(i + 1) {
                assert_eq!(next.tfdt, p.tfdt + sum, "{} fragment {i}", track.codec);
            }
        }
    }
}

#[test]
fn sample_counts_times_durations_match_the_segments() {
    let f = h264_aac();
    let dir = tempfile::tempdir().unwrap();
    let out = remux_all(f);
    let video = out.track(TrackKind::Video).unwrap();
    let audio = out.track(TrackKind::Audio).unwrap();
    let last = f.segments.len() - 1;
    for (i, seg) in f.segments.iter().enumerate() {
        let path = dir.path().join(format!("check{i}.ts"));
        std::fs::write(&path, seg).unwrap();
        let frames = frame_count(&path, "v:0");
        let vf = &video.fragments[i];
        assert_eq!(u64::from(vf.samples), frames, "segment {i}");
        // 25 fps: every video sample lasts 3600 ticks of 90 kHz.
        assert_eq!(vf.duration, frames * 3600, "segment {i}");
        let af = &audio.fragments[i];
        assert_eq!(
            u64::from(af.samples),
            frame_count(&path, "a:0"),
            "segment {i}"
        );
        assert_eq!(af.duration, u64::from(af.samples) * 1024);
        // The audio fragment covers the video fragment's time to within a
        // frame (but the last, where the encoder flushes audio past the video).
        if i == last {
            continue;
        }
        let v_s = vf.duration as f64 / 90_000.0;
        let a_s = af.duration as f64 / 44_100.0;
        assert!(
            (v_s - a_s).abs() < 0.05,
            "segment {i}: video {v_s} s, audio {a_s} s"
        );
    }
    for p in parsed_fragments(video) {
        assert!(p.durations.iter().all(|&d| d == 3600));
    }
    for p in parsed_fragments(audio) {
        assert!(p.durations.iter().all(|&d| d == 1024));
    }
}

#[test]
fn every_video_fragment_opens_with_its_only_sync_sample() {
    let out = remux_all(h264_aac());
    let video = out.track(TrackKind::Video).unwrap();
    for (i, p) in parsed_fragments(video).iter().enumerate() {
        let sync: Vec<bool> = p.flags.iter().map(|f| f & 0x0001_0000 == 0).collect();
        assert!(sync[0], "fragment {i} does not start with a sync sample");
        // A 50-frame GOP in a 50-frame segment: one IDR.
        assert_eq!(sync.iter().filter(|&&s| s).count(), 1, "fragment {i}");
        assert_eq!(p.flags[0] >> 24 & 3, 2, "the IDR depends on nothing");
    }
    let audio = out.track(TrackKind::Audio).unwrap();
    for p in parsed_fragments(audio) {
        assert!(p.flags.iter().all(|f| f & 0x0001_0000 == 0));
    }
}

#[test]
fn b_frames_get_composition_offsets_from_pts_minus_dts() {
    let dir = tempfile::tempdir().unwrap();
    let out = remux_all(h264_aac());
    let video = out.track(TrackKind::Video).unwrap();
    let frags = parsed_fragments(video);
    for p in &frags {
        assert_eq!(p.cts.len(), p.durations.len());
        // Two B-frames: the reference pictures wait up to three frames.
        let distinct: std::collections::BTreeSet<u32> = p.cts.iter().copied().collect();
        assert!(distinct.len() >= 2, "{distinct:?}");
        assert!(p.cts.iter().all(|&c| c % 3600 == 0), "{distinct:?}");
    }
    // Presentation times (tfdt + Σdur + cts) are each frame's PTS: one per 3600 ticks.
    let mut pts: Vec<u64> = Vec::new();
    for p in &frags {
        let mut dts = p.tfdt;
        for (d, c) in p.durations.iter().zip(&p.cts) {
            pts.push(dts + u64::from(*c));
            dts += u64::from(*d);
        }
    }
    pts.sort_unstable();
    assert!(pts.windows(2).all(|w| w[1] - w[0] == 3600));
    // Each fragment starts presenting where the previous one stops.
    for w in video.fragments.windows(2) {
        assert_eq!(
            w[1].earliest_presentation_time,
            w[0].earliest_presentation_time + w[0].duration
        );
    }
    assert_eq!(video.fragments[0].earliest_presentation_time, pts[0]);
    // ffprobe agrees on the first frame's PTS in the TS and in our output.
    let first_ts_pts: u64 = ffprobe(&[
        "-select_streams",
        "v:0",
        "-show_entries",
        "packet=pts",
        "-read_intervals",
        "%+#1",
        "-of",
        "csv=p=0",
        h264_aac().joined(dir.path()).to_str().unwrap(),
    ])
    .split(',')
    .next()
    .unwrap()
    .parse()
    .unwrap();
    assert_eq!(pts[0], first_ts_pts);
}

#[test]
fn ffmpeg_decodes_every_frame_of_init_plus_fragments_without_errors() {
    let f = h264_aac();
    let dir = tempfile::tempdir().unwrap();
    let out = remux_all(f);
    let ts = f.joined(dir.path());
    for (track, select, codec) in [
        (out.track(TrackKind::Video).unwrap(), "v:0", "h264"),
        (out.track(TrackKind::Audio).unwrap(), "a:0", "aac"),
    ] {
        let path = dir.path().join(format!("track{}.mp4", track.id));
        std::fs::write(&path, stream(track)).unwrap();
        let errors = ffmpeg(&[
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-f",
            "null",
            "-",
        ]);
        assert_eq!(errors.trim(), "", "ffmpeg reported errors decoding {codec}");
        assert_eq!(
            frame_count(&path, "0"),
            frame_count(&ts, select),
            "{codec} frames"
        );
        let name = ffprobe(&[
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ]);
        assert_eq!(name.trim(), codec);
        // A continuous timeline: packet decode times advance by one duration each.
        let packets = ffprobe(&[
            "-show_entries",
            "packet=dts,duration",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ]);
        // (ffprobe leaves the first AAC packet's duration N/A: priming.)
        let rows: Vec<(i64, Option<i64>)> = packets
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut it = l.split(',');
                (
                    it.next().unwrap().parse().unwrap(),
                    it.next().unwrap().parse().ok(),
                )
            })
            .collect();
        assert!(rows.iter().filter(|r| r.1.is_none()).count() <= 1);
        assert!(
            rows.windows(2)
                .all(|w| w[0].1.is_none_or(|d| w[1].0 == w[0].0 + d)),
            "{codec}: gap in dts"
        );
    }
}

#[test]
fn segments_remuxed_one_at_a_time_equal_the_batch() {
    let f = h264_aac();
    let batch = remux_all(f);
    let mut previous_pts: Option<u64> = None;
    for (i, seg) in f.segments.iter().enumerate() {
        let options = Options {
            sequence_number: 1 + i as u32,
            timeline_reference: previous_pts,
            ..Options::default()
        };
        let one = remux(&[seg.as_slice()], &options).unwrap();
        for (a, b) in one.tracks.iter().zip(&batch.tracks) {
            assert_eq!(a.init, b.init, "init segments differ between calls");
            assert_eq!(
                a.fragments[0].bytes, b.fragments[i].bytes,
                "{} segment {i}",
                a.codec
            );
        }
        previous_pts = Some(one.tracks[0].fragments[0].base_media_decode_time);
    }
}

#[test]
fn one_kind_of_track_can_be_remuxed_alone() {
    let f = h264_aac();
    let both = remux_all(f);
    for kind in [TrackKind::Video, TrackKind::Audio] {
        let options = Options {
            only: Some(kind),
            ..Options::default()
        };
        let one = remux(&f.refs(), &options).unwrap();
        assert_eq!(one.tracks.len(), 1);
        let (a, b) = (&one.tracks[0], both.track(kind).unwrap());
        assert_eq!(a.kind, kind);
        assert_eq!(a.init, b.init);
        for (x, y) in a.fragments.iter().zip(&b.fragments) {
            assert_eq!(x.bytes, y.bytes);
        }
    }
}

#[test]
fn the_33_bit_wrap_carries_into_tfdt() {
    let f = h264_aac_wrapping();
    let dir = tempfile::tempdir().unwrap();
    let out = remux_all(f);
    for track in &out.tracks {
        let frags = parsed_fragments(track);
        let scale = u64::from(track.timescale);
        // Starts in the first period, ends in the second: the counter wrapped.
        assert!(frags[0].tfdt < WRAP * scale / 90_000);
        let last = frags.last().unwrap();
        assert!(
            last.tfdt > WRAP * scale / 90_000,
            "{}: {}",
            track.codec,
            last.tfdt
        );
        for w in frags.windows(2) {
            let sum: u64 = w[0].durations.iter().map(|&d| u64::from(d)).sum();
            assert_eq!(w[1].tfdt, w[0].tfdt + sum, "{}", track.codec);
        }
        let path = dir.path().join(format!("wrap{}.mp4", track.id));
        std::fs::write(&path, stream(track)).unwrap();
        let errors = ffmpeg(&[
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-f",
            "null",
            "-",
        ]);
        assert_eq!(errors.trim(), "");
    }
    // A caller that knows the timeline is five periods on says so.
    let v0 = out.tracks[0].fragments[0].base_media_decode_time;
    let later = remux(
        &f.refs(),
        &Options {
            timeline_reference: Some(5 * WRAP + v0 - 90_000),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(
        later.tracks[0].fragments[0].base_media_decode_time,
        v0 + 5 * WRAP
    );
}

#[test]
fn hevc_gets_an_hvc1_entry_that_ffmpeg_decodes() {
    let f = hevc();
    let out = remux_all(f);
    assert_eq!(out.tracks.len(), 1);
    let video = &out.tracks[0];
    // x265 Main profile: general_profile_idc 1, compatibility flags 1 and 2.
    assert!(video.codec.starts_with("hvc1.1.6.L"), "{}", video.codec);
    assert_eq!(video.resolution, Some((320, 180)));
    let frags = parsed_fragments(video);
    for (i, p) in frags.iter().enumerate() {
        assert!(
            p.flags[0] & 0x0001_0000 == 0,
            "fragment {i} starts without a sync sample"
        );
        if let Some(next) = frags.get(i + 1) {
            let sum: u64 = p.durations.iter().map(|&d| u64::from(d)).sum();
            assert_eq!(next.tfdt, p.tfdt + sum);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hevc.mp4");
    std::fs::write(&path, stream(video)).unwrap();
    let errors = ffmpeg(&[
        "-v",
        "error",
        "-i",
        path.to_str().unwrap(),
        "-f",
        "null",
        "-",
    ]);
    assert_eq!(errors.trim(), "");
    assert_eq!(
        frame_count(&path, "v:0"),
        frame_count(&f.joined(dir.path()), "v:0")
    );
    let tag = ffprobe(&[
        "-show_entries",
        "stream=codec_name,codec_tag_string",
        "-of",
        "csv=p=0",
        path.to_str().unwrap(),
    ]);
    assert_eq!(tag.trim(), "hevc,hvc1");
}
