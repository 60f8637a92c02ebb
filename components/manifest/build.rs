//! Links wasi-libc's `memcmp` into the `no_std` wasm build.
//!
//! On `wasm32-wasip2` the compiler's builtins leave the C memory functions to
//! libc, which `std` normally brings. Without `std` nothing does, and the
//! component would import `env::memcmp`. wasi-libc ships with the target
//! (`self-contained/libc.a`); linking it statically pulls in only the pure
//! string functions that are referenced, none of which import anything.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if target_arch == "wasm32" {
        println!("cargo::rustc-link-lib=c");
    }
}
