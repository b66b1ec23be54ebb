//! The major-decision catalog (REV-2): which decisions need legal review.
//! Always major: major public interest or social risk, major rights, complex legal relations,
//! law requires it, decided after a hearing. Per kind: an amount threshold (at least the lower
//! bound set by the sector's superior department), and optionally "every penalty except summary
//! procedure" (seed 003). Rules are region-wide or per agency, with the day they take effect;
//! the version in force at submission decides and is kept with the case.
use chrono::{Datelike, NaiveDate};

use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::keys::prefix;
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::{DomainError, Space, State, Txn};
pub use crate::domain::enforcement::model::CatalogRule;
use crate::domain::enforcement::model::{Case, Procedure};

/// Catalog rules; key `<agency id, 0 for the region>/<kind>/<YYYYMMDD>`.
pub const CATALOG: Space<str, CatalogRule> = Space::new(prefix::CATALOG);

fn rule_prefix(agency: u64, kind: PowerKind) -> String {
    format!("{agency:020}/{}/", kind.as_str())
}

fn rule_key(r: &CatalogRule) -> String {
    let d = r.effective_from;
    format!(
        "{}{:04}{:02}{:02}",
        rule_prefix(r.agency_id.unwrap_or(0), r.kind),
        d.year(),
        d.month(),
        d.day()
    )
}

/// The latest version with `effective_from ≤ date` among one agency's (or the region's) rules.
fn latest(
    state: &State,
    agency: u64,
    kind: PowerKind,
    date: NaiveDate,
) -> Result<Option<CatalogRule>, DomainError> {
    let prefix = CATALOG.key(&rule_prefix(agency, kind));
    let mut found = None;
    for (_, v) in state.range_from(&prefix, prefix.clone()) {
        let r: CatalogRule = bincode::deserialize(v).map_err(|source| DomainError::Decode {
            key: "catalog".into(),
            source,
        })?;
        if r.effective_from <= date {
            found = Some(r);
        }
    }
    Ok(found)
}

/// Every stored rule, for display.
pub fn all_rules(state: &State) -> Result<Vec<CatalogRule>, DomainError> {
    let mut out = Vec::new();
    for key in CATALOG.keys(state) {
        let name = String::from_utf8_lossy(&key[1..]).to_string();
        if let Some(r) = CATALOG.read(state, &name)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Default rules when none was set: penalties from 10,000 yuan, coercion from 50,000 yuan,
/// expropriation always.
pub fn default_rule(kind: PowerKind) -> CatalogRule {
    let min = match kind {
        PowerKind::Penalty => Some(1_000_000),
        PowerKind::Coercion => Some(5_000_000),
        PowerKind::Expropriation => Some(0),
        _ => None,
    };
    CatalogRule {
        agency_id: None,
        kind,
        effective_from: NaiveDate::MIN,
        min_amount_fen: min,
        superior_bound_fen: None,
        every_general_penalty: false,
    }
}

/// The rule in force for an agency's decisions of a kind on `date`: the agency's own catalog,
/// else the region's, else the defaults.
pub fn rule(
    state: &State,
    agency: u64,
    kind: PowerKind,
    date: NaiveDate,
) -> Result<CatalogRule, DomainError> {
    if let Some(r) = latest(state, agency, kind, date)? {
        return Ok(r);
    }
    Ok(latest(state, 0, kind, date)?.unwrap_or_else(|| default_rule(kind)))
}

/// REV-2: is this case's decision major under `r`?
pub fn is_major(case: &Case, r: &CatalogRule) -> bool {
    is_major_at(case, r, case.amount_fen)
}

/// REV-2 with the amount decided (or proposed) instead of the one the case was opened with.
pub fn is_major_at(case: &Case, r: &CatalogRule, amount_fen: u64) -> bool {
    case.flags.any()
        || case.hearing_held
        || r.min_amount_fen.is_some_and(|m| amount_fen >= m)
        || (r.every_general_penalty
            && case.kind == PowerKind::Penalty
            && case.procedure == Procedure::General)
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, r: &CatalogRule) -> Ruled {
    // The region's rule (the lower bound for every agency) is the bureau's; an agency's own
    // catalog is its head's.
    let allowed = match r.agency_id {
        None => actor.of_bureau(&[Role::Head, Role::Supervisor]),
        Some(a) => actor.acts_for(Organ::Agency(a), &[Role::Head]),
    };
    if !allowed {
        let whose = match r.agency_id {
            None => "本级重大执法决定目录由司法局负责人或监督人员设定".to_string(),
            Some(a) => format!("执法机关 {a} 的目录由该机关负责人设定"),
        };
        return Err(Refusal::new(
            "REV-2",
            format!("{} 无权修改重大执法决定目录：{whose}", actor.label()),
        )
        .into());
    }
    if let (Some(min), Some(bound)) = (r.min_amount_fen, r.superior_bound_fen) {
        if min > bound {
            return Err(Refusal::new(
                "REV-2",
                format!(
                    "金额标准 {} 元高于上级部门规定的 {} 元",
                    min / 100,
                    bound / 100
                ),
            )
            .into());
        }
    }
    if r.min_amount_fen
        .is_some_and(|m| m > crate::domain::enforcement::model::MAX_AMOUNT_FEN)
    {
        return Err(Refusal::new("INPUT", "金额标准超出范围").into());
    }
    if let Some(a) = r.agency_id {
        if a == 0 || crate::domain::registry::AGENCIES.get(txn, &a)?.is_none() {
            return Err(Refusal::new("INPUT", format!("没有编号为 {a} 的执法机关")).into());
        }
    }
    if r.effective_from.year() < 2000 || r.effective_from.year() > 2100 {
        return Err(
            Refusal::new("INPUT", "生效日期（effective_from）应在 2000–2100 年之间").into(),
        );
    }
    CATALOG.put(txn, &rule_key(r), r)?;
    Ok(CommandResult::Record {
        id: 0,
        flags: vec![],
    })
}
