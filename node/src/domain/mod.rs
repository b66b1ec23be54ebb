//! Pure rules of the product: no I/O, no clock, no randomness. Time arrives in the envelope.
//!
//! One room per bounded context; arrows point down this list and never back up:
//!
//! - [`command`]: the spine — the command enum and envelope, `apply_envelope`, the dispatch of
//!   each command to its context and the routing between contexts, `Tick`.
//! - [`federation`]: uplink and downlink ledgers between regions, ingest, signed tree heads.
//! - [`supervision`]: status summary, reports, circulated notices, what is held from below.
//! - [`enforcement`]: officers, certificates, catalog, cases, steps, review, decision,
//!   outcomes, publication, deadlines, redaction.
//! - [`registry`]: the agencies (PUB-1).
//! - [`calendar`]: official working days.
//! - [`core`]: identities, refusals and outcomes, the replicated state and its key spaces,
//!   region-tree helpers. A leaf.
//!
//! [`core::keys`] lists every key space with its prefix, key and value types and owner, and
//! the retired prefixes; `key_spaces` tests hold it against the code.
pub mod calendar;
pub mod command;
pub mod core;
pub mod enforcement;
pub mod federation;
pub mod registry;
pub mod supervision;

#[cfg(test)]
mod key_spaces;

pub use self::command::apply::{apply_envelope, Applied, ApplyContext};
pub use self::command::envelope::{Command, Envelope, RULES_VERSION};
pub use self::core::identity::{Actor, Organ, Person, Role};
pub use self::core::organ::{Agency, AgencyInput, PowerKind};
pub use self::core::outcome::{CommandResult, Outcome, Refusal, Response};
pub use self::core::state::{DomainError, State, Txn};
