//! Publication: deadlines on the official calendar (PUB-3), redaction (PUB-4), release review, corrections and withdrawal (PUB-5, LAW-6).
use super::*;

#[test]
fn pub_3_penalty_decided_2025_09_30_must_be_published_by_2025_10_16() {
    let mut w = world_at(at(2025, 9, 30));
    let c = open(&mut w, 500, Procedure::General);
    let (_, flags) = w.ok(person(Role::Head, "zhao"), decide(c, vec![4]));
    assert_eq!(flags[0], "PUB-3：须于 2025-10-16 前公示");
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
    let (_, flags) = w.ok(
        person(Role::Head, "zhao"),
        decide_in(2026, c, vec![4], vec![]),
    );
    // 18 Sep 2026 + 20 working days across Mid-Autumn and National Day (20 Sep, 10 Oct worked).
    assert_eq!(flags[0], "PUB-3：须于 2026-10-22 前公示");
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
    let (_, flags) = w.ok(
        person(Role::Head, "zhao"),
        decide_in(2026, c, vec![4], vec![]),
    );
    assert_eq!(flags[0], "PUB-3：须于 2026-09-29 前公示");
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
fn pub_3_a_decision_in_a_year_without_its_notice_gets_a_provisional_limit_counted_again_on_load() {
    use crate::domain::calendar::days::YearCalendar;
    use crate::domain::enforcement::deadlines::{DEADLINES, PROVISIONAL};
    let mut w = world();
    w.t = at(2026, 12, 28);
    let c = open(&mut w, 500, Procedure::General);
    let Command::Decide(mut d) = decide(c, vec![4]) else {
        unreachable!()
    };
    d.document_number = "浏市监罚〔2026〕1号".into();
    // Mon 28 Dec: 29, 30, 31 Dec; 1 Jan 2027 New Year's Day; 4–7 Jan.
    let (_, flags) = w.ok(person(Role::Head, "zhao"), Command::Decide(d));
    assert_eq!(flags[0], "PUB-3：须于 2027-01-07 前公示");
    assert!(
        flags
            .iter()
            .any(|f| f.starts_with("PUB-3：2027 年的节假日安排尚未载入")),
        "{flags:?}"
    );
    let publish_by = |w: &World| {
        CASES
            .read(&w.s, &c)
            .unwrap()
            .unwrap()
            .decision
            .unwrap()
            .publish_by
    };
    assert_eq!(publish_by(&w), day(2027, 1, 7));
    assert_eq!(PROVISIONAL.keys(&w.s).count(), 2, "publication and service");
    // The notice arrives: 4 January is a day off as well. Both limits move a day.
    let mut holidays: std::collections::BTreeSet<NaiveDate> = [
        day(2027, 1, 1),
        day(2027, 1, 2),
        day(2027, 1, 3),
        day(2027, 1, 4),
    ]
    .into();
    holidays.insert(day(2027, 2, 6));
    let year = YearCalendar {
        year: 2027,
        holidays,
        workdays: Default::default(),
        source: "国办发明电〔2026〕N号".into(),
    };
    let (_, flags) = w.ok(bureau_head(), Command::LoadCalendarYear(year));
    assert!(flags.iter().any(|f| f.starts_with("2 个")), "{flags:?}");
    assert_eq!(publish_by(&w), day(2027, 1, 8));
    assert_eq!(PROVISIONAL.keys(&w.s).count(), 0);
    let mut dues: Vec<String> = DEADLINES
        .keys(&w.s)
        .map(|k| String::from_utf8_lossy(&k[1..9]).into_owned())
        .collect();
    dues.sort();
    // The publication and service limits under the new day; the LAW-3 decision limit (90
    // calendar days from filing) as it was.
    assert_eq!(
        dues,
        ["20270108", "20270108", "20270328"],
        "queued under the new day"
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
    assert_eq!(flags, ["PUB-3：逾期公示（截止 2025-10-16）"]);
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
