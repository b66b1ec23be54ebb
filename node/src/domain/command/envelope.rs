//! The command envelope (ARCHITECTURE "Write path") and the state machine's response.
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::YearCalendar;
use crate::domain::command::cmd;
use crate::domain::command::rule::{name_of, node_only};
use crate::domain::core::identity::Actor;
use crate::domain::core::organ::AgencyInput;
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::catalog::CatalogRule;
use crate::domain::enforcement::certificate::IssueCertificate;
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::enforcement::step::StepInput;

/// Version of the rules this code applies; carried in every envelope.
pub const RULES_VERSION: u32 = 2;

/// A command of the region's state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Command {
    /// Leader-proposed heartbeat of the replicated clock; drives time-based states.
    Tick,
    /// Register an enforcement agency (PUB-1).
    RegisterAgency(AgencyInput),
    /// Update an agency's public identity data (PUB-1: kept current as they change).
    UpdateAgency(cmd::UpdateAgency),
    /// Load a year's official holiday notice.
    LoadCalendarYear(YearCalendar),
    /// Register an officer of an agency (PUB-2, REV-6).
    RegisterOfficer(OfficerInput),
    /// Issue an enforcement certificate (PUB-2).
    IssueCertificate(IssueCertificate),
    /// Annual check, suspend, reinstate or revoke a certificate (PUB-2).
    ChangeCertificate(cmd::ChangeCertificate),
    /// Set a rule of the major-decision catalog (REV-2).
    SetCatalogRule(CatalogRule),
    /// Open a case.
    OpenCase(OpenCaseInput),
    /// Record a process step (REC-1, REC-2).
    RecordStep(StepInput),
    /// Submit a case for legal review (REV-1, REV-2).
    SubmitReview(cmd::SubmitReview),
    /// Record a review opinion (REV-3, REV-4).
    ReviewOpinion(cmd::ReviewOpinion),
    /// Make the decision (REV-1, REC-6).
    Decide(DecideInput),
    /// Draft a publication of a decision (PUB-3, PUB-4, PUB-5).
    DraftPublication(cmd::DraftPublication),
    /// Release review of a drafted publication (发布审核).
    ReleasePublication(cmd::ReleasePublication),
    /// Withdraw a published decision that was changed or revoked (LAW-6).
    WithdrawPublication(cmd::WithdrawPublication),
    /// Working days to publish a kind of decision (PUB-3).
    SetPublishDays(cmd::SetPublishDays),
    /// Working days allowed for a legal review (REV-8).
    SetReviewDays(cmd::SetReviewDays),
    /// Outcome of a reconsideration or lawsuit against the decision (SUP-7).
    RecordLegalOutcome(cmd::RecordLegalOutcome),
    /// An adviser's, public-sector lawyer's or expert's opinion on the review (REV-5).
    AddExpertOpinion(cmd::AddExpertOpinion),
    /// An agency's audio-video item list (REC-2).
    SetAvList(crate::domain::enforcement::model::AvList),
    /// A tree head signed by the leader after commit (REC-3).
    RecordTreeHead(crate::domain::federation::items::SignedHead),
    /// An agency's step order: legal review before the rights notice (market regulation).
    SetStepOrder(cmd::SetStepOrder),
    /// A batch of uplink entries from a direct child, stamped with the child's verified region
    /// by the node that received it.
    Ingest(crate::domain::federation::ingest::IngestInput),
    /// The parent holds this region's outbox through `mark`: prune it.
    UplinkAcked(cmd::UplinkAcked),
    /// Address an item to a region below (a notice, a revocation, a setting).
    SendDown(cmd::SendDown),
    /// A batch of downlink items from the parent, stamped with the parent's verified region.
    IngestDown(cmd::IngestDown),
    /// A child holds this region's downlink to it through `mark`: prune.
    DownAcked(cmd::DownAcked),
    /// Close an agency, or merge it into another, from a day on (it stops being expected to
    /// report).
    CloseAgency(cmd::CloseAgency),
    /// When quarterly reports are due (SUP-1).
    SetReportDue(crate::domain::supervision::report::DueRule),
    /// A staged or dated report period (SUP-3).
    DefinePeriod(crate::domain::supervision::report::Period),
    /// Draft (or redraft) a unit's report for a period (SUP-1).
    DraftReport(crate::domain::supervision::report::DraftReport),
    /// Submit a drafted report: an agency's to its bureau, the region's to the parent.
    SubmitReport(cmd::SubmitReport),
    /// Accept or return a report of an agency of this region or of a direct child region.
    JudgeReport(cmd::JudgeReport),
    /// Draft a circulated notice (SUP-2).
    DraftNotice(crate::domain::supervision::notice::NoticeDraft),
    /// The organ's head signs off (签发): the number is assigned and the notice issued.
    SignNotice(cmd::SignNotice),
    /// A named unit answers a notice: acknowledgement or rectification.
    AnswerNotice(cmd::AnswerNotice),
    /// The issuer closes a unit's notice or returns its rectification.
    JudgeNotice(cmd::JudgeNotice),
    /// The consultation after the reviewer disagreed (REV-1).
    RecordConsultation(cmd::RecordConsultation),
    /// The national-law rules' numbers of the deployment (LAW-1…LAW-6, PUB-2's annual check).
    SetLawSettings(crate::domain::enforcement::law::LawSettings),
    /// An agency's quorum of heads for a collective decision.
    SetQuorum(cmd::SetQuorum),
    /// Extend a case's LAW-3 decision time limit with the head's approval.
    ExtendDecisionLimit(cmd::ExtendDecisionLimit),
    /// The leader's seals over this region's own downlink items, made after commit.
    SealDown(cmd::SealDown),
    /// A batch of sealed downlink items from the parent (each seal checked here).
    IngestSealedDown(cmd::IngestSealedDown),
    /// A node of the region's cluster caught up or retired (cluster bookkeeping, no record).
    RecordMember(crate::domain::command::members::RecordMember),
    /// The parent found that a child pruned what this region no longer holds (node only).
    LinkLost(cmd::LinkLost),
    /// This region's parent holds less than it acknowledged (node only).
    UplinkLost(cmd::UplinkLost),
    /// The parent's operator accepts the loss on a child's link and resumes it.
    RebaselineLink(cmd::RebaselineLink),
}

