//! What a command comes to: a typed refusal naming the rule, or a result; the state machine's answer.
use serde::{Deserialize, Serialize};

use crate::domain::core::organ::Agency;

/// A typed refusal naming the rule; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Rule id from REQUIREMENTS.md, or an area: `AUTH`, `INPUT`, `DEDUP`, `CONFLICT`.
    pub rule: String,
    pub message: String,
}

impl Refusal {
    pub fn new(rule: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            rule: rule.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

/// The result of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Ok(CommandResult),
    Refused(Refusal),
}

/// The state machine's answer to one committed entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    pub mark: u64,
    pub accepted: u64,
    pub duplicates: u64,
    /// The batch stopped at a gap: the sender must resend from `mark + 1`.
    pub gap: bool,
    /// Alerts raised, one line each.
    pub alerts: Vec<String>,
}
