//! The wall clock a leader stamps into envelopes and tree heads.
//!
//! It is the system clock, plus an offset that only `sanxiang demo` moves: the demo seeds a past
//! quarter by running its in-process network at earlier dates, then returns to the present.
//! The offset only ever moves forward, as the replicated clock does; `serve` never sets it.
use std::sync::atomic::{AtomicI64, Ordering};

static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// Unix ms, as this process's leaders stamp it.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis() + OFFSET_MS.load(Ordering::SeqCst)
}

/// Sets the process clock to `at_ms` (demo only). Set it before nodes start, then only
/// forward: the replicated clock never goes back, so an earlier stamp would be clamped.
pub fn set_demo_time(at_ms: i64) {
    OFFSET_MS.store(
        at_ms - chrono::Utc::now().timestamp_millis(),
        Ordering::SeqCst,
    );
}

/// Returns the process clock to the system clock (demo only; never backwards in practice, as
/// the demo's dates are in the past).
pub fn reset_demo_time() {
    OFFSET_MS.store(0, Ordering::SeqCst);
}

/// How far back the process clock runs (0 outside the demo); certificates are backdated by it
/// so heads signed at demo dates verify.
pub fn offset_ms() -> i64 {
    OFFSET_MS.load(Ordering::SeqCst)
}
