//! MediaConnect's wire errors (rest-json): the HTTP status of the model's
//! error shape, its code in `X-Amzn-ErrorType`, and `{"message": …}` as the
//! body ([`crate::rest::error`]). A request that is wrong is 400
//! `BadRequestException`; a list past its quota has its operation's 420.

use crate::rest::{self, Family};

/// MediaConnect, as the [`rest`] family its errors (and more) belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaConnect {}

impl Family for MediaConnect {
    const NAME: &'static str = "MediaConnect";
    const SIGNING_NAME: &'static str = super::SIGNING_NAME;
    const NOT_SUPPORTED: &'static str = "is not supported";

    fn invalid(message: String) -> Error {
        Error::bad_request(message)
    }

    fn out_of_range(_: i64, min: i64, max: i64) -> String {
        format!("must be between {min} and {max}")
    }
}

/// A refusal, as the client will see it.
pub type Error = rest::Error<MediaConnect>;

impl Error {
    /// 400 `BadRequestException`: the request is wrong; the message says how.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequestException", message)
    }

    /// 420 with an operation's own quota code (`AddFlowOutputs420Exception`).
    pub fn quota(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(420, code, message)
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
