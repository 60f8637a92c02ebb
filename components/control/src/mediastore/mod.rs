//! The MediaStore control plane (awsJson1_1, `MediaStore_20170901`), sans-IO.
//!
//! [`serve`] takes what the shell read off the wire — method, `X-Amz-Target`,
//! body, who signed it, the time — and returns the [`Reply`] to send. State and
//! the policy plug come in through the [`Containers`] and [`Plug`] traits, so
//! every operation, validation and error runs in native tests.
//!
//! Wire rules (reference §1.1): `POST /` with `X-Amz-Target:
//! MediaStore_20170901.<Op>`; success is 200 with a JSON body (`{}` for empty
//! outputs); errors are `{"__type": code, "Message": …}` with an
//! `x-amzn-errortype` header, status 400 (500 for `InternalServerError`, 403
//! for authentication and authorization failures), all as
//! `application/x-amz-json-1.1`.

mod input;
mod ops;
mod validate;

use serde_json::Value;
use tributary_guest::auth::{AuthError, Identity};
use tributary_mediastore::ApiError;

use crate::store::{Containers, Plug, Settings};

pub use validate::{MAX_METRIC_RULES, MAX_TAGS_PER_CONTAINER};

/// Content type of every MediaStore control-plane response.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// `X-Amz-Target` prefix of MediaStore control-plane operations.
pub const TARGET_PREFIX: &str = "MediaStore_20170901.";
/// Largest request body read (the biggest legal CORS policy in practice is far
/// smaller; a container policy is at most 8 KiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// One of the 21 MediaStore control-plane operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    missing_docs,
    reason = "each variant is the AWS operation of that name"
)]
pub enum Operation {
    CreateContainer,
    DeleteContainer,
    DeleteContainerPolicy,
    DeleteCorsPolicy,
    DeleteLifecyclePolicy,
    DeleteMetricPolicy,
    DescribeContainer,
    GetContainerPolicy,
    GetCorsPolicy,
    GetLifecyclePolicy,
    GetMetricPolicy,
    ListContainers,
    ListTagsForResource,
    PutContainerPolicy,
    PutCorsPolicy,
    PutLifecyclePolicy,
    PutMetricPolicy,
    StartAccessLogging,
    StopAccessLogging,
    TagResource,
    UntagResource,
}

impl Operation {
    /// Every operation, in the model's order.
    pub const ALL: [Self; 21] = [
        Self::CreateContainer,
        Self::DeleteContainer,
        Self::DeleteContainerPolicy,
        Self::DeleteCorsPolicy,
        Self::DeleteLifecyclePolicy,
        Self::DeleteMetricPolicy,
        Self::DescribeContainer,
        Self::GetContainerPolicy,
        Self::GetCorsPolicy,
        Self::GetLifecyclePolicy,
        Self::GetMetricPolicy,
        Self::ListContainers,
        Self::ListTagsForResource,
        Self::PutContainerPolicy,
        Self::PutCorsPolicy,
        Self::PutLifecyclePolicy,
        Self::PutMetricPolicy,
        Self::StartAccessLogging,
        Self::StopAccessLogging,
        Self::TagResource,
        Self::UntagResource,
    ];

