//! **Core**: what every context stands on, and nothing else. A leaf: it imports no other room
//! of the domain.
//!
//! - [`identity`]: who acts — a person read from a certificate, or a node of the region.
//! - [`organ`]: the enforcement organ's record (PUB-1) and its input checks.
//! - [`refusal`]: a refusal naming its rule (a leaf); [`outcome`]: a command's result, the
//!   rule error, the state machine's answer.
//! - [`state`]: the replicated key/value state, typed key spaces, the write-set transaction.
//! - [`ids`]: record id counters; [`text`]: checks of entered text.
//! - [`region`]: the administrative tree as region ids (`parent_of`, `in_subtree`, …).
//! - [`keys`]: every key space of the state — prefix, key and value types, owner — in one
//!   table, with the retired prefixes.
pub mod identity;
pub mod ids;
pub mod keys;
pub mod organ;
pub mod outcome;
pub mod refusal;
pub mod region;
pub mod state;
pub mod text;
