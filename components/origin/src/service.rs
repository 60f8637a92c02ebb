//! The one place that talks to the host: container records in key-value
//! state, objects in the blob store, and the policy plug (signatures,
//! container policies, CORS). Every decision is made by the pure modules
//! (and the read sequence by [`crate::reading`], against the blob store
//! through [`Objects`]); this module fetches their inputs and carries out
//! their answers.

use serde_json::json;
use tributary_guest::auth::{self, Identity};
use tributary_guest::http::{Request, Response};
use tributary_guest::wasip2::io::streams::InputStream;
use tributary_guest::{blob, config, policy, state};
use tributary_mediastore::{
    ApiError, CONTAINERS_BUCKET, ContainerName, ContainerRecord, ContainerStatus, ObjectPath,
};

use crate::cors;
use crate::list::{self, Listed};
use crate::object::{Lifecycle, ObjectInfo};
use crate::op::{self, Op, Parsed, PutOptions, RequestHead};
use crate::range::ByteRange;
use crate::reading::{Answer, Objects, Opened, Reader};
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
            reply::anonymous_denied()
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

    let container = &parsed.container;
    let lifecycle = Lifecycle::of(&record);
    let reader = Reader {
        store: &Blobs,
        lifecycle: &lifecycle,
        now_ms: config::now_ms(),
    };
    match op {
        Op::GetObject {
            path,
            range,
            conditions,
        } => reader
            .get(&path.blob_key(container), &path, range, &conditions)
            .map(respond),
        Op::DescribeObject { path, conditions } => reader
            .describe(&path.blob_key(container), &path, &conditions)
            .map(respond),
        Op::PutObject { path, options } => put(req, &path.blob_key(container), &path, options),
        Op::DeleteObject { path } => delete(&path.blob_key(container), &path),
        Op::ListItems {
            folder,
            max_results,
            cursor,
        } => {
            let prefix = folder.blob_prefix(container);
            let page = blob::list(&prefix, Some("/"), cursor.as_deref(), max_results)
                .map_err(|e| reply::blob_failure(e, folder.as_str()))?;
            let objects: Vec<Listed> = page
                .objects
                .iter()
                .map(|m| Listed {
                    key: m.key.clone(),
                    info: ObjectInfo::from(m),
                })
                .collect();
            let shaped = list::shape(
                &prefix,
                &objects,
                &page.common_prefixes,
                &lifecycle,
                reader.now_ms,
            );
            for key in &shaped.expired {
                if let Some(seen) = objects.iter().find(|o| &o.key == key) {
                    reader.remove_if_unchanged(key, &seen.info);
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

/// The blob store, as reading sees it.
struct Blobs;

impl Objects for Blobs {
    type Body = InputStream;

    fn read(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Opened<InputStream>, blob::Error> {
        let read = blob::read(key, range.map(ByteRange::to_blob))?;
        Ok(Opened {
            info: ObjectInfo::from(&read.meta),
            start: read.start,
            length: read.length,
            body: read.body,
        })
    }

    fn stat(&self, key: &str) -> Result<Option<ObjectInfo>, blob::Error> {
        Ok(blob::stat(key)?.as_ref().map(ObjectInfo::from))
    }

    fn delete(&self, key: &str) -> Result<bool, blob::Error> {
        blob::delete(key)
    }
}

fn respond(answer: Answer<InputStream>) -> Response {
    match answer {
        Answer::Stream {
            status,
            headers,
            body,
            length,
        } => Response::stream(status, body, length).with_headers(headers),
        Answer::Headers { status, headers } => Response::empty(status).with_headers(headers),
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
        Ok(false) => Err(ApiError::object_not_found(format!("No object at {path}")).into()),
        Err(e) => Err(reply::blob_failure(e, path.as_str()).into()),
    }
}
