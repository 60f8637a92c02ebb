//! Cost of the just-in-time TS→CMAF remux (issue 5), natively and in a
//! component: one 2-second 720p segment (H.264 High with B-frames at ~3 Mb/s,
//! and AAC) into its video and audio fragments, the same for one track only
//! (what a DASH request needs), and a whole four-segment batch — natively on
//! the sans-IO crate the packager runs. Then the same segment in
//! `tests/components/fmp4-bench` (the crate built for wasm32-wasip2, run by
//! wasmtime configured as the host configures it): remuxed N times per call in
//! one warm instance (the guest's own cost), and one fresh instance that reads
//! the segment and remuxes it once (what a request pays, without HTTP).
//! Criterion prints throughput; the bench also prints µs per MB of TS and a
//! `remux summary:` line with the component/native ratios.
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 -p tributary-test-fmp4-bench
//! cargo bench -p tributary-benches --bench remux   # needs ffmpeg for the fixture
//! ```

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::process::Command;
use std::time::Duration;
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

/// The remux inside `tests/components/fmp4-bench`, in wasmtime.
#[path = "common/engine.rs"]
mod engine;

mod guest {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};
    use wasmtime::component::{Component, Linker, ResourceTable};
    use wasmtime::{Store, StoreLimits, StoreLimitsBuilder};

    use crate::engine::{MEMORY_BYTES, engine};
    use wasmtime_wasi::p2::bindings::{Command, CommandPre};
    use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
    use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

    pub struct State {
        wasi: WasiCtx,
        table: ResourceTable,
        limits: StoreLimits,
    }

    impl WasiView for State {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView {
                ctx: &mut self.wasi,
                table: &mut self.table,
            }
        }
    }

    /// The compiled component and the segment it is fed.
    pub struct Guest {
        runtime: tokio::runtime::Runtime,
        pre: CommandPre<State>,
        segment: bytes::Bytes,
    }

    /// An instance that has read the segment and remuxes it `times` per call.
    pub struct Warm {
        store: Store<State>,
        command: Command,
        stdout: MemoryOutputPipe,
        pub times: u32,
    }

    fn wasm_path() -> PathBuf {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/wasm32-wasip2/release/tributary_test_fmp4_bench.wasm");
        assert!(
            path.is_file(),
            "{} is missing: run `cargo build --release --target wasm32-wasip2 -p tributary-test-fmp4-bench`",
            path.display()
        );
        path
    }

    impl Guest {
        pub fn load(segment: &[u8]) -> Self {
            let engine = engine(16);
            let component = Component::from_file(&engine, wasm_path()).unwrap();
            let mut linker = Linker::new(&engine);
            wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
            let pre = CommandPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            Self {
                runtime,
                pre,
                segment: bytes::Bytes::copy_from_slice(segment),
            }
        }

        /// A store whose stdin holds the segment and whose last argument is
        /// `times`, as the host makes one per request.
        fn store(&self, times: u32) -> (Store<State>, MemoryOutputPipe) {
            let stdout = MemoryOutputPipe::new(1 << 20);
            let wasi = WasiCtx::builder()
                .stdin(MemoryInputPipe::new(self.segment.clone()))
                .stdout(stdout.clone())
                .inherit_stderr()
                .args(&["fmp4-bench".to_owned(), times.to_string()])
                .build();
            let state = State {
                wasi,
                table: ResourceTable::new(),
                limits: StoreLimitsBuilder::new()
                    .memory_size(MEMORY_BYTES)
                    .instances(64)
                    .build(),
            };
            let mut store = Store::new(self.pre.engine(), state);
            store.limiter(|s| &mut s.limits);
            // No epoch ticker runs here, so the deadline is never reached;
            // the checks still cost what they cost in the host.
            store.set_epoch_deadline(1);
            (store, stdout)
        }

        async fn call(store: &mut Store<State>, command: &Command) {
            command
                .wasi_cli_run()
                .call_run(&mut *store)
                .await
                .unwrap()
                .expect("the guest remuxes the segment (its stderr says why not)");
        }

        /// A fresh instance that has read the segment and remuxed it once;
        /// each later `run` remuxes it `times` times.
        pub fn warm(&self, times: u32) -> (Warm, u64) {
            let (mut store, stdout) = self.store(times);
            let command = self.runtime.block_on(async {
                let command = self.pre.instantiate_async(&mut store).await.unwrap();
                Self::call(&mut store, &command).await;
                command
            });
            let warm = Warm {
                store,
                command,
                stdout,
                times,
            };
            let total = warm.total();
            (warm, total / u64::from(times))
        }

        /// One call: `warm.times` remuxes inside the guest.
        pub fn run(&self, warm: &mut Warm) {
            self.runtime
                .block_on(Self::call(&mut warm.store, &warm.command));
        }

        /// What a request pays without HTTP: a store, an instance, the
        /// segment read into guest memory, one remux, the instance dropped.
        /// The output length.
        pub fn cold(&self) -> u64 {
            self.cold_phases().0
        }

        /// `cold`, with the time of each phase: store and instantiate, the
        /// call (reading stdin, remuxing: the guest's heap grows from
        /// nothing), dropping the store (the pool resets the memory).
        pub fn cold_phases(&self) -> (u64, [Duration; 3]) {
            let start = Instant::now();
            let (mut store, stdout) = self.store(1);
            let command = self
                .runtime
                .block_on(self.pre.instantiate_async(&mut store))
                .unwrap();
            let instantiated = Instant::now();
            self.runtime.block_on(Self::call(&mut store, &command));
            let called = Instant::now();
            drop(store);
            let dropped = Instant::now();
            (
                last_line(&stdout),
                [
                    instantiated - start,
                    called - instantiated,
                    dropped - called,
                ],
            )
        }
    }

    impl Warm {
        /// The guest's last report: bytes of output of its last call.
        pub fn total(&self) -> u64 {
            last_line(&self.stdout)
        }
    }

    fn last_line(stdout: &MemoryOutputPipe) -> u64 {
        let text = String::from_utf8(stdout.contents().to_vec()).unwrap();
        text.lines().last().unwrap().parse().unwrap()
    }
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

