//! Wire errors: an [`ApiError`] plus the headers some statuses need, and the
//! mapping of guest-side failures (authentication, blob store) onto
//! MediaStore's codes.

use tributary_guest::auth::AuthError;
use tributary_guest::blob;
use tributary_guest::http::{Body, Response};
use tributary_mediastore::ApiError;

/// JSON bodies of the data plane.
pub const JSON: &str = "application/json";

/// A refused request: the wire error, and any headers its status calls for
/// (`Content-Range` on 416, `Allow` on 405).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Code, status and message.
    pub error: ApiError,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

impl Failure {
    /// Add a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The response: status, `x-amzn-errortype`, JSON body `{"__type", "Message"}`.
    pub fn response(self) -> Response {
        Response {
            status: self.error.status,
            headers: vec![
                ("x-amzn-errortype".to_owned(), self.error.code.to_owned()),
                ("content-type".to_owned(), JSON.to_owned()),
            ],
            body: Body::Bytes(self.error.body().into_bytes()),
        }
        .with_headers(self.headers)
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            headers: Vec::new(),
        }
    }
}

/// `Result` of a request step.
pub type Result<T, E = Failure> = std::result::Result<T, E>;

/// An authentication or authorization failure as MediaStore answers it.
/// `anonymous` says the request carried no signature: a refusal is then the
/// same 403 `AccessDeniedException`, with a message saying how to get in.
pub fn auth_failure(e: AuthError, anonymous: bool) -> ApiError {
    match e {
        AuthError::MissingAuthentication => ApiError::missing_authentication_token(
            "Request is missing Authentication Token: sign it with SigV4",
        ),
        AuthError::Denied(_) if anonymous => anonymous_denied(),
        AuthError::Denied(m) => ApiError::access_denied(m),
        AuthError::UnknownAccessKey(k) => ApiError::unrecognized_client(format!(
            "The security token included in the request is invalid: unknown access key {k}"
        )),
        AuthError::BadSignature(m) => ApiError::invalid_signature(m),
        AuthError::Expired => ApiError::request_expired("The presigned URL has expired"),
        AuthError::Internal(m) => ApiError::internal(format!("Could not check credentials: {m}")),
    }
}

/// What an unsigned request gets when the container policy does not open the
/// operation to everyone (`Principal: "*"`) — or there is no such container:
/// to an unsigned caller the two look alike, so names cannot be probed.
pub fn anonymous_denied() -> ApiError {
    ApiError::access_denied(
        "Anonymous access is not allowed: sign the request, or add a container policy \
         that allows this action to Principal \"*\"",
    )
}

/// A blob-store failure while serving the object at `path`.
pub fn blob_failure(e: blob::Error, path: &str) -> ApiError {
    match e {
        blob::Error::NotFound => ApiError::object_not_found(format!("No object at {path}")),
        blob::Error::InvalidKey(m) => {
            ApiError::invalid_request(format!("Path {path} is not valid: {m}"))
        }
        blob::Error::TooLarge => {
            ApiError::object_too_large(format!("The object at {path} is larger than allowed"))
        }
        blob::Error::ChecksumMismatch => ApiError::invalid_request(
            "The body's SHA-256 does not match the x-amz-content-sha256 header; nothing was stored",
        ),
        blob::Error::RangeNotSatisfiable(size) => ApiError::range_not_satisfiable(format!(
            "The range starts past the end of the {size}-byte object"
        )),
        blob::Error::BodyInterrupted => ApiError::invalid_request(
            "The request body ended before it was complete; nothing was stored",
        ),
        blob::Error::Io(m) => ApiError::internal(format!("Storage failed: {m}")),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn error_responses_carry_status_type_header_and_json_body() {
        let r = Failure::from(ApiError::object_not_found("No object at a.ts")).response();
        assert_eq!(r.status, 404);
        assert_eq!(
            header(&r, "x-amzn-errortype"),
            Some("ObjectNotFoundException")
        );
        assert_eq!(header(&r, "content-type"), Some("application/json"));
        let Body::Bytes(body) = r.body else {
            panic!("expected a JSON body")
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["__type"], "ObjectNotFoundException");
        assert_eq!(v["Message"], "No object at a.ts");
    }

    #[test]
    fn extra_failure_headers_are_sent() {
        let r = Failure::from(ApiError::range_not_satisfiable("x"))
            .with_header("content-range", "bytes */3")
            .response();
        assert_eq!(r.status, 416);
        assert_eq!(header(&r, "content-range"), Some("bytes */3"));
    }

    #[test]
    fn an_anonymous_refusal_is_access_denied_and_says_how_to_get_in() {
        let e = auth_failure(AuthError::Denied("no".into()), true);
        assert_eq!((e.code, e.status), ("AccessDeniedException", 403));
        assert!(e.message.contains("sign the request"), "{}", e.message);
        let e = auth_failure(AuthError::Denied("no".into()), false);
        assert_eq!((e.code, e.status), ("AccessDeniedException", 403));
    }

    #[test]
    fn authentication_failures_map_to_aws_codes() {
        let cases = [
            (
                AuthError::MissingAuthentication,
                "MissingAuthenticationTokenException",
                403,
            ),
            (
                AuthError::UnknownAccessKey("AKID".into()),
                "UnrecognizedClientException",
                403,
            ),
            (
                AuthError::BadSignature("bad".into()),
                "InvalidSignatureException",
                403,
            ),
            (AuthError::Expired, "RequestExpired", 403),
            (
                AuthError::Internal("kv down".into()),
                "InternalServerError",
                500,
            ),
        ];
        for (input, code, status) in cases {
            let e = auth_failure(input, false);
            assert_eq!((e.code, e.status), (code, status));
        }
    }

    #[test]
    fn blob_failures_map_to_data_plane_codes() {
        let cases = [
            (blob::Error::NotFound, "ObjectNotFoundException", 404),
            (
                blob::Error::InvalidKey("x".into()),
                "InvalidRequestException",
                400,
            ),
            (blob::Error::TooLarge, "ObjectTooLargeException", 413),
            (
                blob::Error::ChecksumMismatch,
                "InvalidRequestException",
                400,
            ),
            (
                blob::Error::RangeNotSatisfiable(5),
                "RequestedRangeNotSatisfiableException",
                416,
            ),
            (blob::Error::BodyInterrupted, "InvalidRequestException", 400),
            (
                blob::Error::Io("disk full".into()),
                "InternalServerError",
                500,
            ),
        ];
        for (input, code, status) in cases {
            let e = blob_failure(input, "a.ts");
            assert_eq!((e.code, e.status), (code, status));
        }
    }
}
