//! Media and master playlists over a simulated live channel: an encoder
//! delivers segments as a simulated clock advances, and every rendered
//! playlist is read back with m3u8-rs (a parser we did not write) and checked
//! field by field.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use m3u8_rs::{MediaPlaylist, MediaPlaylistType};
use std::collections::HashMap;
use tributary_hls::{
    Channel, Error, HlsEndpoint, MediaKind, PlaylistType, Rendition, Request, Resolution, Segment,
    SegmentIndex, StreamOrder, StreamSelection, Target, admit_rendition, master_playlist,
    media_playlist, resolve_segment, retention_start, route,
};

/// 2026-11-21T00:00:00Z
const T0: i64 = 1_795_219_200_000;

/// A live rendition: segments of `duration_ms` from `T0`, each delivered when
/// it ends; `gaps` lists (sequence, ms of silence before it) — a
/// discontinuity.
struct Encoder {
    index: SegmentIndex,
    duration_ms: u32,
    next: u64,
    t: i64,
    gaps: Vec<(u64, i64)>,
}

impl Encoder {
    fn new(target_s: u32, duration_ms: u32) -> Self {
        Self {
            index: SegmentIndex::new(target_s),
            duration_ms,
            next: 0,
            t: T0,
            gaps: Vec::new(),
        }
    }

    fn with_gaps(mut self, gaps: &[(u64, i64)]) -> Self {
        self.gaps = gaps.to_vec();
        self
    }

    /// Delivers every segment that has ended by `now`.
    fn run_until(&mut self, now: i64) {
        loop {
            let gap = self.gaps.iter().find(|g| g.0 == self.next).map(|g| g.1);
            let start = self.t + gap.unwrap_or(0);
            if start + i64::from(self.duration_ms) > now {
                return;
            }
            self.index
                .push(Segment {
                    sequence: self.next,
                    duration_ms: self.duration_ms,
                    program_date_time_ms: start,
                    pts: Some(self.next * u64::from(self.duration_ms) * 90),
                    discontinuity: gap.is_some(),
                    key: format!("live/1/seg{}.ts", self.next),
                })
                .unwrap();
            self.t = start + i64::from(self.duration_ms);
            self.next += 1;
        }
    }
}

fn endpoint(window_s: u32, segment_s: u32) -> HlsEndpoint {
    HlsEndpoint {
        playlist_window_s: window_s,
        segment_duration_s: segment_s,
        ..HlsEndpoint::default()
    }
}

/// Renders and reads back with m3u8-rs.
fn render(index: &SegmentIndex, e: &HlsEndpoint, query: &str, now: i64) -> (String, MediaPlaylist) {
    let text = media_playlist(index, 1, e, &Request::parse(query).unwrap(), now).unwrap();
    let parsed = m3u8_rs::parse_media_playlist_res(text.as_bytes())
        .unwrap_or_else(|err| panic!("m3u8-rs cannot read our playlist: {err}\n{text}"));
    for s in &parsed.segments {
        assert!(
            (s.duration.round() as u64) <= parsed.target_duration,
            "EXTINF {} over target {}",
            s.duration,
            parsed.target_duration
        );
    }
    (text, parsed)
}

fn numbers(p: &MediaPlaylist) -> Vec<u64> {
    p.segments
        .iter()
        .map(|s| match route("index", &s.uri) {
            Some(Target::Segment {
                rendition: 1,
                number,
            }) => number,
            other => panic!("segment URI {} routes to {other:?}", s.uri),
        })
        .collect()
}

fn pdt_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with("#EXT-X-PROGRAM-DATE-TIME:"))
        .count()
}

#[test]
fn live_window_lists_the_newest_window_of_segments() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 61_000;
    enc.run_until(now);
    let (text, p) = render(&enc.index, &endpoint(10, 2), "", now);
    assert_eq!(enc.index.segments().len(), 30);
    assert_eq!(numbers(&p), [25, 26, 27, 28, 29]);
    assert_eq!(p.media_sequence, 25);
    assert_eq!(p.target_duration, 2);
    assert!(!p.end_list);
    assert_eq!(p.playlist_type, None);
    assert!(p.segments.iter().all(|s| s.duration == 2.0));
    assert!(text.starts_with(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:25\n"
    ));
    assert_eq!(pdt_lines(&text), 0);
}

