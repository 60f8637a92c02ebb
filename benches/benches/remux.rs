//! Cost of the just-in-time TS→CMAF remux (issue 5), measured natively on
//! the sans-IO crate the packager will run: one 2-second 720p segment
//! (H.264 High with B-frames at ~3 Mb/s + AAC) into its video and audio
//! fragments, the same for one track only (what a DASH request needs), and a
//! whole four-segment batch.
//! Criterion prints throughput; the bench also prints µs per MB of TS.
//! The in-component comparison comes when the packager links the crate.
//! `cargo bench -p tributary-benches --bench remux` (needs ffmpeg for the fixture).

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;
use tributary_fmp4::{Options, TrackKind, remux};

/// Four 2-second TS segments made by ffmpeg, the way an encoder pushes them.
fn segments() -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("seg%03d.ts");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t", "8", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M",
        ])
        .args([
            "-g",
            "50",
            "-keyint_min",
            "50",
            "-sc_threshold",
            "0",
            "-bf",
            "2",
        ])
        .args(["-c:a", "aac", "-b:a", "128k", "-ac", "2"])
        .args([
            "-f",
            "segment",
            "-segment_time",
            "2",
            "-segment_format",
            "mpegts",
        ])
        .arg(&pattern)
        .status()
        .expect("ffmpeg makes the bench's TS");
    assert!(status.success());
    let mut paths: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn report(name: &str, bytes: usize, f: impl Fn()) {
    let runs = 50;
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
    let mb = bytes as f64 / 1e6;
    println!(
        "{name}: {bytes} bytes of TS, {us:.0} µs per call, {:.0} µs per MB",
        us / mb
    );
}

fn bench(c: &mut Criterion) {
    let segs = segments();
    let one = [segs[1].as_slice()];
    let all: Vec<&[u8]> = segs.iter().map(Vec::as_slice).collect();
    let options = Options::default();
    let out = remux(&one, &options).unwrap();
    assert_eq!(out.tracks.len(), 2);
    assert_eq!(out.tracks[0].fragments[0].samples, 50);

    report("remux_one_720p_segment", one[0].len(), || {
        black_box(remux(black_box(&one), &options).unwrap());
    });
    for kind in [TrackKind::Video, TrackKind::Audio] {
        let only = Options {
            only: Some(kind),
            ..Options::default()
        };
        report(
            &format!("remux_one_720p_segment_{kind:?}_only"),
            one[0].len(),
            || {
                black_box(remux(black_box(&one), &only).unwrap());
            },
        );
    }
    let total: usize = all.iter().map(|s| s.len()).sum();
    report("remux_four_720p_segments", total, || {
        black_box(remux(black_box(&all), &options).unwrap());
    });

    let mut g = c.benchmark_group("remux");
    g.throughput(Throughput::Bytes(one[0].len() as u64));
    g.bench_function("one_720p_segment", |b| {
        b.iter(|| remux(black_box(&one), &options).unwrap())
    });
    let audio = Options {
        only: Some(TrackKind::Audio),
        ..Options::default()
    };
    g.bench_function("one_720p_segment_audio_only", |b| {
        b.iter(|| remux(black_box(&one), &audio).unwrap())
    });
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("four_720p_segments", |b| {
        b.iter(|| remux(black_box(&all), &options).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
