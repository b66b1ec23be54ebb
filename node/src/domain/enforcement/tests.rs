//! Rules of the three systems, each test named after the rule it checks, refusals included.
use chrono::NaiveDate;

use crate::domain::calendar::days::start_of;
use crate::domain::command::envelope::Command;
use crate::domain::command::testkit::{clerk, input, World, REGION};
use crate::domain::core::identity::{Actor, Person, Role};
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Outcome;
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::catalog::CatalogRule;
use crate::domain::enforcement::certificate::{CertAction, IssueCertificate};
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::model::{
    AvExemption, CaseState, Duty, MajorFlags, Opinion, Party, PartyKind, Procedure, StepKind,
    CASES, STEPS,
};
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::enforcement::step::StepInput;

fn person(role: Role, user: &str) -> Actor {
    Actor::Person(Person {
        region: REGION.into(),
        role,
        user: user.into(),
    })
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 2025-10-09 10:00 Beijing.
fn now() -> i64 {
    start_of(day(2025, 10, 9)).unwrap() + 10 * 3600 * 1000
}

/// The officers' helper of these tests.
trait Officers {
    fn officer(
        &mut self,
        name: &str,
        user: &str,
        duties: Vec<Duty>,
        qualified: bool,
        from: NaiveDate,
        until: NaiveDate,
    ) -> u64;
}

impl Officers for World {
    fn officer(
        &mut self,
        name: &str,
        user: &str,
        duties: Vec<Duty>,
        qualified: bool,
        from: NaiveDate,
        until: NaiveDate,
    ) -> u64 {
        let (id, _) = self.ok(
            clerk(),
            Command::RegisterOfficer(OfficerInput {
                agency_id: 1,
                name: name.into(),
                user: user.into(),
                duties,
                legal_qualification: qualified,
            }),
        );
        self.ok(
            person(Role::Supervisor, "sup"),
            Command::IssueCertificate(IssueCertificate {
                officer_id: id,
                number: format!("43018100{id:04}"),
                valid_from: from,
                valid_until: until,
                area: "浏阳市 市场监管".into(),
            }),
        );
        id
    }
}

/// Agency 1; officers 1 张三 (zhang), 2 李四 (li), 3 王五 reviewer (wang), 4 赵六 head (zhao),
/// 5 钱七 with an expired certificate (qian).
fn world() -> World {
    world_at(now())
}

/// The same world with the region's clock starting at `t` (the clock never goes back).
fn world_at(t: i64) -> World {
    let mut w = World::new(REGION, t);
    w.ok(
        clerk(),
        Command::RegisterAgency(input("浏阳市市场监督管理局")),
    );
    let (a, b) = (day(2024, 1, 1), day(2027, 12, 31));
    w.officer("张三", "zhang", vec![Duty::Enforcement], false, a, b);
    w.officer("李四", "li", vec![Duty::Enforcement], false, a, b);
    w.officer("王五", "wang", vec![Duty::Reviewer], true, a, b);
    w.officer(
        "赵六",
        "zhao",
        vec![Duty::Head, Duty::Enforcement],
        false,
        a,
        b,
    );
    w.officer(
        "钱七",
        "qian",
        vec![Duty::Enforcement],
        false,
        day(2020, 1, 1),
        day(2024, 12, 31),
    );
    w
}

fn party() -> Party {
    Party {
        kind: PartyKind::Legal,
        name: "浏阳某某商贸有限公司".into(),
        id_number: String::new(),
        phone: "13812345678".into(),
        address: "浏阳市某路1号".into(),
        credit_code: String::new(),
    }
}

fn open(w: &mut World, amount_yuan: u64, procedure: Procedure) -> u64 {
    let c = w
        .ok(
            person(Role::Officer, "zhang"),
            Command::OpenCase(OpenCaseInput {
                agency_id: 1,
                kind: PowerKind::Penalty,
                procedure,
                party: party(),
                summary: "销售过期食品".into(),
                handlers: vec![1, 2],
                amount_fen: amount_yuan * 100,
                flags: MajorFlags::default(),
            }),
        )
        .0;
    // The party is told the reasons, basis and rights before the legal review (PUB-2).
    if procedure == Procedure::General {
        notify(w, c);
    }
    c
}

/// Records the rights notice of a case at the world's clock.
fn notify(w: &mut World, c: u64) {
    let mut s = step(c, StepKind::RightsNotice, vec![1]);
    s.at_ms = w.t - 3_600_000;
    w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
}

fn step(case_id: u64, kind: StepKind, officers: Vec<u64>) -> StepInput {
    StepInput {
        case_id,
        kind,
        officers,
        at_ms: now() - 3_600_000,
        place: "浏阳市集里街道".into(),
        text: "现场检查，制作笔录。".into(),
        attachments: vec![],
        audio_video: true,
        exemption: None,
        corrects: None,
    }
}

fn decide(case_id: u64, deciders: Vec<u64>) -> Command {
    Command::Decide(DecideInput {
        case_id,
        deciders,
        text: "罚款人民币两万元".into(),
        reasons_evidence: "现场笔录、照片证明违法事实".into(),
        reasons_basis: "《食品安全法》第一百二十四条".into(),
        reasons_discretion: "首次违法，按裁量基准下限".into(),
        collective_minutes: None,
    })
}

fn opinion(case_id: u64, o: Opinion, all_ok: bool) -> Command {
    let mut checklist = [true; 10];
    if !all_ok {
        checklist[3] = false;
    }
    Command::ReviewOpinion(cmd::ReviewOpinion {
        case_id,
        checklist,
        opinion: o,
        reasons: if o == Opinion::Approve {
            String::new()
        } else {
            "证据不足，请补充".into()
        },
    })
}

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
    assert_eq!(flags, ["REC-2: audio-video expected but missing"]);
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

#[test]
fn rev_1_major_decision_without_approving_review_refused_then_allowed() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General); // ≥ 10,000 yuan: major by default catalog
    let zhao = person(Role::Head, "zhao");
    assert_eq!(w.refused(zhao.clone(), decide(c, vec![4])), "REV-1");
    let (_, flags) = w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "案卷材料".into(),
        }),
    );
    assert_eq!(flags, ["REV-2: major decision"]);
    assert_eq!(
        w.refused(zhao.clone(), decide(c, vec![4])),
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
        w.refused(zhao.clone(), decide(c, vec![4])),
        "REV-1",
        "returned for supplement"
    );
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "补充材料".into(),
        }),
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.ok(zhao, decide(c, vec![4]));
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.state, CaseState::Decided);
    assert_eq!(case.reviews.len(), 2, "each round kept (REV-4, REV-7)");
    assert_eq!(case.decision.unwrap().decided_by, [4]);
}

