//! The wasm engine as the host builds it, for the benches that run components.

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Linear memory per instance: the host's default (`--max-memory-mb 64`).
pub const MEMORY_BYTES: usize = 64 << 20;

/// The engine as `host/src/runtime/mod.rs` builds it (a copy of its
/// `engine()`, kept to the settings that matter): default Cranelift
/// settings, the component model, epoch interruption (its checks are
/// compiled into the guest code) and the same pooling allocator settings,
/// sized for `instances`.
pub fn engine(instances: u32) -> Engine {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    let per_component = 8;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        .total_core_instances(instances * per_component)
        .total_memories(instances * per_component)
        .total_tables(instances * per_component)
        .max_core_instances_per_component(per_component * 4)
        .max_memories_per_component(per_component)
        .max_tables_per_component(per_component * 2)
        .max_memory_size(MEMORY_BYTES)
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(1 << 20)
        .pagemap_scan(wasmtime::Enabled::Auto)
        .decommit_batch_size(64);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    match Engine::new(&config) {
        Ok(engine) => engine,
        Err(e) => panic!("the pooling engine: {e:?}"),
    }
}
