//! AddFlowOutputs, UpdateFlowOutput, RemoveFlowOutput.

use serde_json::{Value, json};
use tributary_mediaconnect::arn::Kind;

use super::{Against, Ctx, NO_SOURCES, change, elements, item_arn};
use crate::mediaconnect::error::{Error, Result};
use crate::mediaconnect::input::Members;
use crate::mediaconnect::request;
use crate::store::Flows;

fn output_not_found(flow_arn: &str, output_arn: &str) -> Error {
    Error::not_found(format!(
        "Output not found: {output_arn} is not an output of flow {flow_arn}"
    ))
}

/// AddFlowOutputs (201); more than the quota is `AddFlowOutputs420Exception`.
pub fn add<S: Flows>(
    flow_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    let mut specs = Vec::new();
    for o in elements(input, "outputs")? {
        let (mut output, tags) = request::new_output(&o)?;
        output.output_arn = ctx.new_arn(Kind::Output, &output.name);
        specs.push((output, tags));
    }
    let against = Against {
        others: &[],
        quota_code: Some("AddFlowOutputs420Exception"),
    };
    change(store, flow_arn, ctx, &against, |r| {
        for (o, t) in &specs {
            if !t.is_empty() {
                r.tags.insert(o.output_arn.clone(), t.clone());
            }
            r.flow.outputs.push(o.clone());
        }
        Ok(())
    })?;
    let outputs: Vec<_> = specs.into_iter().map(|(o, _)| o).collect();
    Ok(json!({ "flowArn": flow_arn, "outputs": outputs }))
}

/// UpdateFlowOutput (202).
pub fn update<S: Flows>(
    flow_arn: &str,
    output_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    item_arn(output_arn, Kind::Output, "OutputArn")?;
    let patch = request::output_patch(input)?;
    let (_, output) = change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let output = r
            .flow
            .outputs
            .iter_mut()
            .find(|o| o.output_arn == output_arn)
            .ok_or_else(|| output_not_found(flow_arn, output_arn))?;
        patch.apply(output)?;
        Ok(output.clone())
    })?;
    Ok(json!({ "flowArn": flow_arn, "output": output }))
}

/// RemoveFlowOutput (202).
pub fn remove<S: Flows>(
    flow_arn: &str,
    output_arn: &str,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    item_arn(output_arn, Kind::Output, "OutputArn")?;
    change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let i = r
            .flow
            .outputs
            .iter()
            .position(|o| o.output_arn == output_arn)
            .ok_or_else(|| output_not_found(flow_arn, output_arn))?;
        r.flow.outputs.remove(i);
        r.tags.remove(output_arn);
        Ok(())
    })?;
    Ok(json!({ "flowArn": flow_arn, "outputArn": output_arn }))
}
