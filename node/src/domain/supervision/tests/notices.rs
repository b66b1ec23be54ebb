//! Notices (SUP-2): who drafts, signs and is named; every stage; qualifying units.
use super::*;

/// The clerk of agency 1, the unit these notices name.
const AGENCY_CLERK: (Organ, Role) = (Organ::Agency(1), Role::Clerk);

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
    // An agency's head is not the bureau's staff.
    w.refused_by(
        (Organ::Agency(1), Role::Head),
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
    // Only the bureau's head signs off (签发): not its other staff, not an agency's head —
    // even of an agency the notice names.
    for who in [
        (Organ::Bureau, Role::Clerk),
        (Organ::Bureau, Role::Supervisor),
        (Organ::Bureau, Role::Inspector),
        (Organ::Agency(1), Role::Head),
    ] {
        w.refused_by(
            who,
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
    // SUP-2: only the organ named answers — not the bureau, not another agency.
    for other in [
        (Organ::Bureau, Role::Clerk),
        (Organ::Agency(2), Role::Clerk),
    ] {
        w.refused_by(
            other,
            Command::AnswerNotice(cmd::AnswerNotice {
                issuer: REGION.into(),
                id,
                unit: unit.clone(),
                reply: Reply::Acknowledge,
            }),
            "SUP-2",
        );
    }
    w.ok(
        (Organ::Agency(1), Role::Clerk),
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
    w.refused_by(AGENCY_CLERK, answer(rect("已整改"), &unit), "SUP-2");
    w.refused_by(Role::Officer, answer(Reply::Acknowledge, &unit), "SUP-2");
    w.refused_by(
        AGENCY_CLERK,
        answer(
            Reply::Acknowledge,
            &Unit {
                region: "hunan/zhuzhou/liling".into(),
                agency: Some(1),
            },
        ),
        "AUTH",
    );
    w.ok(AGENCY_CLERK, answer(Reply::Acknowledge, &unit));
    w.refused_by(AGENCY_CLERK, answer(Reply::Acknowledge, &unit), "SUP-2");
    w.refused_by(AGENCY_CLERK, answer(rect(" "), &unit), "INPUT");
    w.ok(AGENCY_CLERK, answer(rect("已完成公示补正。"), &unit));
    w.refused_by(Role::Supervisor, judge(false, ""), "SUP-2");
    w.refused_by(Role::Clerk, judge(true, ""), "SUP-2");
    // The agency the notice criticises does not close it, nor does its head.
    w.refused_by((Organ::Agency(1), Role::Head), judge(true, ""), "SUP-2");
    w.refused_by(AGENCY_CLERK, judge(true, ""), "SUP-2");
    w.ok(Role::Supervisor, judge(false, "整改材料不全"));
    w.ok(AGENCY_CLERK, answer(rect("已补充整改材料。"), &unit));
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
