//! Federation across three levels of in-process clusters (ARCHITECTURE "Federation
//! guarantees"): every county item reaches the province exactly once and in order, through
//! partitions, leader changes and concurrent senders; tampering on the way and rewritten
//! histories are detected; only nodes of a direct child may push.
use std::time::Duration;

use sanxiang::domain::command::cmd;
use sanxiang::domain::federation::items::AlertKind;
use sanxiang::domain::federation::items::{Carried, ItemBody, UpItem, EPOCH};
use sanxiang::domain::{Organ, Role};
use sanxiang_proto::federation as fpb;
use sanxiang_proto::federation::uplink_client::UplinkClient;
use sanxiang_tests::network::*;
use sanxiang_tests::*;

const LONG: Duration = Duration::from_secs(60);

/// Registers `n` agencies named `{prefix}{i}` in `region`.
async fn write_agencies(net: &Network, region: &str, prefix: &str, n: u64) -> anyhow::Result<()> {
    let clerk = net.person(region, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = net.client(region, &clerk)?;
    for i in 0..n {
        register(&mut cl, &format!("{prefix}{i}"), &client_id(prefix), i + 1).await?;
    }
    Ok(())
}

/// An ASCII client id for a name prefix.
fn client_id(prefix: &str) -> String {
    prefix.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The agency names of an origin's items held in a state, in sequence order, and whether each
/// was proven against a held head.
fn agency_items(state: &sanxiang::domain::State, origin: &str) -> Vec<(u64, String, bool)> {
    held(state, origin)
        .into_iter()
        .filter_map(|(seq, h)| match &h.carried {
            Carried::Item { bytes, .. } => match UpItem::from_leaf(bytes)?.body {
                ItemBody::Agency(a) => Some((seq, a.name, h.proven)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_item_reaches_the_province_once_through_its_city() -> anyhow::Result<()> {
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    write_agencies(&net, COUNTY_A, "县局", 5).await?;
    let at_province = net
        .wait_until(PROVINCE, "5 county items held", LONG, |s| {
            let items = agency_items(s, COUNTY_A);
            (items.len() == 5).then_some(items)
        })
        .await?;
    let names: Vec<_> = at_province.iter().map(|(_, n, _)| n.clone()).collect();
    assert_eq!(
        names,
        (0..5).map(|i| format!("县局{i}")).collect::<Vec<_>>()
    );
    assert!(
        at_province.iter().all(|(_, _, proven)| *proven),
        "each item proven against the county's signed head: {at_province:?}"
    );
    let seqs: Vec<_> = at_province.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    net.read(PROVINCE, |s| {
        assert_eq!(held_count(s, COUNTY_A), 5, "exactly once");
        let o = origin(s, COUNTY_A);
        assert!(o.head_size > 0, "the county's signed head is held");
        assert_eq!(o.unproven, 0);
        assert!(alerts(s).is_empty(), "{:?}", alerts(s));
    })
    .await?;
    // The city holds them too, and both outboxes drain to zero once acknowledged.
    net.read(CITY, |s| assert_eq!(agency_items(s, COUNTY_A).len(), 5))
        .await?;
    for region in [COUNTY_A, CITY] {
        net.wait_until(region, "outbox acknowledged", LONG, |s| {
            let st = sanxiang::domain::federation::outbox::outbox_stats(s).ok()?;
            (st.backlog == 0 && st.pending == 0 && st.tail > 0).then_some(st)
        })
        .await?;
    }
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn city_cut_off_while_its_leader_changes_every_item_arrives_once_in_order(
) -> anyhow::Result<()> {
    let mut net = Network::start(
        &[(PROVINCE, 1), (CITY, 3), (COUNTY_A, 1), (COUNTY_B, 1)],
        timings(),
    )
    .await?;
    net.faults.cut(CITY);
    let (a, b) = tokio::join!(
        write_agencies(&net, COUNTY_A, "甲", 15),
        write_agencies(&net, COUNTY_B, "乙", 15)
    );
    a?;
    b?;
    net.wait_until(CITY, "both counties' first items held", LONG, |s| {
        (agency_items(s, COUNTY_A).len() == 15 && agency_items(s, COUNTY_B).len() == 15)
            .then_some(())
    })
    .await?;
    // The city's leader changes while the link is cut and the counties keep writing.
    let old = net.leader(CITY).await?;
    net.stop(CITY, old).await;
    let new = net.leader(CITY).await?;
    assert_ne!(old, new);
    let clerk_a = net.person(COUNTY_A, Organ::Bureau, Role::Clerk, "clerk")?;
    let clerk_b = net.person(COUNTY_B, Organ::Bureau, Role::Clerk, "clerk")?;
    let (mut ca, mut cb) = (
        net.client(COUNTY_A, &clerk_a)?,
        net.client(COUNTY_B, &clerk_b)?,
    );
    for i in 15..30 {
        register(&mut ca, &format!("甲{i}"), &client_id("甲"), i + 1).await?;
        register(&mut cb, &format!("乙{i}"), &client_id("乙"), i + 1).await?;
    }
    net.read(PROVINCE, |s| {
        assert!(
            agency_items(s, COUNTY_A).is_empty(),
            "nothing crossed the cut link"
        );
    })
    .await?;
    net.faults.heal(CITY);
    net.restart(CITY, old).await?;
    for (county, prefix) in [(COUNTY_A, "甲"), (COUNTY_B, "乙")] {
        let items = net
            .wait_until(PROVINCE, "30 items of each county", LONG, |s| {
                let items = agency_items(s, county);
                (items.len() == 30).then_some(items)
            })
            .await?;
        let names: Vec<_> = items.iter().map(|(_, n, _)| n.clone()).collect();
        assert_eq!(
            names,
            (0..30).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>(),
            "every item of {county} once, in order"
        );
        net.read(PROVINCE, |s| {
            let o = origin(s, county);
            assert_eq!(held_count(s, county), o.seq, "no hole and no duplicate");
        })
        .await?;
    }
    net.read(PROVINCE, |s| {
        assert!(alerts(s).is_empty(), "{:?}", alerts(s))
    })
    .await?;
    net.shutdown().await;
    Ok(())
}

/// A client of the parent's uplink presenting a node certificate.
fn uplink(
    net: &Network,
    to: &str,
    as_region: &str,
    node: u64,
) -> anyhow::Result<UplinkClient<tonic::transport::Channel>> {
    let tls = net.node_tls(as_region, node)?;
    let addr = net.addr(to, 1);
    Ok(UplinkClient::new(raw_channel(&addr, &tls)?))
}

/// An item of `origin` with sequence number `seq` (no proof: it counts as unproven).
fn item(origin: &str, seq: u64, text: &str) -> Vec<u8> {
    let it = UpItem {
        origin: origin.into(),
        epoch: EPOCH,
        seq,
        time_ms: 1,
        body: ItemBody::Summary {
            counters: [(format!("region/{text}"), seq as i64)]
                .into_iter()
                .collect(),
            overdue: vec![],
            backlog: 0,
        },
    };
    let c = Carried::Item {
        bytes: it.leaf_bytes().unwrap(),
        leaf_index: seq,
        head_size: 0,
        proof: vec![],
    };
    bincode::serialize(&c).unwrap()
}

fn push(first_seq: u64, entries: Vec<Vec<u8>>) -> fpb::PushRequest {
    fpb::PushRequest {
        first_seq,
        entries,
        tail: 0,
        oldest_ms: 0,
        pruned_through: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uplink_refuses_gaps_strangers_and_garbage_and_two_senders_count_once() -> anyhow::Result<()>
{
    // County B's nodes are not started: the test speaks for them with their certificates.
    let net = Network::start(
        &[(PROVINCE, 0), (CITY, 1), (COUNTY_A, 0), (COUNTY_B, 0)],
        timings(),
    )
    .await?;
    let mut b1 = uplink(&net, CITY, COUNTY_B, 1)?;
    let mut b2 = uplink(&net, CITY, COUNTY_B, 2)?;
    let r = b1
        .push(push(1, vec![item(COUNTY_B, 1, "x")]))
        .await?
        .into_inner();
    assert_eq!((r.mark, r.accepted, r.gap), (1, 1, false));

    // A sender that skips a sequence number is refused, and nothing is taken.
    let r = b1
        .push(push(3, vec![item(COUNTY_B, 3, "x")]))
        .await?
        .into_inner();
    assert!(r.gap);
    assert_eq!((r.mark, r.accepted), (1, 0));
    net.read(CITY, |s| assert_eq!(held_count(s, COUNTY_B), 1))
        .await?;
    // It recovers by resending from the mark.
    let r = b1
        .push(push(
            2,
            vec![item(COUNTY_B, 2, "x"), item(COUNTY_B, 3, "x")],
        ))
        .await?
        .into_inner();
    assert_eq!((r.mark, r.accepted, r.gap), (3, 2, false));

    // Two leaders of the county (say, before and after a leader change) send the same entries at
    // once: each is taken once.
    let batch = || push(4, (4..=8).map(|i| item(COUNTY_B, i, "y")).collect());
    let (x, y) = tokio::join!(b1.push(batch()), b2.push(batch()));
    let (x, y) = (x?.into_inner(), y?.into_inner());
    assert_eq!((x.mark, y.mark), (8, 8));
    assert_eq!(x.accepted + y.accepted, 5);
    assert_eq!(x.duplicates + y.duplicates, 5);
    net.read(CITY, |s| {
        assert_eq!(held_count(s, COUNTY_B), 8);
        // Items without a held head are alerted as unproven (the test sends no heads), and
        // nothing else.
        assert!(
            alerts(s).iter().all(|a| a.kind == AlertKind::Unproven),
            "{:?}",
            alerts(s)
        );
    })
    .await?;

    // The same position with different content is a fork: alerted, nothing replaced.
    let r = b1
        .push(push(8, vec![item(COUNTY_B, 8, "forged")]))
        .await?
        .into_inner();
    assert_eq!(r.mark, 8);
    assert_eq!(r.alerts.len(), 1, "{:?}", r.alerts);
    net.read(CITY, |s| {
        let a: Vec<_> = alerts(s)
            .into_iter()
            .filter(|a| a.kind != AlertKind::Unproven)
            .collect();
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].kind, a[0].subject.as_str()),
            (AlertKind::Fork, COUNTY_B)
        );
    })
    .await?;

    // Hostile calls: each a clear error, nothing changed. (The city's parent is not running,
    // so the city's alert item waits for a head and nothing else moves.)
    let before = net.read(CITY, |s| s.digest()).await?;
    let garbage = b1.push(push(9, vec![vec![0xff; 40]])).await.unwrap_err();
    assert_eq!(garbage.code(), tonic::Code::InvalidArgument, "{garbage}");
    let zero = b1
        .push(push(0, vec![item(COUNTY_B, 9, "x")]))
        .await
        .unwrap_err();
    assert_eq!(zero.code(), tonic::Code::InvalidArgument);
    let many = b1
        .push(push(9, vec![item(COUNTY_B, 9, "x"); 2001]))
        .await
        .unwrap_err();
    assert_eq!(many.code(), tonic::Code::InvalidArgument);
    let huge = b1
        .push(push(9, vec![vec![0u8; 2 * 1024 * 1024 + 1]]))
        .await
        .unwrap_err();
    assert_eq!(huge.code(), tonic::Code::InvalidArgument);
    // An item of another county, sent by county B: accepted position, refused content.
    // (A node of a region that is not a direct child may not push at all.)
    let mut province_node = uplink(&net, CITY, PROVINCE, 1)?;
    let e = province_node
        .push(push(1, vec![item(PROVINCE, 1, "x")]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e}");
    let clerk = net.person(COUNTY_B, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut person = UplinkClient::new(raw_channel(&net.addr(CITY, 1), &clerk)?);
    let e = person
        .push(push(9, vec![item(COUNTY_B, 9, "x")]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e}");
    let e = person.mark(fpb::MarkRequest {}).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e}");
    assert_eq!(
        net.read(CITY, |s| s.digest()).await?,
        before,
        "nothing changed"
    );

    // Items of an origin outside the sender's subtree are alerted and not held.
    let r = b1
        .push(push(9, vec![item(COUNTY_A, 1, "x")]))
        .await?
        .into_inner();
    assert_eq!(r.mark, 9);
    net.read(CITY, |s| {
        assert_eq!(held_count(s, COUNTY_A), 0);
        assert!(alerts(s).iter().any(|a| a.kind == AlertKind::Foreign));
    })
    .await?;
    let m = b2.mark(fpb::MarkRequest {}).await?.into_inner();
    assert_eq!(m.mark, 9);
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_altering_a_forwarded_county_item_is_detected_at_the_province() -> anyhow::Result<()>
{
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    // The city's uplink rewrites agency names in what it forwards.
    net.faults.tamper(
        CITY,
        Some(std::sync::Arc::new(|c: &mut Carried| {
            if let Carried::Item { bytes, .. } = c {
                if let Some(mut it) = UpItem::from_leaf(bytes) {
                    if let ItemBody::Agency(a) = &mut it.body {
                        a.name = format!("{}（改）", a.name);
                        *bytes = it.leaf_bytes().unwrap();
                    }
                }
            }
        })),
    );
    write_agencies(&net, COUNTY_A, "县局", 3).await?;
    let found = net
        .wait_until(PROVINCE, "an alteration alert", LONG, |s| {
            alerts(s)
                .into_iter()
                .find(|a| a.kind == AlertKind::Altered && a.subject == COUNTY_A)
        })
        .await?;
    assert_eq!(found.detected_by, PROVINCE);
    // The link went on: all three positions were taken, none counted as proven.
    let items = net
        .wait_until(PROVINCE, "3 items", LONG, |s| {
            let i = agency_items(s, COUNTY_A);
            (i.len() == 3).then_some(i)
        })
        .await?;
    assert!(items.iter().all(|(_, _, proven)| !proven), "{items:?}");
    // The city itself holds the true items.
    net.read(CITY, |s| {
        assert!(agency_items(s, COUNTY_A)
            .iter()
            .all(|(_, n, p)| *p && !n.contains('改')));
        assert!(alerts(s).is_empty());
    })
    .await?;
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_whose_history_was_rewritten_is_detected_at_the_city_and_the_province(
) -> anyhow::Result<()> {
    let mut net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    write_agencies(&net, COUNTY_A, "原", 4).await?;
    net.wait_until(PROVINCE, "4 items", LONG, |s| {
        (agency_items(s, COUNTY_A).len() == 4).then_some(())
    })
    .await?;
    // The county's records are wiped and written again differently.
    net.wipe(COUNTY_A, 1).await?;
    net.restart(COUNTY_A, 1).await?;
    write_agencies(&net, COUNTY_A, "改", 6).await?;
    let at_city = net
        .wait_until(CITY, "a tamper alert about the county", LONG, |s| {
            alerts(s)
                .into_iter()
                .find(|a| a.subject == COUNTY_A && a.detected_by == CITY)
        })
        .await?;
    assert!(
        matches!(at_city.kind, AlertKind::Fork | AlertKind::Inconsistent),
        "{at_city:?}"
    );
    net.wait_until(PROVINCE, "the city's alert", LONG, |s| {
        alerts(s)
            .into_iter()
            .find(|a| a.subject == COUNTY_A && a.detected_by == CITY)
    })
    .await?;
    // The original items stay as they were.
    net.read(CITY, |s| {
        let names: Vec<_> = agency_items(s, COUNTY_A)
            .into_iter()
            .map(|(_, n, _)| n)
            .collect();
        assert_eq!(names[..4], ["原0", "原1", "原2", "原3"]);
    })
    .await?;
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_travels_down_once_per_region_and_its_receipt_comes_back_up() -> anyhow::Result<()>
{
    use sanxiang::domain::federation::downlink::{DownBody, RECEIVED, SENT_DOWN};
    use sanxiang::domain::Command;
    use sanxiang_proto::region as rpb;
    let net = Network::start(
        &[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1), (COUNTY_B, 1)],
        timings(),
    )
    .await?;
    let inspector = net.person(PROVINCE, Organ::Bureau, Role::Inspector, "insp")?;
    let mut cl = net.client(PROVINCE, &inspector)?;
    let send = |to: &str, req: u64| rpb::ExecuteRequest {
        write_id: Some(rpb::WriteId {
            client_id: "insp".into(),
            request_id: req,
        }),
        command_json: serde_json::to_string(&Command::SendDown(cmd::SendDown {
            to: to.into(),
            body: DownBody::Notice {
                number: "湘司通〔2026〕1号".into(),
                title: "关于行政执法公示情况的通报".into(),
                text: "请于十个工作日内整改。".into(),
            },
        }))
        .unwrap(),
    };
    let r = cl
        .call(|mut c| {
            let req = send(COUNTY_A, 1);
            async move { c.execute(req).await }
        })
        .await?;
    assert!(
        matches!(r.outcome, Some(rpb::write_reply::Outcome::Record(_))),
        "{r:?}"
    );
    // The addressee holds it once; the city on the path holds it too; county B never sees it.
    net.wait_until(COUNTY_A, "the notice delivered", LONG, |s| {
        let n = RECEIVED.keys(s).count();
        (n == 1).then_some(())
    })
    .await?;
    net.read(CITY, |s| assert_eq!(RECEIVED.keys(s).count(), 1))
        .await?;
    net.read(COUNTY_B, |s| assert_eq!(RECEIVED.keys(s).count(), 0))
        .await?;
    // The receipt comes back up to the issuer.
    let delivered = net
        .wait_until(PROVINCE, "the receipt", LONG, |s| {
            SENT_DOWN
                .read(s, &1)
                .ok()
                .flatten()
                .and_then(|x| x.delivered_ms)
        })
        .await?;
    assert!(delivered > 0);

    // Refusals: a clerk may not send down; nor to a region not below; nor an empty notice.
    let clerk = net.person(PROVINCE, Organ::Bureau, Role::Clerk, "c")?;
    let mut ccl = net.client(PROVINCE, &clerk)?;
    let r = ccl
        .call(|mut c| {
            let req = send(COUNTY_A, 1);
            async move { c.execute(req).await }
        })
        .await?;
    assert!(
        matches!(&r.outcome, Some(rpb::write_reply::Outcome::Refused(f)) if f.rule == "SUP-2"),
        "{r:?}"
    );
    let city_inspector = net.person(CITY, Organ::Bureau, Role::Inspector, "i")?;
    let mut icl = net.client(CITY, &city_inspector)?;
    let r = icl
        .call(|mut c| {
            let req = send("p/d/x", 1);
            async move { c.execute(req).await }
        })
        .await?;
    assert!(
        matches!(&r.outcome, Some(rpb::write_reply::Outcome::Refused(f)) if f.rule == "AUTH"),
        "{r:?}"
    );
    // Node-only commands are refused at the API.
    let e = cl
        .call(|mut c| async move {
            c.execute(rpb::ExecuteRequest {
                write_id: Some(rpb::WriteId {
                    client_id: "insp".into(),
                    request_id: 9,
                }),
                command_json: serde_json::to_string(&Command::DownAcked(cmd::DownAcked {
                    child: CITY.into(),
                    mark: 1,
                }))
                .unwrap(),
            })
            .await
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("只能由本地区的节点提出"), "{e}");
    // A node of a county may not push down to the city.
    let tls = net.node_tls(COUNTY_A, 1)?;
    let mut down = sanxiang_proto::federation::downlink_client::DownlinkClient::new(raw_channel(
        &net.addr(CITY, 1),
        &tls,
    )?);
    let e = down.mark(fpb::MarkRequest {}).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied, "{e}");
    net.read(PROVINCE, |s| {
        assert_eq!(SENT_DOWN.keys(s).count(), 1, "refusals sent nothing")
    })
    .await?;
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_sent_down_is_enforced_at_every_region_on_its_path() -> anyhow::Result<()> {
    use sanxiang::domain::federation::downlink::DownBody;
    use sanxiang::domain::Command;
    use sanxiang_proto::region as rpb;
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    let zhang = net.person(COUNTY_A, Organ::Bureau, Role::Clerk, "zhang")?;
    let li = net.person(COUNTY_A, Organ::Bureau, Role::Clerk, "li")?;
    // Zhang's client keeps its connection open throughout.
    let mut zhang_open = net.client(COUNTY_A, &zhang)?;
    register(&mut zhang_open, "张局", "z", 1).await?;
    let serial = sanxiang::pki::revocation::serial_of(&zhang.cert_der()).unwrap();
    let inspector = net.person(PROVINCE, Organ::Bureau, Role::Inspector, "insp")?;
    let mut cl = net.client(PROVINCE, &inspector)?;
    let req = rpb::ExecuteRequest {
        write_id: Some(rpb::WriteId {
            client_id: "insp".into(),
            request_id: 1,
        }),
        command_json: serde_json::to_string(&Command::SendDown(cmd::SendDown {
            to: COUNTY_A.into(),
            body: DownBody::Revocation {
                serials: vec![serial],
                reason: "证件遗失".into(),
            },
        }))?,
    };
    cl.call(|mut c| {
        let req = req.clone();
        async move { c.execute(req).await }
    })
    .await?;
    // Every region on the path, and the issuer, enforce it once it has applied it.
    for region in [COUNTY_A, CITY, PROVINCE] {
        let node = net.node(region, 1);
        let mut m = node.ctx.raft.metrics();
        let deadline = tokio::time::Instant::now() + LONG;
        while node.ctx.tls.revoked.len() != 1 {
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "{region} never enforced the revocation"
            );
            let _ = tokio::time::timeout(Duration::from_millis(100), m.changed()).await;
        }
    }
    // The open connection is refused on its next request, at once.
    let t0 = std::time::Instant::now();
    let refused = register(&mut zhang_open, "张局三", "z", 3).await;
    let took = t0.elapsed();
    let e = refused.expect_err("a revoked certificate still writes on its open connection");
    assert!(
        took < Duration::from_secs(1),
        "refused only after {took:?}: {e}"
    );
    assert!(e.to_string().contains("吊销"), "{e}");
    // A new connection with the revoked certificate is refused at the handshake; others work.
    let mut zhang_again = sanxiang::client::Client::new(
        &[net.node(COUNTY_A, 1).addr.to_string()],
        &zhang,
        Some(COUNTY_A),
        Duration::from_secs(2),
    )?;
    let refused = register(&mut zhang_again, "张局二", "z", 2).await;
    assert!(
        refused.is_err(),
        "a revoked certificate still writes: {refused:?}"
    );
    register(&mut net.client(COUNTY_A, &li)?, "李局", "l", 1).await?;
    net.shutdown().await;
    Ok(())
}

/// A head the parent refused does not break the chain: the next head is proven from the last
/// head the parent holds (which the parent tells in its answers) and is accepted, and the items
/// after it are proven again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_head_is_followed_by_an_accepted_one() -> anyhow::Result<()> {
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    let head_at_city = |s: &sanxiang::domain::State| origin(s, COUNTY_A).head_size;
    write_agencies(&net, COUNTY_A, "甲", 1).await?;
    let first = net
        .wait_until(CITY, "the county's first head", LONG, |s| {
            let h = head_at_city(s);
            (h > 0 && agency_items(s, COUNTY_A).iter().all(|(_, _, p)| *p)).then_some(h)
        })
        .await?;
    // The next head arrives with a broken signature, and is refused.
    net.faults.tamper(
        COUNTY_A,
        Some(std::sync::Arc::new(|c: &mut Carried| {
            if let Carried::Head { head, .. } = c {
                if let Some(b) = head.signature.first_mut() {
                    *b ^= 1;
                }
            }
        })),
    );
    write_agencies(&net, COUNTY_A, "乙", 1).await?;
    net.wait_until(CITY, "the refused head's alert", LONG, |s| {
        alerts(s)
            .into_iter()
            .find(|a| a.kind == AlertKind::BadSignature && a.subject == COUNTY_A)
    })
    .await?;
    net.read(CITY, |s| {
        assert_eq!(head_at_city(s), first, "the refused head is not held")
    })
    .await?;
    net.faults.tamper(COUNTY_A, None);
    write_agencies(&net, COUNTY_A, "丙", 1).await?;
    let items = net
        .wait_until(
            CITY,
            "a later head accepted and the new item proven",
            LONG,
            |s| {
                let items = agency_items(s, COUNTY_A);
                (head_at_city(s) > first && items.len() == 3 && items[2].2).then_some(items)
            },
        )
        .await?;
    assert!(items[0].2, "{items:?}");
    net.read(CITY, |s| {
        // The refused head, and the item only it could prove; no inconsistency after it.
        let kinds: Vec<_> = alerts(s).into_iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [AlertKind::BadSignature, AlertKind::Unproven],
            "{kinds:?}"
        );
    })
    .await?;
    net.shutdown().await;
    Ok(())
}

/// An idle network's ledgers stay as they are: once a county's item has travelled up and been
/// acknowledged, neither the ticks nor the acknowledgements of the heads grow any ledger (an
/// acknowledgement is no record, so it calls for no new head, whose acknowledgement would).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_network_adds_no_leaves() -> anyhow::Result<()> {
    use sanxiang::domain::core::state::{CLOCK, META};
    let mut t = timings();
    t.tick = Duration::from_millis(50);
    // Heads as often as the ledger grows.
    t.head_every = Duration::from_millis(100);
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], t).await?;
    write_agencies(&net, COUNTY_A, "闲", 1).await?;
    // The regions' first status summaries (made on their first Tick) travel up too.
    for region in [COUNTY_A, CITY] {
        net.wait_until(region, "the first summary", LONG, |s| {
            META.read(s, sanxiang::domain::federation::outbox::SUMMARY_MS)
                .ok()
                .flatten()
        })
        .await?;
    }
    for region in [COUNTY_A, CITY] {
        net.wait_until(region, "outbox acknowledged", LONG, |s| {
            let st = sanxiang::domain::federation::outbox::outbox_stats(s).ok()?;
            (st.backlog == 0 && st.pending == 0 && st.tail > 0).then_some(st)
        })
        .await?;
    }
    let sizes =
        || [PROVINCE, CITY, COUNTY_A].map(|r| net.node(r, 1).ctx.sm.read(|s| s.frontier.size()));
    let clock = |s: &sanxiang::domain::State| META.read(s, CLOCK).ok().flatten().unwrap_or(0);
    let nr = &net;
    let ticks = |n: i64| async move {
        for region in [PROVINCE, CITY, COUNTY_A] {
            let c0 = nr.read(region, clock).await?;
            nr.wait_until(region, "ticks", LONG, |s| {
                (clock(s) >= c0 + n * 50).then_some(())
            })
            .await?;
        }
        anyhow::Ok(())
    };
    // Settled: the last heads and acknowledgements landed (no change over 20 ticks).
    let mut before = sizes();
    let mut settled = false;
    for _ in 0..10 {
        ticks(20).await?;
        let now = sizes();
        if now == before {
            settled = true;
            break;
        }
        before = now;
    }
    assert!(settled, "the ledgers never stopped growing: {before:?}");
    // 40 ticks more in every region.
    ticks(40).await?;
    let after = sizes();
    assert_eq!(after, before, "ledgers of province, city, county");
    net.shutdown().await;
    Ok(())
}
