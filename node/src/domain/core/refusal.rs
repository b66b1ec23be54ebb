//! A refusal: the rule a command broke and why, in words an official reads. Nothing was changed.
use serde::{Deserialize, Serialize};

/// A typed refusal naming the rule; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
