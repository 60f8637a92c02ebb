//! The operations. Each reads its input (400s first), then reads or changes
//! flow records. Every change goes through [`change`]: one compare-and-swap
//! read-modify-write of the flow's record that re-checks the whole flow
//! ([`Check`]) and bumps `generation` when the configuration or the desired
//! state changed.

mod entitlements;
mod flows;
mod metadata;
mod outputs;
mod sources;
mod tags;

use std::cell::RefCell;

use serde_json::Value;
use tributary_guest::state::Change;
use tributary_mediaconnect::FlowRecord;
use tributary_mediaconnect::arn::{self, Kind};

use super::Settings;
use super::error::{Error, Result};
use super::input::Members;
use super::paths::{Operation, Route};
use super::rules::Check;
use crate::store::Flows;

/// Where and when, plus the query and a source of ids.
pub struct Ctx<'a> {
    /// Region, account, ingest address.
    pub settings: &'a Settings,
    /// Milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    random: RefCell<&'a mut dyn FnMut() -> u64>,
}

impl<'a> Ctx<'a> {
    /// A context for one call.
    pub fn new(
        settings: &'a Settings,
        now_ms: u64,
        query: Vec<(String, String)>,
        random: &'a mut dyn FnMut() -> u64,
    ) -> Self {
        Self {
            settings,
            now_ms,
            query,
            random: RefCell::new(random),
        }
    }

    /// A fresh resource id: `1-` and 16 hex digits of randomness.
    fn new_id(&self) -> String {
        let n = (self.random.borrow_mut())();
        format!("1-{n:016x}")
    }

    /// The ARN of a new `kind` resource named `name`.
    fn new_arn(&self, kind: Kind, name: &str) -> String {
        arn::format(
            &self.settings.region,
            &self.settings.account,
            kind,
            &self.new_id(),
            name,
        )
    }
}

/// Run the operation `route` names.
pub fn dispatch<S: Flows>(
    route: &Route,
    body: &Value,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Option<Value>> {
    use Operation as Op;
    let input = Members::top(body);
    let flow = route.flow_arn.as_deref().unwrap_or_default();
    let item = route.item_arn.as_deref().unwrap_or_default();
    let value = match route.op {
        Op::CreateFlow => flows::create(&input, ctx, store)?,
        Op::DescribeFlow => flows::describe(flow, ctx, store)?,
        Op::ListFlows => flows::list(ctx, store)?,
        Op::UpdateFlow => flows::update(flow, &input, ctx, store)?,
        Op::DeleteFlow => flows::delete(flow, ctx, store)?,
        Op::StartFlow => flows::start(flow, ctx, store)?,
        Op::StopFlow => flows::stop(flow, ctx, store)?,
        Op::AddFlowSources => sources::add(flow, &input, ctx, store)?,
        Op::UpdateFlowSource => sources::update(flow, item, &input, ctx, store)?,
        Op::RemoveFlowSource => sources::remove(flow, item, ctx, store)?,
        Op::AddFlowOutputs => outputs::add(flow, &input, ctx, store)?,
        Op::UpdateFlowOutput => outputs::update(flow, item, &input, ctx, store)?,
        Op::RemoveFlowOutput => outputs::remove(flow, item, ctx, store)?,
        Op::GrantFlowEntitlements => entitlements::grant(flow, &input, ctx, store)?,
        Op::UpdateFlowEntitlement => entitlements::update(flow, item, &input, ctx, store)?,
        Op::RevokeFlowEntitlement => entitlements::revoke(flow, item, ctx, store)?,
        Op::ListEntitlements => entitlements::list(ctx, store)?,
        Op::DescribeFlowSourceMetadata => metadata::describe(flow, ctx, store)?,
        Op::ListTagsForResource => return tags::list(item, store).map(Some),
        Op::TagResource => {
            tags::tag(item, &input, ctx, store)?;
            return Ok(None);
        }
        Op::UntagResource => {
            tags::untag(item, ctx, store)?;
            return Ok(None);
        }
    };
    Ok(Some(value))
}

/// The id in a flow ARN; 400 when it is not one.
fn flow_id(flow_arn: &str) -> Result<String> {
    arn::parse(flow_arn, Kind::Flow)
        .map(|p| p.id.to_owned())
        .ok_or_else(|| {
            Error::bad_request(format!(
                "{flow_arn:?} is not a flow ARN (arn:aws:mediaconnect:<region>:<account>:flow:<id>:<name>)"
            ))
        })
}

fn flow_not_found(flow_arn: &str) -> Error {
    Error::not_found(format!("Flow not found: {flow_arn}"))
}

/// Check that `arn` is an ARN of `kind`; 400 naming `member` when not.
fn item_arn(arn: &str, kind: Kind, member: &str) -> Result<()> {
    match arn::parse(arn, kind) {
        Some(_) => Ok(()),
        None => Err(Error::bad_request(format!(
            "{member}: {arn:?} is not a MediaConnect {kind:?} ARN"
        ))),
    }
}

/// The record of the flow `flow_arn` names, with its id; 404 when there is
/// none (an ARN of another region, account or name names none here).
fn load<S: Flows>(store: &S, flow_arn: &str) -> Result<(String, FlowRecord)> {
    let id = flow_id(flow_arn)?;
    match store.flow(&id)? {
        Some(r) if r.flow.flow_arn == flow_arn => Ok((id, r)),
        _ => Err(flow_not_found(flow_arn)),
    }
}

/// Every flow other than `id`.
fn others<S: Flows>(store: &S, id: &str) -> Result<Vec<FlowRecord>> {
    Ok(store
        .flows()?
        .into_iter()
        .filter(|(other, _)| other != id)
        .map(|(_, r)| r)
        .collect())
}

/// How a change is checked: against which other flows (those a source may
/// clash with; empty when the change touches no source) and with which quota
/// error.
struct Against<'a> {
    others: &'a [FlowRecord],
    quota_code: Option<&'static str>,
}

