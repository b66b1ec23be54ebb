//! Membership of a region's cluster (ARCHITECTURE "Identity"): a machine replaced while the
//! region writes, a node added and the leader removed, a wiped voter refused at start, a fresh
//! node that does not start blind, five-node regions, and who may change the membership.
use sanxiang::domain::{Organ, Role};
use sanxiang_proto::region::write_reply::Outcome;
use sanxiang_tests::*;

/// Every node id the applied state records as started.
fn started(n: &sanxiang::app::RunningNode) -> Vec<u64> {
    n.ctx.sm.read(|s| {
        sanxiang::domain::command::members::records(&s.domain)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.caught_up_ms.is_some())
            .map(|r| r.node)
            .collect()
    })
}

/// The voters in a node's membership.
fn voters(n: &sanxiang::app::RunningNode) -> Vec<u64> {
    let m = n.ctx.raft.metrics().borrow().clone();
    m.membership_config.membership().voter_ids().collect()
}

/// A node of `c` other than `not`, by id.
fn other_than(not: &[u64]) -> u64 {
    (1..).find(|i| !not.contains(i)).unwrap_or(1)
}

/// Waits until every running node records `id` as started.
async fn until_started(c: &Cluster, id: u64) -> anyhow::Result<()> {
    for n in c.running() {
        sanxiang::app::network::wait_on(&n.ctx, "node recorded as started", LONG, |ctx| {
            ctx.sm
                .read(|s| sanxiang::domain::command::members::records(&s.domain))
                .ok()?
                .into_iter()
                .find(|r| r.node == id && r.caught_up_ms.is_some())
        })
        .await?;
    }
    Ok(())
}

const LONG: std::time::Duration = std::time::Duration::from_secs(30);

