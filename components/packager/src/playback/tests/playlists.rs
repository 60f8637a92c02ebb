//! Master and media playlists, rendered from the stored index by the same
//! code the plug runs, with the headers players and CDNs read.

use super::fixtures::*;
use crate::playback::reply::Body;

#[test]
fn the_master_playlist_lists_both_renditions_as_mpegurl_with_half_a_segment_of_cache() {
    let f = world();
    let r = get(&f, "/out/v1/hls/index.m3u8");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        r.header_value("content-type"),
        Some("application/vnd.apple.mpegurl")
    );
    assert_eq!(r.header_value("cache-control"), Some("max-age=1"));
    assert_eq!(
        r.header_value("content-length"),
        Some(text(&r).len().to_string().as_str())
    );
    assert_cors(&r);
    let t = text(&r);
    assert!(t.starts_with("#EXTM3U\n"), "{t}");
    assert!(
        t.contains("BANDWIDTH=2500000") && t.contains("RESOLUTION=1280x720"),
        "{t}"
    );
    assert!(
        t.contains("\nindex_1.m3u8\n") && t.contains("\nindex_2.m3u8\n"),
        "{t}"
    );
    // the master needs no index: endpoint, channel and state only
    assert_eq!(f.calls(), ["endpoint hls", "channel live", "state live"]);

    let six = get(&f, "/out/v1/hls6/index.m3u8");
    assert_eq!(six.header_value("cache-control"), Some("max-age=3"));
}

#[test]
fn child_urls_carry_the_query_unchanged_and_the_filter_applies() {
    let f = world();
    let q = "aws.manifestfilter=video_height%3A0-480&token=abc";
    let r = get(&f, &format!("/out/v1/hls/index.m3u8?{q}"));
    assert_eq!(r.status, 200, "{}", text(&r));
    let t = text(&r);
    assert!(t.contains(&format!("\nindex_2.m3u8?{q}\n")), "{t}");
    assert!(!t.contains("index_1.m3u8"), "{t}");
    // the media playlist of the filtered-out rendition is refused alike
    let excluded = get(&f, &format!("/out/v1/hls/index_1.m3u8?{q}"));
    assert_eq!(excluded.status, 404);
    assert!(text(&excluded).contains("excluded"), "{}", text(&excluded));
}

#[test]
fn a_media_playlist_lists_the_live_window_of_the_stored_index() {
    let f = world();
    let r = get(&f, "/out/v1/hls/index_1.m3u8");
    assert_eq!(r.status, 200, "{}", text(&r));
    let t = text(&r);
    assert!(t.contains("#EXT-X-TARGETDURATION:2\n"), "{t}");
    assert!(t.contains("#EXT-X-MEDIA-SEQUENCE:25\n"), "{t}");
    assert_eq!(t.matches("#EXTINF:2.000,").count(), 5, "{t}");
    assert!(t.ends_with("index_1_29.ts\n"), "{t}");
    assert!(!t.contains("#EXT-X-ENDLIST"), "{t}");
    assert_eq!(
        r.header_value("content-type"),
        Some("application/vnd.apple.mpegurl")
    );
    assert_eq!(r.header_value("cache-control"), Some("max-age=1"));
    assert_cors(&r);
    assert_eq!(
        f.calls(),
        ["endpoint hls", "channel live", "state live", "index live 1"]
    );
}

#[test]
fn combined_segments_are_listed_six_seconds_long_and_cached_for_three() {
    let f = world();
    let r = get(&f, "/out/v1/hls6/index_2.m3u8");
    assert_eq!(r.status, 200, "{}", text(&r));
    let t = text(&r);
    assert!(t.contains("#EXT-X-TARGETDURATION:6\n"), "{t}");
    assert!(t.ends_with("#EXTINF:6.000,\nindex_2_9.ts\n"), "{t}");
    assert_eq!(r.header_value("cache-control"), Some("max-age=3"));
}

