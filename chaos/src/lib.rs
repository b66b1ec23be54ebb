//! Checkers for histories recorded during fault injection (Jepsen's method): what was invoked,
//! what answered, and whether some order of the acknowledged operations explains every answer.
//!
//! - [`linearizability`]: a Wing & Gong / Porcupine style checker for registers, per key, with
//!   a step budget that answers "unknown" rather than running without end.
pub mod linearizability;
