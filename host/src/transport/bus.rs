//! Entitlements in process: a flow that granted an entitlement publishes
//! what it sends; a flow whose source names that entitlement subscribes.
//!
//! Delivery never blocks the publisher: a subscriber that falls
//! [`QUEUE`] units behind loses the newest ones, as a congested UDP path would.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;

use super::ingress::Unit;

/// Units queued per subscriber (about a second of a 10 Mb/s stream).
pub const QUEUE: usize = 1024;

type Subscribers = HashMap<String, Vec<(u64, mpsc::Sender<Unit>)>>;

/// Subscribers by entitlement ARN.
#[derive(Debug, Default)]
pub struct EntitlementBus {
    subscribers: Mutex<Subscribers>,
    next_id: AtomicU64,
    /// Bumped on every (un)subscription, so publishers refresh their senders.
    version: AtomicU64,
}

/// A subscription; dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    bus: Arc<EntitlementBus>,
    arn: String,
    id: u64,
    /// The units published to the entitlement.
    pub units: mpsc::Receiver<Unit>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut map = self.bus.lock();
        if let Some(list) = map.get_mut(&self.arn) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                map.remove(&self.arn);
            }
        }
        self.bus.version.fetch_add(1, Ordering::Release);
    }
}

impl EntitlementBus {
    /// An empty bus.
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    fn lock(&self) -> MutexGuard<'_, Subscribers> {
        // Every change is a single push or retain: a poisoned map is consistent.
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Subscribes to what is published to entitlement `arn`.
    pub fn subscribe(self: &Arc<Self>, arn: &str) -> Subscription {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock()
            .entry(arn.to_owned())
            .or_default()
            .push((id, tx));
        self.version.fetch_add(1, Ordering::Release);
        Subscription {
            bus: self.clone(),
            arn: arn.to_owned(),
            id,
            units: rx,
        }
    }

    /// The current subscription version.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The senders subscribed to any of `arns`.
    pub fn senders(&self, arns: &[String]) -> Vec<mpsc::Sender<Unit>> {
        let map = self.lock();
        arns.iter()
            .filter_map(|arn| map.get(arn))
            .flatten()
            .map(|(_, tx)| tx.clone())
            .collect()
    }
}

/// A publisher's cached view of its subscribers.
#[derive(Debug, Default)]
pub struct Publisher {
    arns: Vec<String>,
    version: Option<u64>,
    senders: Vec<mpsc::Sender<Unit>>,
}

impl Publisher {
    /// Publishes to `arns` from now on.
    pub fn set_entitlements(&mut self, arns: Vec<String>) {
        if arns != self.arns {
            self.arns = arns;
            self.version = None;
        }
    }

    /// Sends `unit` to every subscriber of the entitlements, without waiting.
    pub fn publish(&mut self, bus: &EntitlementBus, unit: &Unit) {
        if self.arns.is_empty() {
            return;
        }
        let version = bus.version();
        if self.version != Some(version) {
            self.senders = bus.senders(&self.arns);
            self.version = Some(version);
        }
        for tx in &self.senders {
            // Full: the subscriber is behind and loses this unit; closed: it
            // is going away and the version bump follows.
            let _ = tx.try_send(unit.clone());
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn subscribers_receive_while_subscribed_and_only_their_entitlement() {
        let bus = EntitlementBus::new();
        let mut publisher = Publisher::default();
        publisher.set_entitlements(vec!["e1".into()]);
        let unit = Unit::Ts(Bytes::from_static(b"x"));
        publisher.publish(&bus, &unit); // nobody listens yet
        let mut sub = bus.subscribe("e1");
        let mut other = bus.subscribe("e2");
        publisher.publish(&bus, &unit);
        assert_eq!(sub.units.try_recv().unwrap(), unit);
        assert!(sub.units.try_recv().is_err());
        assert!(other.units.try_recv().is_err());
        drop(sub);
        assert!(bus.senders(&["e1".into()]).is_empty());
        publisher.publish(&bus, &unit);
    }

    #[test]
    fn a_slow_subscriber_loses_units_without_blocking() {
        let bus = EntitlementBus::new();
        let mut publisher = Publisher::default();
        publisher.set_entitlements(vec!["e".into()]);
        let mut sub = bus.subscribe("e");
        for _ in 0..QUEUE + 10 {
            publisher.publish(&bus, &Unit::Ts(Bytes::from_static(b"x")));
        }
        let mut n = 0;
        while sub.units.try_recv().is_ok() {
            n += 1;
        }
        assert_eq!(n, QUEUE);
    }
}
