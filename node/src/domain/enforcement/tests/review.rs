//! Legal review and the decision: the REV-1 gate, reviewers (REV-3, REV-4, REV-6), reasons (REC-6, REV-7), the catalog (REV-2), hostile input, hearings.
use super::*;

#[test]
fn rev_1_major_decision_without_approving_review_refused_then_allowed() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General); // ≥ 10,000 yuan: major by default catalog
    let zhao = person(Role::Head, "zhao");
    assert_eq!(
        w.refused(zhao.clone(), decide_fine(c, vec![4], 20_000)),
        "REV-1"
    );
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), submit(c));
    assert_eq!(flags, ["REV-2：重大执法决定"]);
    assert_eq!(
        w.refused(zhao.clone(), decide_fine(c, vec![4], 20_000)),
        "REV-1",
        "in review, not approved"
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Supplement, false),
    );
    assert_eq!(
        CASES.read(&w.s, &c).unwrap().unwrap().state,
        CaseState::Returned
    );
    assert_eq!(
        w.refused(zhao.clone(), decide_fine(c, vec![4], 20_000)),
        "REV-1",
        "returned for supplement"
    );
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.ok(zhao, decide_fine(c, vec![4], 20_000));
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.state, CaseState::Decided);
    assert_eq!(case.reviews.len(), 2, "each round kept (REV-4, REV-7)");
    assert_eq!(case.decision.unwrap().decided_by, [4]);
}

#[test]
fn rev_1_reviewer_is_not_a_handler_and_rev_6_qualified() {
    let mut w = world();
    let c = w
        .ok(
            person(Role::Officer, "zhang"),
            Command::OpenCase(OpenCaseInput {
                agency_id: 1,
                kind: PowerKind::Penalty,
                procedure: Procedure::General,
                party: party(),
                summary: "s".into(),
                handlers: vec![1, 3],
                amount_fen: 2_000_000,
                flags: MajorFlags::default(),
            }),
        )
        .0;
    notify(&mut w, c);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    assert_eq!(
        w.refused(
            person(Role::Reviewer, "wang"),
            opinion(c, Opinion::Approve, true)
        ),
        "REV-1"
    );
    let unq = w.officer(
        "孙八",
        "sun",
        vec![Duty::Reviewer],
        false,
        day(2024, 1, 1),
        day(2027, 1, 1),
    );
    assert!(unq > 0);
    assert_eq!(
        w.refused(
            person(Role::Reviewer, "sun"),
            opinion(c, Opinion::Approve, true)
        ),
        "REV-6"
    );
    assert_eq!(
        w.refused(
            person(Role::Officer, "li"),
            opinion(c, Opinion::Approve, true)
        ),
        "REV-6"
    );
}

#[test]
fn rev_3_approval_needs_every_point_and_rev_4_reasons() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    assert_eq!(
        w.refused(
            person(Role::Reviewer, "wang"),
            opinion(c, Opinion::Approve, false)
        ),
        "REV-3"
    );
    let no_reasons = Command::ReviewOpinion(cmd::ReviewOpinion {
        case_id: c,
        checklist: [true; 10],
        opinion: Opinion::Correct,
        reasons: String::new(),
    });
    assert_eq!(
        w.refused(person(Role::Reviewer, "wang"), no_reasons),
        "REV-4"
    );
}

#[test]
fn rec_6_general_decision_states_reasons_and_rev_7_head_decides() {
    let mut w = world();
    let c = open(&mut w, 500, Procedure::General); // not major
    let Command::Decide(mut d) = decide(c, vec![4]) else {
        unreachable!()
    };
    d.reasons_discretion.clear();
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), Command::Decide(d)),
        "REC-6"
    );
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), decide(c, vec![1])),
        "REV-7"
    );
    w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
}

#[test]
fn rev_2_catalog_every_penalty_and_superior_bound() {
    let mut w = world();
    let sup = person(Role::Supervisor, "sup");
    let mut r = CatalogRule {
        agency_id: None,
        kind: PowerKind::Penalty,
        effective_from: day(2025, 1, 1),
        min_amount_fen: Some(5_000_000),
        superior_bound_fen: Some(3_000_000),
        every_general_penalty: false,
    };
    assert_eq!(
        w.refused(sup.clone(), Command::SetCatalogRule(r.clone())),
        "REV-2"
    );
    assert_eq!(
        w.refused(clerk(), Command::SetCatalogRule(r.clone())),
        "REV-2"
    );
    r.min_amount_fen = None;
    r.every_general_penalty = true;
    w.ok(sup, Command::SetCatalogRule(r));
    let c = open(&mut w, 100, Procedure::General);
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide(c, vec![4])),
        "REV-1",
        "every general penalty is reviewed"
    );
}

#[test]
fn hostile_inputs_refused_cleanly() {
    let mut w = world();
    let big = OpenCaseInput {
        agency_id: 1,
        kind: PowerKind::Penalty,
        procedure: Procedure::General,
        party: party(),
        summary: "s".into(),
        handlers: vec![1],
        amount_fen: u64::MAX,
        flags: MajorFlags::default(),
    };
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::OpenCase(big)),
        "INPUT"
    );
    let c = open(&mut w, 100, Procedure::General);
    let mut s = step(c, StepKind::Initiation, vec![1]);
    s.at_ms = i64::MAX;
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(s.clone())
        ),
        "INPUT"
    );
    s.at_ms = i64::MIN;
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(s.clone())
        ),
        "INPUT"
    );
    s.at_ms = now();
    s.text = "字".repeat(20_001);
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(s.clone())
        ),
        "INPUT"
    );
    s.text = "ok".into();
    s.attachments = vec![crate::domain::enforcement::model::Attachment {
        sha256: "xyz".into(),
        size: 1,
        media_type: "video/mp4".into(),
    }];
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::RecordStep(s)),
        "INPUT"
    );
    let mut bad_party = party();
    bad_party.credit_code = "91430100MA4L16JQ90".into();
    let o = OpenCaseInput {
        agency_id: 1,
        kind: PowerKind::Penalty,
        procedure: Procedure::General,
        party: bad_party,
        summary: "s".into(),
        handlers: vec![1],
        amount_fen: 1,
        flags: MajorFlags::default(),
    };
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::OpenCase(o)),
        "INPUT"
    );
    let bad_cert = Command::IssueCertificate(IssueCertificate {
        officer_id: 1,
        number: "N".into(),
        valid_from: day(2026, 1, 1),
        valid_until: day(2025, 1, 1),
        area: "a".into(),
    });
    assert_eq!(
        w.refused(person(Role::Supervisor, "sup"), bad_cert),
        "INPUT"
    );
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(step(999, StepKind::Initiation, vec![1]))
        ),
        "INPUT"
    );
}

#[test]
fn hearing_after_review_sends_the_case_back() {
    let mut w = world();
    let c = open(&mut w, 500, Procedure::General);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.ok(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::Hearing, vec![1, 2])),
    );
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.state, CaseState::Returned);
    // Decided after a hearing: major (REV-2), so it needs a new approving review.
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide(c, vec![4])),
        "REV-1"
    );
}