#[test]
fn window_edge_includes_a_segment_starting_exactly_window_seconds_before_the_edge() {
    let mut enc = Encoder::new(2, 2000);
    enc.run_until(T0 + 20_000); // segments 0..10, edge at T0+20s
    let now = T0 + 20_000;
    // window 10 s: segments starting at ≥ T0+10s → 5..10
    assert_eq!(
        numbers(&render(&enc.index, &endpoint(10, 2), "", now).1),
        [5, 6, 7, 8, 9]
    );
    // window 9 s: starting at ≥ T0+11s → 6..10
    assert_eq!(
        numbers(&render(&enc.index, &endpoint(9, 2), "", now).1),
        [6, 7, 8, 9]
    );
    // a window shorter than one segment still lists the newest segment
    assert_eq!(
        numbers(&render(&enc.index, &endpoint(1, 2), "", now).1),
        [9]
    );
}

#[test]
fn reloads_keep_media_sequence_monotonic_and_segments_unchanged() {
    let mut enc = Encoder::new(2, 2000).with_gaps(&[(40, 5_000), (71, 0)]);
    let e = HlsEndpoint {
        program_date_time_interval_s: 6,
        ..endpoint(20, 2)
    };
    let mut seen: HashMap<u64, (String, u64)> = HashMap::new();
    let (mut last_seq, mut last_disc_seq) = (0, 0);
    let mut now = T0 + 21_000;
    while now < T0 + 240_000 {
        enc.run_until(now);
        let (text, p) = render(&enc.index, &e, "", now);
        assert!(
            p.media_sequence >= last_seq,
            "media sequence went back at {now}"
        );
        assert!(p.discontinuity_sequence >= last_disc_seq);
        // the window is wall-clock time: a 5 s gap in it holds 5 s less media
        let total: f32 = p.segments.iter().map(|s| s.duration).sum();
        let gap = if p.segments.iter().any(|s| s.discontinuity) {
            5.0
        } else {
            0.0
        };
        assert!(
            (18.0 - gap..=20.0).contains(&total),
            "window holds {total} s at {now}"
        );
        // the listed segments are consecutive and each keeps its URI and PDT
        let n = numbers(&p);
        assert!(n.windows(2).all(|w| w[1] == w[0] + 1));
        assert_eq!(n[0], p.media_sequence);
        let mut pdt = None;
        for (s, &number) in p.segments.iter().zip(&n) {
            // m3u8-rs reads our RFC 3339 form itself (not as an unknown tag)
            assert!(s.unknown_tags.is_empty());
            if let Some(t) = s.program_date_time {
                pdt = Some(t);
            }
            let entry = (s.uri.clone(), u64::from(s.discontinuity));
            assert_eq!(seen.entry(number).or_insert_with(|| entry.clone()), &entry);
        }
        assert!(pdt.is_some() && text.contains("#EXT-X-PROGRAM-DATE-TIME:2026-11-21T"));
        // DISCONTINUITY-SEQUENCE counts the tags that scrolled away
        let gone = [40u64, 71]
            .iter()
            .filter(|&&d| d < p.media_sequence)
            .count() as u64;
        assert_eq!(p.discontinuity_sequence, gone, "at {now}");
        (last_seq, last_disc_seq) = (p.media_sequence, p.discontinuity_sequence);
        now += 700;
    }
    assert!(last_disc_seq == 2 && last_seq > 100);
}

#[test]
fn program_date_time_marks_the_first_segment_each_interval_and_discontinuities() {
    let mut enc = Encoder::new(2, 2000).with_gaps(&[(13, 1_000)]);
    let now = T0 + 61_000;
    enc.run_until(now);
    let e = HlsEndpoint {
        program_date_time_interval_s: 10,
        ..endpoint(60, 2)
    };
    let (text, p) = render(&enc.index, &e, "", now);
    let tagged: Vec<u64> = numbers(&p)
        .into_iter()
        .zip(&p.segments)
        .filter(|(_, s)| s.program_date_time.is_some())
        .map(|(n, _)| n)
        .collect();
    // the first listed, the first to start in each 10 s of wall-clock time, and the
    // discontinuity: after the 1 s gap segment 13 starts at 27 s, 15 at 31 s, 20 at 41 s…
    assert_eq!(p.segments.len(), 29);
    assert_eq!(tagged, [1, 5, 10, 13, 15, 20, 25]);
    assert!(
        text.contains("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T00:00:27.000Z\n")
    );
}

