//! Wall clocks.
//!
//! [`Clock`] is the clock a node's leader stamps into envelopes and tree heads; it travels in
//! the node's configuration, and the nodes of one network share it. It is the system clock
//! plus an offset that only `sanxiang demo` moves: the demo seeds a past quarter by running
//! its network at earlier dates, then returns it to the present. The offset only ever moves
//! forward, as the replicated clock does; `serve` runs on the system clock.
//!
//! [`system_ms`] is the system clock, for what runs without a node (the CLI).
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Unix ms of the system clock.
pub fn system_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A wall clock shared by the nodes of one network: the system clock plus an offset.
#[derive(Clone, Debug, Default)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `at_ms` now and runs on from there.
    pub fn starting_at(at_ms: i64) -> Clock {
        let c = Clock::default();
        c.set(at_ms);
        c
    }

    /// Unix ms, as the leaders on this clock stamp it.
    pub fn now_ms(&self) -> i64 {
        system_ms() + self.offset_ms()
    }

    /// Moves the clock to `at_ms`. Only forward once nodes run on it: the replicated clock
    /// never goes back, so an earlier stamp would be clamped.
    pub fn set(&self, at_ms: i64) {
        self.0.store(at_ms - system_ms(), Ordering::SeqCst);
    }

    /// Returns the clock to the system clock (forward in practice, as the demo's dates are in
    /// the past).
    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst);
    }

    /// How far this clock runs from the system clock (0 unless moved).
    pub fn offset_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_move_apart_and_back() {
        let a = Clock::system();
        let b = Clock::starting_at(system_ms() - 86_400_000);
        assert!(b.offset_ms() < -86_000_000);
        assert_eq!(a.offset_ms(), 0);
        let shared = b.clone();
        shared.reset();
        assert_eq!(b.offset_ms(), 0);
        assert!((b.now_ms() - system_ms()).abs() < 60_000);
    }
}
