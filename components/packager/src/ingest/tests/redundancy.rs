//! Two encoders, one per ingest endpoint: the standby takes over when the
//! active one stalls, without a gap in the channel's numbers.

use super::memory::{Encoder, Memory, T0, sequences};
use crate::ingest::channel::Role;

/// Both encoders push the same source: `b` 300 ms behind `a`, on one PTS
/// timeline, until `a` stops after `a_stops` segments; `b` goes on to `end`.
fn run(m: &Memory, a: &mut Encoder, b: &mut Encoder, a_stops: i64, end: i64) -> Vec<Option<Role>> {
    let mut b_roles = Vec::new();
    for i in 0..end {
        let t = T0 + (i + 1) * 2000;
        if i < a_stops {
            a.push(m, t);
        }
        b_roles.push(b.push(m, t + 300).role);
    }
    b_roles
}

#[test]
fn the_standby_takes_over_after_a_stall_with_contiguous_numbers_and_no_discontinuity() {
    let m = Memory::with_channel("c1");
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    let roles = run(&m, &mut a, &mut b, 10, 20);
    // b is standby while a delivers; a's last delivery is at T0 + 20 s; b's
    // PUT at T0 + 22.3 s is within 3 s, at T0 + 24.3 s past it.
    assert!(
        roles[..11].iter().all(|r| *r == Some(Role::Standby)),
        "{roles:?}"
    );
    assert_eq!(roles[11], Some(Role::Active));
    assert!(roles[12..].iter().all(|r| *r == Some(Role::Active)));
    assert_eq!(m.state().active_ingest.as_deref(), Some("b"));

    let index = m.index(1);
    let seqs = sequences(&index);
    assert_eq!(seqs.first(), Some(&1));
    // Every encoder segment 0..20 exactly once: PTS step by one segment.
    let pts: Vec<u64> = index.segments.iter().map(|s| s.pts.unwrap()).collect();
    assert_eq!(pts.len(), 20, "{pts:?}");
    assert!(pts.windows(2).all(|w| w[1] == w[0] + 180_000), "{pts:?}");
    assert!(index.segments.iter().all(|s| !s.discontinuity));
    // Program date time runs on without a jump.
    assert!(
        index
            .segments
            .windows(2)
            .all(|w| w[1].program_date_time_ms == w[0].program_date_time_ms + 2000)
    );
    // Segments 0..9 from a, 10.. from b.
    assert!(index.segments[9].key.contains("/a/"));
    assert!(index.segments[10].key.contains("/b/"));
}

#[test]
fn the_old_active_comes_back_as_standby() {
    let m = Memory::with_channel("c1");
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    run(&m, &mut a, &mut b, 5, 10);
    assert_eq!(m.state().active_ingest.as_deref(), Some("b"));
    // a resumes (its encoder restarted); b keeps delivering.
    a.restart(a.pts_base + 10 * 180_000);
    let out = a.push(&m, T0 + 21_000);
    assert_eq!(out.role, Some(Role::Standby));
    let before = m.index(1).segments.len();
    b.push(&m, T0 + 22_300);
    assert_eq!(m.index(1).segments.len(), before + 1);
    assert!(m.index(1).segments.last().unwrap().key.contains("/b/"));
}

#[test]
fn a_takeover_from_an_encoder_on_another_timeline_starts_a_discontinuity() {
    let m = Memory::with_channel("c1");
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    b.pts_base = 7_000_000_000;
    run(&m, &mut a, &mut b, 6, 12);
    let index = m.index(1);
    sequences(&index);
    let switch = index
        .segments
        .iter()
        .position(|s| s.key.contains("/b/"))
        .unwrap();
    assert!(index.segments[switch].discontinuity);
    assert_eq!(index.discontinuities, vec![index.segments[switch].sequence]);
    assert!(
        index.segments[switch + 1..]
            .iter()
            .all(|s| !s.discontinuity)
    );
}

