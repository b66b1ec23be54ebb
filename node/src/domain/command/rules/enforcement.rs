//! Enforcement commands: officers, certificates, catalog, cases, review, decision, outcomes,
//! publication.
use crate::domain::command::cmd;
use crate::domain::command::rule::{Cx, Rule, RuleResult};
use crate::domain::enforcement::case::{self, OpenCaseInput};
use crate::domain::enforcement::catalog::{self, CatalogRule};
use crate::domain::enforcement::certificate::{self, IssueCertificate};
use crate::domain::enforcement::decide::{self, DecideInput};
use crate::domain::enforcement::law::{self, LawSettings};
use crate::domain::enforcement::model::{AvList, LegalOutcome};
use crate::domain::enforcement::officer::{self, OfficerInput};
use crate::domain::enforcement::step::{self, StepInput};
use crate::domain::enforcement::{deadlines, gate, outcome, publication, review};

impl Rule for OfficerInput {
    const NAME: &'static str = "register_officer";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        officer::apply(cx.txn, cx.actor, self)
    }
}

impl Rule for IssueCertificate {
    const NAME: &'static str = "issue_certificate";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        certificate::issue(cx.txn, cx.actor, self)
    }
}

impl Rule for cmd::ChangeCertificate {
    const NAME: &'static str = "change_certificate";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        certificate::change(cx.txn, cx.actor, self.officer_id, &self.action, cx.now)
    }
}

impl Rule for CatalogRule {
    const NAME: &'static str = "set_catalog_rule";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        catalog::apply(cx.txn, cx.actor, self)
    }
}

impl Rule for OpenCaseInput {
    const NAME: &'static str = "open_case";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        case::apply(cx.txn, cx.actor, self, cx.now)
    }
}

impl Rule for StepInput {
    const NAME: &'static str = "record_step";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        step::apply(cx.txn, cx.actor, self, cx.now)
    }
}

impl Rule for cmd::SubmitReview {
    const NAME: &'static str = "submit_review";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        review::submit(cx.txn, cx.actor, self, cx.now)
    }
}

impl Rule for cmd::ReviewOpinion {
    const NAME: &'static str = "review_opinion";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        review::opinion(
            cx.txn,
            cx.actor,
            c.case_id,
            &c.checklist,
            c.opinion,
            &c.reasons,
            cx.now,
        )
    }
}

impl Rule for DecideInput {
    const NAME: &'static str = "decide";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        decide::apply(cx.txn, cx.actor, self, cx.now)
    }

    fn refusal_counters(
        &self,
        txn: &crate::domain::core::state::Txn<'_>,
        refusal: &crate::domain::core::outcome::Refusal,
    ) -> Result<Vec<String>, crate::domain::core::state::DomainError> {
        decide::refusal_counters(txn, self, refusal)
    }
}

impl Rule for cmd::DraftPublication {
    const NAME: &'static str = "draft_publication";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let basis = self.exception_basis.as_deref();
        publication::draft(cx.txn, cx.actor, self.case_id, &self.content, basis)
    }
}

impl Rule for cmd::ReleasePublication {
    const NAME: &'static str = "release_publication";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        publication::release(cx.txn, cx.actor, c.id, c.approve, &c.reasons, cx.now)
    }
}

impl Rule for cmd::WithdrawPublication {
    const NAME: &'static str = "withdraw_publication";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        publication::withdraw(cx.txn, cx.actor, c.id, &c.reason, c.changed_on, cx.now)
    }
}

impl Rule for cmd::SetPublishDays {
    const NAME: &'static str = "set_publish_days";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        publication::set_days(cx.txn, cx.actor, self.kind, self.days)
    }
}

impl Rule for cmd::SetReviewDays {
    const NAME: &'static str = "set_review_days";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        publication::set_review_days(cx.txn, cx.actor, self.days)
    }
}

impl Rule for cmd::RecordLegalOutcome {
    const NAME: &'static str = "record_legal_outcome";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let o = LegalOutcome {
            forum: self.forum,
            result: self.result,
            on: self.on,
            reference: self.reference.clone(),
            deciding_organ: self.deciding_organ.clone(),
        };
        outcome::record_outcome(cx.txn, cx.actor, self.case_id, &o, cx.now)
    }
}

impl Rule for cmd::AddExpertOpinion {
    const NAME: &'static str = "add_expert_opinion";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        outcome::expert_opinion(cx.txn, cx.actor, c.case_id, &c.source, &c.text)
    }
}

impl Rule for AvList {
    const NAME: &'static str = "set_av_list";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        outcome::set_av_list(cx.txn, cx.actor, self)
    }
}

impl Rule for cmd::SetStepOrder {
    const NAME: &'static str = "set_step_order";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let review_first = self.review_before_rights_notice;
        outcome::set_step_order(cx.txn, cx.actor, self.agency_id, review_first)
    }
}

impl Rule for cmd::RecordConsultation {
    const NAME: &'static str = "record_consultation";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        gate::consult(
            cx.txn,
            cx.actor,
            self.case_id,
            &self.participants,
            self.on,
            &self.result,
            cx.now,
        )
    }
}

impl Rule for LawSettings {
    const NAME: &'static str = "set_law_settings";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        law::set(cx.txn, cx.actor, self)
    }
}

impl Rule for cmd::SetQuorum {
    const NAME: &'static str = "set_quorum";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        law::set_quorum(cx.txn, cx.actor, self.agency_id, self.heads)
    }
}

impl Rule for cmd::ExtendDecisionLimit {
    const NAME: &'static str = "extend_decision_limit";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        deadlines::extend(
            cx.txn,
            cx.actor,
            self.case_id,
            self.days,
            &self.reason,
            cx.now,
        )
    }
}
