//! The 21 operations: validate the input, authorize the caller against the
//! container's policy, then read or change the container record.
//!
//! Order of checks, as AWS does it for a signed caller: the input's shape and
//! constraints first (`ValidationException`), then authorization
//! (`AccessDeniedException`; the root key may do anything, a user only what
//! the container policy grants, and nothing on a container that does not
//! exist), then the container's existence and status, then the operation's
//! own conditions. Changes go through [`Containers::update`], so a check and
//! the write it guards see the same record.

use serde_json::{Value, json};
use tributary_guest::auth::{AuthError, Identity};
use tributary_guest::state::Change;
use tributary_mediastore::{
    ApiError, ContainerName, ContainerRecord, ContainerStatus, MAX_CONTAINERS,
};

use super::input::Members;
use super::validate::{self, ContainerArn};
use super::{Operation, auth_error};
use crate::store::{Containers, Plug, Settings};

/// Who is calling, when, and with which plug.
pub struct Ctx<'a, P> {
    /// The authenticated caller (never anonymous here).
    pub identity: &'a Identity,
    /// Milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// Region, account and endpoint.
    pub settings: &'a Settings,
    /// Policy validation and evaluation.
    pub plug: &'a P,
}

/// Run `op` on `input`.
pub fn dispatch<S: Containers, P: Plug>(
    op: Operation,
    input: &Members<'_>,
    ctx: &Ctx<'_, P>,
    store: &mut S,
) -> Result<Value, ApiError> {
    use Operation as Op;
    match op {
        Op::CreateContainer => create_container(input, ctx, store),
        Op::DeleteContainer => delete_container(input, ctx, store),
        Op::DescribeContainer => {
            let name = validate::container_name(input, "ContainerName")?;
            let record = read(op, &name, ctx, store, false)?;
            Ok(json!({ "Container": record.wire() }))
        }
        Op::ListContainers => list_containers(input, ctx, store),

        Op::PutContainerPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let policy = validate::container_policy(input)?;
            ctx.plug.validate_policy(policy).map_err(|e| {
                ApiError::validation(format!("The container policy is not valid: {e}"))
            })?;
            modify(op, &name, ctx, store, |r| {
                r.policy = Some(policy.to_owned());
                Ok(())
            })
        }
        Op::GetContainerPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let policy = read(op, &name, ctx, store, true)?
                .policy
                .ok_or_else(|| no_policy("container", &name))?;
            Ok(json!({ "Policy": policy }))
        }
        Op::DeleteContainerPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            modify(op, &name, ctx, store, |r| {
                r.policy
                    .take()
                    .map(drop)
                    .ok_or_else(|| no_policy("container", &name))
            })
        }

        Op::PutCorsPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let rules = validate::cors_policy(input)?;
            modify(op, &name, ctx, store, |r| {
                r.cors = Some(rules.clone());
                Ok(())
            })
        }
        Op::GetCorsPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let rules = read(op, &name, ctx, store, true)?
                .cors
                .ok_or_else(|| no_cors_policy(&name))?;
            Ok(json!({ "CorsPolicy": rules }))
        }
        Op::DeleteCorsPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            modify(op, &name, ctx, store, |r| {
                r.cors.take().map(drop).ok_or_else(|| no_cors_policy(&name))
            })
        }

        Op::PutLifecyclePolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let policy = validate::lifecycle_policy(input)?;
            modify(op, &name, ctx, store, |r| {
                r.lifecycle = Some(policy.to_owned());
                // Transient rules apply to objects created from now on.
                r.lifecycle_since_ms = ctx.now_ms;
                Ok(())
            })
        }
        Op::GetLifecyclePolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let policy = read(op, &name, ctx, store, true)?
                .lifecycle
                .ok_or_else(|| no_policy("lifecycle", &name))?;
            Ok(json!({ "LifecyclePolicy": policy }))
        }
        Op::DeleteLifecyclePolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            modify(op, &name, ctx, store, |r| {
                r.lifecycle
                    .take()
                    .map(drop)
                    .ok_or_else(|| no_policy("lifecycle", &name))
            })
        }

        Op::PutMetricPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let policy = validate::metric_policy(input)?;
            modify(op, &name, ctx, store, |r| {
                r.metric_policy = Some(policy.clone());
                Ok(())
            })
        }
        Op::GetMetricPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            let policy = read(op, &name, ctx, store, true)?
                .metric_policy
                .ok_or_else(|| no_policy("metric", &name))?;
            Ok(json!({ "MetricPolicy": policy }))
        }
        Op::DeleteMetricPolicy => {
            let name = validate::container_name(input, "ContainerName")?;
            modify(op, &name, ctx, store, |r| {
                r.metric_policy
                    .take()
                    .map(drop)
                    .ok_or_else(|| no_policy("metric", &name))
            })
        }

        Op::StartAccessLogging | Op::StopAccessLogging => {
            let name = validate::container_name(input, "ContainerName")?;
            let on = op == Op::StartAccessLogging;
            modify(op, &name, ctx, store, |r| {
                r.access_logging = on;
                Ok(())
            })
        }

        Op::TagResource => {
            let arn = validate::container_arn(input, "Resource")?;
            let tags = validate::tags(input, "Tags")?.ok_or_else(|| {
                super::input::invalid(&input.path_of("Tags"), "Member must not be null")
            })?;
            let name = ours(op, &arn, ctx)?;
            modify(op, &name, ctx, store, |r| {
                validate::merge_tags(&mut r.tags, tags.iter().cloned());
                validate::tag_quota(&r.tags)
            })
        }
        Op::UntagResource => {
            let arn = validate::container_arn(input, "Resource")?;
            let keys = validate::tag_keys(input)?;
            let name = ours(op, &arn, ctx)?;
            modify(op, &name, ctx, store, |r| {
                r.tags.retain(|t| !keys.contains(&t.key));
                Ok(())
            })
        }
        Op::ListTagsForResource => {
            let arn = validate::container_arn(input, "Resource")?;
            let name = ours(op, &arn, ctx)?;
            let record = read(op, &name, ctx, store, true)?;
            Ok(json!({ "Tags": record.tags }))
        }
    }
}

