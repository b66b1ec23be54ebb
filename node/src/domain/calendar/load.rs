//! `LoadCalendarYear` — the State Council's holiday notice for a year, loaded by an operator
//! when it appears (replicated, so every replica counts working days alike).
use crate::domain::calendar::days::{YearCalendar, YearSource};
use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::{Space, State, Txn};

/// Loaded years (override the notices shipped with the code).
pub const CALENDAR: Space<u64, YearCalendar> = Space::new(prefix::CALENDAR);

/// Years from the replicated state first, then the shipped notices.
pub struct StateYears<'a>(pub &'a State);

impl YearSource for StateYears<'_> {
    fn year(&self, year: i32) -> Option<YearCalendar> {
        u64::try_from(year)
            .ok()
            .and_then(|y| CALENDAR.read(self.0, &y).ok().flatten())
            .or_else(|| crate::domain::calendar::days::shipped(year))
    }
}

/// The same, read through a command's transaction: a notice loaded by that command counts.
pub struct TxnYears<'t, 'a>(pub &'t Txn<'a>);

impl YearSource for TxnYears<'_, '_> {
    fn year(&self, year: i32) -> Option<YearCalendar> {
        u64::try_from(year)
            .ok()
            .and_then(|y| CALENDAR.get(self.0, &y).ok().flatten())
            .or_else(|| crate::domain::calendar::days::shipped(year))
    }
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, year: &YearCalendar) -> Ruled {
    if !actor.of_bureau(&[Role::Head, Role::Supervisor]) {
        return Err(Refusal::new(
            "AUTH",
            format!(
                "{} 无权载入法定节假日安排：由司法局负责人或监督人员载入",
                actor.label()
            ),
        )
        .into());
    }
    store(txn, year)
}

/// Checks a year's notice and keeps it (a bureau's load, or one pushed down from above).
pub fn store(txn: &mut Txn<'_>, year: &YearCalendar) -> Ruled {
    if let Err(e) = year.validate() {
        return Err(Refusal::new("INPUT", e).into());
    }
    if crate::domain::core::text::check_text("source", &year.source, 200, true).is_err() {
        return Err(Refusal::new(
            "INPUT",
            "来源（source）：写明节假日安排通知的文号（例如 国办发明电〔2026〕N号）",
        )
        .into());
    }
    CALENDAR.put(txn, &(year.year as u64), year)?;
    Ok(CommandResult::Record {
        id: year.year as u64,
        flags: vec![],
    })
}
