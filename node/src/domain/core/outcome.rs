//! What a command comes to: a typed refusal naming the rule, or a result; the state machine's answer.
use serde::{Deserialize, Serialize};

use crate::domain::core::organ::Agency;
pub use crate::domain::core::refusal::Refusal;
use crate::domain::core::state::DomainError;

/// The result of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CommandResult {
    None,
    Agency(Agency),
    /// A record created or changed: its id and any flags raised.
    Record {
        id: u64,
        flags: Vec<String>,
    },
    /// What an uplink batch did at the receiving region.
    Ingested(crate::domain::core::outcome::IngestReport),
}

/// Accepted with a result, or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Outcome {
    Ok(CommandResult),
    Refused(Refusal),
}

/// The state machine's answer to one committed entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Response {
    pub outcome: Outcome,
    pub log_index: u64,
    /// Leaf index in the region's ledger (absent for membership and blank entries).
    pub leaf_index: Option<u64>,
    /// True when this answers a retry from the dedup table.
    pub deduplicated: bool,
}

impl Default for Response {
    fn default() -> Self {
        Response {
            outcome: Outcome::Ok(CommandResult::None),
            log_index: 0,
            leaf_index: None,
            deduplicated: false,
        }
    }
}

/// The answer to an ingest: the link's mark after it, and what happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IngestReport {
    pub mark: u64,
    pub accepted: u64,
    pub duplicates: u64,
    /// The batch stopped at a gap: the sender must resend from `mark + 1`.
    pub gap: bool,
    /// Alerts raised, one line each.
    pub alerts: Vec<String>,
    /// Uplink: the size of the last head of the sending region's own ledger held after the
    /// batch (0: none).
    pub own_head: u64,
}

/// Why a command's rules did not accept it: a rule refused it (nothing is changed), or the
/// state itself failed (stored bytes damaged), which stops the state machine. Both convert
/// with `?`, and `apply_envelope` splits them once.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("refused by {0}")]
    Refused(Refusal),
    #[error(transparent)]
    Fault(#[from] DomainError),
}

impl From<Refusal> for RuleError {
    fn from(r: Refusal) -> RuleError {
        RuleError::Refused(r)
    }
}

/// What a rule comes to: its value, or why not.
pub type Ruled<T = CommandResult> = Result<T, RuleError>;

/// For a caller that takes a refusal as an answer rather than an error: the fault out, the
/// refusal in.
pub trait Split<T> {
    fn split(self) -> Result<Result<T, Refusal>, DomainError>;
}

impl<T> Split<T> for Ruled<T> {
    fn split(self) -> Result<Result<T, Refusal>, DomainError> {
        match self {
            Ok(v) => Ok(Ok(v)),
            Err(RuleError::Refused(r)) => Ok(Err(r)),
            Err(RuleError::Fault(e)) => Err(e),
        }
    }
}
