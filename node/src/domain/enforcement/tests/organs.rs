//! Who acts for whom: every rule checks the person's organ with the role (PUB-1, PUB-2, REV-2,
//! REC-2, SUP-7, REC-4). A person of another organ is refused and nothing changes.
use super::*;

/// The head of agency 2 (another agency of the region).
fn other_head() -> Actor {
    Actor::Person(Person {
        region: REGION.into(),
        organ: Organ::Agency(2),
        role: Role::Head,
        user: "sun".into(),
    })
}

#[test]
fn pub_2_an_agency_head_cannot_issue_suspend_or_revoke_certificates() {
    let mut w = world();
    let issue = Command::IssueCertificate(IssueCertificate {
        officer_id: 1,
        number: "X1".into(),
        valid_from: day(2025, 1, 1),
        valid_until: day(2026, 1, 1),
        area: "a".into(),
    });
    // The agency's own head, and a forged "supervisor" of the agency, are not the bureau.
    let agency_sup = Actor::Person(Person {
        region: REGION.into(),
        organ: Organ::Agency(1),
        role: Role::Supervisor,
        user: "sup".into(),
    });
    for who in [person(Role::Head, "zhao"), agency_sup, clerk()] {
        w.refused_by(who.clone(), issue.clone(), "PUB-2");
        for action in [
            CertAction::Suspend { reason: "r".into() },
            CertAction::Revoke { reason: "r".into() },
            CertAction::AnnualCheck {
                year: 2025,
                passed: true,
                note: String::new(),
            },
        ] {
            w.refused_by(
                who.clone(),
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: 1,
                    action,
                }),
                "PUB-2",
            );
        }
    }
    // The bureau's head may.
    w.ok(
        bureau_head(),
        Command::ChangeCertificate(cmd::ChangeCertificate {
            officer_id: 2,
            action: CertAction::Suspend {
                reason: "调查期间暂停执法".into(),
            },
        }),
    );
}

#[test]
fn pub_1_only_the_bureau_keeps_the_registry_and_pub_2_registers_officers_of_its_agency() {
    let mut w = world();
    w.refused_by(
        person(Role::Head, "zhao"),
        Command::RegisterAgency(input("另一局")),
        "PUB-1",
    );
    let officer = |agency_id| {
        Command::RegisterOfficer(OfficerInput {
            agency_id,
            name: "周八".into(),
            user: "zhou8".into(),
            duties: vec![Duty::Enforcement],
            legal_qualification: false,
        })
    };
    // Agency 2's head may not register officers of agency 1; agency 1's head may.
    w.ok(clerk(), Command::RegisterAgency(input("浏阳市交通运输局")));
    w.refused_by(other_head(), officer(1), "PUB-2");
    w.ok(person(Role::Head, "zhao"), officer(1));
    w.ok(other_head(), officer(2));
}

#[test]
fn sup_7_an_outcome_is_recorded_by_the_bureau_or_the_agency_concerned_with_its_organ() {
    use crate::domain::enforcement::model::{Forum, LegalResult};
    let mut w = world();
    let c = decided(&mut w);
    let outcome = |deciding_organ: &str| {
        Command::RecordLegalOutcome(cmd::RecordLegalOutcome {
            case_id: c,
            forum: Forum::Reconsideration,
            result: LegalResult::Changed,
            on: day(2025, 10, 9),
            reference: "浏政复〔2025〕1号".into(),
            deciding_organ: deciding_organ.into(),
        })
    };
    w.ok(clerk(), Command::RegisterAgency(input("浏阳市交通运输局")));
    w.refused_by(other_head(), outcome("浏阳市人民政府"), "SUP-7");
    w.refused_by(
        person(Role::Officer, "zhang"),
        outcome("浏阳市人民政府"),
        "SUP-7",
    );
    w.refused_by(bureau_head(), outcome(""), "INPUT");
    w.refused_by(bureau_head(), outcome("<script>x</script>\u{0}"), "INPUT");
    w.ok(person(Role::Head, "zhao"), outcome("浏阳市人民政府"));
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.legal_outcomes[0].deciding_organ, "浏阳市人民政府");
}

#[test]
fn pub_3_and_the_law_settings_are_the_bureaus() {
    let mut w = world();
    let agency_head = person(Role::Head, "zhao");
    w.refused_by(
        agency_head.clone(),
        Command::SetPublishDays(cmd::SetPublishDays {
            kind: PowerKind::Penalty,
            days: 5,
        }),
        "PUB-3",
    );
    w.refused_by(
        agency_head.clone(),
        Command::SetLawSettings(Default::default()),
        "AUTH",
    );
    w.ok(bureau_head(), Command::SetLawSettings(Default::default()));
}

#[test]
fn rec_1_an_officer_acts_only_for_his_own_agency() {
    let mut w = world();
    let c = open(&mut w, 100, Procedure::General);
    // The same user name in another agency's certificate is not officer 1 of agency 1.
    let forged = Actor::Person(Person {
        region: REGION.into(),
        organ: Organ::Agency(2),
        role: Role::Officer,
        user: "zhang".into(),
    });
    w.refused_by(
        forged.clone(),
        Command::RecordStep(step(c, StepKind::Investigation, vec![1, 2])),
        "AUTH",
    );
    let bureau_zhang = Actor::Person(Person {
        region: REGION.into(),
        organ: Organ::Bureau,
        role: Role::Clerk,
        user: "zhang".into(),
    });
    w.refused_by(
        bureau_zhang,
        Command::RecordStep(step(c, StepKind::Investigation, vec![1, 2])),
        "AUTH",
    );
}