#[test]
fn time_delay_holds_back_segments_until_they_are_old_enough() {
    let mut enc = Encoder::new(2, 2000);
    let e = HlsEndpoint {
        time_delay_s: 30,
        ..endpoint(10, 2)
    };
    enc.run_until(T0 + 20_000);
    let (_, p) = render(&enc.index, &e, "", T0 + 20_000);
    assert!(p.segments.is_empty(), "nothing is 30 s old yet");
    let now = T0 + 61_000;
    enc.run_until(now);
    let (_, p) = render(&enc.index, &e, "", now);
    // visible: segments ending by T0+31s → 0..15; window of 10 s → 10..15
    assert_eq!(numbers(&p), [10, 11, 12, 13, 14]);
    // a viewer may ask for more delay, not less
    assert_eq!(
        numbers(&render(&enc.index, &e, "aws.manifestsettings=time_delay:10", now).1),
        [10, 11, 12, 13, 14]
    );
    let (_, p) = render(
        &enc.index,
        &endpoint(10, 2),
        "aws.manifestsettings=time_delay:40",
        now,
    );
    assert_eq!(numbers(&p), [5, 6, 7, 8, 9]);
}

#[test]
fn manifest_window_seconds_shortens_but_never_lengthens() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 121_000;
    enc.run_until(now);
    let short = render(
        &enc.index,
        &endpoint(60, 2),
        "aws.manifestsettings=manifest_window_seconds:6",
        now,
    )
    .1;
    assert_eq!(numbers(&short), [57, 58, 59]);
    let long = render(
        &enc.index,
        &endpoint(10, 2),
        "aws.manifestsettings=manifest_window_seconds:600",
        now,
    )
    .1;
    assert_eq!(long.segments.len(), 5);
}

#[test]
fn time_shift_needs_a_startover_window_and_a_sane_range() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 3_600_000;
    enc.run_until(now);
    let e = |startover| HlsEndpoint {
        startover_window_s: startover,
        ..endpoint(60, 2)
    };
    let ask = |e: &HlsEndpoint, q: &str| {
        media_playlist(&enc.index, 1, e, &Request::parse(q).unwrap(), now)
    };
    let s = |secs: i64| (T0 + secs * 1000) / 1000;
    assert_eq!(
        ask(&e(None), &format!("start={}", s(3000))),
        Err(Error::TimeShiftDisabled)
    );
    let on = e(Some(1800));
    assert_eq!(
        ask(&on, &format!("start={}", s(1700))),
        Err(Error::OutsideStartoverWindow)
    );
    assert_eq!(
        ask(&on, &format!("end={}", s(1800))),
        Err(Error::OutsideStartoverWindow)
    );
    assert!(matches!(
        ask(&on, &format!("start={}&end={}", s(3000), s(2900))),
        Err(Error::InvalidTimeRange(_))
    ));
    assert!(matches!(
        ask(&on, &format!("start={}", s(3700))),
        Err(Error::InvalidTimeRange(_))
    ));
    let long = HlsEndpoint {
        startover_window_s: Some(14 * 86_400),
        ..on.clone()
    };
    let mut old = Encoder::new(2, 2000);
    old.run_until(T0 + 3_600_000);
    assert!(matches!(
        media_playlist(
            &old.index,
            1,
            &long,
            &Request::parse(&format!("start={}&end={}", s(0), s(90_000))).unwrap(),
            T0 + 100_000_000
        ),
        Err(Error::InvalidTimeRange(m)) if m.contains("24 hours")
    ));
    assert!(ask(&on, &format!("start={}&end={}", s(1801), s(3000))).is_ok());
}

