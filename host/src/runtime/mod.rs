//! Running components: one engine, each component compiled and linked once at
//! start-up (`ProxyPre`), one fresh `Store` per request from the pooling
//! allocator, with a guest CPU budget, a memory limit and a wall-clock limit.
//! A component that declares itself stateless (`TRIBUTARY_STATELESS = "true"`
//! in its manifest `environment`) has its instances kept warm and reused
//! between requests instead ([`warm`]).

mod budget;
mod store;
mod warm;

pub use budget::CpuBudgetExceeded;
pub use store::StoreState;

use crate::capabilities::{blob::BlobCtx, keyvalue::KvCtx};
use crate::drain::DrainOnDrop;
use crate::manifest::{ComponentSpec, Manifest};
use crate::metrics::Metrics;
use crate::storage::{BlobBackend, KvBackend};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// How often the epoch advances; the CPU budget is checked at this grain.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Limits applied to every request's store.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Guest CPU time per request.
    pub guest_cpu: Duration,
    /// Wall-clock time per request, I/O included.
    pub wall: Duration,
    /// Linear memory per instance.
    pub memory_bytes: usize,
    /// Instances alive at once (sizes the pool).
    pub instances: u32,
}

/// A component ready to serve.
pub struct Loaded {
    /// Manifest id.
    pub id: String,
    pre: ProxyPre<StoreState>,
    environment: Vec<(String, String)>,
    kv_stores: Vec<String>,
    /// Instances kept between requests, for a component declared stateless.
    warm: Option<Arc<warm::Pool>>,
}

/// The engine and every component of the manifest.
pub struct Runtime {
    engine: Engine,
    components: BTreeMap<String, Loaded>,
    blob: Arc<dyn BlobBackend>,
    kv: Arc<dyn KvBackend>,
    limits: Limits,
    metrics: Arc<Metrics>,
}

/// Why a request did not get a response from its component.
#[derive(Debug)]
pub enum Failure {
    /// The guest used up its CPU budget or the wall-clock limit (503).
    Timeout,
    /// The guest trapped (panic, out of memory, bad behaviour) or never answered (500).
    Trap(String),
    /// The host could not start the instance (pool exhausted: 503).
    Unavailable(String),
}

impl Runtime {
    /// Build the engine, then compose, compile and link every component.
    pub fn new(
        manifest: &Manifest,
        extra_env: &[(String, String)],
        blob: Arc<dyn BlobBackend>,
        kv: Arc<dyn KvBackend>,
        limits: Limits,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        let engine = engine(&limits)?;
        spawn_epoch_ticker(&engine);
        let mut linker = Linker::<StoreState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        crate::capabilities::blob::add_to_linker(&mut linker, |s: &mut StoreState| s.blob())?;
        crate::capabilities::keyvalue::add_to_linker(&mut linker, |s: &mut StoreState| s.kv())?;
        let mut components = BTreeMap::new();
        for spec in manifest.components.values() {
            let started = Instant::now();
            let loaded = load(
                &engine,
                &linker,
                spec,
                extra_env,
                &limits,
                manifest.components.len(),
            )?;
            tracing::info!(
                component = %spec.id,
                ms = started.elapsed().as_millis() as u64,
                reuses_instances = loaded.warm.is_some(),
                "component ready"
            );
            components.insert(spec.id.clone(), loaded);
        }
        Ok(Self {
            engine,
            components,
            blob,
            kv,
            limits,
            metrics,
        })
    }

    /// The component with manifest id `id`.
    pub fn component(&self, id: &str) -> Option<&Loaded> {
        self.components.get(id)
    }

    /// Run `component` for one request. Extra request headers for the guest
    /// (`spin-*`) must already be set by the caller.
    pub async fn handle(
        &self,
        component: &Loaded,
        req: hyper::Request<DrainOnDrop>,
    ) -> Result<hyper::Response<HyperOutgoingBody>, Failure> {
        let (mut store, instance, served) = match component.warm.as_ref().and_then(|w| w.take()) {
            Some(warm::Warm {
                mut store,
                proxy,
                served,
            }) => {
                // A fresh budget and deadline; everything else of the last
                // request is gone (`Pool::give_back` checked).
                store.data_mut().budget = budget::Budget::new(self.limits.guest_cpu);
                store.set_epoch_deadline(1);
                (store, Some(proxy), served)
            }
            None => (self.new_store(component), None, 0),
        };

        let (sender, receiver) = tokio::sync::oneshot::channel();
        let handoff = |e: wasmtime::Error| {
            Failure::Trap(format!("cannot pass the request to the guest: {e}"))
        };
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .map_err(handoff)?;
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(handoff)?;

        let pre = component.pre.clone();
        let metrics = self.metrics.clone();
        let id = component.id.clone();
        let wall = self.limits.wall;
        let warm = component.warm.clone();
        let task = tokio::task::spawn(async move {
            let run = async {
                let proxy = match instance {
                    Some(proxy) => proxy,
                    None => {
                        let started = Instant::now();
                        let proxy = pre
                            .instantiate_async(&mut store)
                            .await
                            .map_err(Failure::from_instantiate)?;
                        metrics.observe_instantiation(&id, started.elapsed());
                        proxy
                    }
                };
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
                    .map_err(Failure::from_trap)?;
                Ok(proxy)
            };
            let result = match tokio::time::timeout(wall, run).await {
                Ok(result) => result,
                Err(_) => Err(Failure::Timeout),
            };
            // Only an instance that finished its request cleanly serves another.
            match (result, warm) {
                (Ok(proxy), Some(warm)) => {
                    warm.give_back(warm::Warm {
                        store,
                        proxy,
                        served: served + 1,
                    });
                    Ok(())
                }
                (result, _) => result.map(drop),
            }
        });

        match receiver.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(code)) => Err(Failure::Trap(format!(
                "guest answered with an error: {code:?}"
            ))),
            // The outparam was dropped unset: the task tells why.
            Err(_) => match task.await {
                Ok(Ok(())) => Err(Failure::Trap(
                    "the component returned without sending a response".into(),
                )),
                Ok(Err(failure)) => Err(failure),
                Err(join) => Err(Failure::Trap(format!("the request task failed: {join}"))),
            },
        }
    }
}