#[test]
fn a_takeover_within_tolerance_keeps_the_dates_continuous() {
    // Two encoders on one PTS timeline whose clocks differ by 124 ms: the
    // takeover is seamless, so the dates must not jump either.
    let m = Memory::with_channel("c1");
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    a.pdt_offset_ms = Some(0);
    b.pdt_offset_ms = Some(124);
    run(&m, &mut a, &mut b, 8, 14);
    let index = m.index(1);
    sequences(&index);
    assert!(index.segments.iter().all(|s| !s.discontinuity));
    let pdts: Vec<i64> = index
        .segments
        .iter()
        .map(|s| s.program_date_time_ms)
        .collect();
    assert!(pdts.windows(2).all(|w| w[1] == w[0] + 2000), "{pdts:?}");
}

#[test]
fn program_date_time_aligns_a_takeover_when_encoders_send_it() {
    let m = Memory::with_channel("c1");
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    a.pdt_offset_ms = Some(0);
    b.pdt_offset_ms = Some(0);
    b.pts_base = 3_000_000_000; // unrelated PTS, but PDT lines up
    run(&m, &mut a, &mut b, 8, 14);
    let index = m.index(1);
    sequences(&index);
    let pdts: Vec<i64> = index
        .segments
        .iter()
        .map(|s| s.program_date_time_ms)
        .collect();
    assert!(pdts.windows(2).all(|w| w[1] == w[0] + 2000), "{pdts:?}");
    let switch = index
        .segments
        .iter()
        .position(|s| s.key.contains("/b/"))
        .unwrap();
    assert_eq!(switch, 8, "b's segment 8 follows a's 7");
    // PTS differ, so players need the discontinuity even though PDT lines up.
    assert!(index.segments[switch].discontinuity);
}

#[test]
fn the_standby_feed_stays_bounded_and_its_old_blobs_are_deleted() {
    let m = Memory::with_channel("c1");
    m.add_endpoint(10, None);
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    run(&m, &mut a, &mut b, 100, 100);
    let feed = m.feed("b");
    assert!(feed.uploads.len() <= 10, "{}", feed.uploads.len());
    let index = m.index(1);
    // Every blob left is listed by the index or waits in b's feed.
    assert_eq!(
        m.blobs.borrow().len(),
        index.segments.len() + feed.uploads.len()
    );
}

#[test]
fn a_restarted_encoder_taking_over_does_not_replay_its_backlog() {
    // a leads, dies at 8 s and comes back at 20 s (numbering, PTS and
    // dates start again) as standby; b, 100 ms behind, dies at 28 s.
    let m = Memory::with_channel("c1");
    let (mut a, mut b) = (Encoder::new("a"), Encoder::new("b"));
    a.pdt_offset_ms = Some(0);
    b.pdt_offset_ms = Some(100);
    for i in 0..20 {
        let t = T0 + (i + 1) * 2000;
        if i == 10 {
            a.restart(a.pts_base + 99 * 180_000);
            a.pdt_offset_ms = Some(20_000);
        }
        if !(4..10).contains(&i) {
            a.push(&m, t + 50);
        }
        if i < 14 {
            b.push(&m, t + 100);
        }
    }
    let index = m.index(1);
    sequences(&index);
    // Content never repeats: each segment starts where the one before ended
    // or later, so dates never stand still or go back.
    let bad: Vec<_> = index
        .segments
        .windows(2)
        .filter(|w| {
            w[1].program_date_time_ms < w[0].program_date_time_ms + i64::from(w[0].duration_ms)
        })
        .map(|w| (w[0].sequence, w[1].sequence))
        .collect();
    assert!(
        bad.is_empty(),
        "overlapping {bad:?} in {:?}",
        index.segments
    );
    // and the last of it is a's, live
    assert!(index.segments.last().unwrap().key.contains("/a/"));
    assert!(index.segments.len() >= 18, "{}", index.segments.len());
}
