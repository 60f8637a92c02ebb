//! The one place that talks to the host: container records in key-value
//! state, objects in the blob store, and the policy plug (signatures,
//! container policies, CORS). Every decision is made by the pure modules;
//! this module fetches their inputs and carries out their answers.

use serde_json::json;
use tributary_guest::auth::{self, Identity};
use tributary_guest::http::{Request, Response};
use tributary_guest::{blob, config, policy, state};
use tributary_mediastore::{
    ApiError, CONTAINERS_BUCKET, ContainerName, ContainerRecord, ContainerStatus, ObjectPath,
};

use crate::conditional::Conditions;
use crate::cors;
use crate::list::{self, Listed};
use crate::object::{Lifecycle, ObjectInfo, Plan};
use crate::op::{self, Op, Parsed, PutOptions, RequestHead};
use crate::range::ByteRange;
use crate::reply::{self, Failure, JSON, Result};

/// Answer one request. Never panics: every failure becomes a MediaStore
/// error response.
pub fn handle(req: &Request) -> Response {
    let head = RequestHead {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        headers: &req.headers,
    };
    let parsed = match op::parse(&head) {
        Ok(p) => p,
        Err(f) => return f.response(),
    };
    let record = match container(&parsed.container) {
        Ok(r) => r,
        Err(f) => return f.response(),
    };
    if let Ok(Op::Preflight {
        origin,
        method,
        headers,
    }) = &parsed.op
    {
        return preflight(
            record.as_ref(),
            origin.as_deref(),
            method.as_deref(),
            headers,
        );
    }
    let rules = record.as_ref().and_then(|r| r.cors.as_deref());
    let matched = match (rules, head.header("origin")) {
        (Some(rules), Some(origin)) => {
            policy::cors_simple(&cors::rules(rules), origin, &req.method)
        }
        _ => Vec::new(),
    };
    let cors_headers = cors::simple_headers(rules.is_some(), matched);
    let response = serve(req, parsed, record).unwrap_or_else(Failure::response);
    response.with_headers(cors_headers)
}

/// The container's record; `None` when there is none or it is not ACTIVE.
fn container(name: &ContainerName) -> Result<Option<ContainerRecord>> {
    let internal = |e: state::StateError| {
        Failure::from(ApiError::internal(format!(
            "Could not read containers: {e}"
        )))
    };
    let bucket = state::open(CONTAINERS_BUCKET).map_err(internal)?;
    let record: Option<ContainerRecord> = state::get(&bucket, name.as_str()).map_err(internal)?;
    Ok(record.filter(|r| r.status == ContainerStatus::Active))
}

/// A CORS preflight: unsigned, answered from the container's CORS rules.
fn preflight(
    record: Option<&ContainerRecord>,
    origin: Option<&str>,
    method: Option<&str>,
    headers: &[String],
) -> Response {
    let refused = |why: &str| {
        Failure::from(ApiError::access_denied(format!(
            "CORS preflight refused: {why}"
        )))
        .response()
    };
    let Some(rules) = record.and_then(|r| r.cors.as_deref()) else {
        return refused("the container has no CORS policy");
    };
    let (Some(origin), Some(method)) = (origin, method) else {
        return refused("Origin and Access-Control-Request-Method are required");
    };
    match policy::cors_preflight(&cors::rules(rules), origin, method, headers) {
        Some(allowed) => Response::empty(200).with_headers(allowed),
        None => refused(&format!(
            "no CORS rule allows origin {origin} to {method} with headers [{}]",
            headers.join(", ")
        )),
    }
}

