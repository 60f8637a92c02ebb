//! Why a CORS policy cannot be stored.

use alloc::string::String;

/// A CORS policy that breaks MediaStore's rules; the message says which rule
/// and field (`CorsPolicy[0].AllowedMethods: "PATCH" is not …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A rule or field is out of range or malformed (MediaStore answers
    /// `InvalidParameter`/`ValidationException`).
    #[error("invalid CORS policy: {0}")]
    Invalid(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
