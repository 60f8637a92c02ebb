//! What the two rest-json families, MediaConnect and MediaPackage, share:
//! the request and reply of one call ([`wire`]) and the error shape
//! ([`error`]).
//!
//! Each piece is generic over a [`Family`], a type that only names the
//! service. Families keep their own refusals (MediaConnect's 400
//! `BadRequestException`, MediaPackage's 422
//! `UnprocessableEntityException`), messages, operations and records.

pub mod error;
pub mod wire;

pub use error::Error;

/// One rest-json service, as a type: [`Error`]s of one family cannot be
/// mistaken for another's.
pub trait Family: Sized {
    /// The service's name in messages (`MediaConnect`).
    const NAME: &'static str;
    /// The SigV4 service name its requests are signed for (`mediaconnect`).
    const SIGNING_NAME: &'static str;
}
