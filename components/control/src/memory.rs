//! In-memory test doubles for [`Containers`], [`Plug`], [`Flows`] and
//! [`Channels`].
//!
//! [`Memory`] keeps records in a map with a version counter that stands in for
//! compare-and-swap, and can be told to let "another writer" in between a read
//! and its write, to show updates are retried rather than lost. [`IamPlug`]
//! validates and evaluates container policies with `tributary-iam`, the crate
//! the real policy plug wraps.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use tributary_guest::auth::{AuthError, Identity};
use tributary_guest::state::Change;
use tributary_mediaconnect::{FlowRecord, Lease, Runtime};
use tributary_mediapackage::{ChannelRecord, EndpointRecord};
use tributary_mediastore::{ApiError, ContainerRecord};

use crate::mediaconnect::Error as FlowError;
use crate::mediapackage::Error as PackageError;
use crate::store::{Channels, Containers, Flows, Plug};

/// A change another writer makes between an update's read and its write.
type Interference = Box<dyn FnOnce(&mut BTreeMap<String, ContainerRecord>)>;

/// Container records and objects in memory.
#[derive(Default)]
pub struct Memory {
    /// Records by name.
    pub records: BTreeMap<String, ContainerRecord>,
    /// Names of containers that hold objects.
    pub objects: BTreeSet<String>,
    /// Make `has_objects` fail (the blob store is down).
    pub objects_fail: bool,
    /// Make every read and write fail (the key-value store is down).
    pub store_fails: bool,
    version: u64,
    interference: RefCell<Option<Interference>>,
    /// How many updates had to be retried.
    pub retries: usize,
}

impl Memory {
    /// Let `change` happen once, after the next update read its record and
    /// before it writes, as a concurrent writer would.
    pub fn interfere(
        &mut self,
        change: impl FnOnce(&mut BTreeMap<String, ContainerRecord>) + 'static,
    ) {
        *self.interference.get_mut() = Some(Box::new(change));
    }

    fn check(&self) -> Result<(), ApiError> {
        if self.store_fails {
            Err(ApiError::internal(
                "key-value store error: injected failure",
            ))
        } else {
            Ok(())
        }
    }
}

impl Containers for Memory {
    fn get(&self, name: &str) -> Result<Option<ContainerRecord>, ApiError> {
        self.check()?;
        Ok(self.records.get(name).cloned())
    }

    fn update<R>(
        &mut self,
        name: &str,
        mut f: impl FnMut(Option<ContainerRecord>) -> Result<Change<ContainerRecord, R>, ApiError>,
    ) -> Result<R, ApiError> {
        self.check()?;
        for _ in 0..16 {
            let version = self.version;
            let (record, r) = match f(self.records.get(name).cloned())? {
                Change::Keep(r) => return Ok(r),
                Change::Write(record, r) => (record, r),
            };
            if let Some(interference) = self.interference.get_mut().take() {
                interference(&mut self.records);
                self.version += 1;
            }
            if self.version != version {
                self.retries += 1;
                continue;
            }
            self.records.insert(name.to_owned(), record);
            self.version += 1;
            return Ok(r);
        }
        Err(ApiError::internal("too many concurrent updates"))
    }

    fn delete(&mut self, name: &str) -> Result<(), ApiError> {
        self.check()?;
        self.records.remove(name);
        self.version += 1;
        Ok(())
    }

    fn names(&self) -> Result<Vec<String>, ApiError> {
        self.check()?;
        Ok(self.records.keys().cloned().collect())
    }

    fn has_objects(&self, name: &str) -> Result<bool, ApiError> {
        if self.objects_fail {
            return Err(ApiError::internal("blob store error: injected failure"));
        }
        Ok(self.objects.contains(name))
    }
}

/// The policy plug, natively: `tributary-iam` validates and evaluates.
pub struct IamPlug {
    /// Account of user principals.
    pub account: String,
}

impl Plug for IamPlug {
    fn validate_policy(&self, document: &str) -> Result<(), String> {
        tributary_iam::validate(document).map_err(|e| e.to_string())
    }

    fn authorize(
        &self,
        identity: &Identity,
        policy: Option<&str>,
        action: &str,
        resource: &str,
    ) -> Result<(), AuthError> {
        let principal = match identity {
            Identity::Root => return Ok(()),
            Identity::User { arn } => Some(arn.as_str()),
            Identity::Anonymous => None,
        };
        let denied =
            || AuthError::Denied(format!("Not authorized to perform {action} on {resource}"));
        let Some(policy) = policy else {
            return Err(denied());
        };
        let ctx = tributary_iam::Context {
            principal,
            account: principal.map(|_| self.account.as_str()),
            action,
            resource,
            keys: &[],
        };
        match tributary_iam::evaluate(policy, &ctx) {
            Ok(tributary_iam::Decision::Allow) => Ok(()),
            _ => Err(denied()),
        }
    }
}

/// A change another writer makes to the flow records between an update's
/// read and its write.
type FlowInterference = Box<dyn FnOnce(&mut BTreeMap<String, FlowRecord>)>;

/// The `flows` store in memory: records control writes, and the runtime
/// records and leases a test writes as the host would.
#[derive(Default)]
pub struct MemoryFlows {
    /// `flow/<id>` by id.
    pub flows: BTreeMap<String, FlowRecord>,
    /// `runtime/<id>` by id.
    pub runtimes: BTreeMap<String, Runtime>,
    /// `lease/<id>` by id.
    pub leases: BTreeMap<String, Lease>,
    /// Make every read and write fail (the key-value store is down).
    pub store_fails: bool,
    version: u64,
    interference: Option<FlowInterference>,
    /// How many updates had to be retried.
    pub retries: usize,
}

