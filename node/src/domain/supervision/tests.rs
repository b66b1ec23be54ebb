//! Reports (SUP-1, SUP-3) and notices (SUP-2): lifecycles, rates on crafted data, and every
//! refusal leaving the records as they were.
use crate::domain::core::outcome::Split;
use chrono::NaiveDate;

use crate::config::{NodeSpec, RegionKind, RegionSpec, Topology};
use crate::domain::calendar::days::start_of;
use crate::domain::command::cmd;
use crate::domain::command::envelope::Command;
use crate::domain::command::testkit::{env, input, run_in, World, REGION};
use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::outcome::Outcome;
use crate::domain::federation::downlink::{DownBody, SENT_DOWN};
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, Stage, INBOX, NOTICES};
use crate::domain::supervision::report::{
    Attachment, DraftReport, DueRule, Narrative, Period, Unit, REPORTS,
};

const CITY: &str = "hunan/changsha";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// 10:00 Beijing on a day of 2026.
fn at(m: u32, d: u32) -> i64 {
    start_of(day(m, d)).unwrap() + 10 * 3_600_000
}

fn draft(agency: Option<u64>, period: &str) -> Command {
    Command::DraftReport(DraftReport {
        agency,
        period: period.into(),
        narrative: Narrative {
            done: "落实三项制度".into(),
            ..Narrative::default()
        },
        attachments: vec![],
        copies_to: vec![],
    })
}

fn topology() -> Topology {
    let spec = |id: &str, kind, parent: Option<&str>| RegionSpec {
        id: id.into(),
        name: id.into(),
        kind,
        parent: parent.map(Into::into),
        nodes: vec![NodeSpec {
            id: 1,
            grpc: format!("127.0.0.1:{}", 7000 + id.len()),
            http: String::new(),
        }],
    };
    Topology::from_parts(
        "test.sanxiang".into(),
        vec![
            spec("hunan", RegionKind::Province, None),
            spec(CITY, RegionKind::City, Some("hunan")),
            spec(REGION, RegionKind::County, Some(CITY)),
        ],
    )
    .unwrap()
}

#[test]
fn sup_1_rates_leave_closed_units_out_and_count_a_resubmission() {
    let mut w = World::new(REGION, at(7, 1));
    for name in ["甲局", "乙局", "丙局", "丁局"] {
        w.ok(Role::Clerk, Command::RegisterAgency(input(name)));
    }
    // 丁局 merges into 甲局 in August: not expected for the quarter.
    w.t = at(8, 1);
    w.ok(
        Role::Clerk,
        Command::CloseAgency(cmd::CloseAgency {
            id: 4,
            on: day(8, 1),
            merged_into: Some(1),
        }),
    );
    w.refused_by(Role::Clerk, draft(Some(4), "2026Q3"), "SUP-1");
    w.t = at(10, 10);
    let a1 = w.ok(Role::Clerk, draft(Some(1), "2026Q3")).0;
    let (_, flags) = w.ok(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id: a1 }),
    );
    assert!(flags.is_empty(), "{flags:?}");
    let a2 = w.ok(Role::Clerk, draft(Some(2), "2026Q3")).0;
    let a3 = w.ok(Role::Clerk, draft(Some(3), "2026Q3")).0;
    w.ok(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id: a3 }),
    );
    // The bureau returns 丙局's report; the redraft is version 2 and is on time again.
    w.t = at(10, 11);
    let unit3 = Unit {
        region: REGION.into(),
        agency: Some(3),
    };
    w.ok(
        Role::Supervisor,
        Command::JudgeReport(cmd::JudgeReport {
            unit: unit3.clone(),
            period: "2026Q3".into(),
            accept: false,
            reasons: "数据不全，请补充".into(),
        }),
    );
    let a3v2 = w.ok(Role::Clerk, draft(Some(3), "2026Q3")).0;
    assert_ne!(a3v2, a3);
    assert_eq!(REPORTS.read(&w.s, &a3v2).unwrap().unwrap().version, 2);
    w.t = at(10, 12);
    w.ok(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id: a3v2 }),
    );
    // 乙局 submits after the due day (15 October).
    w.t = at(10, 20);
    let (_, flags) = w.ok(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id: a2 }),
    );
    assert_eq!(flags, ["SUP-1: late, due 2026-10-15"]);

    let topo = topology();
    let v = crate::view::monitor::view(&w.s, &topo, REGION, "", "2026Q3").unwrap();
    let r = &v.region.reports;
    // 甲乙丙 and the county's own report to its city; 丁局 is closed.
    assert_eq!(
        (r.expected, r.received, r.on_time, r.returned),
        (4, 3, 2, 0)
    );
    assert_eq!(r.missing, [REGION]);
    assert_eq!(r.late, [format!("{REGION}#2")]);
    assert_eq!(v.region.reporting_rate.permille, Some(750));
    assert_eq!(v.region.on_time_rate.permille, Some(500));
    assert!(v.agencies.iter().any(|a| a.id == 4 && a.closed.is_some()));
    let q = crate::view::qualifying::qualifying(&w.s, &topo, REGION, "", "2026Q3").unwrap();
    assert!(q
        .iter()
        .any(|x| x.unit == format!("{REGION}#2") && x.reason == "report_late"));
}

