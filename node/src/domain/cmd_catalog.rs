//! The major-decision catalog (REV-2): which decisions need legal review.
//! Always major: major public interest or social risk, major rights, complex legal relations,
//! law requires it, decided after a hearing. Per kind: an amount threshold (at least the lower
//! bound set by the sector's superior department), and optionally "every penalty except summary
//! procedure" (seed 003). The rule in force at submission decides and is kept with the case.
use serde::{Deserialize, Serialize};

use super::agency::PowerKind;
use super::enforcement::{Case, Procedure};
use super::envelope::{Actor, CommandResult, Refusal, Role};
use super::state::{DomainError, Space, State, Txn};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRule {
    pub kind: PowerKind,
    /// Amount (fen) from which a decision of this kind is major; `None`: never by amount.
    pub min_amount_fen: Option<u64>,
    /// Lower bound set by the sector's superior department; the threshold may not exceed it.
    pub superior_bound_fen: Option<u64>,
    /// Every penalty except summary procedure is reviewed (003).
    pub every_general_penalty: bool,
}

/// Catalog rules by kind (key: the kind's name).
pub const CATALOG: Space<str, CatalogRule> = Space::new(b'g');

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
        kind,
        min_amount_fen: min,
        superior_bound_fen: None,
        every_general_penalty: false,
    }
}

/// The rule in force for a kind.
pub fn rule(state: &State, kind: PowerKind) -> Result<CatalogRule, DomainError> {
    Ok(CATALOG
        .read(state, kind.as_str())?
        .unwrap_or_else(|| default_rule(kind)))
}

/// REV-2: is this case's decision major under `r`?
pub fn is_major(case: &Case, r: &CatalogRule) -> bool {
    case.flags.any()
        || case.hearing_held
        || r.min_amount_fen.is_some_and(|m| case.amount_fen >= m)
        || (r.every_general_penalty
            && case.kind == PowerKind::Penalty
            && case.procedure == Procedure::General)
}

pub fn apply(
    txn: &mut Txn<'_>,
    actor: &Actor,
    r: &CatalogRule,
) -> Result<Result<CommandResult, Refusal>, DomainError> {
    if !matches!(actor, Actor::Person(p) if matches!(p.role, Role::Head | Role::Supervisor)) {
        return Ok(Err(Refusal::new(
            "REV-2",
            format!(
                "{} may not change the major-decision catalog",
                actor.label()
            ),
        )));
    }
    if let (Some(min), Some(bound)) = (r.min_amount_fen, r.superior_bound_fen) {
        if min > bound {
            return Ok(Err(Refusal::new(
                "REV-2",
                format!(
                    "threshold {} yuan is above the superior department's bound {} yuan",
                    min / 100,
                    bound / 100
                ),
            )));
        }
    }
    if r.min_amount_fen
        .is_some_and(|m| m > super::enforcement::MAX_AMOUNT_FEN)
    {
        return Ok(Err(Refusal::new("INPUT", "threshold out of range")));
    }
    CATALOG.put(txn, r.kind.as_str(), r)?;
    Ok(Ok(CommandResult::Record {
        id: 0,
        flags: vec![],
    }))
}
