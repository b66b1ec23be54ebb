//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// Annual check, suspend, reinstate or revoke a certificate (PUB-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeCertificate {
    pub officer_id: u64,
    pub action: crate::domain::enforcement::certificate::CertAction,
}

/// Submit a case for legal review (REV-1, REV-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubmitReview {
    pub case_id: u64,
    pub materials: String,
    /// The amount of the decision proposed for review, fen; 0: the amount the case was opened
    /// with. A decision above what was reviewed goes back to review (REV-1).
    pub proposed_fen: u64,
}

/// Record a review opinion (REV-3, REV-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReviewOpinion {
    pub case_id: u64,
    pub checklist: [bool; 10],
    pub opinion: crate::domain::enforcement::model::Opinion,
    pub reasons: String,
}

/// Draft a publication of a decision (PUB-3, PUB-4, PUB-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DraftPublication {
    pub case_id: u64,
    pub content: String,
    pub exception_basis: Option<String>,
}

/// Release review of a drafted publication (发布审核).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReleasePublication {
    pub id: u64,
    pub approve: bool,
    pub reasons: String,
}

/// Withdraw a published decision that was changed or revoked (LAW-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WithdrawPublication {
    pub id: u64,
    pub reason: String,
    pub changed_on: chrono::NaiveDate,
}

/// Working days to publish a kind of decision (PUB-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetPublishDays {
    pub kind: crate::domain::core::organ::PowerKind,
    pub days: u32,
}

/// Working days allowed for a legal review (REV-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetReviewDays {
    pub days: u32,
}

/// Outcome of a reconsideration or lawsuit against the decision (SUP-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordLegalOutcome {
    pub case_id: u64,
    pub forum: crate::domain::enforcement::model::Forum,
    pub result: crate::domain::enforcement::model::LegalResult,
    pub on: chrono::NaiveDate,
    /// Document number of the reconsideration decision or judgment.
    pub reference: String,
    /// The reconsideration organ or court that decided.
    pub deciding_organ: String,
}

/// An adviser's, public-sector lawyer's or expert's opinion on the review (REV-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AddExpertOpinion {
    pub case_id: u64,
    pub source: String,
    pub text: String,
}

/// An agency's step order: legal review before the rights notice (market regulation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetStepOrder {
    pub agency_id: u64,
    pub review_before_rights_notice: bool,
}

/// Record the consultation after the reviewer disagreed (REV-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordConsultation {
    pub case_id: u64,
    pub participants: Vec<String>,
    pub on: chrono::NaiveDate,
    pub result: String,
}

/// An agency's quorum of heads for a collective decision (REV-1, LAW-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetQuorum {
    pub agency_id: u64,
    pub heads: u32,
}

/// Extend the LAW-3 decision time limit of a case, approved by a head of the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExtendDecisionLimit {
    pub case_id: u64,
    pub days: u32,
    pub reason: String,
}