#[test]
fn sup_1_and_sup_3_refusals_change_nothing() {
    let mut w = World::new(REGION, at(7, 1));
    w.ok(Role::Clerk, Command::RegisterAgency(input("甲局")));
    w.refused_by(Role::Clerk, draft(Some(1), "2026Q5"), "SUP-3");
    w.refused_by(Role::Clerk, draft(Some(1), "pilot-june"), "SUP-3");
    w.refused_by(Role::Clerk, draft(Some(9), "2026Q3"), "INPUT");
    w.refused_by(Role::Officer, draft(Some(1), "2026Q3"), "SUP-1");
    w.refused_by(Role::Monitor, draft(None, "2026Q3"), "SUP-1");
    let mut bad = DraftReport {
        agency: Some(1),
        period: "2026Q3".into(),
        narrative: Narrative::default(),
        attachments: vec![Attachment {
            name: "统计表.xlsx".into(),
            sha256: "not-hex".into(),
            bytes: 1,
        }],
        copies_to: vec![],
    };
    w.refused_by(Role::Clerk, Command::DraftReport(bad.clone()), "INPUT");
    bad.attachments.clear();
    bad.narrative.done = "x".repeat(crate::domain::supervision::report::MAX_SECTION + 1);
    w.refused_by(Role::Clerk, Command::DraftReport(bad.clone()), "INPUT");
    bad.narrative.done = String::new();
    let id = w.ok(Role::Clerk, Command::DraftReport(bad)).0;
    // Nothing said about what was done: not submitted.
    w.refused_by(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id }),
        "SUP-1",
    );
    w.refused_by(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id: 99 }),
        "INPUT",
    );
    let id = w.ok(Role::Clerk, draft(Some(1), "2026Q3")).0;
    w.ok(Role::Head, Command::SubmitReport(cmd::SubmitReport { id }));
    w.refused_by(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id }),
        "SUP-1",
    );
    w.refused_by(Role::Clerk, draft(Some(1), "2026Q3"), "SUP-1");
    let unit = Unit {
        region: REGION.into(),
        agency: Some(1),
    };
    let judge = |accept: bool, reasons: &str, unit: Unit| {
        Command::JudgeReport(cmd::JudgeReport {
            unit,
            period: "2026Q3".into(),
            accept,
            reasons: reasons.into(),
        })
    };
    w.refused_by(Role::Supervisor, judge(false, " ", unit.clone()), "SUP-1");
    w.refused_by(Role::Clerk, judge(true, "", unit.clone()), "SUP-1");
    // A county judges no other region's report.
    let other = Unit {
        region: "hunan/zhuzhou/liling".into(),
        agency: None,
    };
    w.refused_by(Role::Supervisor, judge(true, "", other), "SUP-1");
    w.refused_by(
        Role::Supervisor,
        Command::SetReportDue(DueRule {
            days: 0,
            working: false,
        }),
        "INPUT",
    );
    w.refused_by(
        Role::Clerk,
        Command::SetReportDue(DueRule {
            days: 10,
            working: true,
        }),
        "SUP-1",
    );
    let period = |id: &str, due: NaiveDate| {
        Command::DefinePeriod(Period {
            id: id.into(),
            title: "试点进展".into(),
            start: day(7, 1),
            end: day(7, 31),
            due,
        })
    };
    w.refused_by(Role::Supervisor, period("2026Q2", day(8, 5)), "INPUT");
    w.refused_by(Role::Supervisor, period("pilot-07", day(7, 30)), "INPUT");
    w.refused_by(Role::Supervisor, period("pilot/07", day(8, 5)), "INPUT");
    w.refused_by(Role::Clerk, period("pilot-07", day(8, 5)), "SUP-3");
    // A staged report uses the same machinery, with its own due date.
    w.ok(Role::Supervisor, period("pilot-07", day(8, 5)));
    let id = w.ok(Role::Clerk, draft(Some(1), "pilot-07")).0;
    let (_, flags) = w.ok(Role::Head, Command::SubmitReport(cmd::SubmitReport { id }));
    assert!(
        flags.is_empty(),
        "submitted 1 July, due 5 August: {flags:?}"
    );
    // Working days follow the official calendar.
    w.ok(
        Role::Supervisor,
        Command::SetReportDue(DueRule {
            days: 10,
            working: true,
        }),
    );
    let p = crate::domain::supervision::report::period(&w.s, "2026Q3")
        .split()
        .unwrap()
        .unwrap();
    // 1–7 October are holidays and Saturday 10 October is a working day: 8, 9, 10, 12–16, 19, 20.
    assert_eq!(p.due, day(10, 20));
}