#[test]
fn rev_1_collective_decision_after_disagreement() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Modify, false),
    );
    let Command::Decide(mut d) = decide(c, vec![4]) else {
        unreachable!()
    };
    d.collective_minutes = Some("负责人集体讨论纪要：维持原处罚意见".into());
    w.ok(person(Role::Head, "zhao"), Command::Decide(d));
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
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
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
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
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
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
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

fn at(y: i32, m: u32, d: u32) -> i64 {
    start_of(day(y, m, d)).unwrap() + 10 * 3600 * 1000
}

/// A decided, non-major penalty case, decided on the world's clock.
fn decided(w: &mut World) -> u64 {
    let c = open(w, 500, Procedure::General);
    w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
    c
}

fn draft(case_id: u64, content: &str) -> Command {
    Command::DraftPublication(cmd::DraftPublication {
        case_id,
        content: content.into(),
        exception_basis: None,
    })
}

fn release(id: u64) -> Command {
    Command::ReleasePublication(cmd::ReleasePublication {
        id,
        approve: true,
        reasons: String::new(),
    })
}

use crate::domain::command::cmd;
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};

#[test]
fn pub_3_penalty_decided_2025_09_30_must_be_published_by_2025_10_16() {
    let mut w = world_at(at(2025, 9, 30));
    let c = open(&mut w, 500, Procedure::General);
    let (_, flags) = w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
    assert_eq!(flags, ["PUB-3: publish by 2025-10-16"]);
    assert_eq!(
        CASES
            .read(&w.s, &c)
            .unwrap()
            .unwrap()
            .decision
            .unwrap()
            .publish_by,
        day(2025, 10, 16)
    );
}

