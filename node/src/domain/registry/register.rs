//! `RegisterAgency` — PUB-1: the region's judicial bureau registers its enforcement agencies.
//! Writers: the clerk or the head of this region's judicial bureau (an agency keeps no registry,
//! not even its own entry).
use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::organ::{Agency, AgencyInput};
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::registry::{AGENCIES, AGENCY_NAMES};

/// Only the bureau's clerk or head keeps the agency registry.
pub(crate) fn may_write_registry(actor: &Actor) -> Result<(), Refusal> {
    if actor.of_bureau(&[Role::Clerk, Role::Head]) {
        return Ok(());
    }
    Err(Refusal::new(
        "PUB-1",
        format!(
            "{} 无权变更执法主体名录：由本级司法局的登记员或负责人办理",
            actor.label()
        ),
    ))
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, input: &AgencyInput, now: i64) -> Ruled {
    may_write_registry(actor)?;
    input.validate()?;
    if let Some(existing) = AGENCY_NAMES.get(txn, &input.name)? {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "名称为 {} 的执法机关已经登记（编号 {existing}）",
                input.name
            ),
        )
        .into());
    }
    let id = crate::domain::core::ids::next_id(txn, "agency")?;
    let agency = Agency {
        id,
        name: input.name.clone(),
        powers: input.powers.clone(),
        legal_basis: input.legal_basis.clone(),
        domain: input.domain.clone(),
        contact: input.contact.clone(),
        version: 1,
        created_at_ms: now,
        updated_at_ms: now,
        created_by: actor.label(),
        closed: None,
    };
    AGENCIES.put(txn, &agency.id, &agency)?;
    AGENCY_NAMES.put(txn, &agency.name, &agency.id)?;
    Ok(CommandResult::Agency(agency))
}

#[cfg(test)]
mod tests {
    use crate::domain::command::envelope::Command;
    use crate::domain::command::testkit::*;
    use crate::domain::core::outcome::{CommandResult, Outcome};
    use crate::domain::State;

    #[test]
    fn registers_with_sequential_ids() {
        let mut s = State::default();
        let r = run(
            &mut s,
            &[
                env(clerk(), "c", 1, 100, Command::RegisterAgency(input("甲局"))),
                env(clerk(), "c", 2, 200, Command::RegisterAgency(input("乙局"))),
            ],
        );
        let ids: Vec<u64> = r
            .iter()
            .map(|x| match &x.outcome {
                Outcome::Ok(CommandResult::Agency(a)) => a.id,
                o => panic!("{o:?}"),
            })
            .collect();
        assert_eq!(ids, [1, 2]);
    }

    #[test]
    fn hostile_fields_refused() {
        let mut s = State::default();
        let mut long = input("x");
        long.name = "局".repeat(101);
        let mut ctrl = input("y");
        ctrl.name = "坏\u{0}名".into();
        let mut nopower = input("z");
        nopower.powers.clear();
        let mut twice = input("w");
        twice.powers = vec![crate::domain::PowerKind::Fee, crate::domain::PowerKind::Fee];
        let mut spaces = input(" 前后空格 ");
        spaces.contact = String::new();
        let r = run(
            &mut s,
            &[long, ctrl, nopower, twice, spaces]
                .into_iter()
                .enumerate()
                .map(|(i, x)| env(clerk(), "c", i as u64 + 1, 1, Command::RegisterAgency(x)))
                .collect::<Vec<_>>(),
        );
        for x in r {
            match x.outcome {
                Outcome::Refused(f) => assert_eq!(f.rule, "INPUT", "{}", f.message),
                o => panic!("{o:?}"),
            }
        }
    }
}
