//! Reports (SUP-1, SUP-3): rates, refusals, closed agencies, rules pushed down.
use super::*;

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
    w.refused_by(
        (Organ::Agency(4), Role::Clerk),
        draft(Some(4), "2026Q3"),
        "SUP-1",
    );
    w.t = at(10, 10);
    let a1 = w
        .ok((Organ::Agency(1), Role::Clerk), draft(Some(1), "2026Q3"))
        .0;
    let (_, flags) = w.ok(
        (Organ::Agency(1), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id: a1 }),
    );
    assert!(flags.is_empty(), "{flags:?}");
    let a2 = w
        .ok((Organ::Agency(2), Role::Clerk), draft(Some(2), "2026Q3"))
        .0;
    let a3 = w
        .ok((Organ::Agency(3), Role::Clerk), draft(Some(3), "2026Q3"))
        .0;
    w.ok(
        (Organ::Agency(3), Role::Head),
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
    let a3v2 = w
        .ok((Organ::Agency(3), Role::Clerk), draft(Some(3), "2026Q3"))
        .0;
    assert_ne!(a3v2, a3);
    assert_eq!(REPORTS.read(&w.s, &a3v2).unwrap().unwrap().version, 2);
    w.t = at(10, 12);
    w.ok(
        (Organ::Agency(3), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id: a3v2 }),
    );
    // 乙局 submits after the due day (15 October).
    w.t = at(10, 20);
    let (_, flags) = w.ok(
        (Organ::Agency(2), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id: a2 }),
    );
    assert_eq!(flags, ["SUP-1：逾期报送（截止 2026-10-15）"]);

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
    w.refused_by(
        (Organ::Agency(1), Role::Clerk),
        draft(Some(1), "2026Q5"),
        "SUP-3",
    );
    w.refused_by(
        (Organ::Agency(1), Role::Clerk),
        draft(Some(1), "pilot-june"),
        "SUP-3",
    );
    w.refused_by(
        (Organ::Agency(9), Role::Clerk),
        draft(Some(9), "2026Q3"),
        "INPUT",
    );
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
    w.refused_by(
        (Organ::Agency(1), Role::Clerk),
        Command::DraftReport(bad.clone()),
        "INPUT",
    );
    bad.attachments.clear();
    bad.narrative.done = "x".repeat(crate::domain::supervision::report::MAX_SECTION + 1);
    w.refused_by(
        (Organ::Agency(1), Role::Clerk),
        Command::DraftReport(bad.clone()),
        "INPUT",
    );
    bad.narrative.done = String::new();
    // The bureau's clerk does not draft an agency's report.
    w.refused_by(Role::Clerk, Command::DraftReport(bad.clone()), "SUP-1");
    let id = w
        .ok((Organ::Agency(1), Role::Clerk), Command::DraftReport(bad))
        .0;
    // Nothing said about what was done: not submitted.
    w.refused_by(
        (Organ::Agency(1), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id }),
        "SUP-1",
    );
    w.refused_by(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id: 99 }),
        "INPUT",
    );
    let id = w
        .ok((Organ::Agency(1), Role::Clerk), draft(Some(1), "2026Q3"))
        .0;
    // Neither the bureau's head nor another agency's head submits agency 1's report.
    w.refused_by(
        Role::Head,
        Command::SubmitReport(cmd::SubmitReport { id }),
        "SUP-1",
    );
    w.refused_by(
        (Organ::Agency(2), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id }),
        "SUP-1",
    );
    let head1 = (Organ::Agency(1), Role::Head);
    w.ok(head1, Command::SubmitReport(cmd::SubmitReport { id }));
    w.refused_by(
        head1,
        Command::SubmitReport(cmd::SubmitReport { id }),
        "SUP-1",
    );
    w.refused_by(
        (Organ::Agency(1), Role::Clerk),
        draft(Some(1), "2026Q3"),
        "SUP-1",
    );
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
    let id = w
        .ok((Organ::Agency(1), Role::Clerk), draft(Some(1), "pilot-07"))
        .0;
    let (_, flags) = w.ok(
        (Organ::Agency(1), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id }),
    );
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
    let id = w
        .ok((Organ::Agency(1), Role::Clerk), draft(Some(1), "2026Q3"))
        .0;
    w.ok(
        (Organ::Agency(1), Role::Head),
        Command::SubmitReport(cmd::SubmitReport { id }),
    );
    w.refused_by(
        (Organ::Agency(1), Role::Clerk),
        draft(Some(1), "2026Q4"),
        "SUP-1",
    );
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
        Command::IngestSealedDown(cmd::IngestSealedDown {
            from: CITY.into(),
            first_seq: 1,
            items: items
                .into_iter()
                .map(crate::domain::command::testkit::sealed)
                .collect(),
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