/// Runs `$body` with `$c` bound to the command's payload, a [`Rule`]: the one place that
/// lists every variant.
macro_rules! with_rule {
    ($cmd:expr, $c:ident => $body:expr) => {
        match $cmd {
            Command::Tick => {
                let $c = &$crate::domain::command::tick::Tick;
                $body
            }
            Command::RegisterAgency($c) => $body,
            Command::UpdateAgency($c) => $body,
            Command::LoadCalendarYear($c) => $body,
            Command::RegisterOfficer($c) => $body,
            Command::IssueCertificate($c) => $body,
            Command::ChangeCertificate($c) => $body,
            Command::SetCatalogRule($c) => $body,
            Command::OpenCase($c) => $body,
            Command::RecordStep($c) => $body,
            Command::SubmitReview($c) => $body,
            Command::ReviewOpinion($c) => $body,
            Command::Decide($c) => $body,
            Command::DraftPublication($c) => $body,
            Command::ReleasePublication($c) => $body,
            Command::WithdrawPublication($c) => $body,
            Command::SetPublishDays($c) => $body,
            Command::SetReviewDays($c) => $body,
            Command::RecordLegalOutcome($c) => $body,
            Command::AddExpertOpinion($c) => $body,
            Command::SetAvList($c) => $body,
            Command::RecordTreeHead($c) => $body,
            Command::SetStepOrder($c) => $body,
            Command::Ingest($c) => $body,
            Command::UplinkAcked($c) => $body,
            Command::SendDown($c) => $body,
            Command::IngestDown($c) => $body,
            Command::DownAcked($c) => $body,
            Command::CloseAgency($c) => $body,
            Command::SetReportDue($c) => $body,
            Command::DefinePeriod($c) => $body,
            Command::DraftReport($c) => $body,
            Command::SubmitReport($c) => $body,
            Command::JudgeReport($c) => $body,
            Command::DraftNotice($c) => $body,
            Command::SignNotice($c) => $body,
            Command::AnswerNotice($c) => $body,
            Command::JudgeNotice($c) => $body,
            Command::RecordConsultation($c) => $body,
            Command::SetLawSettings($c) => $body,
            Command::SetQuorum($c) => $body,
            Command::ExtendDecisionLimit($c) => $body,
            Command::SealDown($c) => $body,
            Command::IngestSealedDown($c) => $body,
            Command::RecordMember($c) => $body,
            Command::LinkLost($c) => $body,
            Command::UplinkLost($c) => $body,
            Command::RebaselineLink($c) => $body,
        }
    };
}
pub(crate) use with_rule;

impl Command {
    /// Commands only a node of the region proposes (never a person through the API).
    pub fn is_node_only(&self) -> bool {
        with_rule!(self, c => node_only(c))
    }

    /// Short name for logs.
    pub fn name(&self) -> &'static str {
        with_rule!(self, c => name_of(c))
    }
}

/// What is committed to the Raft log and hashed into the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Envelope {
    pub actor: Actor,
    /// Client-chosen id of the writing program; empty for leader-proposed commands.
    pub client_id: String,
    /// Per-client request number; a retry reuses it.
    pub request_id: u64,
    /// Leader's wall clock (Unix ms) when proposed; clamped in apply to never go backwards.
    pub time_ms: i64,
    pub rules_version: u32,
    pub command: Command,
}

impl Envelope {
    /// Encodes the envelope; these bytes are what Raft commits and the ledger hashes.
    pub fn encode(&self) -> Result<Vec<u8>, bincode::Error> {
        bincode::serialize(self)
    }

