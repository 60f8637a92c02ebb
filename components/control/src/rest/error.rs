//! The rest-json error shape: the HTTP status of the model's error shape,
//! its code in `X-Amzn-ErrorType`, and `{"message": …}` as the body (the
//! shapes' `Message` member has `locationName: "message"`). The refusals
//! both families answer alike are here; each family adds its own
//! (MediaConnect's 400 and 420s, MediaPackage's 422).

use std::marker::PhantomData;

use serde_json::json;
use tributary_guest::auth::{AuthError, Identity};

use super::Family;

/// A refusal of family `F`, as the client will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error<F> {
    /// HTTP status.
    pub status: u16,
    /// Error code (`NotFoundException`).
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
    family: PhantomData<F>,
}

impl<F> Error<F> {
    /// `status` with error code `code`.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            family: PhantomData,
        }
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

    /// 404 `NotFoundException`: no such resource or route.
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

/// The wire error for an authentication failure.
pub fn auth_error<F: Family>(error: AuthError) -> Error<F> {
    match error {
        AuthError::MissingAuthentication => missing_authentication(),
        AuthError::UnknownAccessKey(_) => Error::signature(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        AuthError::BadSignature(m) => Error::signature("InvalidSignatureException", m),
        AuthError::Expired => Error::forbidden("Request has expired."),
        AuthError::Denied(m) => Error::forbidden(m),
        AuthError::Internal(m) => {
            Error::unavailable(format!("Could not read the access keys: {m}"))
        }
    }
}

fn missing_authentication<F: Family>() -> Error<F> {
    Error::forbidden(format!(
        "Missing Authentication Token: {} calls must be signed (SigV4, service {})",
        F::NAME,
        F::SIGNING_NAME
    ))
}

/// Every operation needs a signed caller, and any signed caller may call
/// every operation: `Ok` for a signed caller, the wire error otherwise.
pub fn signed<F: Family>(auth: Result<Identity, AuthError>) -> Result<(), Error<F>> {
    match auth {
        Ok(Identity::Anonymous) => Err(missing_authentication()),
        Ok(Identity::Root | Identity::User { .. }) => Ok(()),
        Err(e) => Err(auth_error(e)),
    }
}
