//! AddFlowSources, UpdateFlowSource, RemoveFlowSource.

use serde_json::{Value, json};
use tributary_mediaconnect::arn::Kind;

use super::{Against, Ctx, NO_SOURCES, change, elements, flow_id, item_arn, others};
use crate::mediaconnect::error::{Error, Result};
use crate::mediaconnect::input::Members;
use crate::mediaconnect::{request, view};
use crate::store::Flows;

fn source_not_found(flow_arn: &str, source_arn: &str) -> Error {
    Error::not_found(format!(
        "Source not found: {source_arn} is not a source of flow {flow_arn}"
    ))
}

/// AddFlowSources (201): a second source needs failover on first.
pub fn add<S: Flows>(
    flow_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    let mut specs = Vec::new();
    for s in elements(input, "sources")? {
        specs.push(request::new_source(&s)?);
    }
    let id = flow_id(flow_arn)?;
    let others = others(store, &id)?;
    let specs: Vec<_> = specs
        .into_iter()
        .map(|(mut s, t)| {
            s.source_arn = ctx.new_arn(Kind::Source, &s.name);
            (s, t)
        })
        .collect();
    let against = Against {
        others: &others,
        quota_code: None,
    };
    change(store, flow_arn, ctx, &against, |r| {
        for (s, t) in &specs {
            if !t.is_empty() {
                r.tags.insert(s.source_arn.clone(), t.clone());
            }
            r.flow.sources.push(s.clone());
        }
        Ok(())
    })?;
    let runtime = store.runtime(&id)?;
    let runtime = view::live(runtime.as_ref(), ctx.now_ms);
    let sources: Vec<Value> = specs
        .iter()
        .map(|(s, _)| view::source(s, runtime, ctx.settings))
        .collect();
    Ok(json!({ "flowArn": flow_arn, "sources": sources }))
}

/// UpdateFlowSource (202).
pub fn update<S: Flows>(
    flow_arn: &str,
    source_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    item_arn(source_arn, Kind::Source, "SourceArn")?;
    let patch = request::source_patch(input)?;
    let id = flow_id(flow_arn)?;
    let others = others(store, &id)?;
    let against = Against {
        others: &others,
        quota_code: None,
    };
    let (_, source) = change(store, flow_arn, ctx, &against, |r| {
        let source = r
            .flow
            .sources
            .iter_mut()
            .find(|s| s.source_arn == source_arn)
            .ok_or_else(|| source_not_found(flow_arn, source_arn))?;
        patch.apply(source)?;
        Ok(source.clone())
    })?;
    let runtime = store.runtime(&id)?;
    let runtime = view::live(runtime.as_ref(), ctx.now_ms);
    Ok(json!({
        "flowArn": flow_arn,
        "source": view::source(&source, runtime, ctx.settings),
    }))
}

/// RemoveFlowSource (202): not the only one.
pub fn remove<S: Flows>(
    flow_arn: &str,
    source_arn: &str,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    item_arn(source_arn, Kind::Source, "SourceArn")?;
    change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let i = r
            .flow
            .sources
            .iter()
            .position(|s| s.source_arn == source_arn)
            .ok_or_else(|| source_not_found(flow_arn, source_arn))?;
        if r.flow.sources.len() == 1 {
            return Err(Error::bad_request(format!(
                "Source {} is the flow's only source; a flow needs one (delete the flow instead)",
                r.flow.sources[i].name
            )));
        }
        let removed = r.flow.sources.remove(i);
        r.tags.remove(source_arn);
        if let Some(config) = &mut r.flow.source_failover_config
            && config
                .source_priority
                .as_ref()
                .and_then(|p| p.primary_source.as_deref())
                == Some(removed.name.as_str())
        {
            config.source_priority = None;
        }
        Ok(())
    })?;
    Ok(json!({ "flowArn": flow_arn, "sourceArn": source_arn }))
}