fn notice(units: Vec<Unit>, kind: NoticeKind, deadline: Option<NaiveDate>) -> Command {
    Command::DraftNotice(NoticeDraft {
        kind,
        title: "关于行政执法公示情况的通报".into(),
        text: "请于期限内整改并报送整改情况。".into(),
        units,
        persons: vec![],
        deadline,
        basis: vec![],
    })
}

fn region_unit(r: &str) -> Unit {
    Unit {
        region: r.into(),
        agency: None,
    }
}

#[test]
fn sup_2_who_drafts_signs_and_whom_a_city_may_name() {
    let mut w = World::new(CITY, at(10, 1));
    let liuyang = region_unit(REGION);
    // Another city's county, the city itself, a clerk drafting, persons in a commendation.
    w.refused_by(
        Role::Supervisor,
        notice(
            vec![region_unit("hunan/zhuzhou/liling")],
            NoticeKind::Criticism,
            None,
        ),
        "SUP-2",
    );
    w.refused_by(
        Role::Supervisor,
        notice(vec![region_unit(CITY)], NoticeKind::Criticism, None),
        "SUP-2",
    );
    w.refused_by(
        Role::Clerk,
        notice(vec![liuyang.clone()], NoticeKind::Criticism, None),
        "SUP-2",
    );
    w.refused_by(
        Role::Supervisor,
        notice(
            vec![liuyang.clone(), liuyang.clone()],
            NoticeKind::Situation,
            None,
        ),
        "INPUT",
    );
    w.refused_by(
        Role::Supervisor,
        notice(vec![], NoticeKind::Situation, None),
        "SUP-2",
    );
    w.refused_by(
        Role::Supervisor,
        notice(
            vec![liuyang.clone()],
            NoticeKind::Situation,
            Some(day(9, 1)),
        ),
        "INPUT",
    );
    let mut praise = NoticeDraft {
        kind: NoticeKind::Commendation,
        title: "表扬".into(),
        text: "予以通报表扬。".into(),
        units: vec![liuyang.clone()],
        persons: vec!["张三".into()],
        deadline: None,
        basis: vec![],
    };
    w.refused_by(
        Role::Supervisor,
        Command::DraftNotice(praise.clone()),
        "SUP-2",
    );
    praise.persons.clear();
    let id = w
        .ok(
            Role::Inspector,
            notice(
                vec![liuyang.clone()],
                NoticeKind::Rectification,
                Some(day(10, 20)),
            ),
        )
        .0;
    // Only the organ's head signs off (签发).
    for role in [Role::Clerk, Role::Supervisor, Role::Inspector] {
        w.refused_by(
            role,
            Command::SignNotice(cmd::SignNotice {
                id,
                prefix: "长司通".into(),
            }),
            "SUP-2",
        );
    }
    w.refused_by(
        Role::Head,
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: String::new(),
        }),
        "INPUT",
    );
    let (_, flags) = w.ok(
        Role::Head,
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "长司通".into(),
        }),
    );
    assert_eq!(flags, ["长司通〔2026〕1号"]);
    w.refused_by(
        Role::Head,
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "长司通".into(),
        }),
        "SUP-2",
    );
    // Issued down the link to the county, once.
    let sent: Vec<_> = SENT_DOWN.scan_from(&w.s, &0).map(Result::unwrap).collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].item.to, REGION);
    assert!(
        matches!(&sent[0].item.body, DownBody::IssuedNotice(d) if d.number == "长司通〔2026〕1号")
    );
    // Nobody forges an issued notice through the plain send-down command.
    if let DownBody::IssuedNotice(d) = &sent[0].item.body {
        w.refused_by(
            Role::Head,
            Command::SendDown(cmd::SendDown {
                to: REGION.into(),
                body: DownBody::IssuedNotice(d.clone()),
            }),
            "INPUT",
        );
    }
    // Past the deadline with the county's answer not in: escalated by Tick, once.
    w.t = at(10, 21);
    w.node_tick();
    w.node_tick();
    let n = NOTICES.read(&w.s, &id).unwrap().unwrap();
    let p = &n.units[REGION];
    assert!(p.escalated);
    assert_eq!(p.stage, Stage::Issued);
    assert_eq!(
        p.history
            .iter()
            .filter(|e| e.text.contains("escalated"))
            .count(),
        1
    );
}