#[test]
fn a_past_range_is_a_fixed_vod_playlist() {
    let mut enc = Encoder::new(2, 2000);
    let e = HlsEndpoint {
        startover_window_s: Some(3600),
        ..endpoint(60, 2)
    };
    let q =
        "aws.manifestsettings=start%3A2026-11-21T00%3A10%3A00Z%3Bend%3A2026-11-21T00%3A12%3A01Z";
    let now = T0 + 900_000;
    enc.run_until(now);
    let (text, p) = render(&enc.index, &e, q, now);
    // segments starting in [600 s, 721 s): 300..=360
    assert_eq!(numbers(&p), (300..=360).collect::<Vec<_>>());
    assert_eq!(p.playlist_type, Some(MediaPlaylistType::Vod));
    assert!(p.end_list);
    // the same bytes later, while the range is inside the startover window
    enc.run_until(now + 600_000);
    assert_eq!(render(&enc.index, &e, q, now + 600_000).0, text);
}

#[test]
fn a_start_without_end_grows_as_an_event_playlist() {
    let mut enc = Encoder::new(2, 2000);
    let e = HlsEndpoint {
        startover_window_s: Some(3600),
        ..endpoint(10, 2)
    };
    let q = format!("start={}", (T0 + 100_000) / 1000);
    let mut now = T0 + 200_000;
    enc.run_until(now);
    let (_, first) = render(&enc.index, &e, &q, now);
    assert_eq!(first.playlist_type, Some(MediaPlaylistType::Event));
    assert!(!first.end_list);
    assert_eq!(numbers(&first), (50..100).collect::<Vec<_>>());
    now += 30_000;
    enc.run_until(now);
    let (_, later) = render(&enc.index, &e, &q, now);
    assert_eq!(later.media_sequence, 50);
    assert_eq!(numbers(&later), (50..115).collect::<Vec<_>>());
}

#[test]
fn a_start_inside_a_segment_lists_the_segment_playing_at_it() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 200_000;
    enc.run_until(now);
    // segment 50 plays 100..102 s: a start at 101 s begins with it
    let e = HlsEndpoint {
        startover_window_s: Some(3600),
        ..endpoint(10, 2)
    };
    let q = format!(
        "start={}&end={}",
        (T0 + 101_000) / 1000,
        (T0 + 109_000) / 1000
    );
    let (_, p) = render(&enc.index, &e, &q, now);
    assert_eq!(numbers(&p), [50, 51, 52, 53, 54]);
    // combined 6 s segments: group 17 (inputs 51..54) plays 102..108 s
    let e = HlsEndpoint {
        startover_window_s: Some(3600),
        ..endpoint(30, 6)
    };
    let q = format!(
        "start={}&end={}",
        (T0 + 103_000) / 1000,
        (T0 + 109_000) / 1000
    );
    let (_, p) = render(&enc.index, &e, &q, now);
    assert_eq!(numbers(&p), [17, 18]);
}

#[test]
fn an_end_in_the_future_slides_until_it_passes_then_ends() {
    let mut enc = Encoder::new(2, 2000);
    let e = HlsEndpoint {
        startover_window_s: Some(3600),
        ..endpoint(10, 2)
    };
    let q = format!("end={}", (T0 + 100_000) / 1000);
    let now = T0 + 61_000;
    enc.run_until(now);
    let (_, p) = render(&enc.index, &e, &q, now);
    assert_eq!(numbers(&p), [25, 26, 27, 28, 29]);
    assert!(!p.end_list);
    let now = T0 + 150_000;
    enc.run_until(now);
    let (_, p) = render(&enc.index, &e, &q, now);
    assert_eq!(numbers(&p), [45, 46, 47, 48, 49]);
    assert!(p.end_list);
    assert_eq!(p.playlist_type, Some(MediaPlaylistType::Vod));
}

