//! Why a signature was not accepted.

use alloc::string::String;

/// Why a request's signature was not accepted.
///
/// The cases mirror the `sigv4-error` variant of `tributary:policy/authorize`;
/// the AWS error code a server answers with is given for each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Authorization header or the presigned query is present but not
    /// well-formed (AWS: `IncompleteSignature`). The string says what.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The algorithm is not `AWS4-HMAC-SHA256`; the string is the one claimed.
    #[error("unsupported signature algorithm {0:?}, expected AWS4-HMAC-SHA256")]
    UnsupportedAlgorithm(String),
    /// No request date (`x-amz-date`, `date` or `X-Amz-Date`), or not one
    /// that parses.
    #[error("the request date is missing or not in the form 20261121T120000Z")]
    MissingDate,
    /// The request date is further from now than the allowed clock skew, or
    /// a presigned URL is used before its date (AWS: `RequestTimeTooSkewed`).
    #[error("the difference between the request time and the current time is too large")]
    RequestTimeTooSkewed,
    /// A presigned URL used after `X-Amz-Date + X-Amz-Expires`
    /// (AWS: `RequestExpired`).
    #[error("the presigned URL has expired")]
    Expired,
    /// The credential scope's date is not the date of the request.
    #[error("credential scope mismatch: {0}")]
    ScopeMismatch(String),
    /// A header named in SignedHeaders is absent, or a header that must be
    /// signed (`host`, the date header) is not; the string is its name.
    #[error("header {0:?} must be present and signed")]
    UnsignedHeader(String),
    /// The recomputed signature differs (AWS: `SignatureDoesNotMatch`).
    #[error("the request signature does not match the signature computed with the secret")]
    SignatureMismatch,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