#[test]
fn sup_2_malformed_units_acknowledgement_only_kinds_and_late_sign_off_are_refused() {
    let mut w = World::new(REGION, at(10, 1));
    w.ok(Role::Clerk, Command::RegisterAgency(input("甲局")));
    let unit = Unit {
        region: REGION.into(),
        agency: Some(1),
    };
    let id = w
        .ok(
            Role::Supervisor,
            notice(vec![unit.clone()], NoticeKind::Situation, None),
        )
        .0;
    w.ok(
        Role::Head,
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "浏司通".into(),
        }),
    );
    w.ok(
        Role::Clerk,
        Command::AnswerNotice(cmd::AnswerNotice {
            issuer: REGION.into(),
            id,
            unit: unit.clone(),
            reply: Reply::Acknowledge,
        }),
    );
    // "R#1" as a region id has the same key as agency 1 of R: refused, not routed.
    let forged = Unit {
        region: format!("{REGION}#1"),
        agency: None,
    };
    let judge = |unit: Unit, close: bool| {
        Command::JudgeNotice(cmd::JudgeNotice {
            id,
            unit,
            close,
            reasons: "不充分".into(),
        })
    };
    w.refused_by(Role::Supervisor, judge(forged.clone(), true), "INPUT");
    w.refused_by(
        Role::Supervisor,
        Command::JudgeReport(cmd::JudgeReport {
            unit: forged,
            period: "2026Q3".into(),
            accept: true,
            reasons: String::new(),
        }),
        "INPUT",
    );
    // A situation notice asks for no rectification: it is closed, never returned.
    w.refused_by(Role::Supervisor, judge(unit.clone(), false), "SUP-2");
    w.ok(Role::Supervisor, judge(unit, true));
    // A draft whose deadline passed before the head signed it off is not issued.
    let late = w
        .ok(
            Role::Supervisor,
            notice(
                vec![Unit {
                    region: REGION.into(),
                    agency: Some(1),
                }],
                NoticeKind::Rectification,
                Some(day(10, 5)),
            ),
        )
        .0;
    w.t = at(10, 6);
    w.refused_by(
        Role::Head,
        Command::SignNotice(cmd::SignNotice {
            id: late,
            prefix: "浏司通".into(),
        }),
        "SUP-2",
    );
}

