//! What the component boundary costs, on a small real component of ours: the
//! policy plug (`target/wasm32-wasip2/release/tributary_policy.wasm`, world
//! `tributary:worlds/policy`: exports `tributary:policy/authorize`, imports
//! nothing), run by wasmtime configured as `host/src/runtime/mod.rs`
//! configures it. Measured:
//!
//! - (a) a store and an instance from the `InstancePre`, the pooling
//!   allocator handing out a slot (dropping the store is timed apart): right
//!   after an instance that ran nothing was dropped, and right after one that
//!   ran a call was (as in a host with a fresh instance per request; the
//!   slot's dirtied memory has to be reset);
//! - (b) one call on a warm instance: `evaluate` of a two-statement
//!   container policy (what the origin asks per request), beside the same
//!   `tributary_iam::evaluate` natively in the same run, and
//!   `claimed-credential` of an anonymous GET (little work: mostly the
//!   call itself, lowering a request record of five headers);
//! - (c) a fresh instance per call: store + instantiate + `evaluate` + drop.
//!
//! In the host the policy plug is composed into the origin (`wac`), so the
//! origin reaches it by a component-to-component call inside one instance,
//! not by a host call as here; (a) and (c) are what a component with no
//! warm instances pays per request before any HTTP work. Calls run on a
//! current-thread tokio runtime: no hand-off between worker threads, which
//! the host's request tasks do pay. Criterion prints its estimates; the
//! `component summary:` line gives medians (µs) of interleaved rounds and
//! the ratios: fresh instance vs warm call, warm call vs native.
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 -p tributary-policy
//! cargo bench -p tributary-benches --bench component
//! ```

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};
use wasmtime::{CallHook, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};

#[path = "common/engine.rs"]
mod engine;
#[path = "common/policy.rs"]
mod policy;
use engine::{MEMORY_BYTES, engine};
use policy::POLICY;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "tributary:worlds/policy",
        exports: { default: async },
    });
}

use bindings::exports::tributary::policy::authorize as wit;
use bindings::{Policy, PolicyPre};

/// The host's default pool: `--max-concurrent 256`, two instances each.
const INSTANCES: u32 = 512;

/// Store data: the memory limit, and the guest CPU accounting of the
/// host's `runtime/budget.rs` (a copy: a call hook that reads the clock on
/// every entry into and exit from wasm).
struct State {
    limits: StoreLimits,
    in_wasm: Duration,
    entered: Option<Instant>,
}

/// The policy plug, compiled and pre-instantiated once.
struct Guest {
    runtime: tokio::runtime::Runtime,
    pre: PolicyPre<State>,
}

fn wasm_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/wasm32-wasip2/release/tributary_policy.wasm");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --release --target wasm32-wasip2 -p tributary-policy`",
        path.display()
    );
    path
}

impl Guest {
    fn load() -> Self {
        let engine = engine(INSTANCES);
        let component = Component::from_file(&engine, wasm_path()).unwrap();
        // The policy imports nothing: an empty linker satisfies it.
        let linker = Linker::<State>::new(&engine);
        let pre = PolicyPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Self { runtime, pre }
    }

    /// A store as the host makes one per request: memory limit, CPU
    /// budget's call hook, epoch deadline and callback.
    fn store(&self) -> Store<State> {
        let state = State {
            limits: StoreLimitsBuilder::new()
                .memory_size(MEMORY_BYTES)
                .instances(64)
                .build(),
            in_wasm: Duration::ZERO,
            entered: None,
        };
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| &mut s.limits);
        store.call_hook(|mut ctx, hook| {
            let s = ctx.data_mut();
            match hook {
                CallHook::CallingWasm | CallHook::ReturningFromHost => {
                    s.entered = Some(Instant::now());
                }
                CallHook::CallingHost | CallHook::ReturningFromWasm => {
                    if let Some(t) = s.entered.take() {
                        s.in_wasm += t.elapsed();
                    }
                }
            }
            Ok(())
        });
        // No epoch ticker runs here, so the deadline is never reached; the
        // checks still cost what they cost in the host.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        store
    }

    /// (a): a store and an instance.
    fn instantiate(&self) -> (Store<State>, Policy) {
        let mut store = self.store();
        let policy = self
            .runtime
            .block_on(self.pre.instantiate_async(&mut store))
            .unwrap();
        (store, policy)
    }

    /// (b): `evaluate` on an instance.
    fn evaluate(&self, store: &mut Store<State>, policy: &Policy, ctx: &wit::Context) {
        let decision = self
            .runtime
            .block_on(
                policy
                    .tributary_policy_authorize()
                    .call_evaluate(&mut *store, POLICY, ctx),
            )
            .unwrap()
            .unwrap();
        assert_eq!(decision, wit::Decision::Allow);
    }

    /// (b): `claimed-credential` of an anonymous request.
    fn claimed(&self, store: &mut Store<State>, policy: &Policy, req: &wit::Request) {
        let claimed = self
            .runtime
            .block_on(
                policy
                    .tributary_policy_authorize()
                    .call_claimed_credential(&mut *store, req),
            )
            .unwrap()
            .unwrap();
        assert!(claimed.is_none(), "an anonymous request");
    }

    /// (c) with its phases: instantiate, call, drop.
    fn fresh(&self, ctx: &wit::Context) -> [Duration; 3] {
        let start = Instant::now();
        let (mut store, policy) = self.instantiate();
        let instantiated = Instant::now();
        self.evaluate(&mut store, &policy, ctx);
        let called = Instant::now();
        assert!(store.data().in_wasm > Duration::ZERO, "the hook ran");
        drop(store);
        let dropped = Instant::now();
        [
            instantiated - start,
            called - instantiated,
            dropped - called,
        ]
    }
}

