//! REV-1, the gate, and decisions with their content (REV-2, LAW-1, LAW-5 judged on what is
//! decided; document numbers).
use super::*;

fn consult(c: u64, on: NaiveDate) -> Command {
    Command::RecordConsultation(cmd::RecordConsultation {
        case_id: c,
        participants: vec!["张三".into(), "王五".into()],
        on,
        result: "意见仍不一致，提请负责人集体讨论".into(),
    })
}

fn attempts(w: &World) -> i64 {
    crate::domain::supervision::summary::COUNTERS
        .read(&w.s, "region/decisions/major_refused")
        .unwrap()
        .unwrap_or(0)
}

#[test]
fn rev_1_a_case_opened_at_5000_and_decided_at_200000_without_review_is_refused() {
    let mut w = world();
    let c = open(&mut w, 5_000, Procedure::General);
    let zhao = person(Role::Head, "zhao");
    let before = CASES.read(&w.s, &c).unwrap();
    w.refused_by(zhao.clone(), decide_fine(c, vec![4], 200_000), "REV-1");
    assert_eq!(CASES.read(&w.s, &c).unwrap(), before, "nothing changed");
    assert_eq!(attempts(&w), 1, "the refused attempt is counted");
    // Within what it was opened with, it is not major: decided without review.
    w.ok(zhao, decide_fine(c, vec![4], 5_000));
    assert_eq!(attempts(&w), 1);
}

#[test]
fn rev_1_a_decision_above_what_was_reviewed_goes_back_to_review() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    let zhao = person(Role::Head, "zhao");
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.refused_by(zhao.clone(), decide_fine(c, vec![4], 50_000), "REV-1");
    // Resubmitted with the amount proposed, approved again: decided.
    w.ok(person(Role::Officer, "zhang"), submit_proposing(c, 50_000));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.ok(zhao, decide_fine(c, vec![4], 50_000));
    let d = CASES.read(&w.s, &c).unwrap().unwrap().decision.unwrap();
    assert_eq!(d.amount_fen, 5_000_000);
    assert_eq!(d.document_number, format!("浏市监罚〔2025〕{c}号"));
}

#[test]
fn rev_1_a_collective_decision_straight_after_one_supplement_opinion_is_refused() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    let zhao = person(Role::Head, "zhao");
    let collective_decision = || {
        let Command::Decide(mut d) = decide_fine(c, vec![4], 20_000) else {
            unreachable!()
        };
        d.collective = collective();
        Command::Decide(d)
    };
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Supplement, false),
    );
    // Minutes alone no longer open the gate: no resubmission yet, no consultation.
    w.refused_by(zhao.clone(), collective_decision(), "REV-1");
    w.refused_by(
        person(Role::Officer, "zhang"),
        consult(c, day(2025, 10, 9)),
        "REV-1",
    );
    assert_eq!(attempts(&w), 1);
}

#[test]
fn rev_1_after_a_disagreement_resubmission_consultation_then_the_heads_collectively() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    let zhao = person(Role::Head, "zhao");
    let with_collective = |heads: Vec<u64>| {
        let Command::Decide(mut d) = decide_fine(c, vec![4], 20_000) else {
            unreachable!()
        };
        d.collective = Some(Collective {
            heads_present: heads,
            result: "维持原处罚意见".into(),
            minutes: "局务会议纪要第3号".into(),
        });
        Command::Decide(d)
    };
    for _ in 0..2 {
        w.ok(person(Role::Officer, "zhang"), submit(c));
        w.ok(
            person(Role::Reviewer, "wang"),
            opinion(c, Opinion::Modify, false),
        );
    }
    // Answered twice, not yet consulted.
    w.refused_by(zhao.clone(), with_collective(vec![4]), "REV-1");
    // The consultation: by a handler; a date before the opinion or in the future is refused;
    // the reviewer (not a handler, not a head) may not record it.
    w.refused_by(
        person(Role::Officer, "zhang"),
        consult(c, day(2025, 10, 8)),
        "INPUT",
    );
    w.refused_by(
        person(Role::Officer, "zhang"),
        consult(c, day(2025, 10, 10)),
        "INPUT",
    );
    w.refused_by(
        person(Role::Reviewer, "wang"),
        consult(c, day(2025, 10, 9)),
        "REV-1",
    );
    w.ok(person(Role::Officer, "zhang"), consult(c, day(2025, 10, 9)));
    // Still no collective decision: refused; with an officer who is no head: refused.
    w.refused_by(zhao.clone(), decide_fine(c, vec![4], 20_000), "REV-1");
    w.refused_by(zhao.clone(), with_collective(vec![1]), "LAW-5");
    // The agency sets a quorum of two heads: one present is too few.
    w.refused_by(
        person(Role::Officer, "zhang"),
        Command::SetQuorum(cmd::SetQuorum {
            agency_id: 1,
            heads: 2,
        }),
        "REV-1",
    );
    w.ok(
        zhao.clone(),
        Command::SetQuorum(cmd::SetQuorum {
            agency_id: 1,
            heads: 2,
        }),
    );
    w.refused_by(zhao.clone(), with_collective(vec![4]), "LAW-5");
    w.ok(
        zhao.clone(),
        Command::SetQuorum(cmd::SetQuorum {
            agency_id: 1,
            heads: 1,
        }),
    );
    w.ok(zhao, with_collective(vec![4]));
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.consultations.len(), 1);
    assert_eq!(
        case.decision.unwrap().collective.unwrap().heads_present,
        [4]
    );
}