/// Authenticate, authorize, then run the operation.
fn serve(req: &Request, parsed: Parsed, record: Option<ContainerRecord>) -> Result<Response> {
    let identity =
        auth::authenticate(req, "mediastore", None).map_err(|e| reply::auth_failure(e, false))?;
    let anonymous = identity == Identity::Anonymous;
    let op = parsed.op?;
    // To an unsigned caller a missing container looks like a private one,
    // so container names cannot be probed anonymously.
    let record = record.ok_or_else(|| {
        if anonymous {
            reply::missing_token()
        } else {
            ApiError::data_container_not_found(format!("No container named {}", parsed.container))
        }
    })?;
    let container_arn = parsed
        .container
        .arn(&config::region(), &config::account_id());
    auth::authorize(
        &identity,
        record.policy.as_deref(),
        op.action(),
        &op.resource(&container_arn),
        req,
    )
    .map_err(|e| reply::auth_failure(e, anonymous))?;

    let ctx = Ctx {
        container: &parsed.container,
        lifecycle: Lifecycle::of(&record),
        now_ms: config::now_ms(),
    };
    match op {
        Op::GetObject {
            path,
            range,
            conditions,
        } => ctx.get(&path, range, &conditions),
        Op::DescribeObject { path, conditions } => ctx.describe(&path, &conditions),
        Op::PutObject { path, options } => put(req, &path.blob_key(ctx.container), &path, options),
        Op::DeleteObject { path } => delete(&path.blob_key(ctx.container), &path),
        Op::ListItems {
            folder,
            max_results,
            cursor,
        } => {
            let prefix = folder.blob_prefix(ctx.container);
            let page = blob::list(&prefix, Some("/"), cursor.as_deref(), max_results)
                .map_err(|e| reply::blob_failure(e, folder.as_str()))?;
            let objects: Vec<Listed> = page
                .objects
                .iter()
                .map(|m| Listed {
                    key: m.key.clone(),
                    info: info(m),
                })
                .collect();
            let shaped = list::shape(
                &prefix,
                &objects,
                &page.common_prefixes,
                &ctx.lifecycle,
                ctx.now_ms,
            );
            for key in &shaped.expired {
                if let Some(seen) = objects.iter().find(|o| &o.key == key) {
                    remove_if_unchanged(key, &seen.info);
                }
            }
            let token = page.cursor.map(|c| list::encode_token(&folder, &c));
            Ok(Response::json(200, JSON, &list::body(shaped, token)))
        }
        Op::Preflight { .. } => {
            Err(ApiError::internal("preflight reached the operation stage").into())
        }
    }
}

/// What GET and HEAD share.
struct Ctx<'a> {
    container: &'a ContainerName,
    lifecycle: Lifecycle,
    now_ms: u64,
}

impl Ctx<'_> {
    /// GetObject: one `read` in the common case. The store is asked for the
    /// client's range right away; when the plan turns out to need other bytes
    /// (If-Range no longer matches, the object is still growing, or it was
    /// replaced between calls), the unread stream is dropped — no object
    /// bytes pass through the guest — and the store is asked again.
    fn get(
        &self,
        path: &ObjectPath,
        range: Option<ByteRange>,
        conditions: &Conditions,
    ) -> Result<Response> {
        let key = path.blob_key(self.container);
        let mut ask = range;
        for _ in 0..3 {
            let read = match blob::read(&key, ask.map(blob_range)) {
                Ok(read) => read,
                Err(blob::Error::RangeNotSatisfiable(_)) => {
                    // Expiry and 304 come before 416: decide on the metadata.
                    let info = self.live_info(&key, path)?;
                    let plan = Plan::new(&info, conditions, range);
                    match plan.wanted() {
                        Some(wanted) => ask = wanted,
                        None => return Ok(self.answer_without_body(&info, plan)),
                    }
                    continue;
                }
                Err(e) => return Err(reply::blob_failure(e, path.as_str()).into()),
            };
            let info = info(&read.meta);
            if self.expired(path, &info) {
                drop(read);
                remove_if_unchanged(&key, &info);
                return Err(not_found(path));
            }
            let plan = Plan::new(&info, conditions, range);
            match plan.wanted() {
                None => return Ok(self.answer_without_body(&info, plan)),
                Some(_) if plan.fits(&info, read.start, read.length) => {
                    let status = if plan == Plan::Full { 200 } else { 206 };
                    let mut response = Response::stream(status, read.body, read.length)
                        .with_headers(info.headers());
                    if let Some(content_range) = plan.content_range(info.size) {
                        response = response.with_header("content-range", content_range);
                    }
                    return Ok(response);
                }
                Some(wanted) => ask = wanted,
            }
        }
        Err(ApiError::internal(format!(
            "The object at {path} kept changing while being read; retry"
        ))
        .into())
    }

    /// DescribeObject: metadata only, never a body stream.
    fn describe(&self, path: &ObjectPath, conditions: &Conditions) -> Result<Response> {
        let info = self.live_info(&path.blob_key(self.container), path)?;
        Ok(self.answer_without_body(&info, Plan::new(&info, conditions, None)))
    }

    /// 304, 416, or (for HEAD) 200 with the object's headers.
    fn answer_without_body(&self, info: &ObjectInfo, plan: Plan) -> Response {
        match plan {
            Plan::NotModified => Response::empty(304).with_headers(info.validator_headers()),
            Plan::Unsatisfiable => {
                let mut f = Failure::from(ApiError::range_not_satisfiable(format!(
                    "The range starts at or past the end of the {}-byte object",
                    info.size
                )));
                if let Some(cr) = plan.content_range(info.size) {
                    f = f.with_header("content-range", cr);
                }
                f.response()
            }
            Plan::Full | Plan::Partial { .. } => {
                let mut response = Response::empty(200).with_headers(info.headers());
                // A growing object's final length is unknown.
                if info.complete {
                    response = response.with_header("content-length", info.size.to_string());
                }
                response
            }
        }
    }

    /// Metadata of an object that exists and has not expired.
    fn live_info(&self, key: &str, path: &ObjectPath) -> Result<ObjectInfo> {
        let meta = blob::stat(key).map_err(|e| reply::blob_failure(e, path.as_str()))?;
        let info = meta.as_ref().map(info).ok_or_else(|| not_found(path))?;
        if self.expired(path, &info) {
            remove_if_unchanged(key, &info);
            return Err(not_found(path));
        }
        Ok(info)
    }

    /// Whether the container's lifecycle rules have expired the object.
    fn expired(&self, path: &ObjectPath, info: &ObjectInfo) -> bool {
        self.lifecycle
            .is_expired(path.as_str(), info.created_ms, self.now_ms)
    }
}