/// Writes agencies until told to stop; returns the names acknowledged and how many writes
/// were attempted.
fn writer(
    mut cl: sanxiang::client::Client,
    acked: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<(Vec<String>, u64)> {
    tokio::spawn(async move {
        let mut names = Vec::new();
        let mut i = 0;
        while !*stop.borrow() {
            i += 1;
            let name = format!("替换中{i:05}");
            if let Ok(r) = register(&mut cl, &name, "replacing", i).await {
                if matches!(r.outcome, Some(Outcome::Agency(_))) {
                    names.push(name);
                    acked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }
        (names, i)
    })
}

/// Waits until the writer acknowledged at least `n` writes.
async fn until_acked(acked: &std::sync::atomic::AtomicU64, n: u64) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + LONG;
    while acked.load(std::sync::atomic::Ordering::SeqCst) < n {
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "writes stalled");
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A dead machine is replaced under a new id while a client keeps writing: the new node is
/// added as a learner, catches up, and one membership change swaps it in. Every voter ends
/// with the same ledger, every acknowledged write is there, and the old id stays refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_is_replaced_while_the_region_writes() -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    // Snapshots often and a short log: the new node catches up from a snapshot, then the log.
    let mut t = timings();
    t.snapshot_every = 64;
    t.keep_logs = 16;
    let mut c = Cluster::start(3, t).await?;
    let leader = c.leader().await?;
    let old = other_than(&[leader]);
    until_started(&c, old).await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let acked = std::sync::Arc::new(AtomicU64::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let load = writer(c.client(&clerk)?, acked.clone(), stopped);
    until_acked(&acked, 200).await?;
    // The leader's log no longer starts at the beginning: the new node needs a snapshot.
    sanxiang::app::network::wait_on(&c.node(leader).ctx, "log purged", LONG, |ctx| {
        ctx.raft.metrics().borrow().purged
    })
    .await?;
    // The machine of `old` dies with its disk.
    c.wipe(old).await?;
    c.add_node(4).await?;
    let before = acked.load(Ordering::SeqCst);
    let t0 = std::time::Instant::now();
    let mut steps = Vec::new();
    c.operator(leader)?
        .replace_node(old, 4, &mut |p| steps.push(p.message.clone()))
        .await?;
    let took = t0.elapsed();
    let during = acked.load(Ordering::SeqCst) - before;
    eprintln!("replacement took {took:?}, {during} writes acknowledged meanwhile: {steps:#?}");
    until_acked(&acked, acked.load(Ordering::SeqCst) + 20).await?;
    stop.send_replace(true);
    let (names, attempted) = load.await?;
    let mut expected: Vec<u64> = vec![1, 2, 3, 4].into_iter().filter(|i| *i != old).collect();
    expected.sort_unstable();
    let l = c.leader().await?;
    assert_eq!(voters(c.node(l)), expected);
    let last = c
        .node(l)
        .ctx
        .raft
        .metrics()
        .borrow()
        .last_applied
        .map(|x| x.index)
        .unwrap_or(0);
    c.wait_applied(last).await?;
    c.settle().await?;
    let heads: Vec<_> = c.running().map(|n| n.ctx.sm.ledger_head()).collect();
    assert_eq!(heads.len(), 3);
    assert!(heads.iter().all(|h| *h == heads[0]), "{heads:?}");
    let listed: std::collections::BTreeSet<String> = list(&mut c.client(&clerk)?)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    let lost: Vec<&String> = names.iter().filter(|n| !listed.contains(*n)).collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    assert!(listed.len() as u64 <= attempted);
    // With the added node leading, followers (reached at the old topology's addresses) still
    // forward writes and reads to it, at the membership's address.
    for _ in 0..12 {
        let l = c.leader().await?;
        if l == 4 {
            break;
        }
        c.stop(l).await;
        sanxiang::app::network::wait_on(&c.node(4).ctx, "another leader", LONG, |ctx| {
            ctx.raft
                .metrics()
                .borrow()
                .current_leader
                .filter(|x| *x != l)
        })
        .await?;
        c.restart(l).await?;
    }
    assert_eq!(c.leader().await?, 4, "node 4 never led");
    let followers: Vec<String> = expected
        .iter()
        .filter(|i| **i != 4)
        .map(|i| c.addr(*i))
        .collect();
    let mut via = sanxiang::client::Client::new(
        &followers,
        &clerk,
        Some(REGION),
        std::time::Duration::from_secs(30),
    )?;
    register(&mut via, "新领导者之下", "replaced", 1).await?;
    let names: Vec<String> = list(&mut via).await?.into_iter().map(|a| a.name).collect();
    assert!(names.iter().any(|n| n == "新领导者之下"));
    // The old id stays refused: restarted empty, and as a node to add.
    let err = c.restart(old).await.expect_err("a retired id is refused");
    assert!(format!("{err:#}").contains("编号不再使用"), "{err:#}");
    let again = c.operator(l)?.add_node(old, &mut |_| {}).await;
    assert_eq!(
        again.err().and_then(|e| e.code()),
        Some(tonic::Code::FailedPrecondition)
    );
    c.shutdown().await;
    Ok(())
}

/// A voter whose data directory was wiped does not come back under its id: it asks its
/// peers before it serves Raft, finds itself recorded as started, and refuses with a message
/// that says what to do; it never stored a vote, and the region goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_voter_is_refused_at_start() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let victim = other_than(&[leader]);
    until_started(&c, victim).await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    register(&mut c.client(&clerk)?, "甲", "wiped", 1).await?;
    c.wipe(victim).await?;
    let err = c
        .restart(victim)
        .await
        .expect_err("a wiped voter is refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains(&format!("节点 {victim} 已经是地区 {REGION} 启动过的成员")),
        "{msg}"
    );
    assert!(msg.contains("replace-node --old"), "{msg}");
    assert!(c.net.node(REGION, victim).is_none());
    let (log, _sm) = sanxiang::store::open(&c.data_dir(victim), REGION, 8 << 20).await?;
    assert!(
        log.is_fresh()?,
        "the refused node stored a vote or an entry"
    );
    drop(log);
    register(&mut c.client(&clerk)?, "乙", "wiped", 2).await?;
    assert_eq!(voters(c.node(c.leader().await?)), vec![1, 2, 3]);
    c.shutdown().await;
    Ok(())
}

/// Five nodes elect a leader, and the region keeps writing with two of them stopped (the
/// leader among them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_node_region_elects_and_survives_two_nodes_stopped() -> anyhow::Result<()> {
    let mut c = Cluster::start(5, timings()).await?;
    let leader = c.leader().await?;
    assert_eq!(voters(c.node(leader)), vec![1, 2, 3, 4, 5]);
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    for i in 0..5 {
        register(&mut cl, &format!("五{i}"), "five", i + 1).await?;
    }
    for id in 1..=5 {
        until_started(&c, id).await?;
    }
    let other = other_than(&[leader]);
    c.stop(leader).await;
    c.stop(other).await;
    let now = c.leader().await?;
    assert!(now != leader && now != other);
    for i in 5..10 {
        register(&mut cl, &format!("五{i}"), "five", i + 1).await?;
    }
    assert_eq!(list(&mut cl).await?.len(), 10);
    c.settle().await?;
    assert_eq!(
        started(c.node(now)).len(),
        5,
        "every node held the log once"
    );
    c.shutdown().await;
    Ok(())
}

/// Membership is managed by the region's nodes only: a person's certificate and another
/// region's node are refused every `Cluster` call, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_calls_from_a_person_or_another_region_are_refused() -> anyhow::Result<()> {
    use sanxiang_proto::cluster as cpb;
    use sanxiang_proto::cluster::cluster_client::ClusterClient;
    let c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let head = c.person(REGION, Organ::Bureau, Role::Head, "head")?;
    let foreign = c.node_tls(OTHER, 1)?;
    for who in [&head, &foreign] {
        for id in [1, 2, 3] {
            let mut cl = ClusterClient::new(raw_channel(&c.addr(id), who)?);
            let codes = [
                cl.members(cpb::MembersRequest {}).await.err(),
                cl.probe(cpb::ProbeRequest {}).await.err(),
                cl.remove_node(cpb::RemoveNodeRequest { id: 3 }).await.err(),
                cl.add_node(cpb::AddNodeRequest {
                    id: 9,
                    addr: "127.0.0.1:1".into(),
                })
                .await
                .err(),
                cl.replace_node(cpb::ReplaceNodeRequest {
                    old: 2,
                    new: 9,
                    addr: "127.0.0.1:1".into(),
                })
                .await
                .err(),
            ]
            .map(|e| e.map(|s| s.code()));
            assert!(
                codes
                    .iter()
                    .all(|c| *c == Some(tonic::Code::PermissionDenied)),
                "{}: {codes:?}",
                who.identity
            );
        }
    }
    let m = c.operator(1)?.members().await?;
    let ids: Vec<(u64, bool)> = m.members.iter().map(|n| (n.id, n.voter)).collect();
    assert_eq!(ids, vec![(1, true), (2, true), (3, true)]);
    assert_eq!(m.leader, leader);
    assert!(m.members.iter().all(|n| n.reachable));
    c.shutdown().await;
    Ok(())
}

