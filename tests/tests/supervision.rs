//! Supervision across three levels of in-process clusters (SUP-1, SUP-2, SUP-4): a notice goes
//! down to an agency and every answer comes back up exactly once; the province's monitor
//! figures equal those the counties compute from their own records; the Monitor service
//! refuses strangers and bad arguments.
use std::time::Duration;

use sanxiang::config::RaftTimings;
use sanxiang::domain::command::cmd;
use sanxiang::domain::federation::items::{Carried, UpItem};
use sanxiang::domain::supervision::notice::{
    NoticeDraft, NoticeKind, Reply, Stage, INBOX, NOTICES,
};
use sanxiang::domain::supervision::report::{DraftReport, Narrative, Unit, HELD_REPORTS};
use sanxiang::domain::{Command, Organ, Role};
use sanxiang_proto::region as rpb;
use sanxiang_tests::network::*;
use sanxiang_tests::*;

const LONG: Duration = Duration::from_secs(60);

/// Runs a command in `region` as a person over gRPC; returns the record id, or the refusal's
/// rule as an error.
async fn exec(
    net: &Network,
    region: &str,
    role: Role,
    user: &str,
    c: Command,
) -> anyhow::Result<u64> {
    let organ = match role {
        Role::Officer | Role::Reviewer => Organ::Agency(1),
        _ => Organ::Bureau,
    };
    exec_as(net, region, organ, role, user, c).await
}

/// [`exec`] as a person of `organ`.
async fn exec_as(
    net: &Network,
    region: &str,
    organ: Organ,
    role: Role,
    user: &str,
    c: Command,
) -> anyhow::Result<u64> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let who = net.person(region, organ, role, user)?;
    let mut cl = net.client(region, &who)?;
    let req = rpb::ExecuteRequest {
        write_id: Some(rpb::WriteId {
            client_id: format!("t-{}", user),
            request_id: NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        }),
        command_json: serde_json::to_string(&c)?,
    };
    let r = cl
        .call(|mut c| {
            let req = req.clone();
            async move { c.execute(req).await }
        })
        .await?;
    match r.outcome {
        Some(rpb::write_reply::Outcome::Record(rec)) => Ok(rec.id),
        Some(rpb::write_reply::Outcome::Agency(a)) => Ok(a.id),
        Some(rpb::write_reply::Outcome::Refused(f)) => {
            anyhow::bail!("refused {}: {}", f.rule, f.message)
        }
        None => Ok(0),
    }
}

/// The kinds of the items of `origin` held in a state, in order.
fn kinds(state: &sanxiang::domain::State, origin: &str) -> Vec<&'static str> {
    held(state, origin)
        .into_iter()
        .filter_map(|(_, h)| match &h.carried {
            Carried::Item { bytes, .. } => UpItem::from_leaf(bytes).map(|i| i.body.kind()),
            _ => None,
        })
        .collect()
}

fn agency_input(name: &str) -> sanxiang::domain::AgencyInput {
    sanxiang::domain::AgencyInput {
        name: name.into(),
        powers: vec![sanxiang::domain::PowerKind::Penalty],
        legal_basis: "《中华人民共和国行政处罚法》".into(),
        domain: "市场监管".into(),
        contact: "0731-12345678".into(),
    }
}

