//! CMAF and DASH endpoints over real TS segments (made by ffmpeg): the MPD
//! and CMAF HLS playlists name what the remux finds, and every fragment's
//! `tfdt` is shifted to the media time the manifests give it (its program
//! date time), audio and video alike.

use std::sync::OnceLock;

use tributary_mediapackage::ingest::{
    IngestState, StoredIndex, StoredKind, StoredRendition, StoredSegment,
};
use tributary_mediapackage::wire::{
    Channel, CmafPackage, DashPackage, HlsManifest, OriginEndpoint,
};
use tributary_mediapackage::{ChannelRecord, EndpointRecord};

use super::fixtures::*;
use crate::playback::reply::{Body, Reply};
use crate::playback::segment::BlobMeta;

/// Input segments of the fixture.
const COUNT: u64 = 4;

/// Four 2-second TS segments of 320x180 H.264 (High, 25 fps, GOP 50) and
/// AAC, and each one's first video PTS.
fn segments() -> &'static Vec<(Vec<u8>, u64)> {
    static SEGMENTS: OnceLock<Vec<(Vec<u8>, u64)>> = OnceLock::new();
    SEGMENTS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tributary-fmp4-play-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let status = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
            .args(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"])
            .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
            .args(["-t", "8", "-c:v", "libx264", "-preset", "ultrafast"])
            .args(["-g", "50", "-keyint_min", "50", "-sc_threshold", "0"])
            .args(["-c:a", "aac", "-b:a", "64k"])
            .args(["-f", "hls", "-hls_time", "2", "-hls_list_size", "0"])
            .arg("-hls_segment_filename")
            .arg(dir.join("s%d.ts"))
            .arg(dir.join("index.m3u8"))
            .status()
            .expect("ffmpeg runs (tests/run installs it)");
        assert!(status.success(), "ffmpeg made no fixture");
        let out = (0..COUNT)
            .map(|i| {
                let bytes = std::fs::read(dir.join(format!("s{i}.ts"))).expect("segment");
                let remux = tributary_fmp4::remux(&[&bytes], &tributary_fmp4::Options::default())
                    .expect("fixture remuxes");
                let v = remux
                    .track(tributary_fmp4::TrackKind::Video)
                    .expect("video");
                let pts = v.fragments[0].earliest_presentation_time;
                (bytes, pts)
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        out
    })
}

fn key_of(i: u64) -> String {
    format!("live/a1/1/{i}.ts")
}

fn endpoint(id: &str) -> OriginEndpoint {
    OriginEndpoint {
        id: id.into(),
        channel_id: "live".into(),
        created_at: CREATED.into(),
        manifest_name: "index".into(),
        ..OriginEndpoint::default()
    }
}

/// Channel `live` with one rendition of the fixture's segments (ingested
/// from `T0`), a DASH endpoint `dash` ($Number$), `dasht` ($Time$) and a
/// CMAF endpoint `cmaf` (prefix `seg`, manifest `main`).
fn world() -> Fake {
    let mut f = Fake::default();
    f.channels.insert(
        "live".into(),
        ChannelRecord {
            channel: Channel {
                id: "live".into(),
                created_at: CREATED.into(),
                ..Channel::default()
            },
        },
    );
    f.states.insert(
        "live".into(),
        IngestState {
            channel_created_at: CREATED.into(),
            renditions: vec![StoredRendition {
                name: "channel_1.m3u8".into(),
                kind: StoredKind::Video,
                bandwidth: 400_000,
                ..StoredRendition::default()
            }],
            active_ingest: Some("a1".into()),
            last_segment_ms: Default::default(),
        },
    );
    let segs = segments();
    f.indexes.insert(
        ("live".into(), 1),
        StoredIndex {
            target_duration_s: 2,
            segments: (0..COUNT)
                .map(|i| StoredSegment {
                    sequence: i,
                    duration_ms: 2000,
                    program_date_time_ms: T0 + i as i64 * 2000,
                    pts: Some(segs[i as usize].1),
                    discontinuity: false,
                    key: key_of(i),
                })
                .collect(),
            discontinuities: Vec::new(),
        },
    );
    for (i, (bytes, _)) in segs.iter().enumerate() {
        let key = key_of(i as u64);
        f.blobs.borrow_mut().insert(
            key.clone(),
            BlobMeta {
                size: bytes.len() as u64,
                etag: format!("tag{i}"),
            },
        );
        f.bytes.borrow_mut().insert(key, bytes.clone());
    }
    let dash = |id: &str, format: &str| OriginEndpoint {
        dash_package: Some(DashPackage {
            segment_duration_seconds: 2,
            manifest_window_seconds: 60,
            segment_template_format: format.into(),
            ..DashPackage::default()
        }),
        ..endpoint(id)
    };
    for e in [
        dash("dash", "NUMBER_WITH_TIMELINE"),
        dash("dasht", "TIME_WITH_TIMELINE"),
        OriginEndpoint {
            cmaf_package: Some(CmafPackage {
                segment_duration_seconds: 2,
                segment_prefix: Some("seg".into()),
                hls_manifests: vec![HlsManifest {
                    id: "main".into(),
                    manifest_name: "main".into(),
                    playlist_window_seconds: 60,
                    ..HlsManifest::default()
                }],
                ..CmafPackage::default()
            }),
            ..endpoint("cmaf")
        },
    ] {
        f.endpoints
            .insert(e.id.clone(), EndpointRecord { endpoint: e });
    }
    f
}

