//! Supervision commands: report rules and periods, reports, notices. What they send down goes
//! through this region's downlink ([`downlink::Port`]).
use crate::domain::command::cmd;
use crate::domain::command::rule::{Cx, Rule, RuleResult};
use crate::domain::core::outcome::Refusal;
use crate::domain::federation::downlink;
use crate::domain::supervision::notice::{self, NoticeDraft};
use crate::domain::supervision::report::{self, DraftReport, DueRule, Period};

impl Rule for DueRule {
    const NAME: &'static str = "set_report_due";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        report::set_due(cx.txn, cx.actor, *self)
    }
}

impl Rule for Period {
    const NAME: &'static str = "define_period";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        report::define_period(cx.txn, cx.actor, self)
    }
}

impl Rule for DraftReport {
    const NAME: &'static str = "draft_report";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        report::draft(cx.txn, cx.actor, cx.region, self)
    }
}

impl Rule for cmd::SubmitReport {
    const NAME: &'static str = "submit_report";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        report::submit(cx.txn, cx.actor, cx.region, self.id, cx.now, cx.sup_up)
    }
}

impl Rule for cmd::JudgeReport {
    const NAME: &'static str = "judge_report";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        report::judge(
            cx.txn,
            cx.actor,
            cx.region,
            &c.unit,
            &c.period,
            c.accept,
            &c.reasons,
            cx.now,
            cx.sup_up,
            &mut downlink::Port,
        )
    }
}

impl Rule for NoticeDraft {
    const NAME: &'static str = "draft_notice";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        notice::draft(cx.txn, cx.actor, cx.region, self, cx.now)
    }
}

impl Rule for cmd::SignNotice {
    const NAME: &'static str = "sign_notice";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let (id, prefix) = (self.id, &self.prefix);
        notice::sign(
            cx.txn,
            cx.actor,
            cx.region,
            id,
            prefix,
            cx.now,
            &mut downlink::Port,
        )
    }
}

impl Rule for cmd::AnswerNotice {
    const NAME: &'static str = "answer_notice";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        if c.unit.region != cx.region {
            return Err(Refusal::new(
                "AUTH",
                format!("{} 不是 {} 的单位", c.unit.key(), cx.region),
            )
            .into());
        }
        notice::answer(
            cx.txn, cx.actor, cx.region, &c.issuer, c.id, &c.unit, &c.reply, cx.now, cx.sup_up,
        )
    }
}

impl Rule for cmd::JudgeNotice {
    const NAME: &'static str = "judge_notice";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        notice::judge(
            cx.txn,
            cx.actor,
            cx.region,
            c.id,
            &c.unit,
            c.close,
            &c.reasons,
            cx.now,
            &mut downlink::Port,
        )
    }
}
