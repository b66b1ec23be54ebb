//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// Submit a drafted report: an agency's to its bureau, the region's to the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubmitReport {
    /// Id of the drafted report (from `DraftReport`).
    pub id: u64,
}

/// Accept or return a report of an agency of this region or of a direct child region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JudgeReport {
    /// The reporting unit: an agency of this region, or a direct child region.
    pub unit: crate::domain::supervision::report::Unit,
    /// The period's id, e.g. 2026Q3.
    pub period: String,
    /// True accepts the submitted report; false returns it with reasons.
    pub accept: bool,
    /// Why it is returned: required when returning, at most 16 KiB (bytes).
    pub reasons: String,
}

/// The organ's head signs off (签发): the number is assigned and the notice issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignNotice {
    /// Id of the notice drafted here.
    pub id: u64,
    /// Document number prefix, 1–12 characters: 湘司通 gives 湘司通〔2026〕1号.
    pub prefix: String,
}

/// A named unit answers a notice: acknowledgement or rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AnswerNotice {
    /// Region id of the region that issued the notice.
    pub issuer: String,
    /// The issuer's id of the notice.
    pub id: u64,
    /// The named unit answering: this region or one of its agencies.
    pub unit: crate::domain::supervision::report::Unit,
    /// An acknowledgement, or the rectification report.
    pub reply: crate::domain::supervision::notice::Reply,
}

/// The issuer closes a unit's notice or returns its rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JudgeNotice {
    /// Id of the notice issued here.
    pub id: u64,
    /// The named unit whose answer is judged.
    pub unit: crate::domain::supervision::report::Unit,
    /// True closes the unit's notice; false returns its rectification (only a notice that asks
    /// for one).
    pub close: bool,
    /// Why the rectification falls short: required when returning, at most 16 KiB (bytes).
    pub reasons: String,
}