#[test]
fn pub_3_twenty_days_for_other_kinds_and_configurable_table() {
    let mut w = world_at(at(2026, 9, 18));
    let mut input = OpenCaseInput {
        agency_id: 1,
        kind: PowerKind::Coercion,
        procedure: Procedure::General,
        party: party(),
        summary: "s".into(),
        handlers: vec![1, 2],
        amount_fen: 100,
        flags: MajorFlags::default(),
    };
    let c = w
        .ok(
            person(Role::Officer, "zhang"),
            Command::OpenCase(input.clone()),
        )
        .0;
    let (_, flags) = w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
    // 18 Sep 2026 + 20 working days across Mid-Autumn and National Day (20 Sep, 10 Oct worked).
    assert_eq!(flags, ["PUB-3: publish by 2026-10-22"]);
    // Seed 003 puts coercion in the 7-day group.
    w.ok(
        person(Role::Supervisor, "sup"),
        Command::SetPublishDays(cmd::SetPublishDays {
            kind: PowerKind::Coercion,
            days: 7,
        }),
    );
    input.summary = "t".into();
    let c = w
        .ok(person(Role::Officer, "zhang"), Command::OpenCase(input))
        .0;
    let (_, flags) = w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
    assert_eq!(flags, ["PUB-3: publish by 2026-09-29"]);
    assert_eq!(
        w.refused(
            clerk(),
            Command::SetPublishDays(cmd::SetPublishDays {
                kind: PowerKind::Coercion,
                days: 3
            })
        ),
        "PUB-3"
    );
    assert_eq!(
        w.refused(
            person(Role::Supervisor, "sup"),
            Command::SetPublishDays(cmd::SetPublishDays {
                kind: PowerKind::Coercion,
                days: 0
            })
        ),
        "INPUT"
    );
}

#[test]
fn pub_3_deadline_in_a_year_without_a_notice_is_refused_not_guessed() {
    let mut w = world();
    w.t = at(2026, 12, 28);
    let c = open(&mut w, 500, Procedure::General);
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide(c, vec![4])),
        "PUB-3"
    );
}

#[test]
fn pub_4_public_text_never_shows_id_phone_or_address_but_keeps_credit_code() {
    let mut w = world();
    let c = decided(&mut w);
    let text = "当事人：张某，身份证号11010519491231002X，手机13812345678，住址：浏阳市集里街道某路8号；\
                浏阳某某商贸有限公司（统一社会信用代码91430181MA4L16JQ9P）销售过期食品，罚款人民币五百元。";
    let (id, flags) = w.ok(person(Role::Officer, "zhang"), draft(c, text));
    assert_eq!(flags.len(), 3, "{flags:?}");
    w.ok(person(Role::Head, "zhao"), release(id));
    let p = PUBLICATIONS.read(&w.s, &id).unwrap().unwrap();
    assert!(matches!(p.state, PubState::Published { on_time: true, .. }));
    for secret in ["11010519491231002X", "13812345678", "集里街道"] {
        assert!(
            !p.public_text.contains(secret),
            "{secret} leaked: {}",
            p.public_text
        );
    }
    assert!(p.public_text.contains("91430181MA4L16JQ9P"));
    assert_eq!(p.draft, text, "the draft is kept internally");
}

#[test]
fn pub_3_release_review_by_a_head_who_did_not_draft() {
    let mut w = world();
    let c = decided(&mut w);
    let (id, _) = w.ok(person(Role::Head, "zhao"), draft(c, "决定书全文"));
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), release(id)),
        "PUB-3",
        "drafter"
    );
    assert_eq!(
        w.refused(person(Role::Officer, "li"), release(id)),
        "PUB-3",
        "not a head"
    );
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), draft(999, "x")),
        "INPUT"
    );
    let open_case = open(&mut w, 1, Procedure::General);
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), draft(open_case, "x")),
        "PUB-3",
        "no decision yet"
    );
}

#[test]
fn pub_3_late_publication_is_flagged() {
    let mut w = world_at(at(2025, 9, 30));
    let c = decided(&mut w);
    let (id, _) = w.ok(person(Role::Officer, "zhang"), draft(c, "决定书"));
    w.t = at(2025, 10, 17);
    let (_, flags) = w.ok(person(Role::Head, "zhao"), release(id));
    assert_eq!(flags, ["PUB-3: published late (due 2025-10-16)"]);
}

