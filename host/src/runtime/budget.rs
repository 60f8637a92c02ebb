//! A per-request budget of guest CPU time.
//!
//! A wall-clock epoch deadline would also cut off a guest that is merely
//! waiting — streaming a large object to a slow client, or receiving a slow
//! upload. So the host counts only time spent *in wasm*: a call hook notes
//! each entry and exit, and the epoch callback (every tick while wasm runs)
//! traps once the total passes the budget. Waiting in host calls is bounded
//! separately by the request's wall-clock limit. At each tick a busy guest
//! also yields to the executor, so it never holds a worker thread for more
//! than a tick; time spent waiting to be polled again is (conservatively)
//! charged to the guest.

use super::StoreState;
use std::time::{Duration, Instant};
use wasmtime::{CallHook, Store, UpdateDeadline};

/// The trap raised when a request's guest code ran past its budget.
#[derive(Debug)]
pub struct CpuBudgetExceeded(pub Duration);

impl std::fmt::Display for CpuBudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest code ran longer than its {:?} CPU budget", self.0)
    }
}

impl std::error::Error for CpuBudgetExceeded {}

/// Time spent in wasm so far, and since when wasm has been running.
#[derive(Debug)]
pub struct Budget {
    limit: Duration,
    used: Duration,
    entered: Option<Instant>,
}

impl Budget {
    /// A fresh budget of `limit`.
    pub fn new(limit: Duration) -> Self {
        Self {
            limit,
            used: Duration::ZERO,
            entered: None,
        }
    }

    fn enter(&mut self) {
        self.entered = Some(Instant::now());
    }

    fn leave(&mut self) {
        if let Some(t) = self.entered.take() {
            self.used += t.elapsed();
        }
    }

    fn exhausted(&self) -> bool {
        self.used + self.entered.map(|t| t.elapsed()).unwrap_or_default() > self.limit
    }
}

/// Arm the call hook and the epoch callback on `store`.
pub fn install(store: &mut Store<StoreState>) {
    store.call_hook(|mut ctx, hook| {
        let budget = &mut ctx.data_mut().budget;
        match hook {
            CallHook::CallingWasm | CallHook::ReturningFromHost => budget.enter(),
            CallHook::CallingHost | CallHook::ReturningFromWasm => budget.leave(),
        }
        Ok(())
    });
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|ctx| {
        let budget = &ctx.data().budget;
        if budget.exhausted() {
            Err(wasmtime::Error::new(CpuBudgetExceeded(budget.limit)))
        } else {
            // Wasm runs inside a tokio poll: without yielding, a busy guest
            // would hold its worker thread and starve tasks queued there.
            Ok(UpdateDeadline::Yield(1))
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_time_inside_wasm_counts() {
        let mut b = Budget::new(Duration::from_millis(30));
        b.enter();
        std::thread::sleep(Duration::from_millis(10));
        b.leave();
        std::thread::sleep(Duration::from_millis(40)); // waiting in the host
        assert!(!b.exhausted());
        b.enter();
        std::thread::sleep(Duration::from_millis(25));
        assert!(b.exhausted());
    }
}