/// Delete an expired object, unless it was replaced since `seen` was read:
/// a fresh upload to the same path must not be lost to an old one's expiry.
/// The store has no conditional delete, so a replacement landing between
/// the `stat` and the `delete` can still be lost; the window is two host
/// calls wide. Best effort: if the delete fails, the object is still expired
/// to every reader and the next one tries again.
fn remove_if_unchanged(key: &str, seen: &ObjectInfo) {
    if let Ok(Some(current)) = blob::stat(key)
        && current.created_ms == seen.created_ms
        && current.etag == seen.etag
    {
        let _ = blob::delete(key);
    }
}

/// PutObject: stream the body into the store, which enforces the size limit
/// and the declared hash and makes the object visible atomically (or while
/// arriving, for STREAMING).
fn put(req: &Request, key: &str, path: &ObjectPath, options: PutOptions) -> Result<Response> {
    let Some((body, stream)) = req.body_stream() else {
        return Err(ApiError::internal("The request body could not be opened").into());
    };
    let write = blob::WriteOptions {
        content_type: options.content_type,
        cache_control: options.cache_control,
        user_metadata: Vec::new(),
        max_size: Some(options.availability.max_size()),
        visible_while_writing: options.availability == op::Availability::Streaming,
        expected_sha256: options.expected_sha256,
    };
    let written = blob::write(key, stream, &write);
    // The body resource outlives its stream, which the store has now consumed.
    drop(body);
    let meta = written.map_err(|e| reply::blob_failure(e, path.as_str()))?;
    let body =
        json!({ "ContentSHA256": meta.sha256, "ETag": meta.etag, "StorageClass": "TEMPORAL" });
    Ok(Response::json(200, JSON, &body))
}

/// DeleteObject: 200 `{}`, or 404 when there was nothing to delete.
fn delete(key: &str, path: &ObjectPath) -> Result<Response> {
    match blob::delete(key) {
        Ok(true) => Ok(Response::json(200, JSON, &json!({}))),
        Ok(false) => Err(not_found(path)),
        Err(e) => Err(reply::blob_failure(e, path.as_str()).into()),
    }
}

fn not_found(path: &ObjectPath) -> Failure {
    ApiError::object_not_found(format!("No object at {path}")).into()
}

fn blob_range(range: ByteRange) -> blob::ByteRange {
    match range {
        ByteRange::FromTo(a, b) => blob::ByteRange::StartingAt((a, Some(b))),
        ByteRange::From(a) => blob::ByteRange::StartingAt((a, None)),
        ByteRange::Suffix(n) => blob::ByteRange::Suffix(n),
    }
}

fn info(meta: &blob::ObjectMeta) -> ObjectInfo {
    ObjectInfo {
        size: meta.size,
        etag: meta.etag.clone(),
        content_type: meta.content_type.clone(),
        cache_control: meta.cache_control.clone(),
        created_ms: meta.created_ms,
        complete: meta.complete,
    }
}