#[test]
fn pub_5_correction_is_a_new_version_and_law_6_withdrawal() {
    let mut w = world();
    let c = decided(&mut w);
    let (v1, _) = w.ok(person(Role::Officer, "zhang"), draft(c, "罚款五百元"));
    w.ok(person(Role::Head, "zhao"), release(v1));
    let (v2, _) = w.ok(
        person(Role::Officer, "zhang"),
        draft(c, "罚款伍佰元（更正）"),
    );
    w.ok(person(Role::Head, "zhao"), release(v2));
    let old = PUBLICATIONS.read(&w.s, &v1).unwrap().unwrap();
    assert_eq!(old.state, PubState::Superseded { by: v2 });
    assert_eq!(
        old.public_text, "罚款五百元",
        "the old version stays in the record"
    );
    assert_eq!(PUBLICATIONS.read(&w.s, &v2).unwrap().unwrap().version, 2);
    // Revoked on reconsideration on Thu 9 Oct 2025: withdraw by Mon 13 Oct (11 Oct worked).
    let withdraw = |on| {
        Command::WithdrawPublication(cmd::WithdrawPublication {
            id: v2,
            reason: "行政复议决定撤销".into(),
            changed_on: on,
        })
    };
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), withdraw(day(2025, 10, 10))),
        "INPUT",
        "in the future"
    );
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            Command::WithdrawPublication(cmd::WithdrawPublication {
                id: v1,
                reason: "x".into(),
                changed_on: day(2025, 10, 9)
            })
        ),
        "LAW-6"
    );
    w.ok(person(Role::Officer, "zhang"), withdraw(day(2025, 10, 9)));
    match PUBLICATIONS.read(&w.s, &v2).unwrap().unwrap().state {
        PubState::Withdrawn { due, on_time, .. } => {
            assert_eq!(due, day(2025, 10, 13));
            assert!(on_time);
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn status_summary_counts_incrementally_and_matches_a_recount() {
    use crate::domain::supervision::summary::{counters, reviewer_ratio_below_5_percent};
    let mut w = world();
    assert_eq!(
        crate::domain::supervision::summary::recount(&w.s).unwrap(),
        counters(&w.s).unwrap()
    );
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::Investigation, vec![1, 2])),
    );
    let mut s = step(c, StepKind::OnSite, vec![1]);
    s.audio_video = false;
    w.ok(person(Role::Officer, "zhang"), Command::RecordStep(s));
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Supplement, false),
    );
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
    let (p, _) = w.ok(person(Role::Officer, "zhang"), draft(c, "决定书"));
    w.ok(person(Role::Head, "zhao"), release(p));
    // Refusals move nothing.
    let before = counters(&w.s).unwrap();
    w.refused(person(Role::Head, "zhao"), decide(c, vec![4]));
    assert_eq!(counters(&w.s).unwrap(), before);
    let n = counters(&w.s).unwrap();
    let get = |k: &str| n.get(k).copied().unwrap_or(0);
    assert_eq!(get("region/agencies"), 1);
    assert_eq!(get("region/officers/total"), 5);
    assert_eq!(get("agency/1/officers/reviewers"), 1);
    assert_eq!(get("region/cases/total"), 1);
    assert_eq!(get("region/cases/state/Decided"), 1);
    assert_eq!(get("region/cases/state/Opened"), 0);
    assert_eq!(get("region/decisions/major"), 1);
    assert_eq!(get("region/reviews/Supplement"), 1);
    assert_eq!(get("region/reviews/Approve"), 1);
    assert_eq!(get("region/steps/total"), 3);
    assert_eq!(get("region/steps/av_expected_missing"), 1);
    assert_eq!(get("region/publications/published_on_time"), 1);
    assert_eq!(get("region/publications/drafted"), 0);
    // 1 reviewer for 4 enforcement officers: 20 × 1 ≥ 4, not under 5 %.
    assert!(reviewer_ratio_below_5_percent(&n).is_empty());
    // The incremental figures equal a recount from every record.
    assert_eq!(
        crate::domain::supervision::summary::recount(&w.s).unwrap(),
        n
    );
}

#[test]
fn rev_6_reviewer_ratio_under_5_percent_is_listed() {
    use crate::domain::supervision::summary::{counters, reviewer_ratio_below_5_percent};
    let mut w = world();
    for i in 0..17 {
        w.ok(
            clerk(),
            Command::RegisterOfficer(OfficerInput {
                agency_id: 1,
                name: format!("执法员{i}"),
                user: format!("u{i}"),
                duties: vec![Duty::Enforcement],
                legal_qualification: false,
            }),
        );
    }
    // 4 + 17 = 21 enforcement officers, 1 reviewer: 20 × 1 < 21.
    assert_eq!(
        reviewer_ratio_below_5_percent(&counters(&w.s).unwrap()),
        [1]
    );
}

fn tick(w: &mut World, t: i64) {
    w.t = t;
    let node = Actor::Node {
        region: REGION.into(),
        node: 1,
    };
    w.ok(node, Command::Tick);
}

