//! Segments: the blobs the plug resolves, opened in order and sent one
//! after another with their total length, or only stat'ed (HEAD), ranged,
//! or refused.

use super::fixtures::*;
use crate::playback::reply::Body;

fn streams(r: &crate::playback::reply::Reply<Opening>) -> Vec<Opening> {
    match &r.body {
        Body::Blobs(b) => b.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn a_passed_through_segment_is_its_one_blob_with_long_cache_and_its_etag() {
    let f = world();
    let r = get(&f, "/out/v1/hls/index_1_27.ts?token=abc");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(streams(&r), [(key(1, 27), None)]);
    assert_eq!(r.header_value("content-type"), Some("video/MP2T"));
    assert_eq!(r.header_value("content-length"), Some("1027"));
    assert_eq!(r.header_value("cache-control"), Some("max-age=1209600"));
    assert_eq!(r.header_value("etag"), Some("\"tag1-27\""));
    assert_eq!(r.header_value("accept-ranges"), Some("bytes"));
    assert_cors(&r);
    // GET opens the blob once and sizes the answer from it: no separate stat
    assert_eq!(f.blob_calls(), [format!("read {} None", key(1, 27))]);
}

#[test]
fn a_combined_segment_streams_its_inputs_in_order_with_their_total_length() {
    let f = world();
    let r = get(&f, "/out/v1/hls6/index_2_9.ts");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        streams(&r),
        [(key(2, 27), None), (key(2, 28), None), (key(2, 29), None)]
    );
    let total = size(27) + size(28) + size(29);
    assert_eq!(
        r.header_value("content-length"),
        Some(total.to_string().as_str())
    );
    assert!(r.header_value("etag").is_some_and(|t| t.ends_with("-3\"")));
}

#[test]
fn head_stats_the_blobs_and_opens_none() {
    let f = world();
    let r = call(&f, "HEAD", "/out/v1/hls6/index_1_9.ts", &[]);
    assert_eq!(r.status, 200);
    assert!(matches!(r.body, Body::Empty));
    let total = size(27) + size(28) + size(29);
    assert_eq!(
        r.header_value("content-length"),
        Some(total.to_string().as_str())
    );
    assert_eq!(r.header_value("content-type"), Some("video/MP2T"));
    assert!(
        f.blob_calls().iter().all(|c| c.starts_with("stat ")),
        "{:?}",
        f.blob_calls()
    );
    assert_eq!(f.blob_calls().len(), 3);
}

#[test]
fn a_blob_gone_before_sending_is_404_and_nothing_is_streamed() {
    let f = world();
    f.blobs.borrow_mut().remove(&key(2, 28));
    for method in ["GET", "HEAD"] {
        let r = call(&f, method, "/out/v1/hls6/index_2_9.ts", &[]);
        assert_eq!(r.status, 404, "{method}");
        assert!(streams(&r).is_empty());
        assert_cors(&r);
    }
    let r = get(&f, "/out/v1/hls6/index_2_9.ts");
    assert!(text(&r).contains("gone"), "{}", text(&r));
}

#[test]
fn segments_outside_the_index_or_not_final_are_404() {
    let f = world();
    for file in ["index_1_30.ts", "index_1_123456.ts", "index_1_10.ts"] {
        let endpoint = if file == "index_1_10.ts" {
            "hls6"
        } else {
            "hls"
        };
        let r = get(&f, &format!("/out/v1/{endpoint}/{file}"));
        assert_eq!(r.status, 404, "{file}");
        assert_eq!(text(&r), "segment not available\n");
    }
    assert!(f.blob_calls().is_empty());
}

#[test]
fn a_range_across_two_inputs_reads_just_those_bytes_and_answers_206() {
    let f = world();
    // index_1_9 on hls6 is inputs 27 (1027 bytes), 28 (1028), 29 (1029)
    let r = call(
        &f,
        "GET",
        "/out/v1/hls6/index_1_9.ts",
        &[("range", "bytes=1020-1030")],
    );
    assert_eq!(r.status, 206, "{}", text(&r));
    assert_eq!(
        streams(&r),
        [(key(1, 27), Some((1020, 1026))), (key(1, 28), Some((0, 3)))]
    );
    assert_eq!(
        r.header_value("content-range"),
        Some("bytes 1020-1030/3084")
    );
    assert_eq!(r.header_value("content-length"), Some("11"));
    let calls = f.blob_calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("stat ")).count(),
        3,
        "{calls:?}"
    );
}

#[test]
fn a_range_past_the_end_is_416() {
    let f = world();
    let r = call(
        &f,
        "GET",
        "/out/v1/hls/index_1_3.ts",
        &[("range", "bytes=5000-")],
    );
    assert_eq!(r.status, 416);
    assert_eq!(r.header_value("content-range"), Some("bytes */1003"));
    assert!(streams(&r).is_empty());
}

#[test]
fn a_current_etag_is_answered_304_without_a_body() {
    let f = world();
    let r = call(
        &f,
        "GET",
        "/out/v1/hls/index_1_3.ts",
        &[("if-none-match", "\"tag1-3\"")],
    );
    assert_eq!(r.status, 304);
    assert!(streams(&r).is_empty());
    assert_eq!(r.header_value("etag"), Some("\"tag1-3\""));
    assert_eq!(r.header_value("cache-control"), Some("max-age=1209600"));
    let stale = call(
        &f,
        "GET",
        "/out/v1/hls/index_1_3.ts",
        &[("if-none-match", "\"old\"")],
    );
    assert_eq!(stale.status, 200);
}

#[test]
fn a_blob_that_changed_between_stat_and_read_is_a_retryable_503() {
    struct Shrinking(Fake);
    impl crate::playback::serve::Store for Shrinking {
        type Body = Opening;
        fn endpoint(
            &self,
            id: &str,
        ) -> Result<Option<tributary_mediapackage::EndpointRecord>, String> {
            self.0.endpoint(id)
        }
        fn channel(
            &self,
            id: &str,
        ) -> Result<Option<tributary_mediapackage::ChannelRecord>, String> {
            self.0.channel(id)
        }
        fn ingest_state(
            &self,
            c: &str,
        ) -> Result<Option<tributary_mediapackage::ingest::IngestState>, String> {
            self.0.ingest_state(c)
        }
        fn index(
            &self,
            c: &str,
            n: u32,
        ) -> Result<Option<tributary_mediapackage::ingest::StoredIndex>, String> {
            self.0.index(c, n)
        }
        fn read_bytes(
            &self,
            key: &str,
        ) -> Result<Option<(crate::playback::segment::BlobMeta, Vec<u8>)>, String> {
            self.0.read_bytes(key)
        }
        fn stat(&self, key: &str) -> Result<Option<crate::playback::segment::BlobMeta>, String> {
            self.0.stat(key)
        }
        fn read(
            &self,
            key: &str,
            range: Option<(u64, u64)>,
        ) -> Result<Option<crate::playback::serve::Opened<Opening>>, String> {
            // a store that reports a still-growing object
            Ok(self.0.read(key, range)?.map(|mut o| {
                o.length = None;
                o
            }))
        }
    }
    let s = Shrinking(world());
    let h: Vec<(String, String)> = Vec::new();
    let head = crate::playback::serve::Head {
        method: "GET",
        path: "/out/v1/hls/index_1_3.ts",
        query: "",
        headers: &h,
    };
    let r = crate::playback::serve::serve(&head, &s, &super::native::NativePlug, NOW);
    assert_eq!(r.status, 503);
    assert_eq!(r.header_value("retry-after"), Some("1"));
}
