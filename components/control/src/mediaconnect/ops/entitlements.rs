//! GrantFlowEntitlements, UpdateFlowEntitlement, RevokeFlowEntitlement,
//! ListEntitlements.

use serde_json::{Value, json};
use tributary_mediaconnect::arn::Kind;

use super::{Against, Ctx, NO_SOURCES, change, elements, item_arn};
use crate::mediaconnect::error::{Error, Result};
use crate::mediaconnect::input::Members;
use crate::mediaconnect::{request, validate};
use crate::store::Flows;

fn entitlement_not_found(flow_arn: &str, entitlement_arn: &str) -> Error {
    Error::not_found(format!(
        "Entitlement not found: {entitlement_arn} is not granted on flow {flow_arn}"
    ))
}

/// GrantFlowEntitlements (200); past the quota is
/// `GrantFlowEntitlements420Exception`.
pub fn grant<S: Flows>(
    flow_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    let mut specs = Vec::new();
    for e in elements(input, "entitlements")? {
        let (mut entitlement, tags) = request::new_entitlement(&e)?;
        entitlement.entitlement_arn = ctx.new_arn(Kind::Entitlement, &entitlement.name);
        specs.push((entitlement, tags));
    }
    let against = Against {
        others: &[],
        quota_code: Some("GrantFlowEntitlements420Exception"),
    };
    change(store, flow_arn, ctx, &against, |r| {
        for (e, t) in &specs {
            if !t.is_empty() {
                r.tags.insert(e.entitlement_arn.clone(), t.clone());
            }
            r.flow.entitlements.push(e.clone());
        }
        Ok(())
    })?;
    let entitlements: Vec<_> = specs.into_iter().map(|(e, _)| e).collect();
    Ok(json!({ "entitlements": entitlements, "flowArn": flow_arn }))
}

/// UpdateFlowEntitlement (202).
pub fn update<S: Flows>(
    flow_arn: &str,
    entitlement_arn: &str,
    input: &Members<'_>,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    item_arn(entitlement_arn, Kind::Entitlement, "EntitlementArn")?;
    let patch = request::entitlement_patch(input)?;
    let (_, entitlement) = change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let e = r
            .flow
            .entitlements
            .iter_mut()
            .find(|e| e.entitlement_arn == entitlement_arn)
            .ok_or_else(|| entitlement_not_found(flow_arn, entitlement_arn))?;
        patch.apply(e);
        Ok(e.clone())
    })?;
    Ok(json!({ "entitlement": entitlement, "flowArn": flow_arn }))
}

/// RevokeFlowEntitlement (202). A subscriber flow using it loses its
/// content, as on AWS.
pub fn revoke<S: Flows>(
    flow_arn: &str,
    entitlement_arn: &str,
    ctx: &Ctx<'_>,
    store: &mut S,
) -> Result<Value> {
    item_arn(entitlement_arn, Kind::Entitlement, "EntitlementArn")?;
    change(store, flow_arn, ctx, &NO_SOURCES, |r| {
        let i = r
            .flow
            .entitlements
            .iter()
            .position(|e| e.entitlement_arn == entitlement_arn)
            .ok_or_else(|| entitlement_not_found(flow_arn, entitlement_arn))?;
        r.flow.entitlements.remove(i);
        r.tags.remove(entitlement_arn);
        Ok(())
    })?;
    Ok(json!({ "entitlementArn": entitlement_arn, "flowArn": flow_arn }))
}

/// ListEntitlements: entitlements on any flow that list our account as a
/// subscriber, by ARN, paged.
pub fn list<S: Flows>(ctx: &Ctx<'_>, store: &S) -> Result<Value> {
    let (max, after) = validate::paging(&ctx.query, "ListEntitlements")?;
    let mut all: Vec<(String, Value)> = store
        .flows()?
        .into_iter()
        .flat_map(|(_, r)| r.flow.entitlements)
        .filter(|e| e.subscribers.contains(&ctx.settings.account))
        .map(|e| {
            let mut listed = json!({
                "entitlementArn": e.entitlement_arn,
                "entitlementName": e.name,
            });
            if let Some(fee) = e.data_transfer_subscriber_fee_percent {
                listed["dataTransferSubscriberFeePercent"] = json!(fee);
            }
            (e.entitlement_arn, listed)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, token) = validate::page(all, max, after.as_deref());
    let mut out = json!({ "entitlements": page });
    if let Some(token) = token {
        out["nextToken"] = json!(token);
    }
    Ok(out)
}
