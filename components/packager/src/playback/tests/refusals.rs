//! Every refusal: its status, its short text body, CORS on it, and how far
//! the request got into the stores before it.

use super::fixtures::*;
use tributary_mediapackage::ingest::StoredSegment;
use tributary_mediapackage::wire::Origination;

#[test]
fn options_is_a_preflight_answered_without_reading_any_store() {
    let f = world();
    let r = call(
        &f,
        "OPTIONS",
        "/out/v1/hls/index.m3u8",
        &[
            ("origin", "https://player.example"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "range"),
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header_value("access-control-allow-methods"),
        Some("GET, HEAD")
    );
    assert_eq!(
        r.header_value("access-control-allow-headers"),
        Some("range")
    );
    assert_cors(&r);
    assert!(f.calls().is_empty(), "{:?}", f.calls());
}

#[test]
fn methods_other_than_get_head_and_options_are_405() {
    let f = world();
    for m in ["PUT", "POST", "DELETE", "PATCH"] {
        let r = call(&f, m, "/out/v1/hls/index.m3u8", &[]);
        assert_eq!(r.status, 405, "{m}");
        assert_eq!(r.header_value("allow"), Some("GET, HEAD, OPTIONS"));
        assert_cors(&r);
    }
    assert!(f.calls().is_empty());
}

#[test]
fn unknown_endpoints_and_endpoints_without_hls_are_404() {
    let mut f = world();
    let r = get(&f, "/out/v1/nope/index.m3u8");
    assert_eq!(r.status, 404);
    assert_eq!(text(&r), "no origin endpoint nope\n");
    assert_eq!(
        r.header_value("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(r.header_value("cache-control"), Some("max-age=1"));
    assert_cors(&r);
    let mut bare = endpoint("bare", 2);
    bare.hls_package = None;
    put_endpoint(&mut f, bare);
    let r = get(&f, "/out/v1/bare/index.m3u8");
    assert_eq!(r.status, 404);
    assert!(text(&r).contains("has no package"), "{}", text(&r));
    for path in ["/out/v1/hls/", "/out/v1/hls/a/b.m3u8", "/out/v1/"] {
        assert_eq!(get(&f, path).status, 404, "{path}");
    }
}

#[test]
fn paths_the_endpoint_does_not_name_are_404() {
    let f = world();
    for file in [
        "other.m3u8",
        "index_0.m3u8",
        "index_01.m3u8",
        "index_1_x.ts",
        "index.mpd",
    ] {
        let r = get(&f, &format!("/out/v1/hls/{file}"));
        assert_eq!(r.status, 404, "{file}");
        assert!(text(&r).contains(file), "{}", text(&r));
    }
    let r = get(&f, "/out/v1/hls/index_3.m3u8");
    assert_eq!((r.status, text(&r)), (404, "no such rendition\n"));
    assert_eq!(get(&f, "/out/v1/hls/index_3_1.ts").status, 404);
}

#[test]
fn origination_deny_is_403_for_everything_before_any_state_is_read() {
    let mut f = world();
    let mut e = endpoint("closed", 2);
    e.origination = Origination::Deny;
    put_endpoint(&mut f, e);
    for file in ["index.m3u8", "index_1.m3u8", "index_1_3.ts"] {
        let r = get(&f, &format!("/out/v1/closed/{file}"));
        assert_eq!(r.status, 403, "{file}");
        assert_eq!(r.header_value("cache-control"), Some("no-store"));
        assert_cors(&r);
    }
    assert!(
        f.calls().iter().all(|c| c == "endpoint closed"),
        "{:?}",
        f.calls()
    );
}

#[test]
fn the_whitelist_admits_clients_inside_its_blocks_only() {
    let mut f = world();
    let mut e = endpoint("wl", 2);
    e.whitelist = vec!["10.0.0.0/8".into(), "2001:db8::/32".into()];
    put_endpoint(&mut f, e);
    let from = |addr: &str| {
        let h: Vec<(String, String)> = vec![("spin-client-addr".into(), addr.into())];
        let head = crate::playback::serve::Head {
            method: "GET",
            path: "/out/v1/wl/index.m3u8",
            query: "",
            headers: &h,
        };
        crate::playback::serve::serve(&head, &f, &super::native::NativePlug, NOW).status
    };
    assert_eq!(from("10.1.2.3:4000"), 200);
    assert_eq!(from("[2001:db8::7]:4000"), 200);
    assert_eq!(from("[::ffff:10.9.9.9]:4000"), 200);
    assert_eq!(from("127.0.0.1:4000"), 403);
    assert_eq!(from("[2001:db9::7]:4000"), 403);
    // the fixtures' own client (127.0.0.1) is outside too
    let r = get(&f, "/out/v1/wl/index_1_3.ts");
    assert_eq!(r.status, 403);
    assert!(text(&r).contains("whitelist"), "{}", text(&r));
}

#[test]
fn a_deleted_channel_or_state_from_its_earlier_life_serves_nothing() {
    let mut f = world();
    if let Some(s) = f.states.get_mut("live") {
        s.channel_created_at = "2020-01-01T00:00:00Z".into();
    }
    let r = get(&f, "/out/v1/hls/index.m3u8");
    assert_eq!(r.status, 404);
    assert!(
        text(&r).contains("has not received a stream yet"),
        "{}",
        text(&r)
    );
    assert_eq!(get(&f, "/out/v1/hls/index_1.m3u8").status, 404);
    f.channels.clear();
    let r = get(&f, "/out/v1/hls/index.m3u8");
    assert_eq!(
        (r.status, text(&r)),
        (404, "channel live no longer exists\n")
    );
    f.states.clear();
    assert_eq!(get(&f, "/out/v1/hls/index_1_3.ts").status, 404);
}

#[test]
fn unreadable_queries_are_400_and_time_shift_refusals_404() {
    let mut f = world();
    let cases = [
        (
            "aws.manifestfilter=video_codec%3Ah264",
            400,
            "unsupported manifest filter",
        ),
        (
            "aws.manifestfilter=video_height%3Aabc",
            400,
            "malformed query",
        ),
        ("start=1&start=2", 400, "malformed query"),
        ("start=1000", 404, "startover window"),
    ];
    for (q, status, says) in cases {
        for file in ["index.m3u8", "index_1.m3u8"] {
            if file == "index.m3u8" && q.starts_with("start=1000") {
                continue; // the master does not read time-shift
            }
            let r = get(&f, &format!("/out/v1/hls/{file}?{q}"));
            assert_eq!(r.status, status, "{file}?{q}: {}", text(&r));
            assert!(text(&r).contains(says), "{file}?{q}: {}", text(&r));
            assert_cors(&r);
        }
    }
    let mut e = endpoint("dvr", 2);
    e.startover_window_seconds = Some(20);
    put_endpoint(&mut f, e);
    let long_ago = (T0 - 3_600_000) / 1000;
    let r = get(&f, &format!("/out/v1/dvr/index_1.m3u8?start={long_ago}"));
    assert_eq!(r.status, 404, "{}", text(&r));
    assert!(
        text(&r).contains("outside the startover window"),
        "{}",
        text(&r)
    );
    let r = get(
        &f,
        &format!(
            "/out/v1/dvr/index_1.m3u8?start={}&end={}",
            T0 / 1000 + 58,
            T0 / 1000 + 55
        ),
    );
    assert_eq!(r.status, 400, "{}", text(&r));
}

#[test]
fn a_broken_stored_index_is_a_500_that_says_where() {
    let mut f = world();
    if let Some(ix) = f.indexes.get_mut(&("live".to_owned(), 1)) {
        ix.segments.push(StoredSegment {
            sequence: 99,
            duration_ms: 2000,
            program_date_time_ms: T0 + 70_000,
            key: key(1, 99),
            ..StoredSegment::default()
        });
    }
    let r = get(&f, "/out/v1/hls/index_1.m3u8");
    assert_eq!(r.status, 500);
    assert!(text(&r).contains("segment 99"), "{}", text(&r));
    assert_eq!(get(&f, "/out/v1/hls/index_1_3.ts").status, 500);
}

#[test]
fn a_failing_state_store_is_500() {
    let mut f = world();
    f.broken_kv = true;
    let r = get(&f, "/out/v1/hls/index.m3u8");
    assert_eq!(r.status, 500);
    assert!(text(&r).contains("disk on fire"), "{}", text(&r));
    assert_cors(&r);
}
