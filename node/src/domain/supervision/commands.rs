//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// Submit a drafted report: an agency's to its bureau, the region's to the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubmitReport {
    pub id: u64,
}

/// Accept or return a report of an agency of this region or of a direct child region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JudgeReport {
    pub unit: crate::domain::supervision::report::Unit,
    pub period: String,
    pub accept: bool,
    pub reasons: String,
}

/// The organ's head signs off (签发): the number is assigned and the notice issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignNotice {
    pub id: u64,
    pub prefix: String,
}

/// A named unit answers a notice: acknowledgement or rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AnswerNotice {
    pub issuer: String,
    pub id: u64,
    pub unit: crate::domain::supervision::report::Unit,
    pub reply: crate::domain::supervision::notice::Reply,
}

/// The issuer closes a unit's notice or returns its rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JudgeNotice {
    pub id: u64,
    pub unit: crate::domain::supervision::report::Unit,
    pub close: bool,
    pub reasons: String,
}
