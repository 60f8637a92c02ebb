//! What the two rest-json families, MediaConnect and MediaPackage, share:
//! the request and reply of one call ([`wire`]), the error shape
//! ([`error`]), reading a JSON body's members ([`input`]), routing a raw
//! path ([`paths`]) and the value rules both models have ([`validate`]).
//!
//! Each piece is generic over a [`Family`], a type that only names the
//! service and says where the two differ on the wire: the status and code
//! of an invalid request (MediaConnect 400 `BadRequestException`,
//! MediaPackage 422 `UnprocessableEntityException`) and the wording of a
//! few messages. Families keep their own error codes, messages, operations
//! and records.

pub mod error;
pub mod input;
pub mod paths;
#[cfg(test)]
pub mod testing;
pub mod validate;
pub mod wire;

pub use error::Error;

/// One rest-json service, as a type: [`Error`]s, [`input::Members`] and
/// [`paths::Path`]s of one family cannot be mistaken for another's.
pub trait Family: Sized {
    /// The service's name in messages (`MediaConnect`).
    const NAME: &'static str;
    /// The SigV4 service name its requests are signed for (`mediaconnect`).
    const SIGNING_NAME: &'static str;
    /// What a refused member "is" before the reason
    /// (`is not supported`).
    const NOT_SUPPORTED: &'static str;

    /// The error for a request the service cannot act on: malformed JSON,
    /// a member of the wrong type, out of range or missing.
    fn invalid(message: String) -> Error<Self>;

    /// The problem with integer `n` outside `min..=max`, as this service
    /// words it.
    fn out_of_range(n: i64, min: i64, max: i64) -> String;
}
