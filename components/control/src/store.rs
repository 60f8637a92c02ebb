//! What the control plane needs from the world, as two narrow traits: the
//! container records and objects ([`Containers`]) and the policy plug
//! ([`Plug`]). The component implements them over its WIT imports
//! (`crate::wasi`); tests implement them in memory, so every operation runs
//! natively without a host.

use tributary_guest::auth::{AuthError, Identity};
use tributary_guest::state::Change;
use tributary_mediastore::{ApiError, ContainerRecord};

/// Container records (one per container, keyed by name) and the one question
/// the control plane asks about objects.
///
/// Errors are wire errors already (`InternalServerError` when the store
/// fails), so operations pass them through unchanged.
pub trait Containers {
    /// The record of container `name`; `Ok(None)` when there is none.
    fn get(&self, name: &str) -> Result<Option<ContainerRecord>, ApiError>;

    /// Read-modify-write of the record of `name` with compare-and-swap: `f`
    /// sees the current record (`None` when absent) and decides; it is called
    /// again when another writer got there first, so it must not have other
    /// side effects. An error from `f` is returned as is, with nothing written.
    fn update<R>(
        &mut self,
        name: &str,
        f: impl FnMut(Option<ContainerRecord>) -> Result<Change<ContainerRecord, R>, ApiError>,
    ) -> Result<R, ApiError>;

    /// Remove the record of `name` (no error when absent).
    fn delete(&mut self, name: &str) -> Result<(), ApiError>;

    /// Names of all containers, in ascending byte order.
    fn names(&self) -> Result<Vec<String>, ApiError>;

    /// Whether container `name` holds at least one object.
    fn has_objects(&self, name: &str) -> Result<bool, ApiError>;
}

/// The policy plug: container-policy validation and evaluation.
pub trait Plug {
    /// Whether `document` is a container policy the evaluator can apply;
    /// `Err` says what is wrong with it.
    fn validate_policy(&self, document: &str) -> Result<(), String>;

    /// May `identity` perform `action` (`mediastore:PutCorsPolicy`) on
    /// `resource` (a container ARN) under `policy` (the container's policy, if
    /// any)? `Identity::Root` is always allowed; with no policy, no one else is.
    fn authorize(
        &self,
        identity: &Identity,
        policy: Option<&str>,
        action: &str,
        resource: &str,
    ) -> Result<(), AuthError>;
}

/// Deployment settings the operations need (read from the environment by the
/// shell, passed in so tests choose them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Region in ARNs (`us-east-1`).
    pub region: String,
    /// 12-digit account id in ARNs.
    pub account: String,
    /// Public base URL (`http://127.0.0.1:8080`); container endpoints are
    /// `<endpoint>/store/<name>`.
    pub endpoint: String,
}
