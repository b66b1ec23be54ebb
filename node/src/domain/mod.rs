//! Pure rules of the product: no I/O, no clock, no randomness. Time arrives in the envelope.
//!
//! - [`envelope`]: what is committed — actor, dedup ids, leader time, rules version, command.
//! - [`state`]: the replicated key/value state and its typed key spaces; a write-set transaction.
//! - [`apply`]: the state machine's spine — dedup, clock clamping, dispatch, refusals.
//! - one file per command: [`register_agency`], [`update_agency`], [`tick`], and the `cmd_*`
//!   files of the three systems (officers, certificates, catalog, cases, steps, review, decision).
//! - [`enforcement`]: officers, certificates, cases, steps, reviews — types and shared checks.
//! - [`calendar`]: official working days in UTC+8; [`redact`]: PUB-4 masking.
//! - [`summary`]: the region's status summary, counters moved by every accepted command.
//! - [`agency`]: the agency record (PUB-1) and input validation.
pub mod agency;
pub mod apply;
pub mod calendar;
pub mod cmd_calendar;
pub mod cmd_case;
pub mod cmd_catalog;
pub mod cmd_certificate;
pub mod cmd_decide;
pub mod cmd_officer;
pub mod cmd_outcome;
pub mod cmd_publication;
pub mod cmd_review;
pub mod cmd_step;
pub mod deadlines;
pub mod enforcement;
#[cfg(test)]
mod enforcement_tests;
pub mod envelope;
pub mod redact;
pub mod register_agency;
pub mod state;
pub mod summary;
pub mod tick;
pub mod tree_head;
pub mod update_agency;

pub use agency::{Agency, AgencyInput, PowerKind};
pub use apply::{apply_envelope, Applied, ApplyContext};
pub use envelope::{
    Actor, Command, CommandResult, Envelope, Outcome, Person, Refusal, Response, Role,
    RULES_VERSION,
};
pub use state::{DomainError, State, Txn};