fn overdue(w: &World, c: u64) -> Vec<String> {
    CASES.read(&w.s, &c).unwrap().unwrap().overdue
}

#[test]
fn rev_8_review_time_limit_flagged_by_tick() {
    let mut w = world(); // Thu 9 Oct 2025
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    // 5 working days: 10, 11 (Sat, worked), 13, 14, 15 October.
    tick(&mut w, at(2025, 10, 15));
    assert!(overdue(&w, c).is_empty(), "due today is not overdue");
    tick(&mut w, at(2025, 10, 16));
    assert_eq!(
        overdue(&w, c),
        ["REV-8: legal review due 2025-10-15 is overdue"]
    );
    let n = crate::domain::supervision::summary::counters(&w.s).unwrap();
    assert_eq!(n.get("region/overdue/REV-8"), Some(&1));
    assert_eq!(
        crate::domain::supervision::summary::recount(&w.s).unwrap(),
        n
    );
    // The summary for the parent already shows what this very Tick made overdue.
    let last_summary = crate::domain::federation::outbox::UP_PENDING
        .scan_from(&w.s, &0)
        .filter_map(|p| crate::domain::federation::items::UpItem::from_leaf(&p.ok()?.bytes))
        .filter_map(|i| match i.body {
            crate::domain::federation::items::ItemBody::Summary { counters, .. } => Some(counters),
            _ => None,
        })
        .last()
        .expect("a summary item waits for the parent");
    assert_eq!(last_summary.get("region/overdue/REV-8"), Some(&1));
    // Later ticks do not flag it twice.
    tick(&mut w, at(2025, 10, 20));
    assert_eq!(overdue(&w, c).len(), 1);
}

#[test]
fn rev_8_answered_review_is_not_flagged() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    tick(&mut w, at(2025, 10, 20));
    assert!(overdue(&w, c).is_empty());
}

#[test]
fn pub_3_and_law_4_overdue_publication_and_service_flagged() {
    let mut w = world(); // decided Thu 9 Oct 2025: publish and serve by Fri 17 Oct
    let c = decided(&mut w);
    tick(&mut w, at(2025, 10, 17));
    assert!(overdue(&w, c).is_empty());
    tick(&mut w, at(2025, 10, 18));
    assert_eq!(
        overdue(&w, c),
        [
            "PUB-3: publication due 2025-10-17 is overdue",
            "LAW-4: service due 2025-10-17 is overdue"
        ]
    );
}

#[test]
fn pub_3_and_law_4_met_obligations_are_not_flagged() {
    let mut w = world();
    let c = decided(&mut w);
    let (p, _) = w.ok(person(Role::Officer, "zhang"), draft(c, "决定书"));
    w.ok(person(Role::Head, "zhao"), release(p));
    w.ok(
        person(Role::Officer, "zhang"),
        Command::RecordStep(step(c, StepKind::Service, vec![1])),
    );
    tick(&mut w, at(2025, 11, 20));
    assert!(overdue(&w, c).is_empty(), "{:?}", overdue(&w, c));
}

#[test]
fn law_3_decision_within_90_days_of_filing() {
    let mut w = world(); // filed 9 Oct 2025 → due 7 Jan 2026
    let c = open(&mut w, 500, Procedure::General);
    tick(&mut w, at(2026, 1, 7));
    assert!(overdue(&w, c).is_empty());
    tick(&mut w, at(2026, 1, 8));
    assert_eq!(
        overdue(&w, c),
        ["LAW-3: decision due 2026-01-07 is overdue"]
    );
}

#[test]
fn rev_8_review_time_limit_is_configurable() {
    let mut w = world();
    assert_eq!(
        w.refused(
            clerk(),
            Command::SetReviewDays(cmd::SetReviewDays { days: 3 })
        ),
        "REV-8"
    );
    assert_eq!(
        w.refused(
            person(Role::Head, "zhao"),
            Command::SetReviewDays(cmd::SetReviewDays { days: 0 })
        ),
        "INPUT"
    );
    w.ok(
        person(Role::Head, "zhao"),
        Command::SetReviewDays(cmd::SetReviewDays { days: 1 }),
    );
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    tick(&mut w, at(2025, 10, 11));
    assert_eq!(
        overdue(&w, c),
        ["REV-8: legal review due 2025-10-10 is overdue"]
    );
}