#[test]
fn whole_input_segments_combine_into_the_endpoint_segment_duration() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 61_000; // 30 inputs (0..30), 10 groups
    enc.run_until(now);
    let e = endpoint(30, 6);
    let (text, p) = render(&enc.index, &e, "", now);
    assert_eq!(p.target_duration, 6);
    assert_eq!(numbers(&p), [5, 6, 7, 8, 9]);
    assert!(p.segments.iter().all(|s| s.duration == 6.0));
    assert!(text.contains("#EXTINF:6.000,\nindex_1_9.ts\n"));
    let keys: Vec<_> = resolve_segment(&enc.index, 3, 9)
        .unwrap()
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["live/1/seg27.ts", "live/1/seg28.ts", "live/1/seg29.ts"]
    );
    // a block with two of three inputs is neither listed nor served
    enc.run_until(now + 4_000);
    assert_eq!(enc.index.segments().len(), 32);
    assert_eq!(
        numbers(&render(&enc.index, &e, "", now + 4_000).1),
        [5, 6, 7, 8, 9]
    );
    assert_eq!(
        resolve_segment(&enc.index, 3, 10),
        Err(Error::SegmentUnavailable)
    );
    enc.run_until(now + 6_000);
    assert_eq!(
        numbers(&render(&enc.index, &e, "", now + 6_000).1),
        [6, 7, 8, 9, 10]
    );
    // 5 s is not a multiple of 2 s: inputs pass through
    assert_eq!(
        render(&enc.index, &endpoint(10, 5), "", now + 6_000)
            .1
            .target_duration,
        2
    );
}

#[test]
fn combining_cuts_at_discontinuities_and_keeps_numbers_consecutive() {
    // discontinuity at input 31 (inside block 10 = 30..33) after a 3 s gap
    let mut enc = Encoder::new(2, 2000).with_gaps(&[(31, 3_000)]);
    let e = endpoint(30, 6);
    let mut now = T0 + 80_000;
    enc.run_until(now);
    let (text, p) = render(&enc.index, &e, "", now);
    let n = numbers(&p);
    assert!(n.windows(2).all(|w| w[1] == w[0] + 1));
    // inputs 0..=37 delivered; groups …[27 28 29] [30] | [31 32] [33 34 35],
    // and [36 37] still waits for 38
    assert_eq!(enc.index.segments().len(), 38);
    let durations: Vec<f32> = p.segments.iter().map(|s| s.duration).collect();
    assert_eq!(&durations[durations.len() - 4..], [6.0, 2.0, 4.0, 6.0]);
    assert!(text.contains(
        "#EXTINF:2.000,\nindex_1_10.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:4.000,\nindex_1_11.ts\n"
    ));
    let keys = |n| {
        resolve_segment(&enc.index, 3, n)
            .unwrap()
            .iter()
            .map(|s| s.sequence)
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(10), [30]);
    assert_eq!(keys(11), [31, 32]);
    assert_eq!(keys(12), [33, 34, 35]);
    // once the discontinuity scrolls out, the count moves to the sequence tag
    // and numbers stay the same even after the segments themselves expire
    now += 60_000;
    enc.run_until(now);
    let before = render(&enc.index, &e, "", now).1;
    let keep = retention_start(&enc.index, std::slice::from_ref(&e), now).unwrap();
    assert!(keep > 31);
    enc.index.expire_before(keep);
    let (_, after) = render(&enc.index, &e, "", now);
    assert_eq!(after.discontinuity_sequence, 1);
    assert_eq!(numbers(&after), numbers(&before));
}

#[test]
fn an_index_whose_oldest_group_lost_its_head_starts_at_the_next_group() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 61_000;
    enc.run_until(now);
    enc.index.expire_before(20); // 20 is mid-block (18..21)
    let (_, p) = render(&enc.index, &endpoint(600, 6), "", now);
    assert_eq!(numbers(&p), [7, 8, 9]);
}

#[test]
fn playlist_type_only_adds_its_tag() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 61_000;
    enc.run_until(now);
    for (t, tag) in [
        (PlaylistType::Event, MediaPlaylistType::Event),
        (PlaylistType::Vod, MediaPlaylistType::Vod),
    ] {
        let e = HlsEndpoint {
            playlist_type: t,
            ..endpoint(10, 2)
        };
        let (_, p) = render(&enc.index, &e, "", now);
        assert_eq!(p.playlist_type, Some(tag));
        assert_eq!(numbers(&p), [25, 26, 27, 28, 29]);
        assert!(!p.end_list);
    }
}

