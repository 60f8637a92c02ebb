//! `[component.X.dependencies]`: plug other components' exports into a
//! component's imports at load time, producing one composed component —
//! what Spin does with the same manifest entries.

use crate::manifest::ComponentSpec;
use anyhow::{Context, Result, bail};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

/// The bytes of `spec`'s component with every dependency plugged in.
pub fn compose(spec: &ComponentSpec) -> Result<Vec<u8>> {
    let socket = std::fs::read(&spec.source).with_context(|| {
        format!(
            "component {:?}: cannot read {} (build it with `tributary serve --build`, or check `source`)",
            spec.id,
            spec.source.display()
        )
    })?;
    if spec.dependencies.is_empty() {
        return Ok(socket);
    }
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes(
        &format!("tributary:{}", spec.id),
        None,
        socket,
        graph.types_mut(),
    )
    .with_context(|| format!("component {:?} is not a valid component", spec.id))?;
    let socket = graph.register_package(socket)?;
    let socket_imports: Vec<String> = graph.types()[graph[socket].ty()]
        .imports
        .keys()
        .cloned()
        .collect();
    let mut plugs = Vec::new();
    for (i, (import, path)) in spec.dependencies.iter().enumerate() {
        if !socket_imports.iter().any(|name| name == import) {
            bail!(
                "component {:?} does not import {import:?}, named in its dependencies",
                spec.id
            );
        }
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "dependency {import:?} of {:?}: cannot read {}",
                spec.id,
                path.display()
            )
        })?;
        let plug = Package::from_bytes(
            &format!("tributary:plug{i}"),
            None,
            bytes,
            graph.types_mut(),
        )
        .with_context(|| {
            format!(
                "dependency {import:?} ({}) is not a valid component",
                path.display()
            )
        })?;
        let plug = graph.register_package(plug)?;
        if !graph.types()[graph[plug].ty()].exports.contains_key(import) {
            bail!("dependency {} does not export {import:?}", path.display());
        }
        plugs.push(plug);
    }
    wac_graph::plug(&mut graph, plugs, socket)
        .with_context(|| format!("cannot plug the dependencies of {:?}", spec.id))?;
    graph
        .encode(EncodeOptions::default())
        .with_context(|| format!("cannot encode the composition of {:?}", spec.id))
}
