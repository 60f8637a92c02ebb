//! ListTagsForResource, TagResource and UntagResource on channel and origin
//! endpoint ARNs. Tags live in the resource's own record.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tributary_guest::state::Change;
use tributary_mediapackage::arn::{self, Kind};

use crate::mediapackage::Ctx;
use crate::mediapackage::error::{Error, Result};
use crate::mediapackage::input::{Members, invalid};
use crate::mediapackage::validate;
use crate::store::Channels;

fn not_found(resource_arn: &str) -> Error {
    Error::not_found(format!("Resource not found: {resource_arn}"))
}

/// What `resource_arn` names; 422 when it is no channel or origin endpoint
/// ARN.
fn parse(resource_arn: &str) -> Result<(Kind, &str)> {
    arn::parse(resource_arn).ok_or_else(|| {
        invalid(
            "resource-arn",
            format_args!(
                "{resource_arn:?} is not the ARN of a MediaPackage channel or origin endpoint"
            ),
        )
    })
}

/// ListTagsForResource (200). An ARN of another region or account names
/// nothing here (404).
pub fn list<S: Channels>(resource_arn: &str, store: &S) -> Result<Value> {
    let tags = match parse(resource_arn)? {
        (Kind::Channel, id) => store
            .channel(id)?
            .filter(|r| r.channel.arn == resource_arn)
            .map(|r| r.channel.tags),
        (Kind::OriginEndpoint, id) => store
            .endpoint(id)?
            .filter(|r| r.endpoint.arn == resource_arn)
            .map(|r| r.endpoint.tags),
    };
    let tags = tags.ok_or_else(|| not_found(resource_arn))?;
    Ok(json!({ "tags": tags }))
}

/// Apply `f` to the tags of `resource_arn`, in one compare-and-swap write
/// of its record.
fn retag<S: Channels>(
    resource_arn: &str,
    store: &mut S,
    f: impl Fn(&mut BTreeMap<String, String>) -> Result<()>,
) -> Result<()> {
    match parse(resource_arn)? {
        (Kind::Channel, id) => store.update_channel(id, |current| {
            let mut r = current
                .filter(|r| r.channel.arn == resource_arn)
                .ok_or_else(|| not_found(resource_arn))?;
            let before = r.channel.tags.clone();
            f(&mut r.channel.tags)?;
            Ok(if r.channel.tags == before {
                Change::Keep(())
            } else {
                Change::Write(r, ())
            })
        }),
        (Kind::OriginEndpoint, id) => store.update_endpoint(id, |current| {
            let mut r = current
                .filter(|r| r.endpoint.arn == resource_arn)
                .ok_or_else(|| not_found(resource_arn))?;
            let before = r.endpoint.tags.clone();
            f(&mut r.endpoint.tags)?;
            Ok(if r.endpoint.tags == before {
                Change::Keep(())
            } else {
                Change::Write(r, ())
            })
        }),
    }
}

/// TagResource (204): add or replace tags.
pub fn tag<S: Channels>(resource_arn: &str, input: &Members<'_>, store: &mut S) -> Result<()> {
    let new = input
        .opt_string_map("tags")?
        .ok_or_else(|| invalid("tags", "is required"))?;
    validate::tags("tags", &new)?;
    retag(resource_arn, store, |tags| {
        tags.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
        validate::tags("tags", tags)
    })
}

/// UntagResource (204): remove the `tagKeys` given in the query.
pub fn untag<S: Channels>(resource_arn: &str, ctx: &Ctx<'_>, store: &mut S) -> Result<()> {
    let keys: Vec<&str> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.as_str())
        .collect();
    if keys.is_empty() {
        return Err(invalid("tagKeys", "is required"));
    }
    retag(resource_arn, store, |tags| {
        for k in &keys {
            tags.remove(*k);
        }
        Ok(())
    })
}
