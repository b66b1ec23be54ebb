//! Rules of the three systems, each test named after the rule it checks, refusals included.
use chrono::{Datelike, NaiveDate};

use crate::domain::calendar::days::start_of;
use crate::domain::command::cmd;
use crate::domain::command::envelope::Command;
use crate::domain::command::testkit::{clerk, input, World, REGION};
use crate::domain::core::identity::{Actor, Organ, Person, Role};
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
use crate::domain::enforcement::model::{Collective, ServiceMode, StepDetail};
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};
use crate::domain::enforcement::sanction::{LicenceOutcome, Penalty, PenaltyKind};
use crate::domain::enforcement::step::StepInput;

/// A person of the test region: officers, reviewers and heads act for agency 1 (the agency of
/// these tests), clerks, supervisors and inspectors for the bureau.
fn person(role: Role, user: &str) -> Actor {
    let organ = match role {
        Role::Officer | Role::Reviewer | Role::Head => Organ::Agency(1),
        _ => Organ::Bureau,
    };
    Actor::Person(Person {
        region: REGION.into(),
        organ,
        role,
        user: user.into(),
    })
}

/// The head of the region's judicial bureau.
fn bureau_head() -> Actor {
    Actor::Person(Person {
        region: REGION.into(),
        organ: Organ::Bureau,
        role: Role::Head,
        user: "zhou".into(),
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
        // PUB-2: the annual checks of the years before the world's, within the validity.
        let this_year = crate::domain::calendar::days::date_of(self.t)
            .unwrap()
            .year();
        for year in from.year()..=this_year.min(until.year()) {
            self.ok(
                person(Role::Supervisor, "sup"),
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: id,
                    action: CertAction::AnnualCheck {
                        year,
                        passed: true,
                        note: String::new(),
                    },
                }),
            );
        }
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
        detail: None,
    }
}

/// Submits a case for legal review (the amount it was opened with).
fn submit(c: u64) -> Command {
    submit_proposing(c, 0)
}

/// Submits a case for legal review proposing a decision of `yuan` (0: the case's amount).
fn submit_proposing(c: u64, yuan: u64) -> Command {
    Command::SubmitReview(cmd::SubmitReview {
        case_id: c,
        materials: "案卷材料".into(),
        proposed_fen: yuan * 100,
    })
}

/// The decision of `case_id` served directly.
fn served(case_id: u64) -> StepInput {
    let mut s = step(case_id, StepKind::Service, vec![1, 2]);
    s.detail = Some(StepDetail::Service {
        mode: ServiceMode::Direct,
    });
    s
}

/// A warning (no amount), document number 浏市监罚〔2025〕<case>号.
fn decide(case_id: u64, deciders: Vec<u64>) -> Command {
    decide_with(case_id, deciders, vec![penalty(PenaltyKind::Warning, 0)])
}

/// A fine of `yuan`.
fn decide_fine(case_id: u64, deciders: Vec<u64>, yuan: u64) -> Command {
    decide_with(case_id, deciders, vec![penalty(PenaltyKind::Fine, yuan)])
}

fn penalty(kind: PenaltyKind, yuan: u64) -> Penalty {
    Penalty {
        kind,
        amount_fen: yuan * 100,
        detail: if kind.has_amount() || kind == PenaltyKind::Warning {
            String::new()
        } else {
            "吊销食品经营许可证".into()
        },
    }
}

fn decide_with(case_id: u64, deciders: Vec<u64>, penalties: Vec<Penalty>) -> Command {
    decide_in(2025, case_id, deciders, penalties)
}

/// A decision of `year` (its document number names the year).
fn decide_in(year: i32, case_id: u64, deciders: Vec<u64>, penalties: Vec<Penalty>) -> Command {
    Command::Decide(DecideInput {
        case_id,
        deciders,
        document_number: format!("浏市监罚〔{year}〕{case_id}号"),
        penalties,
        licence: None,
        text: "依法作出行政处罚决定".into(),
        reasons_evidence: "现场笔录、照片证明违法事实".into(),
        reasons_basis: "《食品安全法》第一百二十四条".into(),
        reasons_discretion: "首次违法，按裁量基准下限".into(),
        collective: None,
    })
}

/// The heads' collective decision with 赵六 (officer 4) present.
fn collective() -> Option<Collective> {
    Some(Collective {
        heads_present: vec![4],
        result: "同意作出行政处罚决定".into(),
        minutes: "负责人集体讨论纪要第1号".into(),
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

mod agency_settings;
mod certificates_and_records;
mod gate;
mod lifecycle;
mod organs;
mod publication;
mod review;
mod time_limits;

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