#[test]
fn an_empty_index_renders_an_empty_live_playlist() {
    let index = SegmentIndex::new(6);
    let (_, p) = render(&index, &endpoint(60, 6), "", T0);
    assert!(p.segments.is_empty());
    assert_eq!(p.target_duration, 6);
}

#[test]
fn retention_keeps_startover_or_window_plus_delay_and_slack() {
    let mut enc = Encoder::new(2, 2000);
    let now = T0 + 1_000_000;
    enc.run_until(now); // 0..500
    let live = endpoint(60, 2);
    // 60 s + 2 segments of slack (4 s): segments ending after now − 64 s
    assert_eq!(
        retention_start(&enc.index, std::slice::from_ref(&live), now),
        Some(468)
    );
    let delayed = HlsEndpoint {
        time_delay_s: 100,
        ..live.clone()
    };
    let startover = HlsEndpoint {
        startover_window_s: Some(600),
        ..live.clone()
    };
    assert_eq!(
        retention_start(&enc.index, &[live.clone(), delayed], now),
        Some(418)
    );
    assert_eq!(
        retention_start(&enc.index, &[live, startover], now),
        Some(198)
    );
    // combining keeps whole groups: 6 s output, slack 12 s → cutoff 928 s → input 464 = group 462..465
    assert_eq!(
        retention_start(&enc.index, &[endpoint(60, 6)], now),
        Some(462)
    );
    assert_eq!(retention_start(&SegmentIndex::new(2), &[], now), None);
}

fn channel() -> Channel {
    let video = |name: &str, bps: u64, w: u32, h: u32| {
        let mut r = Rendition::new(name, MediaKind::Video, bps);
        r.resolution = Some(Resolution {
            width: w,
            height: h,
        });
        r.codecs = Some("avc1.64001f,mp4a.40.2".into());
        r.frame_rate = Some(29.97);
        r.group = Some("aac".into());
        r
    };
    let audio = |name: &str, bps: u64, lang: &str, default: bool| {
        let mut r = Rendition::new(name, MediaKind::Audio, bps);
        r.group = Some("aac".into());
        r.language = Some(lang.into());
        r.title = Some(lang.to_uppercase());
        r.default = default;
        r
    };
    Channel {
        renditions: vec![
            video("720.m3u8", 3_000_000, 1280, 720),
            video("1080.m3u8", 6_000_000, 1920, 1080),
            video("360.m3u8", 800_000, 640, 360),
            audio("en.m3u8", 128_000, "en", true),
            audio("fr.m3u8", 64_000, "fr", false),
        ],
    }
}

fn master(e: &HlsEndpoint, query: &str) -> (String, m3u8_rs::MasterPlaylist) {
    let text = master_playlist(&channel(), e, &Request::parse(query).unwrap()).unwrap();
    let parsed = m3u8_rs::parse_master_playlist_res(text.as_bytes())
        .unwrap_or_else(|err| panic!("m3u8-rs cannot read our master playlist: {err}\n{text}"));
    (text, parsed)
}

#[test]
fn master_lists_variants_and_audio_with_endpoint_uris() {
    let (text, p) = master(&HlsEndpoint::default(), "");
    let uris: Vec<_> = p.variants.iter().map(|v| v.uri.as_str()).collect();
    assert_eq!(uris, ["index_1.m3u8", "index_2.m3u8", "index_3.m3u8"]);
    let v = &p.variants[1];
    assert_eq!(v.bandwidth, 6_000_000);
    assert_eq!(
        v.resolution.map(|r| (r.width, r.height)),
        Some((1920, 1080))
    );
    assert_eq!(v.codecs.as_deref(), Some("avc1.64001f,mp4a.40.2"));
    assert_eq!(v.audio.as_deref(), Some("aac"));
    assert_eq!(v.frame_rate, Some(29.97));
    let audio: Vec<_> = p
        .alternatives
        .iter()
        .map(|a| (a.uri.as_deref(), a.language.as_deref(), a.default))
        .collect();
    assert_eq!(
        audio,
        [
            (Some("index_4.m3u8"), Some("en"), true),
            (Some("index_5.m3u8"), Some("fr"), false)
        ]
    );
    assert!(text.contains("FRAME-RATE=29.970"));
    for uri in uris {
        assert!(matches!(route("index", uri), Some(Target::Media { .. })));
    }
}