#[test]
fn law_5_serious_penalty_needs_collective_discussion() {
    let mut w = world();
    let c = open(&mut w, 200_000, Procedure::General);
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide(c, vec![4])),
        "LAW-5",
        "approved, but serious"
    );
    let Command::Decide(mut d) = decide(c, vec![4]) else {
        unreachable!()
    };
    d.collective_minutes = Some("负责人集体讨论同意".into());
    w.ok(person(Role::Head, "zhao"), Command::Decide(d));
}

#[test]
fn sup_7_outcomes_feed_the_correction_rate_and_law_6_withdrawal_clock() {
    use crate::domain::enforcement::model::{Forum, LegalResult};
    let mut w = world(); // decided Thu 9 Oct 2025
    let c = decided(&mut w);
    let (p, _) = w.ok(person(Role::Officer, "zhang"), draft(c, "决定书"));
    w.ok(person(Role::Head, "zhao"), release(p));
    let outcome = |result, on| {
        Command::RecordLegalOutcome(cmd::RecordLegalOutcome {
            case_id: c,
            forum: Forum::Reconsideration,
            result,
            on,
            reference: "浏政复〔2025〕1号".into(),
        })
    };
    assert_eq!(
        w.refused(
            person(Role::Officer, "zhang"),
            outcome(LegalResult::Revoked, day(2025, 10, 9))
        ),
        "SUP-7"
    );
    assert_eq!(
        w.refused(clerk(), outcome(LegalResult::Revoked, day(2025, 10, 8))),
        "INPUT",
        "before the decision"
    );
    let (_, flags) = w.ok(clerk(), outcome(LegalResult::Revoked, day(2025, 10, 9)));
    assert_eq!(flags, ["LAW-6: withdraw the publication by 2025-10-13"]);
    let n = crate::domain::supervision::summary::counters(&w.s).unwrap();
    assert_eq!(n.get("region/decisions/corrected"), Some(&1));
    assert_eq!(n.get("region/decisions/total"), Some(&1));
    tick(&mut w, at(2025, 10, 14));
    assert_eq!(
        overdue(&w, c),
        ["LAW-6: withdrawal due 2025-10-13 is overdue"]
    );
}

#[test]
fn rev_5_expert_opinions_attach_to_the_review() {
    let mut w = world();
    let c = open(&mut w, 20_000, Procedure::General);
    let add = Command::AddExpertOpinion(cmd::AddExpertOpinion {
        case_id: c,
        source: "法律顾问".into(),
        text: "建议补充进货凭证".into(),
    });
    assert_eq!(
        w.refused(person(Role::Reviewer, "wang"), add.clone()),
        "REV-5",
        "no review yet"
    );
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    assert_eq!(
        w.refused(person(Role::Officer, "zhang"), add.clone()),
        "REV-5",
        "a handler"
    );
    w.ok(person(Role::Reviewer, "wang"), add);
    assert_eq!(
        CASES.read(&w.s, &c).unwrap().unwrap().reviews[0].expert_opinions,
        ["法律顾问: 建议补充进货凭证"]
    );
}

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
    let mut bad = list.clone();
    bad.expected.push(StepKind::OnSite);
    assert_eq!(w.refused(clerk(), Command::SetAvList(bad)), "INPUT");
    w.ok(clerk(), Command::SetAvList(list));
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
    w.ok(sup.clone(), version(Some(1), day(2025, 10, 1), 3_000));
    w.ok(sup.clone(), version(Some(1), day(2026, 1, 1), 100_000));
    assert_eq!(
        w.refused(sup.clone(), version(Some(99), day(2025, 1, 1), 1)),
        "INPUT"
    );
    let c = open(&mut w, 5_000, Procedure::General);
    let (_, flags) = w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m".into(),
        }),
    );
    assert_eq!(
        flags,
        ["REV-2: major decision"],
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
    w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c,
            materials: "m2".into(),
        }),
    );
    let case = CASES.read(&w.s, &c).unwrap().unwrap();
    assert_eq!(case.major, Some(true));
    assert_eq!(case.catalog_rule.unwrap().effective_from, day(2025, 10, 1));
    // A new case in 2026 of the same amount is not major under the new version.
    let c2 = open(&mut w, 5_000, Procedure::General);
    let (_, flags) = w.ok(
        person(Role::Officer, "zhang"),
        Command::SubmitReview(cmd::SubmitReview {
            case_id: c2,
            materials: "m".into(),
        }),
    );
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
    let submit = Command::SubmitReview(cmd::SubmitReview {
        case_id: c,
        materials: "m".into(),
    });
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
        "PUB-1"
    );
    w.ok(
        clerk(),
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
