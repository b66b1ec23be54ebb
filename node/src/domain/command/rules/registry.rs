//! Registry and calendar commands.
use crate::domain::calendar::days::YearCalendar;
use crate::domain::calendar::load;
use crate::domain::command::cmd;
use crate::domain::command::rule::{Cx, Rule, RuleResult};
use crate::domain::core::organ::AgencyInput;
use crate::domain::core::outcome::CommandResult;
use crate::domain::registry::{register, update};

impl Rule for AgencyInput {
    const NAME: &'static str = "register_agency";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        register::apply(cx.txn, cx.actor, self, cx.now)
    }
}

impl Rule for cmd::UpdateAgency {
    const NAME: &'static str = "update_agency";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let c = self;
        update::apply(cx.txn, cx.actor, c.id, &c.input, c.expected_version, cx.now)
    }
}

impl Rule for cmd::CloseAgency {
    const NAME: &'static str = "close_agency";
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        update::close(cx.txn, cx.actor, self.id, self.on, self.merged_into, cx.now)
    }
}

impl Rule for YearCalendar {
    const NAME: &'static str = "load_calendar_year";
    /// Loads the notice, then counts again every time limit that was counted provisionally.
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        let r = load::apply(cx.txn, cx.actor, self)?;
        let moved = crate::domain::enforcement::deadlines::recount(cx.txn)?;
        Ok(match r {
            CommandResult::Record { id, mut flags } => {
                if moved > 0 {
                    flags.push(format!(
                        "{moved} 个暂按法定节日计算的期限已按 {} 年的通知重新计算",
                        self.year
                    ));
                }
                CommandResult::Record { id, flags }
            }
            other => other,
        })
    }
}