#[test]
fn rev_1_the_reviewer_may_not_be_an_officer_who_acted_in_the_case() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    // 王五 (officer 3, a reviewer) took part in the inspection, though not a handler.
    w.ok(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::Inspection, vec![1, 3])),
    );
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.refused_by(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
        "REV-1",
    );
}

#[test]
fn law_1_a_summary_decision_is_a_warning_or_a_small_fine() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::Summary);
    let zhao = person(Role::Head, "zhao");
    w.refused_by(zhao.clone(), decide_fine(c, vec![4], 5_000), "LAW-1");
    w.refused_by(
        zhao.clone(),
        decide_with(c, vec![4], vec![penalty(PenaltyKind::Licence, 0)]),
        "LAW-1",
    );
    w.ok(zhao, decide_fine(c, vec![4], 3_000));
}

#[test]
fn law_5_a_licence_revocation_goes_to_the_heads_whatever_the_amount() {
    let mut w = world();
    let c = open(&mut w, 500, Procedure::General);
    let zhao = person(Role::Head, "zhao");
    let revoke = vec![
        penalty(PenaltyKind::Fine, 500),
        penalty(PenaltyKind::Licence, 0),
    ];
    w.refused_by(
        zhao.clone(),
        decide_with(c, vec![4], revoke.clone()),
        "LAW-5",
    );
    let Command::Decide(mut d) = decide_with(c, vec![4], revoke) else {
        unreachable!()
    };
    d.collective = collective();
    w.ok(zhao, Command::Decide(d));
}

#[test]
fn decisions_name_what_they_decide_and_a_document_number_once_per_agency() {
    let mut w = world();
    let a = open(&mut w, 500, Procedure::General);
    let b = open(&mut w, 500, Procedure::General);
    let zhao = person(Role::Head, "zhao");
    let with = |c: u64, f: &dyn Fn(&mut DecideInput)| {
        let Command::Decide(mut d) = decide_fine(c, vec![4], 500) else {
            unreachable!()
        };
        f(&mut d);
        Command::Decide(d)
    };
    for bad in [
        with(a, &|d| d.penalties.clear()),
        with(a, &|d| d.penalties[0].amount_fen = 0),
        with(a, &|d| d.licence = Some(LicenceOutcome::Granted)),
        with(a, &|d| d.document_number = "浏市监罚2025-1".into()),
        with(a, &|d| d.document_number = "浏市监罚〔2024〕1号".into()),
        with(a, &|d| d.document_number = "<b>〔2025〕1号".into()),
        with(a, &|d| d.penalties[0].detail = "x".repeat(201)),
    ] {
        w.refused_by(zhao.clone(), bad, "INPUT");
    }
    w.ok(
        zhao.clone(),
        with(a, &|d| d.document_number = "浏市监罚〔2025〕7号".into()),
    );
    w.refused_by(
        zhao.clone(),
        with(b, &|d| d.document_number = "浏市监罚〔2025〕7号".into()),
        "INPUT",
    );
    w.refused_by(zhao, with(a, &|_| {}), "INPUT");
}
