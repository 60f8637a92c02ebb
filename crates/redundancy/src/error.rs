//! Why a redundancy configuration is refused.

use std::time::Duration;

/// A configuration MediaConnect would also refuse; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `recoveryWindow` outside 100–15000 ms.
    #[error("recovery window {0:?} is outside 100–15000 ms")]
    RecoveryWindow(Duration),
    /// A failover switch needs at least one source.
    #[error("failover needs at least one source")]
    NoSources,
    /// The same source id appears twice.
    #[error("source {0} is listed twice")]
    DuplicateSource(u32),
    /// A zero silence timeout would switch on every packet gap.
    #[error("silence timeout must be above zero")]
    SilenceTimeout,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