/// Remuxes per call in the warm instance: the call's own cost (a few host
/// calls, lifting the result) is spread over them.
const GUEST_TIMES: u32 = 10;

/// Bytes of init segments and fragments in a remux's output.
fn output_len(out: &tributary_fmp4::Remux) -> u64 {
    out.tracks
        .iter()
        .map(|t| t.init.len() + t.fragments.iter().map(|f| f.bytes.len()).sum::<usize>())
        .sum::<usize>() as u64
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Native, warm component and instantiate+remux, interleaved on the same
/// segment so drifting load hits all three alike; medians and ratios.
fn summary(segment: &[u8], guest: &guest::Guest, warm: &mut guest::Warm) {
    let rounds = 40;
    let (mut native, mut component, mut cold) = (Vec::new(), Vec::new(), Vec::new());
    let mut phases: [Vec<Duration>; 3] = Default::default();
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..GUEST_TIMES {
            black_box(remux(black_box(&[segment]), &Options::default()).unwrap());
        }
        native.push(start.elapsed() / GUEST_TIMES);
        let start = Instant::now();
        guest.run(warm);
        component.push(start.elapsed() / GUEST_TIMES);
        let start = Instant::now();
        let (_, times) = black_box(guest.cold_phases());
        cold.push(start.elapsed());
        for (all, one) in phases.iter_mut().zip(times) {
            all.push(one);
        }
    }
    let [instantiate, call, teardown] = phases.map(|v| median(v).as_secs_f64() * 1e6);
    let mb = segment.len() as f64 / 1e6;
    let [native, component, cold] =
        [native, component, cold].map(|v| median(v).as_secs_f64() * 1e6);
    println!(
        "remux summary: {} bytes of TS, medians of {rounds} interleaved rounds: \
         native {native:.0} µs ({:.0} µs/MB); \
         component {component:.0} µs ({:.0} µs/MB, ×{:.2} native); \
         instantiate+remux {cold:.0} µs ({:.0} µs/MB, ×{:.2} native: \
         instantiate {instantiate:.0}, read+remux {call:.0}, drop {teardown:.0})",
        segment.len(),
        native / mb,
        component / mb,
        component / native,
        cold / mb,
        cold / native,
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

    // The same segment in the component; its output must be the native one's.
    let guest = guest::Guest::load(one[0]);
    let (mut warm, guest_len) = guest.warm(GUEST_TIMES);
    assert_eq!(
        guest_len,
        output_len(&out),
        "component and native remux agree"
    );
    assert_eq!(guest.cold(), output_len(&out));
    summary(one[0], &guest, &mut warm);

    let mut g = c.benchmark_group("remux");
    g.throughput(Throughput::Bytes(one[0].len() as u64));
    g.bench_function("one_720p_segment", |b| {
        b.iter(|| remux(black_box(&one), &options).unwrap())
    });
    // One criterion iteration is one remux: calls of GUEST_TIMES remuxes,
    // the time scaled to the iterations asked for.
    g.bench_function("one_720p_segment_in_component", |b| {
        b.iter_custom(|iters| {
            let calls = iters.div_ceil(u64::from(warm.times));
            let start = Instant::now();
            for _ in 0..calls {
                guest.run(&mut warm);
            }
            let done = calls * u64::from(warm.times);
            start.elapsed().mul_f64(iters as f64 / done as f64)
        })
    });
    g.bench_function("one_720p_segment_instantiate_and_remux", |b| {
        b.iter(|| guest.cold())
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
    assert_eq!(warm.total(), output_len(&out) * u64::from(warm.times));
}

criterion_group!(benches, bench);
criterion_main!(benches);
