//! What the control planes need from the world, as narrow traits: the
//! MediaStore container records and objects ([`Containers`]), the policy plug
//! ([`Plug`]), the MediaConnect flow records ([`Flows`]) and the MediaPackage
//! channel and origin endpoint records ([`Channels`]). The component
//! implements them over its WIT imports (`crate::wasi`); tests implement them
//! in memory, so every operation runs natively without a host.

use tributary_guest::auth::{AuthError, Identity};
use tributary_guest::state::Change;
use tributary_mediaconnect::{FlowRecord, Runtime};
use tributary_mediapackage::{ChannelRecord, EndpointRecord};
use tributary_mediastore::{ApiError, ContainerRecord};

use crate::mediaconnect::Error as FlowError;
use crate::mediapackage::Error as PackageError;

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

/// MediaConnect flows in the `flows` key-value store (see
/// `tributary_mediaconnect`): the records control writes under `flow/<id>`,
/// and the runtime records the transport supervisor writes under
/// `runtime/<id>`, which control only reads (and deletes with the flow).
///
/// Errors are wire errors already (503 `ServiceUnavailableException` when the
/// store cannot be reached), so operations pass them through.
pub trait Flows {
    /// The record of flow `id`; `Ok(None)` when there is none.
    fn flow(&self, id: &str) -> Result<Option<FlowRecord>, FlowError>;

    /// Every flow record with its id, in ascending id order. A flow deleted
    /// while listing is left out.
    fn flows(&self) -> Result<Vec<(String, FlowRecord)>, FlowError>;

    /// Read-modify-write of flow `id` with compare-and-swap: `f` sees the
    /// current record (`None` when absent) and decides; it is called again
    /// when another writer got there first, so it must have no other side
    /// effects. An error from `f` is returned as is, with nothing written.
    fn update<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<FlowRecord>) -> Result<Change<FlowRecord, R>, FlowError>,
    ) -> Result<R, FlowError>;

    /// Remove flow `id`: its record, runtime and lease (no error when absent).
    fn delete(&mut self, id: &str) -> Result<(), FlowError>;

    /// What the host running flow `id` last reported; `Ok(None)` when nothing.
    fn runtime(&self, id: &str) -> Result<Option<Runtime>, FlowError>;
}

/// MediaPackage channels and origin endpoints in the `channels` key-value
/// store (see `tributary_mediapackage`): `channel/<id>` and `endpoint/<id>`,
/// both written only by control.
///
/// Errors are wire errors already (503 `ServiceUnavailableException` when
/// the store cannot be reached), so operations pass them through.
pub trait Channels {
    /// The record of channel `id`; `Ok(None)` when there is none.
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, PackageError>;

    /// Every channel record, in ascending id order. A channel deleted while
    /// listing is left out.
    fn channels(&self) -> Result<Vec<ChannelRecord>, PackageError>;

    /// Read-modify-write of channel `id` with compare-and-swap: `f` sees the
    /// current record (`None` when absent) and decides; it is called again
    /// when another writer got there first, so it must have no other side
    /// effects. An error from `f` is returned as is, with nothing written.
    fn update_channel<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<ChannelRecord>) -> Result<Change<ChannelRecord, R>, PackageError>,
    ) -> Result<R, PackageError>;

    /// Remove channel `id` (no error when absent).
    fn delete_channel(&mut self, id: &str) -> Result<(), PackageError>;

    /// The record of origin endpoint `id`; `Ok(None)` when there is none.
    fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, PackageError>;

    /// Every origin endpoint record, in ascending id order.
    fn endpoints(&self) -> Result<Vec<EndpointRecord>, PackageError>;

    /// [`Channels::update_channel`] for origin endpoint `id`.
    fn update_endpoint<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<EndpointRecord>) -> Result<Change<EndpointRecord, R>, PackageError>,
    ) -> Result<R, PackageError>;

    /// Remove origin endpoint `id` (no error when absent).
    fn delete_endpoint(&mut self, id: &str) -> Result<(), PackageError>;
}
