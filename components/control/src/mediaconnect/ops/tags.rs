//! ListTagsForResource, TagResource, UntagResource on flows, sources,
//! outputs and entitlements. Tags live in the owning flow's record (so they
//! go with it) and are not configuration: changing them bumps no generation.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tributary_mediaconnect::FlowRecord;
use tributary_mediaconnect::arn::{self, Kind};
use tributary_mediaconnect::wire::Flow;

use super::{Ctx, NO_SOURCES, change, load};
use crate::mediaconnect::error::{Error, Result};
use crate::mediaconnect::input::{Members, invalid};
use crate::mediaconnect::validate;
use crate::store::Flows;

const KINDS: [Kind; 4] = [Kind::Flow, Kind::Source, Kind::Output, Kind::Entitlement];

fn holds(flow: &Flow, arn: &str) -> bool {
    flow.flow_arn == arn
        || flow.sources.iter().any(|s| s.source_arn == arn)
        || flow.outputs.iter().any(|o| o.output_arn == arn)
        || flow.entitlements.iter().any(|e| e.entitlement_arn == arn)
}

fn not_found(arn: &str) -> Error {
    Error::not_found(format!("Resource not found: {arn}"))
}

/// The record of the flow that holds resource `arn`.
fn owner<S: Flows>(arn: &str, store: &S) -> Result<FlowRecord> {
    let Some(kind) = KINDS.into_iter().find(|k| arn::parse(arn, *k).is_some()) else {
        return Err(Error::bad_request(format!(
            "ResourceArn: {arn:?} is not the ARN of a MediaConnect flow, source, output or entitlement"
        )));
    };
    if kind == Kind::Flow {
        return load(store, arn).map(|(_, r)| r).map_err(|_| not_found(arn));
    }
    store
        .flows()?
        .into_iter()
        .map(|(_, r)| r)
        .find(|r| holds(&r.flow, arn))
        .ok_or_else(|| not_found(arn))
}

/// ListTagsForResource (200).
pub fn list<S: Flows>(arn: &str, store: &S) -> Result<Value> {
    let record = owner(arn, store)?;
    let tags = record.tags.get(arn).cloned().unwrap_or_default();
    Ok(json!({ "tags": tags }))
}

/// Apply `f` to the tags of `arn` in its flow's record.
fn retag<S: Flows>(
    arn: &str,
    ctx: &Ctx<'_>,
    store: &mut S,
    f: impl Fn(&mut BTreeMap<String, String>) -> Result<()>,
) -> Result<()> {
    let flow_arn = owner(arn, store)?.flow.flow_arn;
    change(store, &flow_arn, ctx, &NO_SOURCES, |r| {
        // The resource may have gone since it was found.
        if !holds(&r.flow, arn) {
            return Err(not_found(arn));
        }
        let mut tags = r.tags.get(arn).cloned().unwrap_or_default();
        f(&mut tags)?;
        if tags.is_empty() {
            r.tags.remove(arn);
        } else {
            r.tags.insert(arn.to_owned(), tags);
        }
        Ok(())
    })
    .map_err(|e| {
        if e.message.starts_with("Flow not found") {
            not_found(arn)
        } else {
            e
        }
    })?;
    Ok(())
}

/// TagResource (204): add or replace tags.
pub fn tag<S: Flows>(arn: &str, input: &Members<'_>, ctx: &Ctx<'_>, store: &mut S) -> Result<()> {
    let new = input
        .opt_string_map("tags")?
        .ok_or_else(|| invalid("tags", "is required"))?;
    validate::tags("tags", &new)?;
    retag(arn, ctx, store, |tags| {
        tags.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
        validate::tags("tags", tags)
    })
}

/// UntagResource (204): remove the `tagKeys` given in the query.
pub fn untag<S: Flows>(arn: &str, ctx: &Ctx<'_>, store: &mut S) -> Result<()> {
    let keys: Vec<&str> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.as_str())
        .collect();
    if keys.is_empty() {
        return Err(invalid("tagKeys", "is required"));
    }
    retag(arn, ctx, store, |tags| {
        for k in &keys {
            tags.remove(*k);
        }
        Ok(())
    })
}