impl<P: Plug> Ctx<'_, P> {
    fn arn(&self, name: &ContainerName) -> String {
        name.arn(&self.settings.region, &self.settings.account)
    }

    /// May the caller perform `op` on `resource` under `policy`?
    fn authorize(
        &self,
        op: Operation,
        resource: &str,
        policy: Option<&str>,
    ) -> Result<(), ApiError> {
        let arn = match self.identity {
            Identity::Root => return Ok(()),
            Identity::User { arn } => arn,
            Identity::Anonymous => return Err(auth_error(AuthError::MissingAuthentication)),
        };
        match self
            .plug
            .authorize(self.identity, policy, &op.action(), resource)
        {
            Ok(()) => Ok(()),
            Err(AuthError::Denied(_)) => Err(ApiError::access_denied(format!(
                "User: {arn} is not authorized to perform: {} on resource: {resource}",
                op.action()
            ))),
            Err(e) => Err(auth_error(e)),
        }
    }

    /// Operations that have no container to take a policy from are the root
    /// key's alone.
    fn root_only(&self, op: Operation, resource: &str) -> Result<(), ApiError> {
        self.authorize(op, resource, None)
    }
}

fn container_not_found(name: &ContainerName) -> ApiError {
    ApiError::container_not_found(format!("The container {name} does not exist"))
}

fn not_active(name: &ContainerName, status: ContainerStatus) -> ApiError {
    let status = match status {
        ContainerStatus::Active => "ACTIVE",
        ContainerStatus::Creating => "CREATING",
        ContainerStatus::Deleting => "DELETING",
    };
    ApiError::container_in_use(format!(
        "The container {name} is {status}; try again when it is ACTIVE"
    ))
}

fn no_policy(kind: &str, name: &ContainerName) -> ApiError {
    ApiError::policy_not_found(format!("The container {name} has no {kind} policy"))
}

fn no_cors_policy(name: &ContainerName) -> ApiError {
    ApiError::cors_policy_not_found(format!("The container {name} has no CORS policy"))
}

/// The container a `Resource` ARN names, if it is one of this deployment's
/// (another region's or account's ARN names no container here).
fn ours<P: Plug>(
    op: Operation,
    arn: &ContainerArn,
    ctx: &Ctx<'_, P>,
) -> Result<ContainerName, ApiError> {
    if arn.region == ctx.settings.region && arn.account == ctx.settings.account {
        return Ok(arn.name.clone());
    }
    ctx.authorize(op, &arn.arn, None)?;
    Err(ApiError::container_not_found(format!(
        "No container {} here: this deployment serves region {} and account {}",
        arn.arn, ctx.settings.region, ctx.settings.account
    )))
}

/// The record of `name`, once the caller may see it; `ContainerInUse` unless
/// ACTIVE when `active` is asked for.
fn read<S: Containers, P: Plug>(
    op: Operation,
    name: &ContainerName,
    ctx: &Ctx<'_, P>,
    store: &S,
    active: bool,
) -> Result<ContainerRecord, ApiError> {
    let record = store.get(name.as_str())?;
    ctx.authorize(
        op,
        &ctx.arn(name),
        record.as_ref().and_then(|r| r.policy.as_deref()),
    )?;
    let record = record.ok_or_else(|| container_not_found(name))?;
    if active && record.status != ContainerStatus::Active {
        return Err(not_active(name, record.status));
    }
    Ok(record)
}

/// Change the record of ACTIVE container `name` with `f` (which may refuse),
/// after authorizing against the policy in that same record. Writes only when
/// `f` changed something. Answers `{}`.
fn modify<S: Containers, P: Plug>(
    op: Operation,
    name: &ContainerName,
    ctx: &Ctx<'_, P>,
    store: &mut S,
    mut f: impl FnMut(&mut ContainerRecord) -> Result<(), ApiError>,
) -> Result<Value, ApiError> {
    let arn = ctx.arn(name);
    store.update(name.as_str(), |current| {
        ctx.authorize(op, &arn, current.as_ref().and_then(|r| r.policy.as_deref()))?;
        let record = current.ok_or_else(|| container_not_found(name))?;
        if record.status != ContainerStatus::Active {
            return Err(not_active(name, record.status));
        }
        let mut changed = record.clone();
        f(&mut changed)?;
        Ok(if changed == record {
            Change::Keep(())
        } else {
            Change::Write(changed, ())
        })
    })?;
    Ok(json!({}))
}

