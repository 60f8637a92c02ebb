//! The built manifest component imports nothing and exports the interface.
//!
//! The test builds the component itself (`cargo build --release --target
//! wasm32-wasip2 -p tributary-manifest`, in a target directory of its own so
//! it neither waits on nor feature-unifies with the build running it), then
//! reads the component's top-level imports and exports with wasmparser.

use std::path::PathBuf;
use std::process::Command;
use wasmparser::{Parser, Payload};

#[test]
fn the_built_component_imports_nothing() -> Result<(), String> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = workspace.join("target/manifest-import-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "tributary-manifest",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the component failed: {status}"));
    }
    let wasm = target.join("wasm32-wasip2/release/tributary_manifest.wasm");
    let bytes = std::fs::read(&wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;

    let (mut imports, mut exports, mut depth) = (Vec::new(), Vec::new(), 0usize);
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.map_err(|e| format!("not a valid component: {e}"))? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            // Only the outer component's own imports reach the host; nested
            // modules import from instances inside the component.
            Payload::ComponentImportSection(s) if depth == 1 => {
                for i in s {
                    imports.push(i.map_err(|e| e.to_string())?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(s) if depth == 1 => {
                for e in s {
                    exports.push(e.map_err(|e| e.to_string())?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    if !imports.is_empty() {
        return Err(format!(
            "the manifest plug must import nothing, but imports {imports:?}"
        ));
    }
    if exports != ["tributary:manifest/hls@0.1.0"] {
        return Err(format!("unexpected exports {exports:?}"));
    }
    Ok(())
}
