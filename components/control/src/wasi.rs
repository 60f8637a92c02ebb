//! [`Containers`] and [`Plug`] over the component's imports: container records
//! in the `containers` key-value bucket (compare-and-swap through
//! [`state::update`]), objects in the blob store, policies through the policy
//! plug.

use tributary_guest::auth::{self, AuthError, Identity};
use tributary_guest::http::Request;
use tributary_guest::state::{self, Change, StateError};
use tributary_guest::{blob, kv, policy};
use tributary_mediastore::{ApiError, CONTAINERS_BUCKET, ContainerRecord};

use crate::store::{Containers, Plug};

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
