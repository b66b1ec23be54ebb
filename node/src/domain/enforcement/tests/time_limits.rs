//! The status summary, time limits driven by Tick (REV-8, LAW-3, LAW-4), LAW-5, legal outcomes (SUP-7), expert opinions (REV-5).
use super::*;

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
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Supplement, false),
    );
    w.ok(person(Role::Officer, "zhang"), submit(c));
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

#[test]
fn rev_8_review_time_limit_flagged_by_tick() {
    let mut w = world(); // Thu 9 Oct 2025
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    // 5 working days: 10, 11 (Sat, worked), 13, 14, 15 October.
    tick(&mut w, at(2025, 10, 15));
    assert!(overdue(&w, c).is_empty(), "due today is not overdue");
    tick(&mut w, at(2025, 10, 16));
    assert_eq!(overdue(&w, c), ["REV-8: 法制审核超期（期限 2025-10-15）"]);
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
    w.ok(person(Role::Officer, "zhang"), submit(c));
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
            "PUB-3: 公示超期（期限 2025-10-17）",
            "LAW-4: 送达超期（期限 2025-10-17）"
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
        Command::RecordStep(served(c)),
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
    assert_eq!(overdue(&w, c), ["LAW-3: 作出决定超期（期限 2026-01-07）"]);
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
    // The region's table is the bureau's: an agency's head is refused.
    w.refused_by(
        person(Role::Head, "zhao"),
        Command::SetReviewDays(cmd::SetReviewDays { days: 1 }),
        "REV-8",
    );
    assert_eq!(
        w.refused(
            bureau_head(),
            Command::SetReviewDays(cmd::SetReviewDays { days: 0 })
        ),
        "INPUT"
    );
    w.ok(
        bureau_head(),
        Command::SetReviewDays(cmd::SetReviewDays { days: 1 }),
    );
    let c = open(&mut w, 20_000, Procedure::General);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    tick(&mut w, at(2025, 10, 11));
    assert_eq!(overdue(&w, c), ["REV-8: 法制审核超期（期限 2025-10-10）"]);
}

#[test]
fn law_5_serious_penalty_needs_collective_discussion() {
    let mut w = world();
    let c = open(&mut w, 200_000, Procedure::General);
    w.ok(person(Role::Officer, "zhang"), submit(c));
    w.ok(
        person(Role::Reviewer, "wang"),
        opinion(c, Opinion::Approve, true),
    );
    assert_eq!(
        w.refused(person(Role::Head, "zhao"), decide_fine(c, vec![4], 200_000)),
        "LAW-5",
        "approved, but serious"
    );
    let Command::Decide(mut d) = decide_fine(c, vec![4], 200_000) else {
        unreachable!()
    };
    d.collective = collective();
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
            deciding_organ: "浏阳市人民政府".into(),
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
    assert_eq!(flags, ["LAW-6：须于 2025-10-13 前撤回公示"]);
    let n = crate::domain::supervision::summary::counters(&w.s).unwrap();
    assert_eq!(n.get("region/decisions/corrected"), Some(&1));
    assert_eq!(n.get("region/decisions/total"), Some(&1));
    tick(&mut w, at(2025, 10, 14));
    assert_eq!(overdue(&w, c), ["LAW-6: 撤回公示超期（期限 2025-10-13）"]);
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
    w.ok(person(Role::Officer, "zhang"), submit(c));
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
