//! After the decision: reconsideration and litigation outcomes (SUP-7, the correction rate),
//! expert opinions on a review (REV-5), and an agency's audio-video item list (REC-2).
use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::deadlines::{Deadline, DeadlineKind};
use crate::domain::enforcement::model::{
    member_officer, AvList, Duty, LegalOutcome, AV_LISTS, CASES,
};

/// Records the outcome of a reconsideration or a lawsuit. A changed or revoked (or unlawful)
/// decision that was published must be withdrawn within 3 working days (LAW-6, as set): the
/// clock starts.
pub fn record_outcome(
    txn: &mut Txn<'_>,
    actor: &Actor,
    case_id: u64,
    outcome: &LegalOutcome,
    now: i64,
) -> Ruled {
    let LegalOutcome {
        result,
        on,
        reference,
        deciding_organ,
        ..
    } = outcome;
    let (result, on) = (*result, *on);
    check_text("reference", reference, 200, true)?;
    check_text("deciding_organ", deciding_organ, 100, true)?;
    let today = match crate::domain::calendar::days::date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    let Some(mut case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    // The correction rate moves with these: the bureau, or the agency whose decision it was.
    if !actor.of_bureau(&[Role::Clerk, Role::Head, Role::Supervisor])
        && !actor.acts_for(Organ::Agency(case.agency_id), &[Role::Clerk, Role::Head])
    {
        return Err(Refusal::new(
            "SUP-7",
            format!(
                "{} 无权登记案件 {case_id} 的复议、诉讼结果：由司法局或作出决定的执法机关 {} 登记",
                actor.label(),
                case.agency_id
            ),
        )
        .into());
    }
    let Some(decision) = &case.decision else {
        return Err(Refusal::new(
            "SUP-7",
            format!("案件 {case_id} 尚未作出决定，没有可申请复议或提起诉讼的决定"),
        )
        .into());
    };
    let decided = crate::domain::calendar::days::date_of(decision.decided_at_ms).unwrap_or(today);
    if on > today || on < decided {
        return Err(Refusal::new(
            "INPUT",
            format!("复议、诉讼结果的日期应在决定作出之日（{decided}）至今天之间"),
        )
        .into());
    }
    case.legal_outcomes.push(outcome.clone());
    let mut flags = Vec::new();
    if result.corrects() && case.published_at_ms.is_some() {
        let days = crate::domain::enforcement::law::settings(txn.base())?.withdrawal_days;
        let (due, missing) = match crate::domain::enforcement::deadlines::count(txn, on, days) {
            Ok(d) => d,
            Err(e) => return Err(Refusal::new("LAW-6", e.to_string()).into()),
        };
        let d = Deadline {
            case_id,
            kind: DeadlineKind::Withdrawal,
            due,
        };
        crate::domain::enforcement::deadlines::schedule_counted(txn, d, on, days, &missing)?;
        flags.push(format!("LAW-6：须于 {due} 前撤回公示"));
        flags.extend(crate::domain::enforcement::deadlines::provisional_flag(
            "LAW-6", &missing,
        ));
    }
    CASES.put(txn, &case.id, &case)?;
    Ok(CommandResult::Record { id: case.id, flags })
}

/// Attaches the opinion of a legal adviser, public-sector lawyer or expert to the current
/// review round (REV-5). By a reviewer or a head of the agency.
pub fn expert_opinion(
    txn: &mut Txn<'_>,
    actor: &Actor,
    case_id: u64,
    source: &str,
    text: &str,
) -> Ruled {
    if let Err(r) =
        check_text("source", source, 100, true).and(check_text("text", text, 20_000, true))
    {
        return Err(r.into());
    }
    let Some(mut case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    let allowed = member_officer(txn, actor, case.agency_id)?
        .is_some_and(|o| o.duties.contains(&Duty::Reviewer) || o.duties.contains(&Duty::Head));
    if !allowed {
        return Err(
            Refusal::new("REV-5", "征询的意见由本执法机关的法制审核人员或负责人附入").into(),
        );
    }
    if case.decision.is_some() || case.state.ended() {
        return Err(Refusal::new(
            "REV-5",
            format!("案件 {case_id} 已处于“{}”状态", case.state.label()),
        )
        .into());
    }
    let Some(round) = case.reviews.last_mut() else {
        return Err(Refusal::new("REV-5", format!("案件 {case_id} 从未提交法制审核")).into());
    };
    round.expert_opinions.push(format!("{source}: {text}"));
    CASES.put(txn, &case.id, &case)?;
    Ok(CommandResult::Record {
        id: case.id,
        flags: vec![],
    })
}

/// The agency's own head sets its lists and its order of steps.
fn agency_head(actor: &Actor, agency_id: u64, rule: &str, what: &str) -> Result<(), Refusal> {
    if actor.acts_for(Organ::Agency(agency_id), &[Role::Head]) {
        return Ok(());
    }
    Err(Refusal::new(
        rule,
        format!(
            "{} 无权设定执法机关 {agency_id} 的{what}：由该机关负责人设定",
            actor.label()
        ),
    ))
}

/// Sets an agency's audio-video item list (REC-2). By the agency's head.
pub fn set_av_list(txn: &mut Txn<'_>, actor: &Actor, list: &AvList) -> Ruled {
    agency_head(actor, list.agency_id, "REC-2", "音像记录事项清单")?;
    if crate::domain::registry::AGENCIES
        .get(txn, &list.agency_id)?
        .is_none()
    {
        return Err(
            Refusal::new("INPUT", format!("没有编号为 {} 的执法机关", list.agency_id)).into(),
        );
    }
    if let Some(k) = list.required.iter().find(|k| list.expected.contains(k)) {
        return Err(Refusal::new(
            "INPUT",
            format!("{k:?} 不能同时列为必须音像记录和应当音像记录的事项"),
        )
        .into());
    }
    AV_LISTS.put(txn, &list.agency_id, list)?;
    Ok(CommandResult::Record {
        id: list.agency_id,
        flags: vec![],
    })
}

/// Sets an agency's step order (REC-1): whether the legal review precedes the rights notice.
pub fn set_step_order(
    txn: &mut Txn<'_>,
    actor: &Actor,
    agency_id: u64,
    review_first: bool,
) -> Ruled {
    agency_head(actor, agency_id, "REC-1", "执法环节顺序")?;
    if crate::domain::registry::AGENCIES
        .get(txn, &agency_id)?
        .is_none()
    {
        return Err(Refusal::new("INPUT", format!("没有编号为 {agency_id} 的执法机关")).into());
    }
    crate::domain::enforcement::model::REVIEW_BEFORE_RIGHTS_NOTICE.put(
        txn,
        &agency_id,
        &review_first,
    )?;
    Ok(CommandResult::Record {
        id: agency_id,
        flags: vec![],
    })
}