#[test]
fn the_time_delay_holds_the_window_back_from_the_clock_passed_in() {
    let mut f = world();
    let mut delayed = endpoint("late", 2);
    delayed.time_delay_seconds = Some(10);
    put_endpoint(&mut f, delayed);
    let r = get(&f, "/out/v1/late/index_1.m3u8");
    assert!(text(&r).ends_with("index_1_24.ts\n"), "{}", text(&r));
    let earlier = call_at(&f, "GET", "/out/v1/late/index_1.m3u8", &[], T0 + 20_500);
    assert!(
        text(&earlier).ends_with("index_1_4.ts\n"),
        "{}",
        text(&earlier)
    );
    // without a delay, every ingested segment is live whatever the clock says
    let undelayed = call_at(&f, "GET", "/out/v1/hls/index_1.m3u8", &[], T0 + 20_500);
    assert!(
        text(&undelayed).ends_with("index_1_29.ts\n"),
        "{}",
        text(&undelayed)
    );
}

#[test]
fn a_time_shifted_range_in_the_past_is_complete_and_cached_longer() {
    let mut f = world();
    let mut e = endpoint("dvr", 2);
    e.startover_window_seconds = Some(3600);
    put_endpoint(&mut f, e);
    let (start, end) = ((T0 + 10_000) / 1000, (T0 + 30_000) / 1000);
    let r = get(
        &f,
        &format!("/out/v1/dvr/index_1.m3u8?start={start}&end={end}"),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    let t = text(&r);
    assert!(t.ends_with("#EXT-X-ENDLIST\n"), "{t}");
    assert!(
        t.contains("index_1_5.ts\n") && !t.contains("index_1_15.ts"),
        "{t}"
    );
    assert_eq!(r.header_value("cache-control"), Some("max-age=300"));
}

#[test]
fn head_of_a_playlist_has_its_length_and_no_body() {
    let f = world();
    let full = get(&f, "/out/v1/hls/index_1.m3u8");
    let head = call(&f, "HEAD", "/out/v1/hls/index_1.m3u8", &[]);
    assert_eq!(head.status, 200);
    assert!(matches!(head.body, Body::Empty));
    assert_eq!(
        head.header_value("content-length"),
        Some(text(&full).len().to_string().as_str())
    );
    assert_eq!(
        head.header_value("content-type"),
        Some("application/vnd.apple.mpegurl")
    );
}

#[test]
fn a_rendition_announced_without_segments_yet_gets_an_empty_live_playlist() {
    let mut f = world();
    f.indexes.remove(&("live".to_owned(), 2));
    let r = get(&f, "/out/v1/hls/index_2.m3u8");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(!text(&r).contains("#EXTINF"), "{}", text(&r));
    assert!(!text(&r).contains("#EXT-X-ENDLIST"), "{}", text(&r));
}

#[test]
fn stream_selection_leaves_renditions_out_of_the_master_and_refuses_their_playlists() {
    let mut f = world();
    let mut e = endpoint("low", 2);
    if let Some(hls) = e.hls_package.as_mut() {
        hls.stream_selection = Some(tributary_mediapackage::wire::StreamSelection {
            max_video_bits_per_second: Some(1_000_000),
            ..Default::default()
        });
    }
    put_endpoint(&mut f, e);
    let master = get(&f, "/out/v1/low/index.m3u8");
    assert!(text(&master).contains("index_2.m3u8") && !text(&master).contains("index_1.m3u8"));
    assert_eq!(get(&f, "/out/v1/low/index_1.m3u8").status, 404);
    assert_eq!(get(&f, "/out/v1/low/index_2.m3u8").status, 200);
}

#[test]
fn a_custom_manifest_name_names_every_url() {
    let mut f = world();
    let mut e = endpoint("named", 2);
    e.manifest_name = "show".into();
    put_endpoint(&mut f, e);
    let master = get(&f, "/out/v1/named/show.m3u8");
    assert!(
        text(&master).contains("\nshow_1.m3u8\n"),
        "{}",
        text(&master)
    );
    assert!(text(&get(&f, "/out/v1/named/show_1.m3u8")).ends_with("show_1_29.ts\n"));
    assert_eq!(get(&f, "/out/v1/named/index.m3u8").status, 404);
}