/// After the last segment ended.
const LATER: i64 = T0 + COUNT as i64 * 2000 + 500;

fn get(f: &Fake, target: &str) -> Reply<Opening> {
    call_at(f, "GET", target, &[], LATER)
}

fn bytes(r: &Reply<Opening>) -> &[u8] {
    match &r.body {
        Body::Bytes(b) => b,
        _ => &[],
    }
}

/// The payload of the first top-level or nested box of type `name`.
fn find_box<'a>(data: &'a [u8], name: &[u8; 4]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at + 8 <= data.len() {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().ok()?) as usize;
        if size < 8 || at + size > data.len() {
            return None;
        }
        let kind = &data[at + 4..at + 8];
        let body = &data[at + 8..at + size];
        if kind == name {
            return Some(body);
        }
        if [b"moof", b"traf", b"moov", b"trak"]
            .iter()
            .any(|c| kind == *c)
            && let Some(found) = find_box(body, name)
        {
            return Some(found);
        }
        at += size;
    }
    None
}

/// `tfdt`'s base media decode time.
fn tfdt(fragment: &[u8]) -> u64 {
    let b = find_box(fragment, b"tfdt").expect("a tfdt box");
    if b[0] == 1 {
        u64::from_be_bytes(b[4..12].try_into().expect("8 bytes"))
    } else {
        u64::from(u32::from_be_bytes(b[4..8].try_into().expect("4 bytes")))
    }
}

/// `mdhd`'s timescale.
fn timescale(init: &[u8]) -> u64 {
    let b = find_box(init, b"mdia")
        .and_then(|m| find_box(m, b"mdhd"))
        .expect("an mdhd box");
    let at = if b[0] == 1 { 20 } else { 12 };
    u64::from(u32::from_be_bytes(
        b[at..at + 4].try_into().expect("4 bytes"),
    ))
}

#[test]
fn the_mpd_names_the_remuxed_codecs_and_the_program_date_times() {
    let f = world();
    let r = get(&f, "/out/v1/dash/index.mpd");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.header_value("content-type"), Some("application/dash+xml"));
    assert_eq!(r.header_value("cache-control"), Some("max-age=1"));
    let mpd = text(&r);
    let v =
        tributary_fmp4::remux(&[&segments()[0].0], &Default::default()).expect("fixture remuxes");
    for t in &v.tracks {
        assert!(mpd.contains(&format!("codecs=\"{}\"", t.codec)), "{mpd}");
    }
    assert!(mpd.contains("width=\"320\" height=\"180\""), "{mpd}");
    assert!(
        mpd.contains("media=\"index_1_v_$Number$.m4s\" startNumber=\"0\""),
        "{mpd}"
    );
    assert!(
        // The timeline is the program date times, 90 kHz since the epoch.
        mpd.contains(&format!(
            "<S t=\"{}\" d=\"180000\" r=\"3\"/>",
            T0 as u64 * 90
        )),
        "{mpd}"
    );
    assert!(mpd.contains("media=\"index_1_a_$Number$.m4s\""), "{mpd}");
    assert_cors(&r);
}

#[test]
fn a_second_manifest_request_names_the_codecs_without_remuxing_again() {
    let f = world();
    let reads = |f: &Fake| {
        f.calls()
            .iter()
            .filter(|c| c.starts_with("read_bytes "))
            .count()
    };
    let first = get(&f, "/out/v1/dash/index.mpd");
    assert_eq!(first.status, 200, "{}", text(&first));
    let remuxed = reads(&f);
    assert!(remuxed > 0, "the first MPD reads the newest segments");
    let again = get(&f, "/out/v1/dash/index.mpd");
    assert_eq!(text(&again), text(&first));
    assert_eq!(reads(&f), remuxed, "the second MPD reads no segment");
    // The CMAF master playlist uses the same memo.
    let master = get(&f, "/out/v1/cmaf/main.m3u8");
    assert_eq!(master.status, 200, "{}", text(&master));
    assert_eq!(reads(&f), remuxed);
}

