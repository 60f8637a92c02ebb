//! MediaPackage's wire errors (rest-json): the model's six error shapes,
//! each with its HTTP status, the code in `X-Amzn-ErrorType` and
//! `{"message": …}` as the body ([`crate::rest::error`]). The model has no
//! 400: a request the service cannot act on — malformed, invalid or
//! conflicting — is 422 `UnprocessableEntityException`.

use crate::rest::{self, Family};

/// MediaPackage, as the [`rest`] family its errors (and more) belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaPackage {}

impl Family for MediaPackage {
    const NAME: &'static str = "MediaPackage";
    const SIGNING_NAME: &'static str = super::SIGNING_NAME;
    const NOT_SUPPORTED: &'static str = "is not supported yet";

    fn invalid(message: String) -> Error {
        Error::unprocessable(message)
    }

    fn out_of_range(n: i64, min: i64, max: i64) -> String {
        format!("{n} is not between {min} and {max}")
    }
}

/// A refusal, as the client will see it.
pub type Error = rest::Error<MediaPackage>;

impl Error {
    /// 422 `UnprocessableEntityException`: the request is invalid or
    /// conflicts with what exists; the message says how.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "UnprocessableEntityException", message)
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
