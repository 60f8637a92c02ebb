//! MediaPackage's wire errors (rest-json): the model's six error shapes,
//! each with its HTTP status, the code in `X-Amzn-ErrorType` and
//! `{"message": …}` as the body. The model has no 400: a request the
//! service cannot act on — malformed, invalid or conflicting — is 422
//! `UnprocessableEntityException`.

use serde_json::json;

/// A refusal, as the client will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// HTTP status.
    pub status: u16,
    /// Error code (`NotFoundException`).
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
}

impl Error {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 422 `UnprocessableEntityException`: the request is invalid or
    /// conflicts with what exists; the message says how.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "UnprocessableEntityException", message)
    }

    /// 403 `ForbiddenException`: not signed, or not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "ForbiddenException", message)
    }

    /// 403 with a signature problem's own code (`InvalidSignatureException`,
    /// `UnrecognizedClientException`), as AWS front ends answer them.
    pub fn signature(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }

    /// 404 `NotFoundException`: no such channel, endpoint or route.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFoundException", message)
    }

    /// 500 `InternalServerErrorException`: our fault (a corrupt record).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerErrorException", message)
    }

    /// 503 `ServiceUnavailableException`: state could not be reached, or
    /// too many writers raced; SDKs retry it.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailableException", message)
    }

    /// The response body.
    pub fn body(&self) -> String {
        json!({ "message": self.message }).to_string()
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
