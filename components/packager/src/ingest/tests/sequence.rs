//! One encoder: appending, retention, renditions, a re-created channel.

use tributary_hls::ingest::parse_master;
use tributary_mediapackage::ingest::StoredKind;

use super::memory::{Encoder, Memory, T0, sequences};
use crate::ingest::service;

#[test]
fn every_pushed_segment_is_appended_once_with_times_from_the_puts() {
    let m = Memory::with_channel("c1");
    let mut a = Encoder::new("a");
    for i in 0..10 {
        let out = a.push(&m, T0 + (i + 1) * 2000);
        assert_eq!(out.appended, 1);
    }
    let index = m.index(1);
    assert_eq!(sequences(&index), (1..=10).collect::<Vec<_>>());
    assert_eq!(index.target_duration_s, 2);
    assert_eq!(index.segments[0].program_date_time_ms, T0);
    assert_eq!(index.segments[9].program_date_time_ms, T0 + 18_000);
    assert!(index.segments.iter().all(|s| !s.discontinuity));
    assert!(
        index
            .segments
            .iter()
            .all(|s| m.blobs.borrow().contains(&s.key))
    );
    assert!(
        m.feed("a").uploads.is_empty(),
        "appended uploads leave the feed"
    );
    assert_eq!(m.feed("a").last_appended.get(&1), Some(&9));
    // A playlist PUT again changes nothing.
    let out = a.put_playlist(&m, T0 + 21_000);
    assert_eq!((out.appended, out.role), (0, None));
    assert_eq!(m.index(1).segments.len(), 10);
}

#[test]
fn retention_drops_what_no_endpoint_needs_and_deletes_its_blobs() {
    let m = Memory::with_channel("c1");
    m.add_endpoint(10, None);
    let mut a = Encoder::new("a");
    for i in 0..60 {
        a.push(&m, T0 + (i + 1) * 2000);
    }
    let index = m.index(1);
    let seqs = sequences(&index);
    // 10 s window + 2 × 2 s slack: about 7 segments of 2 s.
    assert!(seqs.len() <= 9 && seqs.len() >= 6, "{seqs:?}");
    assert_eq!(*seqs.last().unwrap(), 60);
    assert_eq!(
        m.blobs.borrow().len(),
        seqs.len(),
        "expired blobs are deleted"
    );
    // A startover window keeps more.
    m.add_endpoint(10, Some(60));
    for i in 60..90 {
        a.push(&m, T0 + (i + 1) * 2000);
    }
    let n = m.index(1).segments.len();
    assert!((30..=34).contains(&n), "{n}");
}

#[test]
fn a_media_playlist_before_the_master_makes_its_own_rendition_and_keeps_its_number() {
    let m = Memory::with_channel("c1");
    let mut second = Encoder::new("a");
    second.playlist = "channel_1.m3u8";
    let out = second.push(&m, T0 + 2000);
    assert_eq!(out.rendition, 1);
    assert_eq!(m.state().renditions[0].kind, StoredKind::Video);
    assert_eq!(m.state().renditions[0].bandwidth, 0);
    let master = parse_master(
        b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360\nchannel_0.m3u8\n\
          #EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=320x180\nchannel_1.m3u8\n",
    )
    .unwrap();
    service::master(&m, &m.channel(), &master).unwrap();
    let state = m.state();
    assert_eq!(state.renditions.len(), 2);
    assert_eq!(state.renditions[0].name, "channel_1.m3u8");
    assert_eq!(state.renditions[0].bandwidth, 500_000);
    let mut first = Encoder::new("a");
    first.playlist = "channel_0.m3u8";
    assert_eq!(first.push(&m, T0 + 2100).rendition, 2);
    assert_eq!(second.push(&m, T0 + 4000).rendition, 1);
    assert_eq!(sequences(&m.index(1)), vec![1, 2]);
    assert_eq!(sequences(&m.index(2)), vec![1]);
}

#[test]
fn an_encoder_restart_goes_on_with_the_channel_numbers_and_a_discontinuity() {
    let m = Memory::with_channel("c1");
    let mut a = Encoder::new("a");
    for i in 0..5 {
        a.push(&m, T0 + (i + 1) * 2000);
    }
    a.restart(900_000);
    for i in 0..3 {
        a.push(&m, T0 + 30_000 + (i + 1) * 2000);
    }
    let index = m.index(1);
    assert_eq!(sequences(&index), (1..=8).collect::<Vec<_>>());
    assert!(index.segments[5].discontinuity);
    assert_eq!(index.discontinuities, vec![6]);
    assert!(index.segments[5].program_date_time_ms >= T0 + 30_000);
}

#[test]
fn a_deleted_and_recreated_channel_starts_afresh() {
    let m = Memory::with_channel("c1");
    let mut a = Encoder::new("a");
    for i in 0..4 {
        a.push(&m, T0 + (i + 1) * 2000);
    }
    let old_keys: Vec<String> = m.index(1).segments.iter().map(|s| s.key.clone()).collect();
    m.create_channel("c2");
    let mut a = Encoder::new("a");
    a.pts_base = 5_000_000;
    a.push(&m, T0 + 60_000);
    let index = m.index(1);
    assert_eq!(sequences(&index), vec![1]);
    assert!(!index.segments[0].discontinuity);
    assert_eq!(m.state().channel_created_at, "c2");
    assert!(old_keys.iter().all(|k| !m.blobs.borrow().contains(k)));
}

#[test]
fn a_segment_whose_put_ends_after_its_playlist_is_appended_when_it_arrives() {
    let m = Memory::with_channel("c1");
    let mut a = Encoder::new("a");
    a.push(&m, T0 + 2000);
    // The playlist listing segment 1 is taken in before segment 1's PUT ends.
    a.announce_next();
    let out = a.put_playlist(&m, T0 + 4000);
    assert_eq!((out.appended, m.index(1).segments.len()), (0, 1));
    a.put_segment(&m, T0 + 4100);
    let index = m.index(1);
    assert_eq!(sequences(&index), vec![1, 2]);
    assert!(m.feed("a").uploads.is_empty());
}