fn create_container<S: Containers, P: Plug>(
    input: &Members<'_>,
    ctx: &Ctx<'_, P>,
    store: &mut S,
) -> Result<Value, ApiError> {
    let op = Operation::CreateContainer;
    let name = validate::container_name(input, "ContainerName")?;
    let tags = validate::tags(input, "Tags")?.unwrap_or_default();
    validate::tag_quota(&tags)?;
    let arn = ctx.arn(&name);
    ctx.root_only(op, &arn)?;
    // Checked before the write, so two concurrent creates can overshoot by
    // one; the quota is a guard against runaway scripts, not billing.
    let count = store.names()?.len();
    let endpoint = format!(
        "{}/store/{name}",
        ctx.settings.endpoint.trim_end_matches('/')
    );
    #[expect(
        clippy::cast_precision_loss,
        reason = "milliseconds since 1970 fit f64's 53 bits for aeons"
    )]
    let creation_time = ctx.now_ms as f64 / 1000.0;
    let record = ContainerRecord {
        name: name.as_str().to_owned(),
        arn,
        endpoint,
        creation_time,
        status: ContainerStatus::Active,
        access_logging: false,
        policy: None,
        cors: None,
        lifecycle: None,
        lifecycle_since_ms: 0,
        metric_policy: None,
        tags,
    };
    store.update(name.as_str(), |current| match current {
        Some(_) => Err(ApiError::container_in_use(format!(
            "A container named {name} already exists"
        ))),
        None if count >= MAX_CONTAINERS => Err(ApiError::limit_exceeded(format!(
            "This account already has {count} containers, the most it may have ({MAX_CONTAINERS})"
        ))),
        None => Ok(Change::Write(record.clone(), ())),
    })?;
    Ok(json!({ "Container": record.wire() }))
}

/// Mark the container DELETING (so the data plane stops accepting objects),
/// check it is empty, then remove it — or put it back to ACTIVE.
fn delete_container<S: Containers, P: Plug>(
    input: &Members<'_>,
    ctx: &Ctx<'_, P>,
    store: &mut S,
) -> Result<Value, ApiError> {
    let op = Operation::DeleteContainer;
    let name = validate::container_name(input, "ContainerName")?;
    let arn = ctx.arn(&name);
    store.update(name.as_str(), |current| {
        ctx.authorize(op, &arn, current.as_ref().and_then(|r| r.policy.as_deref()))?;
        let mut record = current.ok_or_else(|| container_not_found(&name))?;
        match record.status {
            ContainerStatus::Active => {
                record.status = ContainerStatus::Deleting;
                Ok(Change::Write(record, ()))
            }
            // A delete that stopped half-way may be repeated.
            ContainerStatus::Deleting => Ok(Change::Keep(())),
            ContainerStatus::Creating => Err(not_active(&name, record.status)),
        }
    })?;
    let refusal = match store.has_objects(name.as_str()) {
        Ok(false) => None,
        Ok(true) => Some(ApiError::container_in_use(format!(
            "The container {name} is not empty; delete its objects first"
        ))),
        Err(e) => Some(e),
    };
    if let Some(refusal) = refusal {
        store.update(name.as_str(), |current| match current {
            Some(mut r) if r.status == ContainerStatus::Deleting => {
                r.status = ContainerStatus::Active;
                Ok(Change::Write(r, ()))
            }
            _ => Ok(Change::Keep(())),
        })?;
        return Err(refusal);
    }
    store.delete(name.as_str())?;
    Ok(json!({}))
}

fn list_containers<S: Containers, P: Plug>(
    input: &Members<'_>,
    ctx: &Ctx<'_, P>,
    store: &mut S,
) -> Result<Value, ApiError> {
    let max = validate::max_results(input)?;
    let after = validate::next_token(input)?;
    let all = format!(
        "arn:aws:mediastore:{}:{}:container/*",
        ctx.settings.region, ctx.settings.account
    );
    ctx.root_only(Operation::ListContainers, &all)?;
    let mut names = store.names()?;
    names.sort();
    let rest: Vec<String> = match &after {
        Some(after) => names.into_iter().filter(|n| n > after).collect(),
        None => names,
    };
    let page = &rest[..rest.len().min(max)];
    let mut containers = Vec::with_capacity(page.len());
    for name in page {
        // A container deleted since the names were read is simply left out.
        if let Some(record) = store.get(name)? {
            containers.push(record.wire());
        }
    }
    let mut out = json!({ "Containers": containers });
    if rest.len() > page.len()
        && let Some(last) = page.last()
    {
        out["NextToken"] = Value::String(validate::encode_next_token(last));
    }
    Ok(out)
}
