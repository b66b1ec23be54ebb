//! Per-agency settings: audio-video lists (REC-2), catalog versions (REV-2), the step order.
use super::*;

#[test]
fn rec_2_agency_audio_video_list_replaces_the_defaults() {
    use crate::domain::enforcement::model::AvList;
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    let list = AvList {
        agency_id: 1,
        required: vec![StepKind::Seizure, StepKind::OnSite],
        expected: vec![StepKind::Service],
    };
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::SetAvList(list.clone())
        ),
        "REC-2"
    );
    // The agency's own head sets it: not the bureau's clerk, not another agency's head.
    assert_eq!(
        w.refused(clerk(), Command::SetAvList(list.clone())),
        "REC-2"
    );
    assert_eq!(
        w.refused(
            (Organ::Agency(2), Role::Head, "zhao"),
            Command::SetAvList(list.clone())
        ),
        "REC-2"
    );
    let mut bad = list.clone();
    bad.expected.push(StepKind::OnSite);
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), Command::SetAvList(bad)),
        "INPUT"
    );
    w.ok(person(Role::Head, "zhao"), Command::SetAvList(list));
    let mut s = step(c, StepKind::OnSite, vec![1]);
    s.audio_video = false;
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::RecordStep(s)),
        "REC-2",
        "on-site is now required"
    );
    let mut s = step(c, StepKind::Inspection, vec![1, 2]);
    s.audio_video = false;
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
    assert!(
        flags.is_empty(),
        "inspection is no longer on the list: {flags:?}"
    );
}

#[test]
fn rev_2_catalog_versions_per_agency_and_the_version_at_submission_is_kept() {
    let mut w = world(); // 9 Oct 2025
    let sup = person(Role::Supervisor, "sup");
    let version = |agency_id, from, min_yuan: u64| {
        Command::SetCatalogRule(CatalogRule {
            agency_id,
            kind: PowerKind::Penalty,
            effective_from: from,
            min_amount_fen: Some(min_yuan * 100),
            superior_bound_fen: None,
            every_general_penalty: false,
        })
    };
    // Region: from 2025-01-01 major at 50,000 yuan; the agency's own catalog from 2025-10-01:
    // 3,000 yuan; a later version from 2026-01-01: 100,000 yuan (not yet in force).
    w.ok(sup.clone(), version(None, day(2025, 1, 1), 50_000));
    // An agency's own catalog is its head's, not the bureau's nor another agency's.
    w.refused_by(
        sup.clone(),
        version(Some(1), day(2025, 10, 1), 3_000),
        "REV-2",
    );
    w.refused_by(
        (Organ::Agency(2), Role::Head, "sun"),
        version(Some(1), day(2025, 10, 1), 3_000),
        "REV-2",
    );
    w.refused_by(
        person(Role::Head, "zhao"),
        version(None, day(2025, 10, 1), 3_000),
        "REV-2",
    );
    let head = person(Role::Head, "zhao");
    w.ok(head.clone(), version(Some(1), day(2025, 10, 1), 3_000));
    w.ok(head, version(Some(1), day(2026, 1, 1), 100_000));
    assert_eq!(
        w.refused(
            (Organ::Agency(99), Role::Head, "x"),
            version(Some(99), day(2025, 1, 1), 1)
        ),
        "INPUT"
    );
    let c = open(&mut w, 5_000, Procedure::General);
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), submit(c));
    assert_eq!(
        flags,
        ["REV-2：重大执法决定"],
        "the agency's version in force today: 3,000 yuan"
    );
    let kept = CASES.read(&w.s, &c).unwrap().unwrap().catalog_rule.unwrap();
    assert_eq!(kept.effective_from, day(2025, 10, 1));
    // In 2026 the agency's threshold rises; the case keeps the version of its first submission.
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Supplement, false),
    );
    w.t = at(2026, 1, 5);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.major, Some(true));
    assert_eq!(case.catalog_rule.unwrap().effective_from, day(2025, 10, 1));
    // A new case in 2026 of the same amount is not major under the new version.
    let c2 = open(&mut w, 5_000, Procedure::General);
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), submit(c2));
    assert!(flags.is_empty(), "{flags:?}");
}

#[test]
fn pub_2_rights_notice_before_review_by_default_and_market_regulation_order() {
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
                handlers: vec![1, 2],
                amount_fen: 2_000_000,
                flags: MajorFlags::default(),
            }),
        )
        .0;
    let submit = submit(c);
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), submit.clone()),
        "PUB-2",
        "no rights notice yet"
    );
    // Market regulation reviews before notifying rights, then re-reviews after the notice.
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::SetStepOrder(cmd::SetStepOrder {
                agency_id: 1,
                review_before_rights_notice: true
            })
        ),
        "REC-1"
    );
    w.refused_by(
        clerk(),
        Command::SetStepOrder(cmd::SetStepOrder {
            agency_id: 1,
            review_before_rights_notice: true,
        }),
        "REC-1",
    );
    w.ok(
        person(Role::Head, "zhao"),
        Command::SetStepOrder(cmd::SetStepOrder {
            agency_id: 1,
            review_before_rights_notice: true,
        }),
    );
    w.ok(person(Role::Officer, "zhang"), submit.clone());
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide(c, vec![4])),
        "PUB-2",
        "the party has not been told its rights"
    );
    w.ok(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::RightsNotice, vec![1])),
    );
    assert_eq!(
        CASES.read(&w.s, &c).unwrap().unwrap().state,
        CaseState::Returned,
        "re-review after the notice"
    );
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide(c, vec![4])),
        "REV-1"
    );
    w.ok(person(Role::Officer, "zhang"), submit);
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
}