/// Removing an unknown id, the last voter, or a node whose removal leaves the voters without
/// a reachable majority is refused, saying why; adding an id the topology does not list is
/// refused before anything is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_changes_that_would_harm_the_region_are_refused() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let op = c.operator(leader)?;
    let unknown = op
        .remove_node(9, &mut |_| {})
        .await
        .expect_err("unknown id");
    assert_eq!(unknown.code(), Some(tonic::Code::NotFound), "{unknown}");
    assert!(unknown.to_string().contains("节点 9 不是地区"), "{unknown}");
    let absent = op
        .add_node(7, &mut |_| {})
        .await
        .expect_err("not in the topology");
    assert!(
        matches!(
            absent,
            sanxiang::members::ClusterError::NotInTopology { id: 7, .. }
        ),
        "{absent}"
    );
    let voter = op
        .add_node(2, &mut |_| {})
        .await
        .expect_err("a voter already");
    assert_eq!(voter.code(), Some(tonic::Code::AlreadyExists), "{voter}");
    // One follower down: removing the other one would leave one reachable voter of two.
    let down = other_than(&[leader]);
    let alive = other_than(&[leader, down]);
    c.stop(down).await;
    let harmful = op
        .remove_node(alive, &mut |_| {})
        .await
        .expect_err("no majority left");
    assert_eq!(harmful.code(), Some(tonic::Code::FailedPrecondition));
    assert!(harmful.to_string().contains("少于多数"), "{harmful}");
    assert_eq!(voters(c.node(leader)), vec![1, 2, 3]);
    c.shutdown().await;

    let single = Cluster::start(1, timings()).await?;
    single.leader().await?;
    let last = single
        .operator(1)?
        .remove_node(1, &mut |_| {})
        .await
        .expect_err("the last voter");
    assert_eq!(last.code(), Some(tonic::Code::FailedPrecondition));
    assert!(last.to_string().contains("唯一的投票成员"), "{last}");
    single.shutdown().await;
    Ok(())
}

