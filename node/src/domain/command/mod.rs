//! **Command**: the state machine's spine, above every context. The command enum and the
//! envelope that is committed, `apply_envelope` (clock clamping, deduplication, authorization
//! by region), the dispatch of each command to the context that owns it, the routing of what
//! one context produces for another, and `Tick`.
//!
//! - [`envelope`]: what is committed — actor, dedup ids, leader time, rules version, command.
//! - [`apply`]: the spine, and the dispatch to the owning context; [`dedup`]: the dedup table.
//! - [`rule`]: the `Rule` trait every command payload implements; [`rules`]: the
//!   implementations, by context; [`cmd`]: the payload types by variant name.
//! - [`tick`]: the leader-proposed heartbeat that drives time-based states.
//! - [`members`]: the region's record of which node ids held its data or left it.
pub mod apply;
pub mod cmd;
pub mod dedup;
pub mod envelope;
pub mod members;
pub mod rule;
pub mod rules;
pub mod tick;

#[cfg(test)]
pub(crate) mod testkit;
