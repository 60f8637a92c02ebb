//! Cost of just-in-time HLS playlists, measured natively on the sans-IO
//! crate the manifest component runs: a live media playlist over an
//! 1800-segment window (issue 6's target: ≤ 200 µs), the same with input
//! segments combined, a time-shifted range, the index rebuild the plug does
//! per call, a filtered master playlist, and the packager's read of a stored
//! 1800-segment index (binary, beside the JSON it replaced).
//! `cargo bench -p tributary-benches --bench manifest`.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tributary_hls::{
    Channel, HlsEndpoint, MediaKind, Rendition, Request, Resolution, Segment, SegmentIndex,
    StreamOrder, StreamSelection, master_playlist, media_playlist,
};
use tributary_mediapackage::ingest::{StoredIndex, StoredSegment};
use tributary_mediapackage::stored::{Stored, decode_index};

/// 2026-11-21T00:00:00Z
const T0: i64 = 1_795_219_200_000;
const SEGMENTS: u64 = 1800;

/// 1800 two-second segments (one hour) with a discontinuity every 600.
fn index() -> SegmentIndex {
    let mut index = SegmentIndex::new(2);
    for s in 0..SEGMENTS {
        index
            .push(Segment {
                sequence: 100_000 + s,
                duration_ms: 2000,
                program_date_time_ms: T0 + s as i64 * 2000,
                pts: Some(s * 180_000),
                discontinuity: s > 0 && s % 600 == 0,
                key: format!(
                    "channels/live/ingest1/stream_0/segment_{:08}.ts",
                    100_000 + s
                ),
            })
            .unwrap();
    }
    index
}

fn endpoint(segment_s: u32) -> HlsEndpoint {
    HlsEndpoint {
        playlist_window_s: 3600,
        segment_duration_s: segment_s,
        program_date_time_interval_s: 60,
        startover_window_s: Some(7200),
        ..HlsEndpoint::default()
    }
}

fn media(c: &mut Criterion) {
    let index = index();
    let now = T0 + SEGMENTS as i64 * 2000 + 500;
    let live = Request::default();
    let e2 = endpoint(2);
    let text = media_playlist(&index, 1, &e2, &live, now).unwrap();
    assert_eq!(text.matches("#EXTINF").count(), 1800);
    c.bench_function("hls_media_playlist_live_1800_segments", |b| {
        b.iter(|| media_playlist(black_box(&index), 1, &e2, &live, black_box(now)).unwrap())
    });

    let e6 = endpoint(6);
    let text = media_playlist(&index, 1, &e6, &live, now).unwrap();
    // 600 blocks of 3, two of them cut by a discontinuity inside the block
    assert_eq!(text.matches("#EXTINF:6.000").count(), 597);
    assert_eq!(text.matches("#EXTINF").count(), 601);
    c.bench_function("hls_media_playlist_live_1800_inputs_combined_to_600", |b| {
        b.iter(|| media_playlist(black_box(&index), 1, &e6, &live, black_box(now)).unwrap())
    });

    let query = format!(
        "aws.manifestsettings=start%3A{}%3Bend%3A{}",
        (T0 + 600_000) / 1000,
        (T0 + 2_400_000) / 1000
    );
    c.bench_function(
        "hls_media_playlist_time_shift_900_segments_with_query",
        |b| {
            b.iter(|| {
                let req = Request::parse(black_box(&query)).unwrap();
                media_playlist(black_box(&index), 1, &e2, &req, black_box(now)).unwrap()
            })
        },
    );

    // What the plug does with the index it receives over WIT, per call:
    // segments cross without blob keys (the packager keeps those).
    let segments: Vec<Segment> = index
        .segments()
        .iter()
        .map(|s| Segment {
            key: String::new(),
            ..s.clone()
        })
        .collect();
    let history = index.discontinuities().to_vec();
    c.bench_function("hls_index_from_parts_1800_segments", |b| {
        b.iter(|| {
            SegmentIndex::from_parts(2, black_box(segments.clone()), black_box(history.clone()))
                .unwrap()
        })
    });
}

fn master(c: &mut Criterion) {
    let ladder = [
        (1920, 1080, 6_000_000),
        (1280, 720, 3_500_000),
        (960, 540, 2_000_000),
        (768, 432, 1_200_000),
        (640, 360, 800_000),
        (416, 234, 400_000),
    ];
    let mut renditions: Vec<Rendition> = ladder
        .iter()
        .enumerate()
        .map(|(i, &(w, h, bps))| {
            let mut r = Rendition::new(format!("stream_{i}.m3u8"), MediaKind::Video, bps);
            r.resolution = Some(Resolution {
                width: w,
                height: h,
            });
            r.codecs = Some("avc1.640028".into());
            r.frame_rate = Some(29.97);
            r.group = Some("aac".into());
            r
        })
        .collect();
    for (lang, bps) in [("en", 128_000), ("fr", 96_000)] {
        let mut a = Rendition::new(format!("audio_{lang}.m3u8"), MediaKind::Audio, bps);
        a.group = Some("aac".into());
        a.language = Some(lang.into());
        renditions.push(a);
    }
    let channel = Channel { renditions };
    let e = HlsEndpoint {
        stream_selection: StreamSelection {
            min_video_bps: Some(500_000),
            max_video_bps: None,
            order: StreamOrder::VideoBitrateDescending,
        },
        ..HlsEndpoint::default()
    };
    let query =
        "aws.manifestfilter=video_height%3A240-720%3Baudio_bitrate%3A100000-200000&token=abc";
    let text = master_playlist(&channel, &e, &Request::parse(query).unwrap()).unwrap();
    assert_eq!(text.matches("#EXT-X-STREAM-INF").count(), 4);
    c.bench_function("hls_master_playlist_8_renditions_filtered", |b| {
        b.iter(|| {
            let req = Request::parse(black_box(query)).unwrap();
            master_playlist(black_box(&channel), &e, &req).unwrap()
        })
    });
}

/// What the packager does before the plug, per playlist request: the
/// rendition's stored index from its bytes. The JSON it was kept as before
/// is measured beside the binary form, whole (as a segment request reads
/// it) and as the keyless timeline a playlist reads.
fn stored(c: &mut Criterion) {
    let index = index();
    let stored = StoredIndex {
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
    };
    let json = serde_json::to_vec(&stored).unwrap();
    let binary = stored.to_bytes().unwrap();
    eprintln!(
        "stored index of {SEGMENTS} segments: {} bytes as JSON, {} binary",
        json.len(),
        binary.len()
    );
    c.bench_function("stored_index_1800_from_json", |b| {
        b.iter(|| serde_json::from_slice::<StoredIndex>(black_box(&json)).unwrap())
    });
    c.bench_function("stored_index_1800_from_binary", |b| {
        b.iter(|| StoredIndex::from_bytes(black_box(&binary)).unwrap())
    });
    c.bench_function("stored_index_1800_timeline_from_binary", |b| {
        b.iter(|| decode_index(black_box(&binary), |head, _key| head).unwrap())
    });
}

criterion_group!(benches, media, master, stored);
criterion_main!(benches);