    /// Decodes committed bytes, refusing trailing garbage.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, bincode::Error> {
        use bincode::Options;
        bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .reject_trailing_bytes()
            .with_limit(bytes.len() as u64 + 1)
            .deserialize(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_roundtrip_and_garbage() {
        let e = Envelope {
            actor: Actor::Node {
                region: "a/b".into(),
                node: 2,
            },
            client_id: String::new(),
            request_id: 0,
            time_ms: 5,
            rules_version: RULES_VERSION,
            command: Command::Tick,
        };
        let b = e.encode().unwrap();
        assert_eq!(Envelope::decode(&b).unwrap(), e);
        let mut longer = b.clone();
        longer.push(0);
        assert!(Envelope::decode(&longer).is_err());
        assert!(Envelope::decode(&b[..b.len() - 1]).is_err());
        assert!(Envelope::decode(&[0xff; 64]).is_err());
    }

    /// Every command variant, by its log name. A new variant is added here and recorded in
    /// `testdata/envelopes-v2.tsv` with the release that introduces it.
    const ALL_COMMANDS: [&str; 48] = [
        "add_expert_opinion",
        "answer_notice",
        "change_certificate",
        "close_agency",
        "decide",
        "define_period",
        "down_acked",
        "draft_notice",
        "draft_publication",
        "draft_report",
        "extend_decision_limit",
        "ingest",
        "ingest_down",
        "ingest_sealed_down",
        "issue_certificate",
        "judge_notice",
        "judge_report",
        "link_lost",
        "load_calendar_year",
        "open_case",
        "rebaseline_link",
        "record_consultation",
        "record_legal_outcome",
        "record_member",
        "record_step",
        "record_tree_head",
        "register_agency",
        "register_officer",
        "release_publication",
        "review_opinion",
        "seal_down",
        "send_down",
        "set_av_list",
        "set_catalog_rule",
        "set_law_settings",
        "set_publish_days",
        "set_quorum",
        "set_report_due",
        "set_review_days",
        "set_step_order",
        "sign_notice",
        "submit_report",
        "submit_review",
        "tick",
        "update_agency",
        "uplink_acked",
        "uplink_lost",
        "withdraw_publication",
    ];

    /// The stored bytes do not change: envelopes recorded from the test suites decode and
    /// re-encode byte for byte, in bincode (the Raft log and the ledger) and in JSON (the
    /// `Execute` API), and both decodings agree.
    #[test]
    fn recorded_envelopes_of_every_variant_reencode_byte_for_byte() {
        let recorded = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/envelopes-v2.tsv"
        ));
        let mut seen = std::collections::BTreeSet::new();
        for (n, line) in recorded
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#'))
        {
            let mut cols = line.splitn(3, '\t');
            let (Some(name), Some(hex_bytes), Some(json)) = (cols.next(), cols.next(), cols.next())
            else {
                panic!("line {}: three columns expected", n + 1);
            };
            let bytes = hex::decode(hex_bytes).unwrap();
            let from_bin = Envelope::decode(&bytes).unwrap();
            assert_eq!(from_bin.command.name(), name, "line {}", n + 1);
            assert_eq!(
                from_bin.encode().unwrap(),
                bytes,
                "bincode of line {} ({name})",
                n + 1
            );
            let from_json: Envelope = serde_json::from_str(json).unwrap();
            assert_eq!(
                serde_json::to_string(&from_json).unwrap(),
                json,
                "JSON of line {} ({name})",
                n + 1
            );
            assert_eq!(from_json, from_bin, "line {} ({name})", n + 1);
            seen.insert(name);
        }
        let all: std::collections::BTreeSet<&str> = ALL_COMMANDS.into_iter().collect();
        assert_eq!(seen, all, "every variant is recorded, and only known ones");
    }

    /// Entries of data format 1 are never misread as format 2: each fails to decode, or decodes
    /// as rules version 1, which the state machine refuses under RULES, changing nothing but
    /// the clock. (A format-1 data directory is refused when the node opens it.)
    #[test]
    fn format_1_envelopes_are_refused_not_misread() {
        use crate::domain::command::testkit::run_in;
        use crate::domain::core::outcome::Outcome;
        let recorded = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/envelopes-v1.tsv"
        ));
        let mut decoded = 0;
        for line in recorded.lines().filter(|l| !l.starts_with('#')) {
            let Some(hex_bytes) = line.split('\t').nth(1) else {
                panic!("two columns at least");
            };
            let bytes = hex::decode(hex_bytes).unwrap();
            let Ok(e) = Envelope::decode(&bytes) else {
                continue;
            };
            decoded += 1;
            assert_eq!(e.rules_version, 1, "{line}");
            let mut s = crate::domain::core::state::State::default();
            let region = e.actor.region().to_string();
            let r = run_in(&mut s, &region, &[e]).remove(0);
            assert!(
                matches!(&r.outcome, Outcome::Refused(f) if f.rule == "RULES"),
                "{r:?}"
            );
        }
        // Node envelopes (Tick, acknowledgements) keep their bytes up to the rules version:
        // they decode, so the RULES refusal above is what stands between them and apply.
        assert!(
            decoded > 0,
            "no format-1 envelope decodes: the RULES path is not exercised"
        );
    }
}
