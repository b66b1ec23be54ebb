//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// Annual check, suspend, reinstate or revoke a certificate (PUB-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeCertificate {
    /// Id of the officer whose certificate changes; it must hold one that is not revoked.
    pub officer_id: u64,
    /// What is done to the certificate: annual check, suspend, reinstate or revoke.
    pub action: crate::domain::enforcement::certificate::CertAction,
}

/// Submit a case for legal review (REV-1, REV-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SubmitReview {
    /// Id of the case: general procedure, opened, investigating, returned or approved. For a
    /// penalty the rights notice is recorded first, unless the agency reviews first (PUB-2).
    pub case_id: u64,
    /// The materials submitted for review (REV-3): 1–20,000 characters.
    pub materials: String,
    /// The amount of the decision proposed for review, fen; 0: the amount the case was opened
    /// with. A decision above what was reviewed goes back to review (REV-1).
    pub proposed_fen: u64,
}

/// Record a review opinion (REV-3, REV-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReviewOpinion {
    /// Id of the case in review (法制审核中).
    pub case_id: u64,
    /// The ten REV-3 points in order (执法主体合法 … 涉嫌犯罪已移送), true where satisfied;
    /// approval is refused while a point is false.
    pub checklist: [bool; 10],
    /// The reviewer's opinion (REV-4); it moves the case to approved, returned or transferred.
    pub opinion: crate::domain::enforcement::model::Opinion,
    /// The written reasons (REV-4): required for every opinion but approve; at most 20,000
    /// characters.
    pub reasons: String,
}

/// Draft a publication of a decision (PUB-3, PUB-4, PUB-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DraftPublication {
    /// Id of the decided case whose decision is published.
    pub case_id: u64,
    /// The text to publish, 1–50,000 characters. ID numbers, phone numbers and addresses are
    /// masked in what the public sees; a unified social credit code stays (PUB-4).
    pub content: String,
    /// The legal basis when a law sets another time limit than the 7/20-day table (PUB-3), at
    /// most 1,000 characters; with it a later release still counts as on time.
    pub exception_basis: Option<String>,
}

/// Release review of a drafted publication (发布审核).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReleasePublication {
    /// Id of the drafted publication (from `DraftPublication`).
    pub id: u64,
    /// True publishes it (superseding the version it corrects, PUB-5); false rejects it.
    pub approve: bool,
    /// Why it is rejected: required when rejecting, at most 2,000 characters.
    pub reasons: String,
}

/// Withdraw a published decision that was changed or revoked (LAW-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WithdrawPublication {
    /// Id of the published publication to withdraw.
    pub id: u64,
    /// Why it is withdrawn, kept with it (LAW-6): 1–2,000 characters.
    pub reason: String,
    pub changed_on: chrono::NaiveDate,
}

/// Working days to publish a kind of decision (PUB-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetPublishDays {
    /// The kind of decision the time limit applies to.
    pub kind: crate::domain::core::organ::PowerKind,
    /// Working days from the decision to its publication, 1–60 (default: licensing and penalty 7,
    /// others 20).
    pub days: u32,
}

/// Working days allowed for a legal review (REV-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetReviewDays {
    /// Working days allowed for a legal review, from each submission: 1–60 (default 5).
    pub days: u32,
}

/// Outcome of a reconsideration or lawsuit against the decision (SUP-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordLegalOutcome {
    /// Id of the decided case whose decision was challenged.
    pub case_id: u64,
    /// Where it was challenged: reconsideration or litigation.
    pub forum: crate::domain::enforcement::model::Forum,
    /// What the reconsideration organ or court decided. Anything but upheld counts against the
    /// correction rate and, for a published decision, starts the LAW-6 withdrawal time limit.
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
    /// Id of the case: not decided, and submitted for review at least once; the opinion joins
    /// its latest review round.
    pub case_id: u64,
    /// Who gave it, e.g. 法律顾问: 1–100 characters.
    pub source: String,
    /// The opinion: 1–20,000 characters.
    pub text: String,
}

/// An agency's step order: legal review before the rights notice (market regulation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetStepOrder {
    /// Id of the agency (set by its own head).
    pub agency_id: u64,
    /// True: the legal review comes before the rights notice (market regulation), and a rights
    /// notice after a review sends the case back to review. False (the default): the notice first.
    pub review_before_rights_notice: bool,
}

/// Record the consultation after the reviewer disagreed (REV-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordConsultation {
    /// Id of the case: not decided, with two review opinions at least, the last one not approve.
    pub case_id: u64,
    /// Names of those who took part: 2–20, each 1–50 characters.
    pub participants: Vec<String>,
    pub on: chrono::NaiveDate,
    /// What the consultation concluded: 1–2,000 characters.
    pub result: String,
}

/// An agency's quorum of heads for a collective decision (REV-1, LAW-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetQuorum {
    /// Id of the agency (set by its own head).
    pub agency_id: u64,
    /// Heads needed present at a collective decision: 1–15 (unset: three, or all heads when fewer).
    pub heads: u32,
}

/// Extend the LAW-3 decision time limit of a case, approved by a head of the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExtendDecisionLimit {
    /// Id of the case: a general-procedure penalty not yet decided.
    pub case_id: u64,
    /// Calendar days added to the time limit, at least 1; all extensions together at most the
    /// `max_extension_days` of the law settings (default 30).
    pub days: u32,
    /// Why the time limit is extended: 1–500 characters.
    pub reason: String,
}
