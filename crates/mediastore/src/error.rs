//! Wire errors with MediaStore's own codes and HTTP statuses.

/// An error as the client sees it: an AWS error code, an HTTP status and a
/// message that says what to fix.
///
/// Rendered (by [`ApiError::body`]) as `{"__type": code, "Message": msg}` and
/// sent with an `X-Amzn-ErrorType: code` header, which both the JSON 1.1
/// (control plane) and REST-JSON (data plane) parsers of botocore and the AWS
/// SDKs read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct ApiError {
    /// AWS error code (`ContainerNotFoundException`).
    pub code: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Human-readable message.
    pub message: String,
}

macro_rules! ctor {
    ($(#[$doc:meta])* $fn:ident, $code:literal, $status:literal) => {
        $(#[$doc])*
        pub fn $fn(message: impl Into<String>) -> Self {
            Self { code: $code, status: $status, message: message.into() }
        }
    };
}

impl ApiError {
    // Control plane (awsJson1_1): the model gives no statuses, so 400 (500 for internal).
    ctor!(/// Control plane: no container by that name.
        container_not_found, "ContainerNotFoundException", 400);
    ctor!(/// Control plane: the name is taken, or the container is not ACTIVE / not empty.
        container_in_use, "ContainerInUseException", 400);
    ctor!(/// No container policy, lifecycle policy or metric policy is set.
        policy_not_found, "PolicyNotFoundException", 400);
    ctor!(/// No CORS policy is set.
        cors_policy_not_found, "CorsPolicyNotFoundException", 400);
    ctor!(/// A quota was reached (containers per account, rules per policy, …).
        limit_exceeded, "LimitExceededException", 400);
    ctor!(/// A parameter is missing, malformed or out of range.
        validation, "ValidationException", 400);
    ctor!(/// The body is not JSON, or not the operation's shape.
        serialization, "SerializationException", 400);
    ctor!(/// `X-Amz-Target` names no MediaStore operation.
        unknown_operation, "UnknownOperationException", 400);
    ctor!(/// Something failed on our side; the request may be retried.
        internal, "InternalServerError", 500);

    // Data plane (rest-json): statuses from the model.
    ctor!(/// Data plane: no container by that name.
        data_container_not_found, "ContainerNotFoundException", 404);
    ctor!(/// Data plane: no object at that path (or it expired).
        object_not_found, "ObjectNotFoundException", 404);
    ctor!(/// Data plane: the Range starts past the end of the object.
        range_not_satisfiable, "RequestedRangeNotSatisfiableException", 416);
    ctor!(/// Data plane: the body is larger than MediaStore allows.
        object_too_large, "ObjectTooLargeException", 413);
    ctor!(/// Data plane: the path or a header is not valid.
        invalid_request, "InvalidRequestException", 400);
    ctor!(/// The method is not supported at this URL.
        method_not_allowed, "MethodNotAllowedException", 405);

    // Authentication / authorization, as AWS services answer them.
    ctor!(/// No signature on a request that needs one.
        missing_authentication_token, "MissingAuthenticationTokenException", 403);
    ctor!(/// The access key id is not known.
        unrecognized_client, "UnrecognizedClientException", 403);
    ctor!(/// The signature does not match, is malformed, or is outside its time window.
        invalid_signature, "InvalidSignatureException", 403);
    ctor!(/// A presigned URL whose expiry has passed.
        request_expired, "RequestExpired", 403);
    ctor!(/// The caller is authenticated but a policy does not allow the action.
        access_denied, "AccessDeniedException", 403);

    /// The JSON body: `{"__type": code, "Message": message}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "__type": self.code, "Message": self.message }).to_string()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn body_carries_code_and_message() {
        let e = ApiError::object_not_found("no object at a/b.ts");
        assert_eq!(e.status, 404);
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["__type"], "ObjectNotFoundException");
        assert_eq!(v["Message"], "no object at a/b.ts");
    }
}