#[test]
fn fragments_start_at_the_media_time_the_manifests_give_them() {
    let f = world();
    let init = get(&f, "/out/v1/dash/index_1_v_init.mp4");
    assert_eq!(init.status, 200, "{}", text(&init));
    assert_eq!(init.header_value("content-type"), Some("video/mp4"));
    assert_eq!(&bytes(&init)[4..8], b"ftyp");
    assert_eq!(timescale(bytes(&init)), 90_000);
    let audio_init = get(&f, "/out/v1/dash/index_1_a_init.mp4");
    let audio_scale = timescale(bytes(&audio_init));
    assert_eq!(audio_scale, 48_000);
    for n in 0..COUNT {
        // Where the manifests put segment n: its program date time, 90 kHz.
        let at = (T0 as u64 + n * 2000) * 90;
        let v = get(&f, &format!("/out/v1/dash/index_1_v_{n}.m4s"));
        assert_eq!(v.status, 200, "{}", text(&v));
        assert_eq!(v.header_value("cache-control"), Some("max-age=1209600"));
        assert_eq!(&bytes(&v)[4..8], b"styp");
        // The first decode time is at (B-frames: just before) that time.
        let dts = tfdt(bytes(&v));
        assert!(dts <= at && at - dts < 90_000 / 5, "{n}: {dts} vs {at}");
        let a = get(&f, &format!("/out/v1/dash/index_1_a_{n}.m4s"));
        let audio_s = tfdt(bytes(&a)) as f64 / audio_scale as f64;
        assert!(
            (audio_s - at as f64 / 90_000.0).abs() < 0.1,
            "{n}: audio at {audio_s} s, video at {} s",
            at as f64 / 90_000.0
        );
        // $Time$ names the same fragment.
        let t = get(&f, &format!("/out/v1/dasht/index_1_v_t{at}.m4s"));
        assert_eq!(bytes(&t), bytes(&v), "{n}");
    }
    // Outside the index, off the timeline, or no such rendition: 404.
    for missing in [
        "/out/v1/dash/index_1_v_4.m4s",
        "/out/v1/dasht/index_1_v_t1.m4s",
        "/out/v1/dash/index_2_v_0.m4s",
        "/out/v1/dash/index_1_v_01.m4s",
        "/out/v1/dash/index.m3u8",
    ] {
        assert_eq!(get(&f, missing).status, 404, "{missing}");
    }
    // HEAD: the same headers, no body.
    let head = call_at(&f, "HEAD", "/out/v1/dash/index_1_v_1.m4s", &[], LATER);
    assert_eq!(head.status, 200);
    assert!(matches!(head.body, Body::Empty));
    assert!(head.header_value("content-length").is_some());
}

#[test]
fn cmaf_hls_playlists_map_init_segments_and_name_the_remuxed_codecs() {
    let f = world();
    let master = get(&f, "/out/v1/cmaf/main.m3u8");
    assert_eq!(master.status, 200, "{}", text(&master));
    let m = text(&master);
    let v =
        tributary_fmp4::remux(&[&segments()[0].0], &Default::default()).expect("fixture remuxes");
    let codecs: Vec<&str> = v.tracks.iter().map(|t| t.codec.as_str()).collect();
    assert!(
        m.contains(&format!("CODECS=\"{}\"", codecs.join(","))),
        "{m}"
    );
    assert!(m.contains("URI=\"main_1_a.m3u8\""), "{m}");
    let media = get(&f, "/out/v1/cmaf/main_1_v.m3u8");
    let text = text(&media);
    assert!(text.contains("#EXT-X-VERSION:7\n"), "{text}");
    assert!(
        text.contains("#EXT-X-MAP:URI=\"seg_1_v_init.mp4\"\n"),
        "{text}"
    );
    assert!(text.ends_with("seg_1_v_3.m4s\n"), "{text}");
    let frag = get(&f, "/out/v1/cmaf/seg_1_v_3.m4s");
    assert_eq!(frag.status, 200);
    assert_eq!(
        get(&f, "/out/v1/dash/index_1_v_3.m4s").header_value("etag"),
        frag.header_value("etag")
    );
    assert_eq!(get(&f, "/out/v1/cmaf/index.mpd").status, 404);
}
