//! [`Containers`], [`Plug`] and [`Flows`] over the component's imports:
//! container records in the `containers` key-value bucket, flow records in
//! `flows` and channel/endpoint records in `channels` (compare-and-swap
//! through [`state::update`]), objects in the blob store, policies through
//! the policy plug.

use tributary_guest::auth::{self, AuthError, Identity};
use tributary_guest::http::Request;
use tributary_guest::state::{self, Change, StateError};
use tributary_guest::{blob, kv, policy};
use tributary_mediaconnect::{FlowRecord, Runtime, keys};
use tributary_mediapackage::{ChannelRecord, EndpointRecord};
use tributary_mediastore::{ApiError, CONTAINERS_BUCKET, ContainerRecord};

use crate::mediaconnect::Error as FlowError;
use crate::mediapackage::Error as PackageError;
use crate::store::{Channels, Containers, Flows, Plug};

fn internal(e: &StateError) -> ApiError {
    ApiError::internal(format!("Could not reach container state: {e}"))
}

/// Container records in key-value state.
pub struct KvContainers {
    bucket: kv::Bucket,
}

impl KvContainers {
    /// Open the [`CONTAINERS_BUCKET`].
    pub fn open() -> Result<Self, ApiError> {
        let bucket = state::open(CONTAINERS_BUCKET).map_err(|e| internal(&e))?;
        Ok(Self { bucket })
    }
}

/// An operation's refusal or a state failure, so [`state::update`] can pass
/// either through.
enum UpdateError {
    Api(ApiError),
    State(StateError),
}

impl From<StateError> for UpdateError {
    fn from(e: StateError) -> Self {
        Self::State(e)
    }
}

impl Containers for KvContainers {
    fn get(&self, name: &str) -> Result<Option<ContainerRecord>, ApiError> {
        state::get(&self.bucket, name).map_err(|e| internal(&e))
    }

    fn update<R>(
        &mut self,
        name: &str,
        mut f: impl FnMut(Option<ContainerRecord>) -> Result<Change<ContainerRecord, R>, ApiError>,
    ) -> Result<R, ApiError> {
        state::update(&self.bucket, name, |current| {
            f(current).map_err(UpdateError::Api)
        })
        .map_err(|e| match e {
            UpdateError::Api(e) => e,
            UpdateError::State(e) => internal(&e),
        })
    }

    fn delete(&mut self, name: &str) -> Result<(), ApiError> {
        state::delete(&self.bucket, name).map_err(|e| internal(&e))
    }

    fn names(&self) -> Result<Vec<String>, ApiError> {
        let mut names = state::keys(&self.bucket).map_err(|e| internal(&e))?;
        names.sort();
        Ok(names)
    }

    fn has_objects(&self, name: &str) -> Result<bool, ApiError> {
        match blob::list(&format!("{name}/"), None, None, 1) {
            Ok(page) => Ok(!page.objects.is_empty() || !page.common_prefixes.is_empty()),
            Err(e) => Err(ApiError::internal(format!(
                "Could not list the container's objects: {e:?}"
            ))),
        }
    }
}

/// The policy plug, asked about one request (whose source address, transport
/// and headers feed policy conditions).
pub struct WasiPlug<'a> {
    /// The request being answered.
    pub request: &'a Request,
}

impl Plug for WasiPlug<'_> {
    fn validate_policy(&self, document: &str) -> Result<(), String> {
        policy::validate_policy(document).map_err(|e| match e {
            policy::PolicyError::Malformed(m) => m,
            policy::PolicyError::Unsupported(m) => format!("not supported: {m}"),
        })
    }

    fn authorize(
        &self,
        identity: &Identity,
        policy: Option<&str>,
        action: &str,
        resource: &str,
    ) -> Result<(), AuthError> {
        auth::authorize(identity, policy, action, resource, self.request)
    }
}

/// A state failure as MediaConnect reports it: the store unreachable or
/// contended is 503 (clients retry), a record we cannot read is 500.
fn flow_state_error(e: &StateError) -> FlowError {
    match e {
        StateError::Corrupt(_) => FlowError::internal(format!("Flow state is unreadable: {e}")),
        StateError::Store(_) | StateError::Contended => {
            FlowError::unavailable(format!("Could not reach flow state: {e}"))
        }
    }
}

/// Flow records in the [`tributary_mediaconnect::BUCKET`] bucket.
pub struct KvFlows {
    bucket: kv::Bucket,
}

impl KvFlows {
    /// Open the `flows` bucket.
    pub fn open() -> Result<Self, FlowError> {
        let bucket =
            state::open(tributary_mediaconnect::BUCKET).map_err(|e| flow_state_error(&e))?;
        Ok(Self { bucket })
    }
}

/// An operation's refusal or a state failure, for [`state::update`].
enum FlowUpdateError {
    Api(FlowError),
    State(StateError),
}

impl From<StateError> for FlowUpdateError {
    fn from(e: StateError) -> Self {
        Self::State(e)
    }
}

impl Flows for KvFlows {
    fn flow(&self, id: &str) -> Result<Option<FlowRecord>, FlowError> {
        state::get(&self.bucket, &keys::flow(id)).map_err(|e| flow_state_error(&e))
    }

