//! PUB-2 certificates, two officers (LAW-2), the text record (REC-1), audio-video (REC-2), summary procedure (LAW-1).
use super::*;

#[test]
fn pub_2_step_by_officer_with_expired_certificate_refused() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    // 钱七 signs in and acts himself; his certificate ended 2024-12-31.
    assert_eq!(
        w.refused(
            person(Role::Officer, "qian"),
            Command::RecordStep(step(c, StepKind::Investigation, vec![1, 5]))
        ),
        "PUB-2"
    );
}

#[test]
fn pub_2_expired_certificate_cannot_act() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    let r = w.exec(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::Investigation, vec![1, 5])),
    );
    match r.outcome {
        Outcome::Refused(f) => {
            assert_eq!(f.rule, "PUB-2");
            assert!(f.message.contains("钱七"), "{}", f.message);
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(
        CASES.read(&w.s, &c).unwrap().unwrap().steps.len(),
        1,
        "only the rights notice"
    );
    assert_eq!(STEPS.keys(&w.s).count(), 1);
}

#[test]
fn pub_2_suspended_revoked_and_failed_annual_check() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    w.ok(
        person(Role::Supervisor, "sup"),
        Command::ChangeCertificate(cmd::ChangeCertificate {
            officer_id: 2,
            action: CertAction::AnnualCheck {
                year: 2025,
                passed: false,
                note: "培训未完成".into(),
            },
        }),
    );
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(step(c, StepKind::Investigation, vec![1, 2]))
        ),
        "PUB-2"
    );
    w.ok(
        person(Role::Supervisor, "sup"),
        Command::ChangeCertificate(cmd::ChangeCertificate {
            officer_id: 2,
            action: CertAction::Reinstate,
        }),
    );
    w.ok(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::Investigation, vec![1, 2])),
    );
    w.ok(
        person(Role::Supervisor, "sup"),
        Command::ChangeCertificate(cmd::ChangeCertificate {
            officer_id: 2,
            action: CertAction::Revoke {
                reason: "调离执法岗位".into(),
            },
        }),
    );
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(step(c, StepKind::Investigation, vec![1, 2]))
        ),
        "PUB-2"
    );
    assert_eq!(
        w.refused(
            person(Role::Supervisor, "sup"),
            Command::ChangeCertificate(cmd::ChangeCertificate {
                officer_id: 2,
                action: CertAction::Reinstate
            })
        ),
        "PUB-2"
    );
}

#[test]
fn pub_2_certificates_only_by_the_judicial_administration() {
    let mut w = world();
    let issue = Command::IssueCertificate(IssueCertificate {
        officer_id: 1,
        number: "X1".into(),
        valid_from: day(2025, 1, 1),
        valid_until: day(2026, 1, 1),
        area: "a".into(),
    });
    assert_eq!(w.refused(clerk(), issue.clone()), "PUB-2");
    assert_eq!(w.refused(person(Role::Officer, "zhang"), issue), "PUB-2");
    // A number already held by another officer.
    let dup = Command::IssueCertificate(IssueCertificate {
        officer_id: 2,
        number: "430181000001".into(),
        valid_from: day(2025, 1, 1),
        valid_until: day(2026, 1, 1),
        area: "a".into(),
    });
    assert_eq!(w.refused(person(Role::Supervisor, "sup"), dup), "INPUT");
}

#[test]
fn law_2_investigation_needs_two_officers() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(step(c, StepKind::Investigation, vec![1]))
        ),
        "LAW-2"
    );
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(step(c, StepKind::Inspection, vec![1, 1]))
        ),
        "LAW-2"
    );
}

#[test]
fn rec_1_text_record_is_mandatory_and_actor_must_act() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    let mut s = step(c, StepKind::Initiation, vec![1]);
    s.text = "  ".into();
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::RecordStep(s)),
        "REC-1"
    );
    // Nobody records an act in another officer's name.
    assert_eq!(
        w.refused(
            person(Role::Officer, "li"),
            Command::RecordStep(step(c, StepKind::Initiation, vec![1]))
        ),
        "AUTH"
    );
}

#[test]
fn rec_2_detention_without_audio_video_or_exemption_refused() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    let mut s = step(c, StepKind::Seizure, vec![1, 2]);
    s.audio_video = false;
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(s.clone())
        ),
        "REC-2"
    );
    // An exemption approved by someone who is not a head is not enough.
    s.exemption = Some(AvExemption {
        reason: "执法记录仪故障".into(),
        approved_by: 2,
    });
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::RecordStep(s.clone())
        ),
        "REC-2"
    );
    assert_eq!(STEPS.keys(&w.s).count(), 1, "only the rights notice");
    // Approved by the head: accepted and flagged.
    s.exemption = Some(AvExemption {
        reason: "执法记录仪故障".into(),
        approved_by: 4,
    });
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
    assert!(flags[0].starts_with("REC-2"), "{flags:?}");
}

#[test]
fn rec_2_expected_audio_video_missing_is_flagged() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    let mut s = step(c, StepKind::OnSite, vec![1]);
    s.audio_video = false;
    let (_, flags) = w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
    assert_eq!(flags, ["REC-2：应当音像记录但未记录"]);
}

#[test]
fn law_1_summary_procedure_limits() {
    let mut w = world();
    let mut c = OpenCaseInput {
        agency_id: 1,
        kind: PowerKind::Penalty,
        procedure: Procedure::Summary,
        party: party(),
        summary: "s".into(),
        handlers: vec![1],
        amount_fen: 3_001 * 100,
        flags: MajorFlags::default(),
    };
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::OpenCase(c.clone())),
        "LAW-1"
    );
    c.amount_fen = 3_000 * 100;
    w.ok(person(Role::Officer, "zhang"), Command::OpenCase(c.clone()));
    c.party.kind = PartyKind::Natural;
    c.party.credit_code.clear();
    c.amount_fen = 201 * 100;
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::OpenCase(c.clone())),
        "LAW-1"
    );
    c.kind = PowerKind::Licensing;
    c.amount_fen = 0;
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), Command::OpenCase(c)),
        "LAW-1"
    );
}