#[test]
fn sup_1_an_agency_closed_after_the_quarter_still_reports_it_and_periods_are_not_redefined() {
    let mut w = World::new(REGION, at(7, 1));
    w.ok(Role::Clerk, Command::RegisterAgency(input("甲局")));
    w.t = at(10, 5);
    w.ok(
        Role::Clerk,
        Command::CloseAgency(cmd::CloseAgency {
            id: 1,
            on: day(10, 5),
            merged_into: None,
        }),
    );
    // Active on 30 September: expected for Q3, so it can still report it; not for Q4.
    let id = w.ok(Role::Clerk, draft(Some(1), "2026Q3")).0;
    w.ok(Role::Head, Command::SubmitReport(cmd::SubmitReport { id }));
    w.refused_by(Role::Clerk, draft(Some(1), "2026Q4"), "SUP-1");
    let p = Command::DefinePeriod(Period {
        id: "pilot-10".into(),
        title: "试点进展".into(),
        start: day(10, 1),
        end: day(10, 31),
        due: day(11, 5),
    });
    w.ok(Role::Supervisor, p.clone());
    w.refused_by(Role::Supervisor, p, "CONFLICT");
}

#[test]
fn sup_2_a_county_notices_its_own_agency_through_every_stage() {
    let mut w = World::new(REGION, at(10, 1));
    w.ok(Role::Clerk, Command::RegisterAgency(input("甲局")));
    let unit = Unit {
        region: REGION.into(),
        agency: Some(1),
    };
    w.refused_by(
        Role::Supervisor,
        notice(
            vec![Unit {
                region: REGION.into(),
                agency: Some(7),
            }],
            NoticeKind::Rectification,
            None,
        ),
        "INPUT",
    );
    let id = w
        .ok(
            Role::Supervisor,
            notice(
                vec![unit.clone()],
                NoticeKind::Rectification,
                Some(day(11, 30)),
            ),
        )
        .0;
    w.ok(
        Role::Head,
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "浏司通".into(),
        }),
    );
    let answer = |reply: Reply, unit: &Unit| {
        Command::AnswerNotice(cmd::AnswerNotice {
            issuer: REGION.into(),
            id,
            unit: unit.clone(),
            reply,
        })
    };
    let judge = |close: bool, reasons: &str| {
        Command::JudgeNotice(cmd::JudgeNotice {
            id,
            unit: Unit {
                region: REGION.into(),
                agency: Some(1),
            },
            close,
            reasons: reasons.into(),
        })
    };
    let rect = |t: &str| Reply::Rectification { text: t.into() };
    // Delivered at once; nothing to judge yet; a rectification needs the acknowledgement.
    w.refused_by(Role::Supervisor, judge(true, ""), "SUP-2");
    w.refused_by(Role::Clerk, answer(rect("已整改"), &unit), "SUP-2");
    w.refused_by(Role::Officer, answer(Reply::Acknowledge, &unit), "SUP-2");
    w.refused_by(
        Role::Clerk,
        answer(
            Reply::Acknowledge,
            &Unit {
                region: "hunan/zhuzhou/liling".into(),
                agency: Some(1),
            },
        ),
        "AUTH",
    );
    w.ok(Role::Clerk, answer(Reply::Acknowledge, &unit));
    w.refused_by(Role::Clerk, answer(Reply::Acknowledge, &unit), "SUP-2");
    w.refused_by(Role::Clerk, answer(rect(" "), &unit), "INPUT");
    w.ok(Role::Clerk, answer(rect("已完成公示补正。"), &unit));
    w.refused_by(Role::Supervisor, judge(false, ""), "SUP-2");
    w.refused_by(Role::Clerk, judge(true, ""), "SUP-2");
    w.ok(Role::Supervisor, judge(false, "整改材料不全"));
    w.ok(Role::Clerk, answer(rect("已补充整改材料。"), &unit));
    w.ok(Role::Head, judge(true, ""));
    w.refused_by(Role::Head, judge(true, ""), "SUP-2");
    let stages: Vec<Stage> = NOTICES.read(&w.s, &id).unwrap().unwrap().units[&unit.key()]
        .history
        .iter()
        .map(|e| e.stage)
        .collect();
    assert_eq!(
        stages,
        [
            Stage::Issued,
            Stage::Delivered,
            Stage::Acknowledged,
            Stage::Rectified,
            Stage::Returned,
            Stage::Rectified,
            Stage::Closed
        ]
    );
    let inbox = INBOX
        .read(&w.s, &(REGION.to_string(), unit.key(), id))
        .unwrap()
        .unwrap();
    assert_eq!(inbox.progress.stage, Stage::Closed);
    // Closed: no escalation later.
    w.t = at(12, 2);
    w.node_tick();
    assert!(!NOTICES.read(&w.s, &id).unwrap().unwrap().units[&unit.key()].escalated);
}

