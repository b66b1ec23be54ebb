//! `UpdateAgency` — PUB-1: the published identity data are kept current as they change.
use crate::domain::core::identity::Actor;
use crate::domain::core::organ::AgencyInput;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::registry::register::may_write_registry;
use crate::domain::registry::{AGENCIES, AGENCY_NAMES};

pub fn apply(
    txn: &mut Txn<'_>,
    actor: &Actor,
    id: u64,
    input: &AgencyInput,
    expected_version: Option<u64>,
    now: i64,
) -> Ruled {
    may_write_registry(actor)?;
    input.validate()?;
    let Some(mut agency) = AGENCIES.get(txn, &id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的执法机关")).into());
    };
    if let Some(v) = expected_version {
        if v != agency.version {
            return Err(Refusal::new(
                "CONFLICT",
                format!(
                    "执法机关 {id} 的记录当前为第 {} 版，不是第 {v} 版",
                    agency.version
                ),
            )
            .into());
        }
    }
    if input.name != agency.name {
        if let Some(other) = AGENCY_NAMES.get(txn, &input.name)? {
            return Err(Refusal::new(
                "INPUT",
                format!("名称为 {} 的执法机关已经登记（编号 {other}）", input.name),
            )
            .into());
        }
        AGENCY_NAMES.delete(txn, &agency.name);
        AGENCY_NAMES.put(txn, &input.name, &id)?;
    }
    agency.name = input.name.clone();
    agency.powers = input.powers.clone();
    agency.legal_basis = input.legal_basis.clone();
    agency.domain = input.domain.clone();
    agency.contact = input.contact.clone();
    agency.version += 1;
    agency.updated_at_ms = now;
    AGENCIES.put(txn, &id, &agency)?;
    Ok(CommandResult::Agency(agency))
}

/// `CloseAgency`: the agency is closed, or merged into another, on a day; it keeps its records
/// and stops being expected to report after that day.
pub fn close(
    txn: &mut Txn<'_>,
    actor: &Actor,
    id: u64,
    on: chrono::NaiveDate,
    merged_into: Option<u64>,
    now: i64,
) -> Ruled {
    may_write_registry(actor)?;
    let Some(mut agency) = AGENCIES.get(txn, &id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的执法机关")).into());
    };
    if agency.closed.is_some() {
        return Err(Refusal::new("CONFLICT", format!("执法机关 {id} 已经撤销")).into());
    }
    if let Some(m) = merged_into {
        let ok = m != id && AGENCIES.get(txn, &m)?.is_some_and(|a| a.closed.is_none());
        if !ok {
            return Err(
                Refusal::new("INPUT", format!("执法机关 {m} 不是可以并入的在册执法机关")).into(),
            );
        }
    }
    let created = crate::domain::calendar::days::date_of(agency.created_at_ms).ok();
    if created.is_some_and(|c| on < c) {
        return Err(
            Refusal::new("INPUT", format!("执法机关 {id} 的撤销日期不能早于登记日期")).into(),
        );
    }
    agency.closed = Some(crate::domain::core::organ::Closure {
        on,
        merged_into,
        by: actor.label(),
    });
    agency.version += 1;
    agency.updated_at_ms = now;
    AGENCIES.put(txn, &id, &agency)?;
    Ok(CommandResult::Agency(agency))
}

#[cfg(test)]
mod tests {
    use crate::domain::command::cmd;
    use crate::domain::command::envelope::Command;
    use crate::domain::command::testkit::*;
    use crate::domain::core::outcome::{CommandResult, Outcome};
    use crate::domain::registry::{AGENCIES, AGENCY_NAMES};
    use crate::domain::State;

    #[test]
    fn update_renames_and_checks_version() {
        let mut s = State::default();
        let upd = |req, name: &str, v| {
            env(
                clerk(),
                "c",
                req,
                5,
                Command::UpdateAgency(cmd::UpdateAgency {
                    id: 1,
                    input: input(name),
                    expected_version: v,
                }),
            )
        };
        let r = run(
            &mut s,
            &[
                env(clerk(), "c", 1, 1, Command::RegisterAgency(input("甲局"))),
                env(clerk(), "c", 2, 1, Command::RegisterAgency(input("乙局"))),
                upd(3, "甲局新名", Some(1)),
                upd(4, "再改", Some(1)),
                upd(5, "乙局", None),
                env(
                    clerk(),
                    "c",
                    6,
                    5,
                    Command::UpdateAgency(cmd::UpdateAgency {
                        id: 99,
                        input: input("无"),
                        expected_version: None,
                    }),
                ),
            ],
        );
        match &r[2].outcome {
            Outcome::Ok(CommandResult::Agency(a)) => {
                assert_eq!(a.version, 2);
                assert_eq!(a.name, "甲局新名");
            }
            o => panic!("{o:?}"),
        }
        let rules: Vec<_> = r[3..]
            .iter()
            .map(|x| match &x.outcome {
                Outcome::Refused(f) => f.rule.clone(),
                o => panic!("{o:?}"),
            })
            .collect();
        assert_eq!(rules, ["CONFLICT", "INPUT", "INPUT"]);
        assert_eq!(AGENCY_NAMES.read(&s, "甲局").unwrap(), None);
        assert_eq!(AGENCY_NAMES.read(&s, "甲局新名").unwrap(), Some(1));
        assert_eq!(AGENCIES.read(&s, &1).unwrap().unwrap().version, 2);
    }
}