    fn flows(&self) -> Result<Vec<(String, FlowRecord)>, FlowError> {
        let mut ids: Vec<String> = state::keys(&self.bucket)
            .map_err(|e| flow_state_error(&e))?
            .into_iter()
            .filter_map(|k| k.strip_prefix(keys::FLOW).map(str::to_owned))
            .collect();
        ids.sort();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(record) = self.flow(&id)? {
                out.push((id, record));
            }
        }
        Ok(out)
    }

    fn update<R>(
        &mut self,
        id: &str,
        mut f: impl FnMut(Option<FlowRecord>) -> Result<Change<FlowRecord, R>, FlowError>,
    ) -> Result<R, FlowError> {
        state::update(&self.bucket, &keys::flow(id), |current| {
            f(current).map_err(FlowUpdateError::Api)
        })
        .map_err(|e| match e {
            FlowUpdateError::Api(e) => e,
            FlowUpdateError::State(e) => flow_state_error(&e),
        })
    }

    fn delete(&mut self, id: &str) -> Result<(), FlowError> {
        // The record first: once it is gone the flow is gone for clients and
        // for the host; a failure after it leaves runtime/lease keys that
        // name no flow.
        for key in [keys::flow(id), keys::runtime(id), keys::lease(id)] {
            state::delete(&self.bucket, &key).map_err(|e| flow_state_error(&e))?;
        }
        Ok(())
    }

    fn runtime(&self, id: &str) -> Result<Option<Runtime>, FlowError> {
        state::get(&self.bucket, &keys::runtime(id)).map_err(|e| flow_state_error(&e))
    }
}

/// A state failure as MediaPackage reports it: the store unreachable or
/// contended is 503 (clients retry), a record we cannot read is 500.
fn package_state_error(e: &StateError) -> PackageError {
    match e {
        StateError::Corrupt(_) => {
            PackageError::internal(format!("Channel state is unreadable: {e}"))
        }
        StateError::Store(_) | StateError::Contended => {
            PackageError::unavailable(format!("Could not reach channel state: {e}"))
        }
    }
}

/// Channel and origin endpoint records in the
/// [`tributary_mediapackage::BUCKET`] bucket.
pub struct KvChannels {
    bucket: kv::Bucket,
}

impl KvChannels {
    /// Open the `channels` bucket.
    pub fn open() -> Result<Self, PackageError> {
        let bucket =
            state::open(tributary_mediapackage::BUCKET).map_err(|e| package_state_error(&e))?;
        Ok(Self { bucket })
    }

    /// Every record under `prefix`, in ascending key order; one deleted
    /// while listing is left out.
    fn all<T: serde::de::DeserializeOwned>(&self, prefix: &str) -> Result<Vec<T>, PackageError> {
        let mut names: Vec<String> = state::keys(&self.bucket)
            .map_err(|e| package_state_error(&e))?
            .into_iter()
            .filter(|k| k.starts_with(prefix))
            .collect();
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for key in names {
            if let Some(record) =
                state::get(&self.bucket, &key).map_err(|e| package_state_error(&e))?
            {
                out.push(record);
            }
        }
        Ok(out)
    }

    fn update<T, R>(
        &mut self,
        key: &str,
        mut f: impl FnMut(Option<T>) -> Result<Change<T, R>, PackageError>,
    ) -> Result<R, PackageError>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        state::update(&self.bucket, key, |current| {
            f(current).map_err(PackageUpdateError::Api)
        })
        .map_err(|e| match e {
            PackageUpdateError::Api(e) => e,
            PackageUpdateError::State(e) => package_state_error(&e),
        })
    }
}

/// An operation's refusal or a state failure, for [`state::update`].
enum PackageUpdateError {
    Api(PackageError),
    State(StateError),
}

impl From<StateError> for PackageUpdateError {
    fn from(e: StateError) -> Self {
        Self::State(e)
    }
}

impl Channels for KvChannels {
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, PackageError> {
        use tributary_mediapackage::keys;
        state::get(&self.bucket, &keys::channel(id)).map_err(|e| package_state_error(&e))
    }

    fn channels(&self) -> Result<Vec<ChannelRecord>, PackageError> {
        self.all(tributary_mediapackage::keys::CHANNEL)
    }

    fn update_channel<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<ChannelRecord>) -> Result<Change<ChannelRecord, R>, PackageError>,
    ) -> Result<R, PackageError> {
        self.update(&tributary_mediapackage::keys::channel(id), f)
    }

    fn delete_channel(&mut self, id: &str) -> Result<(), PackageError> {
        state::delete(&self.bucket, &tributary_mediapackage::keys::channel(id))
            .map_err(|e| package_state_error(&e))
    }

    fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, PackageError> {
        state::get(&self.bucket, &tributary_mediapackage::keys::endpoint(id))
            .map_err(|e| package_state_error(&e))
    }

    fn endpoints(&self) -> Result<Vec<EndpointRecord>, PackageError> {
        self.all(tributary_mediapackage::keys::ENDPOINT)
    }

    fn update_endpoint<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<EndpointRecord>) -> Result<Change<EndpointRecord, R>, PackageError>,
    ) -> Result<R, PackageError> {
        self.update(&tributary_mediapackage::keys::endpoint(id), f)
    }

    fn delete_endpoint(&mut self, id: &str) -> Result<(), PackageError> {
        state::delete(&self.bucket, &tributary_mediapackage::keys::endpoint(id))
            .map_err(|e| package_state_error(&e))
    }
}