impl MemoryFlows {
    /// Let `change` happen once, after the next update read its record and
    /// before it writes, as a concurrent writer would.
    pub fn interfere(&mut self, change: impl FnOnce(&mut BTreeMap<String, FlowRecord>) + 'static) {
        self.interference = Some(Box::new(change));
    }

    fn check(&self) -> Result<(), FlowError> {
        if self.store_fails {
            Err(FlowError::unavailable(
                "Could not reach flow state: injected failure",
            ))
        } else {
            Ok(())
        }
    }
}

impl Flows for MemoryFlows {
    fn flow(&self, id: &str) -> Result<Option<FlowRecord>, FlowError> {
        self.check()?;
        Ok(self.flows.get(id).cloned())
    }

    fn flows(&self) -> Result<Vec<(String, FlowRecord)>, FlowError> {
        self.check()?;
        Ok(self
            .flows
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn update<R>(
        &mut self,
        id: &str,
        mut f: impl FnMut(Option<FlowRecord>) -> Result<Change<FlowRecord, R>, FlowError>,
    ) -> Result<R, FlowError> {
        self.check()?;
        for _ in 0..16 {
            let version = self.version;
            let (record, r) = match f(self.flows.get(id).cloned())? {
                Change::Keep(r) => return Ok(r),
                Change::Write(record, r) => (record, r),
            };
            if let Some(interference) = self.interference.take() {
                interference(&mut self.flows);
                self.version += 1;
            }
            if self.version != version {
                self.retries += 1;
                continue;
            }
            self.flows.insert(id.to_owned(), record);
            self.version += 1;
            return Ok(r);
        }
        Err(FlowError::unavailable("too many concurrent updates"))
    }

    fn delete(&mut self, id: &str) -> Result<(), FlowError> {
        self.check()?;
        self.flows.remove(id);
        self.runtimes.remove(id);
        self.leases.remove(id);
        self.version += 1;
        Ok(())
    }

    fn runtime(&self, id: &str) -> Result<Option<Runtime>, FlowError> {
        self.check()?;
        Ok(self.runtimes.get(id).cloned())
    }
}

/// A change another writer makes to the `channels` store between an
/// update's read and its write.
type ChannelInterference = Box<dyn FnOnce(&mut MemoryChannels)>;

/// The `channels` store in memory: `channel/<id>` and `endpoint/<id>`.
#[derive(Default)]
pub struct MemoryChannels {
    /// `channel/<id>` by id.
    pub channels: BTreeMap<String, ChannelRecord>,
    /// `endpoint/<id>` by id.
    pub endpoints: BTreeMap<String, EndpointRecord>,
    /// Make every read and write fail (the key-value store is down).
    pub store_fails: bool,
    version: u64,
    interference: Option<ChannelInterference>,
    /// How many updates had to be retried.
    pub retries: usize,
}

impl MemoryChannels {
    /// Let `change` happen once, after the next update read its record and
    /// before it writes, as a concurrent writer would.
    pub fn interfere(&mut self, change: impl FnOnce(&mut MemoryChannels) + 'static) {
        self.interference = Some(Box::new(change));
    }

    fn check(&self) -> Result<(), PackageError> {
        if self.store_fails {
            Err(PackageError::unavailable(
                "Could not reach channel state: injected failure",
            ))
        } else {
            Ok(())
        }
    }

    /// Compare-and-swap on one of the two maps, picked by `map`.
    fn update<T: Clone, R>(
        &mut self,
        id: &str,
        map: fn(&mut Self) -> &mut BTreeMap<String, T>,
        mut f: impl FnMut(Option<T>) -> Result<Change<T, R>, PackageError>,
    ) -> Result<R, PackageError> {
        self.check()?;
        for _ in 0..16 {
            let version = self.version;
            let current = map(self).get(id).cloned();
            let (record, r) = match f(current)? {
                Change::Keep(r) => return Ok(r),
                Change::Write(record, r) => (record, r),
            };
            if let Some(interference) = self.interference.take() {
                interference(self);
                self.version += 1;
            }
            if self.version != version {
                self.retries += 1;
                continue;
            }
            map(self).insert(id.to_owned(), record);
            self.version += 1;
            return Ok(r);
        }
        Err(PackageError::unavailable("too many concurrent updates"))
    }
}

impl Channels for MemoryChannels {
    fn channel(&self, id: &str) -> Result<Option<ChannelRecord>, PackageError> {
        self.check()?;
        Ok(self.channels.get(id).cloned())
    }

    fn channels(&self) -> Result<Vec<ChannelRecord>, PackageError> {
        self.check()?;
        Ok(self.channels.values().cloned().collect())
    }

    fn update_channel<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<ChannelRecord>) -> Result<Change<ChannelRecord, R>, PackageError>,
    ) -> Result<R, PackageError> {
        self.update(id, |s| &mut s.channels, f)
    }

    fn delete_channel(&mut self, id: &str) -> Result<(), PackageError> {
        self.check()?;
        self.channels.remove(id);
        self.version += 1;
        Ok(())
    }

    fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, PackageError> {
        self.check()?;
        Ok(self.endpoints.get(id).cloned())
    }

    fn endpoints(&self) -> Result<Vec<EndpointRecord>, PackageError> {
        self.check()?;
        Ok(self.endpoints.values().cloned().collect())
    }

    fn update_endpoint<R>(
        &mut self,
        id: &str,
        f: impl FnMut(Option<EndpointRecord>) -> Result<Change<EndpointRecord, R>, PackageError>,
    ) -> Result<R, PackageError> {
        self.update(id, |s| &mut s.endpoints, f)
    }

    fn delete_endpoint(&mut self, id: &str) -> Result<(), PackageError> {
        self.check()?;
        self.endpoints.remove(id);
        self.version += 1;
        Ok(())
    }
}
