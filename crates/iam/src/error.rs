//! Why a policy document cannot be used.

use alloc::string::String;

/// A policy document that cannot be used. The message says what and where
/// (`Statement[1].Condition: unknown operator "Foo"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not JSON, not a policy's shape, or over [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES).
    #[error("malformed policy: {0}")]
    Malformed(String),
    /// Uses something this evaluator does not implement (a condition
    /// operator, `NotPrincipal`, a service principal, policy variables);
    /// refused rather than guessed.
    #[error("unsupported policy: {0}")]
    Unsupported(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
