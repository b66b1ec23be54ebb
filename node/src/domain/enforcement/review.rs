//! Legal review of major decisions (REV-1, REV-3, REV-4, REV-6, REV-7).
//! `SubmitReview`: a handler submits the materials; the catalog in force decides whether the
//! decision is major and that answer is kept with the case. `ReviewOpinion`: a reviewer who is
//! not a handler records the ten REV-3 points and an opinion with reasons.
use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::catalog::{is_major_at, rule};
use crate::domain::enforcement::model::{
    acting_officer, load_officers, member_officer, CaseState, Duty, Opinion, Procedure, Review,
    CASES, STEPS,
};

/// The ten REV-3 points, in the order of the checklist.
pub const REV3_POINTS: [&str; 10] = [
    "执法主体合法",
    "执法人员具备资格",
    "事实清楚",
    "证据确凿充分合法",
    "适用法律正确",
    "裁量基准适用适当",
    "程序合法",
    "未超越或滥用职权",
    "文书齐全规范",
    "涉嫌犯罪已移送",
];

pub fn submit(
    txn: &mut Txn<'_>,
    actor: &Actor,
    s: &crate::domain::enforcement::commands::SubmitReview,
    now: i64,
) -> Ruled {
    let (case_id, materials) = (s.case_id, s.materials.as_str());
    check_text("materials", materials, 20_000, true)?;
    if s.proposed_fen > crate::domain::enforcement::model::MAX_AMOUNT_FEN {
        return Err(Refusal::new("INPUT", "拟决定金额超出合理范围（超过一千亿元）").into());
    }
    let Some(mut case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    if case.procedure == Procedure::Summary {
        return Err(Refusal::new("LAW-1", "简易程序案件不进行法制审核").into());
    }
    if !matches!(
        case.state,
        CaseState::Opened | CaseState::Investigating | CaseState::Returned | CaseState::Approved
    ) {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "案件 {case_id} 当前处于“{}”状态，现在不能提交法制审核",
                case.state.label()
            ),
        )
        .into());
    }
    let handlers = load_officers(txn, &case.handlers, case.agency_id)?;
    acting_officer(actor, &handlers)?;
    // PUB-2 and the step order: by default the party is told the reasons, basis and rights
    // before the legal review; market regulation reviews first (REC-1, configurable per agency).
    let review_first = crate::domain::enforcement::model::REVIEW_BEFORE_RIGHTS_NOTICE
        .get(txn, &case.agency_id)?
        .unwrap_or(false);
    if case.kind == PowerKind::Penalty
        && !review_first
        && !crate::domain::enforcement::model::has_step(
            txn,
            &case,
            crate::domain::enforcement::model::StepKind::RightsNotice,
        )?
    {
        return Err(Refusal::new(
            "PUB-2",
            "提交法制审核前须先记录告知环节（告知理由、依据，以及陈述、申辩、要求听证的权利）",
        )
        .into());
    }
    // The catalog version in force at the first submission decides and is kept with the case;
    // a hearing held since makes the decision major too.
    let submitted_on = match date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    let catalog_rule = match &case.catalog_rule {
        Some(r) => r.clone(),
        None => rule(txn.base(), case.agency_id, case.kind, submitted_on)?,
    };
    let proposed = if s.proposed_fen == 0 {
        case.amount_fen
    } else {
        s.proposed_fen
    };
    let major = is_major_at(&case, &catalog_rule, proposed) || case.major == Some(true);
    case.major = Some(major);
    case.catalog_rule = Some(catalog_rule);
    case.reviews.push(Review {
        submitted_at_ms: now,
        submitted_by: actor.label(),
        materials: materials.to_string(),
        proposed_fen: proposed,
        reviewer: None,
        checklist: None,
        opinion: None,
        reasons: String::new(),
        decided_at_ms: None,
        expert_opinions: vec![],
    });
    case.state = CaseState::InReview;
    // REV-8: the review clock runs from each submission, in working days.
    let today = submitted_on;
    let days = crate::domain::enforcement::publication::setting_days(
        txn.base(),
        "review_days",
        crate::domain::enforcement::deadlines::DEFAULT_REVIEW_DAYS,
    )?;
    use crate::domain::enforcement::deadlines as dl;
    let (due, missing) = match dl::count(txn, today, days) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("REV-8", format!("无法计算法制审核时限：{e}")).into()),
    };
    let round = case.reviews.len() as u32;
    CASES.put(txn, &case.id, &case)?;
    let d = dl::Deadline {
        case_id: case.id,
        kind: dl::DeadlineKind::Review { round },
        due,
    };
    dl::schedule_counted(txn, d, today, days, &missing)?;
    let mut flags = if major {
        vec!["REV-2：重大执法决定".to_string()]
    } else {
        vec![]
    };
    flags.extend(dl::provisional_flag("REV-8", &missing));
    Ok(CommandResult::Record { id: case.id, flags })
}

