use super::*;
use crate::domain::core::outcome::Split;

#[test]
fn quarters_and_due_dates() {
    assert_eq!(parse_quarter("2026Q3"), Some((2026, 3)));
    for bad in [
        "2026Q5", "2026Q0", "26Q1", "2026q1", "2026Q", "Q1", "1999Q1",
    ] {
        assert_eq!(parse_quarter(bad), None, "{bad}");
    }
    let (s, e) = quarter_bounds(2026, 4).unwrap();
    assert_eq!(
        (s.to_string(), e.to_string()),
        ("2026-10-01".into(), "2026-12-31".into())
    );
    let p = period(&State::default(), "2026Q3")
        .split()
        .unwrap()
        .unwrap();
    assert_eq!(p.due.to_string(), "2026-10-15");
    assert_eq!(
        previous_quarter(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
        "2026Q3"
    );
    assert_eq!(
        previous_quarter(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()),
        "2025Q4"
    );
    assert!(period(&State::default(), "pilot-06")
        .split()
        .unwrap()
        .is_err());
}

fn report(state: ReportState, submitted: Option<&str>) -> Report {
    Report {
        id: 1,
        unit: Unit {
            region: "a/b".into(),
            agency: Some(1),
        },
        period: "2026Q3".into(),
        version: 1,
        due: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
        figures: BTreeMap::new(),
        narrative: Narrative::default(),
        attachments: vec![],
        copies_to: vec![],
        compiled_from: vec![],
        state,
        drafted_by: String::new(),
        submitted_ms: submitted.map(|d| {
            let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
            start_of(d).unwrap() + 23 * 3_600_000
        }),
        submitted_by: None,
        judged_ms: None,
        judged_by: None,
    }
}

fn held_state(s: &State, unit: &str) -> Option<(u32, String)> {
    HELD_REPORTS
        .read(s, &(unit.to_string(), "2026Q3".to_string()))
        .unwrap()
        .map(|h| (h.report.version, h.report.state.as_str().to_string()))
}

fn apply_item(s: &mut State, f: impl FnOnce(&mut Txn<'_>) -> Result<(), DomainError>) {
    let mut t = Txn::new(s);
    f(&mut t).unwrap();
    let w = t.into_writes();
    s.apply_writes(&w);
}

/// At the city: a county's report counts as the county submitted it; whether it is
/// accepted or returned is the city's to say, never the county's — and above the city,
/// the judgement counts only from the city.
#[test]
fn a_child_states_submissions_and_only_its_parent_judges() {
    let county = "a/b/c";
    let mut r = report(ReportState::Accepted, Some("2026-10-10"));
    r.unit = Unit {
        region: county.into(),
        agency: None,
    };
    let mut s = State::default();
    // Sent up already "accepted": nobody judged it; ignored.
    apply_item(&mut s, |t| on_item(t, county, &r, 5));
    assert_eq!(held_state(&s, county), None);
    // Another region speaking for the county: ignored.
    r.state = ReportState::Submitted;
    apply_item(&mut s, |t| on_item(t, "a/b/x", &r, 5));
    assert_eq!(held_state(&s, county), None);
    apply_item(&mut s, |t| on_item(t, county, &r, 5));
    assert_eq!(held_state(&s, county), Some((1, "submitted".into())));
    // The county claims a judgement afterwards: what is held stands.
    r.state = ReportState::Accepted;
    apply_item(&mut s, |t| on_item(t, county, &r, 9));
    assert_eq!(held_state(&s, county), Some((1, "submitted".into())));
    // A judgement from a region that is not the county's parent: ignored.
    let j = Judgement {
        unit: r.unit.clone(),
        period: "2026Q3".into(),
        version: 1,
        accepted: false,
        reasons: "补充".into(),
        by: "x".into(),
    };
    apply_item(&mut s, |t| on_judgement(t, "a/b/x", &j, 9));
    assert_eq!(held_state(&s, county), Some((1, "submitted".into())));
    apply_item(&mut s, |t| on_judgement(t, "a/b", &j, 9));
    assert_eq!(held_state(&s, county), Some((1, "returned".into())));
    // Version 2 replaces it; the first receipt time of a version is kept.
    r.version = 2;
    r.state = ReportState::Submitted;
    apply_item(&mut s, |t| on_item(t, county, &r, 20));
    apply_item(&mut s, |t| on_item(t, county, &r, 30));
    let h = HELD_REPORTS
        .read(&s, &(county.to_string(), "2026Q3".to_string()))
        .unwrap()
        .unwrap();
    assert_eq!((h.report.version, h.received_ms), (2, 20));
    // An older version arriving late changes nothing.
    r.version = 1;
    apply_item(&mut s, |t| on_item(t, county, &r, 40));
    assert_eq!(held_state(&s, county), Some((2, "submitted".into())));
}

#[test]
fn on_time_is_judged_by_the_viewers_due_date() {
    // Submitted 20 October; the child set itself a later due day, the viewer's period says
    // 15 October.
    let mut generous = report(ReportState::Submitted, Some("2026-10-20"));
    generous.due = NaiveDate::from_ymd_opt(2026, 10, 30).unwrap();
    assert!(generous.submitted_on_time());
    let due = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let mut rates = Rates::default();
    rates.count("u", due, Some((&generous, false)));
    assert_eq!((rates.received, rates.on_time), (1, 0));
    let h = HeldReport {
        origin: "a/b".into(),
        report: report(ReportState::Submitted, Some("2026-10-15")),
        received_ms: deadline_ms(due).unwrap() + 1,
    };
    assert!(
        h.needs_judgement(due),
        "on time, received after the due day"
    );
}

#[test]
fn rates_follow_dhis2() {
    let on = report(ReportState::Accepted, Some("2026-10-15"));
    let late = report(ReportState::Submitted, Some("2026-10-16"));
    let ret = report(
        ReportState::Returned {
            reasons: "补充".into(),
        },
        Some("2026-10-10"),
    );
    let due = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let mut r = Rates::default();
    r.count("u1", due, Some((&on, false)));
    r.count("u2", due, Some((&late, false)));
    r.count("u3", due, Some((&ret, false)));
    r.count("u4", due, None);
    assert_eq!(
        (r.expected, r.received, r.on_time, r.returned),
        (4, 2, 1, 1)
    );
    assert_eq!(r.reporting_permille(), Some(500));
    assert_eq!(r.on_time_permille(), Some(250));
    assert_eq!(r.missing, ["u3", "u4"]);
    assert_eq!(r.late, ["u2"]);
    assert_eq!(Rates::default().reporting_permille(), None);
}