const NO_SOURCES: Against<'static> = Against {
    others: &[],
    quota_code: None,
};

/// Change the record of `flow_arn` with `f` in one compare-and-swap
/// read-modify-write; the flow is re-checked as a whole, `source` follows
/// `sources[0]`, and `generation` is bumped when the flow or its desired state
/// changed (unless `f` bumped it). Returns the record as written and `f`'s
/// result.
fn change<S: Flows, R>(
    store: &mut S,
    flow_arn: &str,
    ctx: &Ctx<'_>,
    against: &Against<'_>,
    mut f: impl FnMut(&mut FlowRecord) -> Result<R>,
) -> Result<(FlowRecord, R)> {
    let id = flow_id(flow_arn)?;
    store.update(&id, |current| {
        let before = current
            .filter(|r| r.flow.flow_arn == flow_arn)
            .ok_or_else(|| flow_not_found(flow_arn))?;
        let mut next = before.clone();
        let r = f(&mut next)?;
        if let Some(first) = next.flow.sources.first() {
            next.flow.source = first.clone();
        }
        if next.flow != before.flow {
            Check {
                before: Some(&before.flow),
                others: against.others,
                account: &ctx.settings.account,
                quota_code: against.quota_code,
            }
            .flow(&next.flow)?;
        }
        let changed = next.flow != before.flow || next.desired != before.desired;
        if changed && next.generation == before.generation {
            next.generation += 1;
        }
        Ok(if next == before {
            Change::Keep((before, r))
        } else {
            Change::Write(next.clone(), (next, r))
        })
    })
}

/// The list member `name` of `input` as structures, each with its error path;
/// 400 when absent or empty.
fn elements<'a>(input: &Members<'a>, name: &str) -> Result<Vec<Members<'a>>> {
    let list = input.list(name)?;
    if list.is_empty() {
        return Err(super::input::invalid(name, "must not be empty"));
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| Members::element(v, format!("{name}[{i}]")))
        .collect()
}