const RESOURCE: &str = "arn:aws:mediastore:us-east-1:000000000000:container/live/show/seg_00042.ts";

fn keys() -> Vec<(String, String)> {
    vec![
        ("aws:SourceIp".to_owned(), "198.51.100.7".to_owned()),
        ("aws:SecureTransport".to_owned(), "false".to_owned()),
    ]
}

/// An anonymous GET of a segment, as the origin passes it.
fn anonymous_get() -> wit::Request {
    let headers = [
        ("host", "origin.example"),
        ("user-agent", "Lavf/61.7.100"),
        ("accept", "*/*"),
        ("range", "bytes=0-"),
        ("connection", "keep-alive"),
    ];
    wit::Request {
        method: "GET".into(),
        path: "/store/live/show/seg_00042.ts".into(),
        query: String::new(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        payload_sha256: None,
    }
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e6
}

/// `cargo bench` passes `--bench`; `cargo test --benches` runs each
/// benchmark once, and then the summary needs one short round.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Interleaved rounds of every measurement; medians in µs and ratios.
fn summary(guest: &Guest, ctx: &wit::Context, native_ctx: &tributary_iam::Context<'_>) {
    let (rounds, calls) = if benchmarking() { (200, 20) } else { (2, 2) };
    let (mut native, mut warm_eval, mut warm_claim) = (Vec::new(), Vec::new(), Vec::new());
    let (mut instantiate, mut fresh_call, mut teardown, mut fresh) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut after_used, mut after_unused) = (Vec::new(), Vec::new());
    let (mut store, policy) = guest.instantiate();
    let req = anonymous_get();
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(tributary_iam::evaluate(black_box(POLICY), native_ctx).unwrap());
        }
        native.push(start.elapsed() / calls);
        let start = Instant::now();
        for _ in 0..calls {
            guest.evaluate(&mut store, &policy, ctx);
        }
        warm_eval.push(start.elapsed() / calls);
        let start = Instant::now();
        for _ in 0..calls {
            guest.claimed(&mut store, &policy, &req);
        }
        warm_claim.push(start.elapsed() / calls);
        // A fresh instance after one that ran a call (as in a host with a
        // fresh instance per request): the second of two is recorded.
        guest.fresh(ctx);
        let start = Instant::now();
        let [a, b, c] = guest.fresh(ctx);
        fresh.push(start.elapsed());
        instantiate.push(a);
        fresh_call.push(b);
        teardown.push(c);
        // Instantiation alone, after that used instance's drop and then
        // after an unused one's.
        for after in [&mut after_used, &mut after_unused] {
            let start = Instant::now();
            let instance = guest.instantiate();
            after.push(start.elapsed());
            drop(instance);
        }
    }
    let [native, warm_eval, warm_claim] = [native, warm_eval, warm_claim].map(median);
    let [
        instantiate,
        fresh_call,
        teardown,
        fresh,
        after_used,
        after_unused,
    ] = [
        instantiate,
        fresh_call,
        teardown,
        fresh,
        after_used,
        after_unused,
    ]
    .map(median);
    println!(
        "component summary (policy plug), medians of {rounds} interleaved rounds, µs: \
         (a) instantiate {after_used:.1} after a used instance's drop, \
         {after_unused:.1} after an unused one's; \
         (b) warm evaluate {warm_eval:.1} (native {native:.1}, ×{:.2}), \
         warm claimed-credential {warm_claim:.1}; \
         (c) instantiate + evaluate + drop {fresh:.1} (instantiate {instantiate:.1}, \
         call {fresh_call:.1}, drop {teardown:.1}; \
         ×{:.1} the warm evaluate)",
        warm_eval / native,
        fresh / warm_eval,
    );
}

fn bench(c: &mut Criterion) {
    let guest = Guest::load();
    let keys = keys();
    let ctx = wit::Context {
        principal: None,
        account: None,
        action: "mediastore:GetObject".into(),
        resource: RESOURCE.into(),
        keys: keys.clone(),
    };
    let native_ctx = tributary_iam::Context {
        principal: None,
        account: None,
        action: "mediastore:GetObject",
        resource: RESOURCE,
        keys: &keys,
    };
    assert_eq!(
        tributary_iam::evaluate(POLICY, &native_ctx).unwrap(),
        tributary_iam::Decision::Allow
    );
    let req = anonymous_get();

    let mut g = c.benchmark_group("component");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(50);
    // Dropping each store at once keeps the pool from running out; only
    // the store and the instantiation are timed.
    g.bench_function("policy_instantiate", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let instance = guest.instantiate();
                timed += start.elapsed();
                drop(instance);
            }
            timed
        })
    });
    // The same, each instance having run one call before it is dropped, as
    // in a fresh-instance-per-request host: its dirtied memory is reset.
    g.bench_function("policy_instantiate_after_a_used_instance", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let (mut store, policy) = guest.instantiate();
                timed += start.elapsed();
                guest.evaluate(&mut store, &policy, &ctx);
            }
            timed
        })
    });
    let (mut store, policy) = guest.instantiate();
    g.bench_function("policy_evaluate_warm_call", |b| {
        b.iter(|| guest.evaluate(&mut store, &policy, &ctx))
    });
    g.bench_function("policy_claimed_credential_warm_call", |b| {
        b.iter(|| guest.claimed(&mut store, &policy, &req))
    });
    g.bench_function("policy_instantiate_evaluate_drop", |b| {
        b.iter(|| guest.fresh(&ctx))
    });
    g.bench_function("native_iam_evaluate", |b| {
        b.iter(|| tributary_iam::evaluate(black_box(POLICY), &native_ctx).unwrap())
    });
    g.finish();
    drop(store);

    summary(&guest, &ctx, &native_ctx);
}

criterion_group!(benches, bench);
criterion_main!(benches);
