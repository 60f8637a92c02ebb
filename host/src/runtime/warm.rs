//! Warm instances: a component declared stateless keeps its instance (and
//! the store it lives in) after a request that ended cleanly, and a later
//! request runs in it instead of instantiating anew. An instance that
//! trapped, ran out of time or left a resource behind is dropped, and one
//! that served [`MAX_USES`] requests is replaced.

use super::StoreState;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::Proxy;

/// The manifest `environment` entry by which a component declares that
/// nothing of a request outlives it (Spin passes it on as a plain variable).
pub const STATELESS_ENV: &str = "TRIBUTARY_STATELESS";
/// Most idle instances kept per component.
pub const MAX_IDLE: usize = 16;
/// Requests one instance serves before it is replaced, so whatever a guest
/// accumulates (heap fragmentation, caches) stays bounded.
pub const MAX_USES: u32 = 1000;

/// Does `environment` declare the component stateless?
pub fn declared_stateless(environment: &BTreeMap<String, String>) -> bool {
    environment
        .get(STATELESS_ENV)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Idle instances one of `components` may keep when the pool holds
/// `instances`: requests in flight may take up to half of the pool (the host
/// sizes it at twice the concurrency limit), idle ones share the other half,
/// so a warm instance never makes a request's instantiation fail.
pub fn idle_cap(instances: u32, components: usize) -> usize {
    let half = usize::try_from(instances / 2).unwrap_or(usize::MAX);
    (half / components.max(1)).min(MAX_IDLE)
}

/// An instance between requests.
pub struct Warm {
    /// The store it lives in.
    pub store: Store<StoreState>,
    /// The instance.
    pub proxy: Proxy,
    /// Requests it has served.
    pub served: u32,
}

/// The idle instances of one component.
pub struct Pool {
    idle: Mutex<Vec<Warm>>,
    max_idle: usize,
    max_uses: u32,
}

impl Pool {
    /// An empty pool.
    pub fn new(max_idle: usize, max_uses: u32) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            max_idle,
            max_uses,
        }
    }

    /// The most recently used idle instance (its memory is likeliest cached).
    pub fn take(&self) -> Option<Warm> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Keep `warm` for another request if it may serve one; `false` when it
    /// was dropped instead.
    pub fn give_back(&self, warm: Warm) -> bool {
        if warm.served >= self.max_uses || !warm.store.data().is_clean() {
            return false;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() >= self.max_idle {
            return false;
        }
        idle.push(warm);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_true_declares_a_component_stateless() {
        let env = |v: &str| BTreeMap::from([(STATELESS_ENV.to_owned(), v.to_owned())]);
        assert!(declared_stateless(&env("true")));
        assert!(declared_stateless(&env(" TRUE ")));
        assert!(!declared_stateless(&env("1")));
        assert!(!declared_stateless(&env("false")));
        assert!(!declared_stateless(&BTreeMap::new()));
    }

    #[test]
    fn idle_instances_leave_half_the_pool_to_requests_in_flight() {
        assert_eq!(idle_cap(512, 2), MAX_IDLE);
        assert_eq!(idle_cap(16, 2), 4);
        assert_eq!(idle_cap(16, 3), 2);
        assert_eq!(idle_cap(16, 0), 8);
        assert_eq!(idle_cap(1, 2), 0, "no room: nothing is kept");
    }
}