#[test]
fn pub_2_an_expired_certificate_on_enforcement_duty_qualifies_for_a_notice() {
    use crate::domain::enforcement::certificate::IssueCertificate;
    use crate::domain::enforcement::model::Duty;
    use crate::domain::enforcement::officer::OfficerInput;
    let mut w = World::new(REGION, at(7, 1));
    w.ok(Role::Clerk, Command::RegisterAgency(input("甲局")));
    for (user, until) in [("zhou", day(9, 30)), ("chen", day(12, 31))] {
        let id = w
            .ok(
                Role::Clerk,
                Command::RegisterOfficer(OfficerInput {
                    agency_id: 1,
                    name: user.into(),
                    user: user.into(),
                    duties: vec![Duty::Enforcement],
                    legal_qualification: false,
                }),
            )
            .0;
        w.ok(
            Role::Supervisor,
            Command::IssueCertificate(IssueCertificate {
                officer_id: id,
                number: format!("4301{id:06}"),
                valid_from: day(1, 1),
                valid_until: until,
                area: "浏阳市".into(),
            }),
        );
    }
    let topo = topology();
    let found = |w: &World| {
        crate::view::qualifying::qualifying(&w.s, &topo, REGION, "", "2026Q3")
            .unwrap()
            .into_iter()
            .filter(|q| q.reason == "certificate_expired")
            .map(|q| (q.unit, q.detail))
            .collect::<Vec<_>>()
    };
    assert!(found(&w).is_empty(), "valid on 1 July");
    w.t = at(10, 1);
    w.node_tick();
    assert_eq!(
        found(&w),
        [(
            format!("{REGION}#1"),
            "1 名执法人员执法证已过期仍在执法岗位".to_string()
        )]
    );
    let v = crate::view::monitor::view(&w.s, &topo, REGION, "", "2026Q3").unwrap();
    assert_eq!(v.region.certificates_expired_enforcing, 1);
}

#[test]
fn sup_1_a_due_rule_and_a_period_pushed_down_govern_the_region_below() {
    use crate::domain::federation::downlink::{
        DownItem, RECEIVED, SETTING_PERIOD, SETTING_REPORT_DUE,
    };
    let mut w = World::new(REGION, at(7, 1));
    let item = |seq: u64, key: &str, value: String| DownItem {
        issuer: CITY.into(),
        seq,
        to: REGION.into(),
        time_ms: w.t,
        by: format!("{CITY}/role/head/user/zhao"),
        body: DownBody::Setting {
            key: key.into(),
            value,
        },
    };
    let rule = serde_json::to_string(&DueRule {
        days: 10,
        working: false,
    })
    .unwrap();
    let period = serde_json::to_string(&Period {
        id: "pilot-08".into(),
        title: "八月试点进展".into(),
        start: day(8, 1),
        end: day(8, 31),
        due: day(9, 5),
    })
    .unwrap();
    let items = vec![
        item(1, SETTING_REPORT_DUE, "not json".into()),
        item(2, SETTING_REPORT_DUE, rule),
        item(3, SETTING_PERIOD, period),
    ];
    let e = env(
        Actor::Node {
            region: REGION.into(),
            node: 1,
        },
        "",
        0,
        w.t,
        Command::IngestDown(cmd::IngestDown {
            from: CITY.into(),
            first_seq: 1,
            items,
        }),
    );
    let r = run_in(&mut w.s, REGION, &[e]).remove(0);
    assert!(matches!(r.outcome, Outcome::Ok(_)), "{r:?}");
    // All three are kept as received; the malformed one changed nothing.
    assert_eq!(RECEIVED.keys(&w.s).count(), 3);
    let q3 = crate::domain::supervision::report::period(&w.s, "2026Q3")
        .split()
        .unwrap()
        .unwrap();
    assert_eq!(q3.due, day(10, 10));
    let staged = crate::domain::supervision::report::period(&w.s, "pilot-08")
        .split()
        .unwrap()
        .unwrap();
    assert_eq!(staged.due, day(9, 5));
}
