//! CreateFlow, DescribeFlow, ListFlows, UpdateFlow, DeleteFlow, StartFlow,
//! StopFlow.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tributary_guest::state::Change;
use tributary_mediaconnect::arn::Kind;
use tributary_mediaconnect::wire::{Flow, Status};
use tributary_mediaconnect::{Desired, FlowRecord, status};

use super::{Ctx, NO_SOURCES, change, elements, flow_not_found, load};
use crate::mediaconnect::error::{Error, Result};
use crate::mediaconnect::input::{Members, invalid};
use crate::mediaconnect::rules::Check;
use crate::mediaconnect::{request, validate, view};
use crate::store::Flows;

fn availability_zone(input: &Members<'_>, ctx: &Ctx<'_>) -> Result<String> {
    let region = &ctx.settings.region;
    match input.opt_str("availabilityZone")? {
        None => Ok(format!("{region}a")),
        Some(az) => match az.strip_prefix(region.as_str()) {
            Some(z) if z.len() == 1 && z.bytes().all(|b| b.is_ascii_lowercase()) => {
                Ok(az.to_owned())
            }
            _ => Err(invalid(
                "availabilityZone",
                format_args!("{az:?} is not a zone of region {region} (such as {region}a)"),
            )),
        },
    }
}

/// CreateFlow: a STANDBY flow, desired standby, generation 1.
pub fn create<S: Flows>(input: &Members<'_>, ctx: &Ctx<'_>, store: &mut S) -> Result<Value> {
    request::refuse(input, &request::FLOW_FEATURES)?;
    request::flow_size(input)?;
    let name = input.str("name")?;
    validate::name("name", name)?;
    let availability_zone = availability_zone(input, ctx)?;
    let mut source_specs = Vec::new();
    match (input.opt_object("source")?, input.has("sources")) {
        (Some(_), true) => {
            return Err(Error::bad_request(
                "Give either source or sources, not both",
            ));
        }
        (Some(s), false) => source_specs.push(request::new_source(&s)?),
        (None, true) => {
            for s in elements(input, "sources")? {
                source_specs.push(request::new_source(&s)?);
            }
        }
        (None, false) => {
            return Err(Error::bad_request(
                "A flow needs a source: give source or sources",
            ));
        }
    }
    let mut output_specs = Vec::new();
    if input.has("outputs") {
        for o in elements(input, "outputs")? {
            output_specs.push(request::new_output(&o)?);
        }
    }
    let mut entitlement_specs = Vec::new();
    if input.has("entitlements") {
        for e in elements(input, "entitlements")? {
            entitlement_specs.push(request::new_entitlement(&e)?);
        }
    }
    let mut failover = request::default_failover();
    if let Some(patch) = request::failover(input)? {
        patch.apply(&mut failover);
    }
    let flow_tags = input.opt_string_map("flowTags")?.unwrap_or_default();
    validate::tags("flowTags", &flow_tags)?;

    let id = ctx.new_id();
    let flow_arn = tributary_mediaconnect::arn::format(
        &ctx.settings.region,
        &ctx.settings.account,
        Kind::Flow,
        &id,
        name,
    );
    let mut tags = BTreeMap::new();
    if !flow_tags.is_empty() {
        tags.insert(flow_arn.clone(), flow_tags);
    }
    let mut sources = Vec::new();
    for (mut s, t) in source_specs {
        s.source_arn = ctx.new_arn(Kind::Source, &s.name);
        if !t.is_empty() {
            tags.insert(s.source_arn.clone(), t);
        }
        sources.push(s);
    }
    let mut outputs = Vec::new();
    for (mut o, t) in output_specs {
        o.output_arn = ctx.new_arn(Kind::Output, &o.name);
        if !t.is_empty() {
            tags.insert(o.output_arn.clone(), t);
        }
        outputs.push(o);
    }
    let mut entitlements = Vec::new();
    for (mut e, t) in entitlement_specs {
        e.entitlement_arn = ctx.new_arn(Kind::Entitlement, &e.name);
        if !t.is_empty() {
            tags.insert(e.entitlement_arn.clone(), t);
        }
        entitlements.push(e);
    }
    let Some(first) = sources.first().cloned() else {
        return Err(Error::bad_request(
            "A flow needs a source: give source or sources",
        ));
    };
    let flow = Flow {
        availability_zone,
        description: None,
        egress_ip: None,
        entitlements,
        flow_arn,
        name: name.to_owned(),
        outputs,
        source: first,
        source_failover_config: Some(failover),
        sources,
        status: Status::Standby,
    };
    let others: Vec<FlowRecord> = store.flows()?.into_iter().map(|(_, r)| r).collect();
    Check {
        before: None,
        others: &others,
        account: &ctx.settings.account,
        quota_code: Some("CreateFlow420Exception"),
    }
    .flow(&flow)?;
    let record = FlowRecord {
        flow,
        desired: Desired::Standby,
        generation: 1,
        created_ms: ctx.now_ms,
        tags,
    };
    store.update(&id, |current| match current {
        // 64 random bits: a clash means the random source is broken.
        Some(_) => Err(Error::internal(format!("Flow id {id} is already taken"))),
        None => Ok(Change::Write(record.clone(), ())),
    })?;
    Ok(json!({ "flow": view::flow(&record, None, ctx.settings, ctx.now_ms) }))
}