fn agency_unit(region: &str, id: u64) -> Unit {
    Unit {
        region: region.into(),
        agency: Some(id),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_reaches_an_agency_and_every_answer_comes_back_once() -> anyhow::Result<()> {
    let net = Network::start(
        &[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1), (COUNTY_B, 1)],
        timings(),
    )
    .await?;
    exec(
        &net,
        COUNTY_A,
        Role::Clerk,
        "clerk",
        Command::RegisterAgency(agency_input("县市场监管局")),
    )
    .await?;
    let unit = agency_unit(COUNTY_A, 1);
    let id = exec(
        &net,
        PROVINCE,
        Role::Supervisor,
        "sup",
        Command::DraftNotice(NoticeDraft {
            kind: NoticeKind::Rectification,
            title: "关于行政执法决定逾期公示的整改通知".into(),
            text: "请于十五个工作日内完成整改并报送整改情况。".into(),
            units: vec![unit.clone()],
            persons: vec![],
            deadline: None,
            basis: vec![],
        }),
    )
    .await?;
    // A clerk cannot sign it off; the head can.
    let e = exec(
        &net,
        PROVINCE,
        Role::Clerk,
        "clerk",
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "湘司通".into(),
        }),
    )
    .await
    .expect_err("a clerk signed off a notice");
    assert!(e.to_string().contains("SUP-2"), "{e}");
    exec(
        &net,
        PROVINCE,
        Role::Head,
        "zhao",
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "湘司通".into(),
        }),
    )
    .await?;

    let key = (PROVINCE.to_string(), unit.key(), id);
    net.wait_until(COUNTY_A, "the notice in the agency's inbox", LONG, |s| {
        INBOX.read(s, &key).ok().flatten().map(|_| ())
    })
    .await?;
    let stage_at_province = |want: Stage| {
        let k = unit.key();
        move |s: &sanxiang::domain::State| {
            let n = NOTICES.read(s, &id).ok()??;
            (n.units.get(&k)?.stage == want).then_some(())
        }
    };
    net.wait_until(
        PROVINCE,
        "delivered",
        LONG,
        stage_at_province(Stage::Delivered),
    )
    .await?;
    let answer = |reply: Reply| {
        Command::AnswerNotice(cmd::AnswerNotice {
            issuer: PROVINCE.into(),
            id,
            unit: unit.clone(),
            reply,
        })
    };
    // Only the agency named answers: the county bureau's clerk is refused (SUP-2).
    let e = exec(
        &net,
        COUNTY_A,
        Role::Clerk,
        "clerk",
        answer(Reply::Acknowledge),
    )
    .await
    .expect_err("the bureau does not answer for the agency");
    assert!(e.to_string().contains("SUP-2"), "{e}");
    exec_as(
        &net,
        COUNTY_A,
        Organ::Agency(1),
        Role::Clerk,
        "clerk",
        answer(Reply::Acknowledge),
    )
    .await?;
    net.wait_until(
        PROVINCE,
        "acknowledged",
        LONG,
        stage_at_province(Stage::Acknowledged),
    )
    .await?;
    exec_as(
        &net,
        COUNTY_A,
        Organ::Agency(1),
        Role::Clerk,
        "clerk",
        answer(Reply::Rectification {
            text: "已全部补正公示，并对责任人进行了约谈。".into(),
        }),
    )
    .await?;
    net.wait_until(
        PROVINCE,
        "rectification submitted",
        LONG,
        stage_at_province(Stage::Rectified),
    )
    .await?;
    exec(
        &net,
        PROVINCE,
        Role::Supervisor,
        "sup",
        Command::JudgeNotice(cmd::JudgeNotice {
            id,
            unit: unit.clone(),
            close: true,
            reasons: String::new(),
        }),
    )
    .await?;
    net.wait_until(COUNTY_A, "closed at the agency", LONG, |s| {
        let i = INBOX.read(s, &key).ok()??;
        (i.progress.stage == Stage::Closed).then_some(())
    })
    .await?;

    // Exactly once: each stage once at the issuer, each answer item once on the path.
    let stages = net
        .read(PROVINCE, |s| {
            NOTICES.read(s, &id).unwrap().unwrap().units[&unit.key()]
                .history
                .iter()
                .map(|e| e.stage)
                .collect::<Vec<_>>()
        })
        .await?;
    assert_eq!(
        stages,
        [
            Stage::Issued,
            Stage::Delivered,
            Stage::Acknowledged,
            Stage::Rectified,
            Stage::Closed
        ]
    );
    for region in [CITY, PROVINCE] {
        let k = net.read(region, |s| kinds(s, COUNTY_A)).await?;
        let count = |kind: &str| k.iter().filter(|x| **x == kind).count();
        assert_eq!(count("receipt"), 1, "{region}: {k:?}");
        assert_eq!(count("notice_answer"), 2, "{region}: {k:?}");
    }
    // County B was never named: nothing arrived there.
    assert_eq!(net.read(COUNTY_B, |s| INBOX.keys(s).count()).await?, 0);
    // A city cannot notice another city's county (the network has one city: name a sibling
    // path that is not below it).
    let e = exec(
        &net,
        CITY,
        Role::Supervisor,
        "sup",
        Command::DraftNotice(NoticeDraft {
            kind: NoticeKind::Situation,
            title: "情况通报".into(),
            text: "情况如下。".into(),
            units: vec![Unit {
                region: "p/other/x".into(),
                agency: None,
            }],
            persons: vec![],
            deadline: None,
            basis: vec![],
        }),
    )
    .await
    .expect_err("a city named a county outside its subtree");
    assert!(e.to_string().contains("SUP-2"), "{e}");
    net.shutdown().await;
    Ok(())
}

