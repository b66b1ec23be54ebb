//! The whole case lifecycle (DOMAIN "Case"): served with its mode (LAW-4), executed, archived,
//! closed without a decision; nothing recorded on an archived case but a correction. The
//! annual check as a gate (PUB-2), the LAW-3 extension and the national-law settings.
use super::*;
use crate::domain::enforcement::law::LawSettings;
use crate::domain::enforcement::model::ExecutionMode;

fn with_detail(c: u64, kind: StepKind, detail: Option<StepDetail>) -> Command {
    let mut s = step(c, kind, vec![1, 2]);
    s.detail = detail;
    Command::RecordStep(s)
}

fn state(w: &World, c: u64) -> CaseState {
    CASES.read(&w.s, &c).unwrap().unwrap().state
}

#[test]
fn rec_1_served_executed_archived_and_then_only_corrections() {
    let mut w = world();
    let zhang = person(Role::Officer, "zhang");
    let c = open(&mut w, 500, Procedure::General);
    // Nothing to serve, execute or archive before the decision.
    w.refused_by(zhang.clone(), Command::RecordStep(served(c)), "INPUT");
    w.refused_by(
        zhang.clone(),
        with_detail(c, StepKind::Archiving, None),
        "INPUT",
    );
    w.ok(person(Role::Head, "zhao"), decide_fine(c, vec![4], 500));
    // Not served yet: neither executed nor archived; service names its mode.
    let paid = Some(StepDetail::Execution {
        mode: ExecutionMode::Paid,
    });
    w.refused_by(
        zhang.clone(),
        with_detail(c, StepKind::Execution, paid.clone()),
        "INPUT",
    );
    w.refused_by(
        zhang.clone(),
        with_detail(c, StepKind::Archiving, None),
        "INPUT",
    );
    w.refused_by(
        zhang.clone(),
        with_detail(c, StepKind::Service, None),
        "INPUT",
    );
    let (_, flags) = w.ok(zhang.clone(), Command::RecordStep(served(c)));
    assert!(flags.iter().all(|f| !f.starts_with("LAW-4")), "{flags:?}");
    assert_eq!(state(&w, c), CaseState::Served);
    w.ok(zhang.clone(), with_detail(c, StepKind::Execution, paid));
    assert_eq!(state(&w, c), CaseState::Executed);
    let (archive, _) = w.ok(zhang.clone(), with_detail(c, StepKind::Archiving, None));
    assert_eq!(state(&w, c), CaseState::Archived);
    // Archived: a new step is refused; a correction of an earlier step is recorded.
    w.refused_by(
        zhang.clone(),
        Command::RecordStep(step(c, StepKind::Inspection, vec![1, 2])),
        "REC-1",
    );
    w.refused_by(zhang.clone(), Command::RecordStep(served(c)), "REC-1");
    let mut fix = step(c, StepKind::Archiving, vec![1, 2]);
    fix.corrects = Some(archive);
    fix.text = "更正：卷宗页数为 48 页。".into();
    w.ok(zhang, Command::RecordStep(fix));
    assert_eq!(state(&w, c), CaseState::Archived);
}

#[test]
fn law_4_service_after_the_limit_is_flagged_late() {
    // Decided Thu 9 Oct 2025: 10 (Fri) 1, 11 (Sat, worked after National Day) 2, 13–17: 7.
    let mut w = world();
    let c = open(&mut w, 500, Procedure::General);
    let (_, flags) = w.ok(person(Role::Head, "zhao"), decide_fine(c, vec![4], 500));
    assert_eq!(flags[1], "LAW-4：须于 2025-10-17 前送达");
    w.t = at(2025, 10, 22);
    let mut s = served(c);
    s.at_ms = w.t - 3_600_000;
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
    assert!(
        flags.contains(&"LAW-4：逾期送达（截止 2025-10-17）".to_string()),
        "{flags:?}"
    );
}

#[test]
fn rec_1_closed_without_a_decision_with_its_reason_then_archived() {
    let mut w = world();
    let zhang = person(Role::Officer, "zhang");
    let c = open(&mut w, 500, Procedure::General);
    w.refused_by(
        zhang.clone(),
        with_detail(c, StepKind::Closure, None),
        "INPUT",
    );
    let no_reason = Some(StepDetail::Closure {
        reason: "  ".into(),
    });
    w.refused_by(
        zhang.clone(),
        with_detail(c, StepKind::Closure, no_reason),
        "INPUT",
    );
    let reason = Some(StepDetail::Closure {
        reason: "违法事实不能成立，不予行政处罚".into(),
    });
    w.ok(zhang.clone(), with_detail(c, StepKind::Closure, reason));
    assert_eq!(state(&w, c), CaseState::Closed);
    w.refused_by(person(Role::Head, "zhao"), decide(c, vec![4]), "INPUT");
    w.refused_by(
        zhang.clone(),
        Command::RecordStep(step(c, StepKind::Inspection, vec![1, 2])),
        "REC-1",
    );
    w.ok(zhang, with_detail(c, StepKind::Archiving, None));
    assert_eq!(state(&w, c), CaseState::Archived);
}