/// DescribeFlow: the flow, and the host's errors when it is in ERROR.
pub fn describe<S: Flows>(flow_arn: &str, ctx: &Ctx<'_>, store: &S) -> Result<Value> {
    let (id, record) = load(store, flow_arn)?;
    let runtime = store.runtime(&id)?;
    let mut out = json!({
        "flow": view::flow(&record, runtime.as_ref(), ctx.settings, ctx.now_ms),
    });
    if status(&record, runtime.as_ref(), ctx.now_ms) == Status::Error {
        let errors = runtime.map(|r| r.errors).unwrap_or_default();
        out["messages"] = json!({ "errors": errors });
    }
    Ok(out)
}

/// ListFlows: summaries in creation order, paged.
pub fn list<S: Flows>(ctx: &Ctx<'_>, store: &S) -> Result<Value> {
    let (max, after) = validate::paging(&ctx.query, "ListFlows")?;
    let mut all: Vec<(String, (String, FlowRecord))> = store
        .flows()?
        .into_iter()
        .map(|(id, r)| (format!("{:020}/{id}", r.created_ms), (id, r)))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, token) = validate::page(all, max, after.as_deref());
    let mut flows = Vec::with_capacity(page.len());
    for (id, record) in &page {
        let runtime = store.runtime(id)?;
        flows.push(view::listed_flow(record, runtime.as_ref(), ctx.now_ms));
    }
    let mut out = json!({ "flows": flows });
    if let Some(token) = token {
        out["nextToken"] = json!(token);
    }
    Ok(out)
}

/// UpdateFlow: the source failover configuration.
pub fn update<S: Flows>(
    flow_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    request::refuse(input, &request::FLOW_FEATURES)?;
    request::flow_size(input)?;
    let patch = request::failover(input)?;
    let (record, ()) = change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        if let Some(patch) = &patch {
            patch.apply(
                r.flow
                    .source_failover_config
                    .get_or_insert_with(request::default_failover),
            );
        }
        Ok(())
    })?;
    let id = super::flow_id(flow_arn)?;
    let runtime = store.runtime(&id)?;
    Ok(json!({ "flow": view::flow(&record, runtime.as_ref(), ctx.settings, ctx.now_ms) }))
}

fn status_word(s: Status) -> String {
    view::status_name(s)
        .as_str()
        .unwrap_or("UNKNOWN")
        .to_owned()
}

/// DeleteFlow: only a stopped flow (AWS: "stop the flow first"); its record,
/// runtime and lease go.
pub fn delete<S: Flows>(flow_arn: &str, ctx: &Ctx<'_>, store: &mut S) -> Result<Value> {
    let id = super::flow_id(flow_arn)?;
    let runtime = store.runtime(&id)?;
    store.update(&id, |current| {
        let record = current
            .filter(|r| r.flow.flow_arn == flow_arn)
            .ok_or_else(|| flow_not_found(flow_arn))?;
        let s = status(&record, runtime.as_ref(), ctx.now_ms);
        if record.desired == Desired::Standby && matches!(s, Status::Standby | Status::Error) {
            Ok(Change::Keep(()))
        } else {
            Err(Error::bad_request(format!(
                "Flow {} is {}; stop the flow first (StopFlow), then delete it once it is STANDBY",
                record.flow.name,
                status_word(s)
            )))
        }
    })?;
    // A StartFlow landing between the check and here is lost with the flow;
    // the key-value store has no compare-and-delete.
    store.delete(&id)?;
    Ok(json!({ "flowArn": flow_arn, "status": "DELETING" }))
}

/// StartFlow: from STANDBY or ERROR; desired active, a new generation.
pub fn start<S: Flows>(flow_arn: &str, ctx: &Ctx<'_>, store: &mut S) -> Result<Value> {
    let id = super::flow_id(flow_arn)?;
    let runtime = store.runtime(&id)?;
    change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let s = status(r, runtime.as_ref(), ctx.now_ms);
        if !matches!(s, Status::Standby | Status::Error) {
            return Err(Error::bad_request(format!(
                "Flow {} is {}; only a STANDBY or ERROR flow can be started",
                r.flow.name,
                status_word(s)
            )));
        }
        r.desired = Desired::Active;
        // Also from ERROR, where desired was already active: the host tries
        // again when the generation moves.
        r.generation += 1;
        Ok(())
    })?;
    Ok(json!({ "flowArn": flow_arn, "status": "STARTING" }))
}

/// StopFlow: desired standby, a new generation.
pub fn stop<S: Flows>(flow_arn: &str, ctx: &Ctx<'_>, store: &mut S) -> Result<Value> {
    let id = super::flow_id(flow_arn)?;
    let runtime = store.runtime(&id)?;
    change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let s = status(r, runtime.as_ref(), ctx.now_ms);
        if r.desired == Desired::Standby {
            let why = if s == Status::Stopping {
                "it is stopping already"
            } else {
                "it is not running"
            };
            return Err(Error::bad_request(format!(
                "Flow {} is {}; {why}",
                r.flow.name,
                status_word(s)
            )));
        }
        r.desired = Desired::Standby;
        Ok(())
    })?;
    Ok(json!({ "flowArn": flow_arn, "status": "STOPPING" }))
}