    /// The operation's name (`CreateContainer`).
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateContainer => "CreateContainer",
            Self::DeleteContainer => "DeleteContainer",
            Self::DeleteContainerPolicy => "DeleteContainerPolicy",
            Self::DeleteCorsPolicy => "DeleteCorsPolicy",
            Self::DeleteLifecyclePolicy => "DeleteLifecyclePolicy",
            Self::DeleteMetricPolicy => "DeleteMetricPolicy",
            Self::DescribeContainer => "DescribeContainer",
            Self::GetContainerPolicy => "GetContainerPolicy",
            Self::GetCorsPolicy => "GetCorsPolicy",
            Self::GetLifecyclePolicy => "GetLifecyclePolicy",
            Self::GetMetricPolicy => "GetMetricPolicy",
            Self::ListContainers => "ListContainers",
            Self::ListTagsForResource => "ListTagsForResource",
            Self::PutContainerPolicy => "PutContainerPolicy",
            Self::PutCorsPolicy => "PutCorsPolicy",
            Self::PutLifecyclePolicy => "PutLifecyclePolicy",
            Self::PutMetricPolicy => "PutMetricPolicy",
            Self::StartAccessLogging => "StartAccessLogging",
            Self::StopAccessLogging => "StopAccessLogging",
            Self::TagResource => "TagResource",
            Self::UntagResource => "UntagResource",
        }
    }

    /// The IAM action a policy grants for it (`mediastore:CreateContainer`).
    pub fn action(self) -> String {
        format!("mediastore:{}", self.name())
    }

    /// The operation an `X-Amz-Target` value names; `UnknownOperationException`
    /// for anything else, including a missing header.
    pub fn from_target(target: Option<&str>) -> Result<Self, ApiError> {
        let Some(target) = target else {
            return Err(ApiError::unknown_operation(format!(
                "Missing X-Amz-Target header; MediaStore calls name their operation as {TARGET_PREFIX}<Operation>"
            )));
        };
        target
            .trim()
            .strip_prefix(TARGET_PREFIX)
            .and_then(|name| Self::ALL.into_iter().find(|op| op.name() == name))
            .ok_or_else(|| ApiError::unknown_operation(format!("Unknown operation {target:?}")))
    }
}

/// A request as the shell read it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// The `X-Amz-Target` header, if present.
    pub target: Option<&'a str>,
    /// The whole body.
    pub body: &'a [u8],
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub now_ms: u64,
}

/// A response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

impl Reply {
    /// 200 with `value` as the JSON body.
    pub fn ok(value: &Value) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), CONTENT_TYPE.into())],
            body: value.to_string().into_bytes(),
        }
    }

    /// `error` as MediaStore sends it.
    pub fn error(error: &ApiError) -> Self {
        Self {
            status: error.status,
            headers: vec![
                ("content-type".into(), CONTENT_TYPE.into()),
                ("x-amzn-errortype".into(), error.code.into()),
            ],
            body: error.body().into_bytes(),
        }
    }
}

/// The wire error for an authentication or authorization failure.
pub fn auth_error(error: AuthError) -> ApiError {
    match error {
        AuthError::MissingAuthentication => missing_authentication(),
        AuthError::UnknownAccessKey(_) => {
            ApiError::unrecognized_client("The security token included in the request is invalid.")
        }
        AuthError::BadSignature(m) => ApiError::invalid_signature(m),
        AuthError::Expired => ApiError::request_expired("Request has expired."),
        AuthError::Denied(m) => ApiError::access_denied(m),
        AuthError::Internal(m) => ApiError::internal(m),
    }
}

fn missing_authentication() -> ApiError {
    ApiError::missing_authentication_token("Missing Authentication Token")
}

/// Answer one control-plane call. `auth` is what authenticating the request
/// gave; every operation needs a signed caller.
pub fn serve<S: Containers, P: Plug>(
    call: &Call<'_>,
    auth: Result<Identity, AuthError>,
    settings: &Settings,
    store: &mut S,
    plug: &P,
) -> Reply {
    match run(call, auth, settings, store, plug) {
        Ok(value) => Reply::ok(&value),
        Err(error) => Reply::error(&error),
    }
}

fn run<S: Containers, P: Plug>(
    call: &Call<'_>,
    auth: Result<Identity, AuthError>,
    settings: &Settings,
    store: &mut S,
    plug: &P,
) -> Result<Value, ApiError> {
    if call.method != "POST" {
        return Err(ApiError::method_not_allowed(format!(
            "MediaStore calls are POST /, not {}",
            call.method
        )));
    }
    let identity = match auth {
        Ok(Identity::Anonymous) => return Err(missing_authentication()),
        Ok(identity) => identity,
        Err(e) => return Err(auth_error(e)),
    };
    let op = Operation::from_target(call.target)?;
    let body = input::parse_body(call.body)?;
    let ctx = ops::Ctx {
        identity: &identity,
        now_ms: call.now_ms,
        settings,
        plug,
    };
    ops::dispatch(op, &input::Members::top(&body), &ctx, store)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests;