fn report(agency: Option<u64>, period: &str) -> Command {
    Command::DraftReport(DraftReport {
        agency,
        period: period.into(),
        narrative: Narrative {
            done: "落实行政执法三项制度".into(),
            ..Narrative::default()
        },
        attachments: vec![],
        copies_to: vec![],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provinces_figures_equal_what_the_counties_compute_from_their_own_records(
) -> anyhow::Result<()> {
    // Summaries go up on Tick: tick often.
    let t = RaftTimings {
        tick: Duration::from_millis(300),
        ..timings()
    };
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1), (COUNTY_B, 1)], t).await?;
    let today = sanxiang::domain::calendar::days::date_of(net.clock().now_ms())?;
    let quarter = sanxiang::domain::supervision::report::quarter_of(today);
    for (region, agencies) in [(COUNTY_A, 3u64), (COUNTY_B, 2)] {
        for i in 1..=agencies {
            exec(
                &net,
                region,
                Role::Clerk,
                "clerk",
                Command::RegisterAgency(agency_input(&format!("单位{i}"))),
            )
            .await?;
        }
    }
    // County B closes its second agency: not expected this quarter.
    exec(
        &net,
        COUNTY_B,
        Role::Clerk,
        "clerk",
        Command::CloseAgency(cmd::CloseAgency {
            id: 2,
            on: today,
            merged_into: Some(1),
        }),
    )
    .await?;
    // County A: two of three agencies report; its own report goes to the city, which returns
    // it; county B's agency and county B report.
    for a in [1u64, 2] {
        let id = exec_as(
            &net,
            COUNTY_A,
            Organ::Agency(a),
            Role::Clerk,
            "clerk",
            report(Some(a), &quarter),
        )
        .await?;
        exec_as(
            &net,
            COUNTY_A,
            Organ::Agency(a),
            Role::Head,
            "zhao",
            Command::SubmitReport(cmd::SubmitReport { id }),
        )
        .await?;
    }
    let id = exec_as(
        &net,
        COUNTY_B,
        Organ::Agency(1),
        Role::Clerk,
        "clerk",
        report(Some(1), &quarter),
    )
    .await?;
    exec_as(
        &net,
        COUNTY_B,
        Organ::Agency(1),
        Role::Head,
        "zhao",
        Command::SubmitReport(cmd::SubmitReport { id }),
    )
    .await?;
    for county in [COUNTY_A, COUNTY_B] {
        let id = exec(&net, county, Role::Clerk, "clerk", report(None, &quarter)).await?;
        exec(
            &net,
            county,
            Role::Head,
            "zhao",
            Command::SubmitReport(cmd::SubmitReport { id }),
        )
        .await?;
    }
    let key_a = (COUNTY_A.to_string(), quarter.clone());
    net.wait_until(CITY, "county A's report", LONG, |s| {
        HELD_REPORTS.read(s, &key_a).ok().flatten().map(|_| ())
    })
    .await?;
    exec(
        &net,
        CITY,
        Role::Head,
        "zhao",
        Command::JudgeReport(cmd::JudgeReport {
            unit: Unit {
                region: COUNTY_A.into(),
                agency: None,
            },
            period: quarter.clone(),
            accept: false,
            reasons: "请补充执法数据统计表".into(),
        }),
    )
    .await?;
    // The return travels down to county A, and up to the province as the city's own item.
    net.wait_until(PROVINCE, "county A's report returned", LONG, |s| {
        let h = HELD_REPORTS.read(s, &key_a).ok()??;
        (h.report.state.as_str() == "returned").then_some(())
    })
    .await?;
    net.wait_until(COUNTY_A, "its report returned", LONG, |s| {
        let id = sanxiang::domain::supervision::report::REPORT_LATEST
            .read(s, &key_a)
            .ok()??;
        let r = sanxiang::domain::supervision::report::REPORTS
            .read(s, &id)
            .ok()??;
        (r.state.as_str() == "returned").then_some(())
    })
    .await?;

    // The province's view of each county equals the county's own view of itself, once the
    // province holds the county's latest summary.
    for county in [COUNTY_A, COUNTY_B] {
        let own = net
            .read(county, |s| {
                sanxiang::view::monitor::view(s, &net.topology, county, "", &quarter)
                    .map(|v| v.region)
            })
            .await??;
        // The county's last summary covers its current counters (a Tick came after the last
        // change), and the province holds that summary.
        let last = net
            .wait_until(county, "a summary of the current counters", LONG, |s| {
                let last = sanxiang::domain::federation::held::LAST_SUMMARY
                    .read(s, "last")
                    .ok()??;
                (last == sanxiang::domain::supervision::summary::counters(s).ok()?).then_some(last)
            })
            .await
            .map(Some)?;
        net.wait_until(PROVINCE, "the county's latest summary", LONG, |s| {
            let h = sanxiang::domain::supervision::held::HELD_SUMMARIES
                .read(s, county)
                .ok()??;
            (Some(h.counters) == last).then_some(())
        })
        .await?;
        let seen = net
            .read(PROVINCE, |s| {
                sanxiang::view::monitor::view(s, &net.topology, PROVINCE, county, &quarter)
            })
            .await??;
        let r = &seen.region;
        assert_eq!(r.reports, own.reports, "{county}");
        assert_eq!(
            (
                r.agencies,
                r.publications_on_time,
                r.publications_late,
                r.publications_overdue
            ),
            (
                own.agencies,
                own.publications_on_time,
                own.publications_late,
                own.publications_overdue
            ),
            "{county}"
        );
        assert_eq!(r.reviewer_ratio, own.reviewer_ratio, "{county}");
        assert_eq!(r.correction_rate, own.correction_rate, "{county}");
        assert!(seen.disagreements.is_empty(), "{:?}", seen.disagreements);
        assert_eq!(seen.agencies.len() as i64, own.agencies, "{county}");
    }
    // And the figures are the crafted ones: A expects 3 agencies + itself, received 2 (its own
    // report was returned); B expects 1 agency (the other is closed) + itself, received 2.
    let v = net
        .read(PROVINCE, |s| {
            sanxiang::view::monitor::view(s, &net.topology, PROVINCE, CITY, &quarter)
        })
        .await??;
    let by = |r: &str| {
        v.below
            .iter()
            .find(|c| c.region == r)
            .map(|c| c.reports.clone())
    };
    let a = by(COUNTY_A).expect("row of county A");
    let b = by(COUNTY_B).expect("row of county B");
    assert_eq!(
        (a.expected, a.received, a.on_time, a.returned),
        (4, 2, 2, 1)
    );
    assert_eq!((b.expected, b.received, b.on_time), (2, 2, 2));
    assert_eq!(a.missing, [format!("{COUNTY_A}#3"), COUNTY_A.to_string()]);
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_service_refuses_strangers_and_bad_arguments() -> anyhow::Result<()> {
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    let call = |region: &'static str, who: &'static str, of: String, period: &'static str| {
        let net = &net;
        async move {
            let (r, role) = match who {
                "county" => (COUNTY_A, Role::Supervisor),
                _ => (region, Role::Monitor),
            };
            let me = net.person(r, Organ::Bureau, role, "m")?;
            let mut cl = net.client(region, &me)?;
            let req = rpb::MonitorRequest {
                consistency: 0,
                region: of,
                period: period.into(),
            };
            let r = cl
                .call_monitor(|mut c| {
                    let req = req.clone();
                    async move { c.view(req).await }
                })
                .await;
            anyhow::Ok(r)
        }
    };
    // A monitor of the city sees the city and its county.
    let ok = call(CITY, "self", COUNTY_A.into(), "").await??;
    assert_eq!(ok.rows[0].region, COUNTY_A);
    let code = |r: Result<rpb::MonitorReply, sanxiang::client::ClientError>| match r {
        Err(sanxiang::client::ClientError::Status(s)) => s.code(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    // A county's person asks the city's nodes: refused from the certificate.
    assert_eq!(
        code(call(CITY, "county", String::new(), "").await?),
        tonic::Code::PermissionDenied
    );
    // The province, from the city; an unknown region; an oversized argument; a bad period.
    assert_eq!(
        code(call(CITY, "self", PROVINCE.into(), "").await?),
        tonic::Code::InvalidArgument
    );
    assert_eq!(
        code(call(CITY, "self", "p/c/zz".into(), "").await?),
        tonic::Code::InvalidArgument
    );
    assert_eq!(
        code(call(CITY, "self", "p/c/".repeat(100), "").await?),
        tonic::Code::InvalidArgument
    );
    assert_eq!(
        code(call(CITY, "self", String::new(), "2026Q9").await?),
        tonic::Code::InvalidArgument
    );
    net.shutdown().await;
    Ok(())
}
