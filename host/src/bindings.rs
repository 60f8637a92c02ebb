//! The one `bindgen!` of the host: Rust traits for the capabilities Tributary
//! gives components (`tributary:blob/store`, `wasi:keyvalue@0.2.0-draft2`).
//! `wasi:io` maps to wasmtime-wasi's types, so a blob body *is* a WASI stream.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "tributary:worlds/capabilities",
    imports: { default: async | trappable },
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:keyvalue/store.bucket": crate::capabilities::keyvalue::Bucket,
        "wasi:keyvalue/atomics.cas": crate::capabilities::keyvalue::Cas,
    },
    require_store_data_send: true,
});

pub use tributary::blob::store as blob;
pub use wasi::keyvalue::{atomics, store as keyvalue};