impl Runtime {
    /// A fresh store for one request of `component` (one instance lives in it).
    fn new_store(&self, component: &Loaded) -> Store<StoreState> {
        let state = StoreState::new(
            &component.environment,
            BlobCtx::new(self.blob.clone()),
            KvCtx::new(self.kv.clone(), component.kv_stores.clone()),
            self.limits.memory_bytes,
            self.limits.guest_cpu,
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        budget::install(&mut store);
        store
    }
}

impl Failure {
    fn from_trap(e: wasmtime::Error) -> Self {
        if e.downcast_ref::<CpuBudgetExceeded>().is_some() {
            Self::Timeout
        } else {
            Self::Trap(format!("{e:?}"))
        }
    }

    fn from_instantiate(e: wasmtime::Error) -> Self {
        Self::Unavailable(format!("{e:?}"))
    }
}

fn engine(limits: &Limits) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Epochs bound guest CPU (see budget.rs); cheaper than fuel.
    config.epoch_interruption(true);
    // For profiling (benches/README.md): name guest functions in
    // /tmp/perf-<pid>.map so `perf report` shows them.
    if std::env::var_os("TRIBUTARY_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }

    let mut pool = PoolingAllocationConfig::default();
    // A composed component holds a core instance per plug plus adapters.
    let per_component = 8;
    pool.total_component_instances(limits.instances)
        .total_core_instances(limits.instances * per_component)
        .total_memories(limits.instances * per_component)
        .total_tables(limits.instances * per_component)
        .max_core_instances_per_component(per_component * 4)
        .max_memories_per_component(per_component)
        .max_tables_per_component(per_component * 2)
        .max_memory_size(limits.memory_bytes)
        // Keep recently used pages resident and reset them by pagemap scan
        // instead of madvise: halved teardown cost in our measurements
        // (shared/reference/wasmtime-notes.md).
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(1 << 20)
        .pagemap_scan(wasmtime::Enabled::Auto)
        .decommit_batch_size(64);
    let mut pooled = config.clone();
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    match Engine::new(&pooled) {
        Ok(engine) => Ok(engine),
        Err(e) => {
            // The pool reserves terabytes of address space; under a tight
            // `ulimit -v` that fails, and on-demand allocation still works.
            tracing::warn!(error = %e, "pooling allocator unavailable; falling back to on-demand allocation (slower)");
            Engine::new(&config).map_err(|e| anyhow::anyhow!("cannot create the wasm engine: {e}"))
        }
    }
}

fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

fn load(
    engine: &Engine,
    linker: &Linker<StoreState>,
    spec: &ComponentSpec,
    extra_env: &[(String, String)],
    limits: &Limits,
    components: usize,
) -> Result<Loaded> {
    let bytes = crate::compose::compose(spec)?;
    let component = Component::new(engine, &bytes)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| {
            format!(
                "component {:?} ({}) does not compile",
                spec.id,
                spec.source.display()
            )
        })?;
    let instance_pre = linker
        .instantiate_pre(&component)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| {
            format!(
                "component {:?} imports something the host does not provide",
                spec.id
            )
        })?;
    let pre = ProxyPre::new(instance_pre)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| {
            format!(
                "component {:?} does not export wasi:http/incoming-handler@0.2",
                spec.id
            )
        })?;
    let mut environment: Vec<(String, String)> = spec
        .environment
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    environment.extend(extra_env.iter().cloned());
    let warm = warm::declared_stateless(&spec.environment).then(|| {
        Arc::new(warm::Pool::new(
            warm::idle_cap(limits.instances, components),
            warm::MAX_USES,
        ))
    });
    Ok(Loaded {
        id: spec.id.clone(),
        pre,
        environment,
        kv_stores: spec.key_value_stores.clone(),
        warm,
    })
}