pub fn opinion(
    txn: &mut Txn<'_>,
    actor: &Actor,
    case_id: u64,
    checklist: &[bool; 10],
    opinion: Opinion,
    reasons: &str,
    now: i64,
) -> Ruled {
    if let Err(r) = check_text("reasons", reasons, 20_000, opinion != Opinion::Approve) {
        return Err(Refusal::new("REV-4", r.message).into());
    }
    let Some(mut case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    if case.state != CaseState::InReview {
        return Err(Refusal::new("INPUT", format!("案件 {case_id} 不在法制审核中")).into());
    }
    if actor.person().is_none() {
        return Err(Refusal::new("AUTH", "审核意见只能由已登录的法制审核人员记录").into());
    }
    let Some(reviewer) = member_officer(txn, actor, case.agency_id)? else {
        return Err(Refusal::new(
            "REV-7",
            format!(
                "{} 不是执法机关 {} 的执法人员",
                actor.label(),
                case.agency_id
            ),
        )
        .into());
    };
    if !reviewer.duties.contains(&Duty::Reviewer) {
        return Err(Refusal::new(
            "REV-6",
            format!(
                "执法人员 {}（{}）不是法制审核人员",
                reviewer.id, reviewer.name
            ),
        )
        .into());
    }
    // Independence: the reviewer is no handler, and no officer who acted in any step.
    if case.handlers.contains(&reviewer.id) {
        return Err(Refusal::new("REV-1", "法制审核人员不得是本案的承办人员").into());
    }
    for s in &case.steps {
        if STEPS
            .get(txn, s)?
            .is_some_and(|st| st.officers.contains(&reviewer.id))
        {
            return Err(Refusal::new(
                "REV-1",
                format!(
                    "审核人员 {}（{}）参与了本案第 {s} 号执法环节，不得审核本案",
                    reviewer.id, reviewer.name
                ),
            )
            .into());
        }
    }
    if case.kind == PowerKind::Penalty && !reviewer.legal_qualification {
        return Err(Refusal::new(
            "REV-6",
            "行政处罚决定须由取得法律职业资格的法制审核人员审核",
        )
        .into());
    }
    let day = match date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    reviewer.check_may_act(day, &crate::domain::enforcement::law::settings(txn.base())?)?;
    if opinion == Opinion::Approve {
        if let Some(i) = checklist.iter().position(|ok| !ok) {
            return Err(Refusal::new(
                "REV-3",
                format!(
                    "不能审核通过：第 {} 项（{}）不符合要求",
                    i + 1,
                    REV3_POINTS[i]
                ),
            )
            .into());
        }
    }
    let Some(round) = case.reviews.last_mut() else {
        return Err(Refusal::new("INPUT", "没有待审核的提交").into());
    };
    round.reviewer = Some(reviewer.id);
    round.checklist = Some(*checklist);
    round.opinion = Some(opinion);
    round.reasons = reasons.to_string();
    round.decided_at_ms = Some(now);
    case.state = match opinion {
        Opinion::Approve => CaseState::Approved,
        Opinion::Transfer => CaseState::Transferred,
        Opinion::Modify | Opinion::Correct | Opinion::Supplement => CaseState::Returned,
    };
    CASES.put(txn, &case.id, &case)?;
    Ok(CommandResult::Record {
        id: case.id,
        flags: vec![],
    })
}