#[test]
fn stream_selection_bounds_and_orders_video() {
    let e = HlsEndpoint {
        stream_selection: StreamSelection {
            min_video_bps: Some(1_000_000),
            max_video_bps: Some(6_000_000),
            order: StreamOrder::VideoBitrateDescending,
        },
        ..HlsEndpoint::default()
    };
    let (_, p) = master(&e, "");
    let v: Vec<_> = p
        .variants
        .iter()
        .map(|v| (v.uri.as_str(), v.bandwidth))
        .collect();
    assert_eq!(
        v,
        [("index_2.m3u8", 6_000_000), ("index_1.m3u8", 3_000_000)]
    );
    let asc = HlsEndpoint {
        stream_selection: StreamSelection {
            order: StreamOrder::VideoBitrateAscending,
            ..StreamSelection::default()
        },
        ..HlsEndpoint::default()
    };
    let (_, p) = master(&asc, "");
    let v: Vec<_> = p.variants.iter().map(|v| v.bandwidth).collect();
    assert_eq!(v, [800_000, 3_000_000, 6_000_000]);
    // a media playlist outside the selection is refused
    let req = Request::default();
    assert_eq!(
        admit_rendition(&channel(), 3, &e, &req).unwrap_err(),
        Error::RenditionExcluded
    );
    assert_eq!(
        admit_rendition(&channel(), 9, &e, &req).unwrap_err(),
        Error::UnknownRendition
    );
    assert_eq!(
        admit_rendition(&channel(), 0, &e, &req).unwrap_err(),
        Error::UnknownRendition
    );
    assert_eq!(
        admit_rendition(&channel(), 2, &e, &req).unwrap().name,
        "1080.m3u8"
    );
}

#[test]
fn manifest_filters_pick_renditions_and_follow_into_child_playlists() {
    let q =
        "aws.manifestfilter=video_height%3A240-360%2C1080%3Baudio_bitrate%3A100000-200000&token=x";
    let (text, p) = master(&HlsEndpoint::default(), q);
    let v: Vec<_> = p
        .variants
        .iter()
        .map(|v| v.uri.split('?').next().unwrap())
        .collect();
    assert_eq!(v, ["index_2.m3u8", "index_3.m3u8"]);
    assert_eq!(p.alternatives.len(), 1);
    assert_eq!(p.alternatives[0].language.as_deref(), Some("en"));
    assert!(p.variants.iter().all(|v| v.uri.ends_with(&format!("?{q}"))));
    assert!(text.contains(&format!("URI=\"index_4.m3u8?{q}\"")));
    // the child playlist request carries the same filter and agrees
    let req = Request::parse(q).unwrap();
    let e = HlsEndpoint::default();
    assert!(admit_rendition(&channel(), 2, &e, &req).is_ok());
    assert_eq!(
        admit_rendition(&channel(), 1, &e, &req).unwrap_err(),
        Error::RenditionExcluded
    );
    assert_eq!(
        admit_rendition(&channel(), 5, &e, &req).unwrap_err(),
        Error::RenditionExcluded
    );
    // bitrate filter; audio filtered away drops the AUDIO attribute
    let (text, p) = master(
        &e,
        "aws.manifestfilter=video_bitrate:0-3000000;audio_bitrate:1-2",
    );
    assert_eq!(
        p.variants.iter().map(|v| v.bandwidth).collect::<Vec<_>>(),
        [3_000_000, 800_000]
    );
    assert!(p.alternatives.is_empty() && !text.contains("AUDIO="));
    // nothing left, unsupported and malformed filters
    let none = Request::parse("aws.manifestfilter=video_height:4320;audio_bitrate:1").unwrap();
    assert_eq!(
        master_playlist(&channel(), &e, &none),
        Err(Error::NoMatchingStreams)
    );
    assert!(matches!(
        Request::parse("aws.manifestfilter=video_codec:h264"),
        Err(Error::UnsupportedFilter(_))
    ));
    assert!(matches!(
        Request::parse("aws.manifestfilter=video_height:tall"),
        Err(Error::MalformedQuery(_))
    ));
}