#[test]
fn pub_2_an_officer_without_last_years_annual_check_may_not_act_after_the_deadline() {
    // The world's officers were checked for 2024 and 2025; 钱七's certificate has expired.
    let mut w = world_at(at(2026, 3, 31));
    let c = open(&mut w, 500, Procedure::General);
    w.ok(
        person(Role::Supervisor, "sup"),
        Command::IssueCertificate(IssueCertificate {
            officer_id: 5,
            number: "430181209905".into(),
            valid_from: day(2025, 1, 1),
            valid_until: day(2028, 12, 31),
            area: "浏阳市 市场监管".into(),
        }),
    );
    // 31 March is the deadline itself: still allowed; from 1 April refused.
    let mut s = step(c, StepKind::Inspection, vec![1, 5]);
    s.at_ms = w.t - 3_600_000;
    w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
    w.t = at(2026, 4, 1);
    let mut late = step(c, StepKind::Inspection, vec![1, 5]);
    late.at_ms = w.t - 3_600_000;
    w.refused_by(
        person(Role::Officer, "zhang"),
        Command::RecordStep(late.clone()),
        "PUB-2",
    );
    // The bureau moves the deadline (a replicated setting): allowed again until then.
    let law = LawSettings {
        annual_check_by: (4, 30),
        ..Default::default()
    };
    w.ok(bureau_head(), Command::SetLawSettings(law));
    w.ok(person(Role::Officer, "zhang"), Command::RecordStep(late));
    // A check of a year not yet come is refused.
    w.refused_by(
        person(Role::Supervisor, "sup"),
        Command::ChangeCertificate(cmd::ChangeCertificate {
            officer_id: 5,
            action: CertAction::AnnualCheck {
                year: 2027,
                passed: true,
                note: String::new(),
            },
        }),
        "INPUT",
    );
}

#[test]
fn law_settings_are_validated_and_change_law_1() {
    let mut w = world();
    for bad in [
        LawSettings {
            summary_natural_fen: 0,
            ..Default::default()
        },
        LawSettings {
            decision_days: 0,
            ..Default::default()
        },
        LawSettings {
            service_days: 61,
            ..Default::default()
        },
        LawSettings {
            annual_check_by: (2, 30),
            ..Default::default()
        },
        LawSettings {
            annual_check_by: (13, 1),
            ..Default::default()
        },
    ] {
        w.refused_by(bureau_head(), Command::SetLawSettings(bad), "INPUT");
    }
    let c = open(&mut w, 100, Procedure::Summary);
    w.refused_by(
        person(Role::Head, "zhao"),
        decide_fine(c, vec![4], 3_001),
        "LAW-1",
    );
    w.ok(
        bureau_head(),
        Command::SetLawSettings(LawSettings {
            summary_legal_fen: 5_000 * 100,
            ..Default::default()
        }),
    );
    w.ok(person(Role::Head, "zhao"), decide_fine(c, vec![4], 3_001));
}

#[test]
fn law_3_a_head_extends_the_decision_limit_within_the_days_allowed() {
    let mut w = world(); // filed Thu 9 Oct 2025: decide by 7 Jan 2026
    let c = open(&mut w, 500, Procedure::General);
    let extend = |days| {
        Command::ExtendDecisionLimit(cmd::ExtendDecisionLimit {
            case_id: c,
            days,
            reason: "案情复杂，需进一步调查取证".into(),
        })
    };
    w.refused_by(person(Role::Officer, "zhang"), extend(10), "LAW-3");
    w.refused_by(person(Role::Head, "zhao"), extend(31), "LAW-3");
    w.refused_by(person(Role::Head, "zhao"), extend(0), "LAW-3");
    let (_, flags) = w.ok(person(Role::Head, "zhao"), extend(20));
    assert_eq!(flags, ["LAW-3：须于 2026-01-27 前作出决定"]);
    w.refused_by(person(Role::Head, "zhao"), extend(11), "LAW-3");
    // The first limit passes without a flag; the extended one flags.
    tick(&mut w, at(2026, 1, 10));
    assert!(CASES.read(&w.s, &c).unwrap().unwrap().overdue.is_empty());
    tick(&mut w, at(2026, 1, 29));
    assert_eq!(
        CASES.read(&w.s, &c).unwrap().unwrap().overdue,
        ["LAW-3: 作出决定超期（期限 2026-01-27）"]
    );
}