/// A node is added (learner, caught up, voter), then the leader itself is removed: the region
/// goes on under a new leader, `members` tells it all, and the removed id stays refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_is_added_and_the_leader_removed() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    for i in 0..10 {
        register(&mut cl, &format!("增{i}"), "add", i + 1).await?;
    }
    c.add_node(4).await?;
    let op = c.operator(other_than(&[leader]))?;
    let mut steps = Vec::new();
    op.add_node(4, &mut |p| steps.push(p.message.clone()))
        .await?;
    assert!(steps.iter().any(|s| s.contains("学习者")), "{steps:?}");
    assert_eq!(voters(c.node(leader)), vec![1, 2, 3, 4]);
    op.remove_node(leader, &mut |_| {}).await?;
    c.stop(leader).await;
    let now = c.leader().await?;
    let mut expected: Vec<u64> = vec![1, 2, 3, 4]
        .into_iter()
        .filter(|i| *i != leader)
        .collect();
    expected.sort_unstable();
    assert_eq!(voters(c.node(now)), expected);
    register(&mut cl, "增后", "add", 11).await?;
    // The new leader records the removal and the added node's catching up once it sees them:
    // wait for that state.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut applied = c.node(now).ctx.raft.metrics();
    let m = loop {
        let m = op.members().await?;
        let settled = m.retired.contains(&leader) && m.members.iter().all(|n| n.started);
        if settled || tokio::time::Instant::now() > deadline {
            break m;
        }
        // The records come as committed entries: wait for the next change of Raft's state.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), applied.changed()).await;
    };
    // The region leads itself among the remaining voters (an election after the removal may
    // move the leadership again, so it need not be the node seen first).
    assert!(
        expected.contains(&m.leader) && m.leader != leader,
        "leader {} after removing {leader}: {m:?}",
        m.leader
    );
    assert_eq!(m.members.iter().map(|n| n.id).collect::<Vec<_>>(), expected);
    assert!(m.retired.contains(&leader), "{m:?}");
    assert!(m.members.iter().all(|n| n.started && n.reachable), "{m:?}");
    c.wipe(leader).await?;
    let err = c
        .restart(leader)
        .await
        .expect_err("a removed id is refused");
    assert!(format!("{err:#}").contains("编号不再使用"), "{err:#}");
    c.shutdown().await;
    Ok(())
}

/// A fresh node whose peers do not answer does not start blind: it keeps asking (and is not
/// serving Raft meanwhile), even with --bootstrap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_node_whose_peers_do_not_answer_keeps_asking() -> anyhow::Result<()> {
    use sanxiang::app::network::{Network, Options};
    init();
    let dir = tempfile::tempdir()?;
    let template = sanxiang::config::Topology::from_parts(
        "test.sanxiang".into(),
        vec![
            region_spec(OTHER, "省", sanxiang::config::RegionKind::Province, 1),
            region_spec(REGION, "县", sanxiang::config::RegionKind::County, 3),
        ],
    )?;
    let options = Options {
        started: Some(std::collections::BTreeMap::from([(REGION.to_string(), 1)])),
        ..Options::new(timings())
    };
    let mut quiet = |_: &str| {};
    let start = Network::start(&template, dir.path(), options, &mut quiet);
    // While node 1 starts: it serves its own view, holds no membership, answers no Raft RPC.
    let check = async {
        tokio::time::sleep(std::time::Duration::from_secs(4)).await;
        let topology = sanxiang::config::Topology::load(&dir.path().join("topology.toml"))?;
        let addr = topology.node(REGION, 1)?.grpc.clone();
        let peer = sanxiang::pki::TlsMaterial::load_node(&dir.path().join("pki"), REGION, 2)?;
        let view = sanxiang::members::probe::ask(&peer, REGION, 1, &addr).await?;
        assert!(!view.initialized, "{view:?}");
        let mut raft =
            sanxiang_proto::raft::raft_peer_client::RaftPeerClient::new(raw_channel(&addr, &peer)?);
        let vote = raft
            .vote(sanxiang_proto::raft::RaftPayload { data: vec![] })
            .await
            .expect_err("no vote before the peers answered");
        assert_eq!(vote.code(), tonic::Code::Unavailable, "{vote:?}");
        anyhow::Ok(())
    };
    tokio::select! {
        r = start => panic!("node 1 started without an answer from its peers: {:?}", r.err()),
        r = check => r,
    }
}

/// A region bootstraps with one of its three nodes missing (two of three answer), and the
/// missing member, never caught up, starts normally later and catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_never_started_member_joins_later() -> anyhow::Result<()> {
    use sanxiang::app::network::Options;
    let mut c = Cluster::start_with(
        3,
        Options {
            started: Some(std::collections::BTreeMap::from([(REGION.to_string(), 2)])),
            ..Options::new(timings())
        },
    )
    .await?;
    let leader = c.leader().await?;
    assert_eq!(voters(c.node(leader)), vec![1, 2, 3]);
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    register(&mut c.client(&clerk)?, "甲", "late", 1).await?;
    assert!(!started(c.node(leader)).contains(&3));
    c.restart(3).await?;
    until_started(&c, 3).await?;
    c.settle().await?;
    assert_eq!(c.running().count(), 3);
    c.shutdown().await;
    Ok(())
}
