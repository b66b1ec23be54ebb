//! A region's 3-node cluster: election, writes, failover, restart and catch-up, dedup across a
//! leader change, replay giving identical state; and in [`membership`], its members: a node
//! replaced while the region writes, a wiped voter refused, five nodes, who may change them.
use openraft::storage::{RaftLogReader, RaftStateMachine};
use sanxiang::domain::{Organ, Role};
use sanxiang_proto::region::write_reply::Outcome;
use sanxiang_tests::*;

#[path = "cluster/membership.rs"]
mod membership;

fn agency_id(r: &sanxiang_proto::region::WriteReply) -> u64 {
    match &r.outcome {
        Some(Outcome::Agency(a)) => a.id,
        other => panic!("expected an agency, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn election_failover_restart_catch_up() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    for i in 0..20 {
        let r = register(&mut cl, &format!("甲{i}"), "t1", i + 1).await?;
        assert_eq!(agency_id(&r), i + 1);
    }
    c.stop(leader).await;
    let new_leader = c.leader().await?;
    assert_ne!(new_leader, leader);
    for i in 20..40 {
        register(&mut cl, &format!("甲{i}"), "t1", i + 1).await?;
    }
    c.restart(leader).await?;
    let last = c
        .node(new_leader)
        .ctx
        .raft
        .metrics()
        .borrow()
        .last_applied
        .map(|l| l.index)
        .unwrap_or(0);
    c.wait_applied(last).await?;
    c.settle().await?;
    let heads: Vec<_> = c.running().map(|n| n.ctx.sm.ledger_head()).collect();
    assert_eq!(heads.len(), 3);
    assert!(
        heads.iter().all(|h| *h == heads[0]),
        "ledger heads differ: {heads:?}"
    );
    let digests: Vec<_> = c
        .running()
        .map(|n| n.ctx.sm.read(|s| s.domain.digest()))
        .collect();
    assert!(
        digests.iter().all(|d| *d == digests[0]),
        "domain states differ"
    );
    // One leaf per command; each agency is also an item for the parent region (its own leaf);
    // and each signed head is a command (none here: the parent is never reachable, so items
    // wait for the periodic head).
    let recorded_heads = c.node(new_leader).ctx.sm.read(|s| {
        sanxiang::domain::federation::tree_head::HEADS
            .keys(&s.domain)
            .count()
    }) as u64;
    assert_eq!(heads[0].0, 40 + 40 + recorded_heads);
    let names: Vec<_> = list(&mut cl).await?.into_iter().map(|a| a.name).collect();
    assert_eq!(names.len(), 40);
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_retried_across_leader_crash_exists_once() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    let first = register(&mut cl, "浏阳市市场监督管理局", "retry-client", 42).await?;
    assert!(!first.deduplicated);
    c.stop(leader).await;
    c.leader().await?;
    let mut cl2 = c.client(&clerk)?;
    let again = register(&mut cl2, "浏阳市市场监督管理局", "retry-client", 42).await?;
    assert!(
        again.deduplicated,
        "the retry must be answered from the dedup table"
    );
    assert_eq!(agency_id(&again), agency_id(&first));
    assert_eq!(again.log_index, first.log_index);
    assert_eq!(list(&mut cl2).await?.len(), 1);
    // A new request id is a new write.
    let other = register(&mut cl2, "浏阳市交通运输局", "retry-client", 43).await?;
    assert_eq!(agency_id(&other), 2);
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_log_on_a_fresh_node_gives_identical_state() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    for i in 0..15 {
        register(&mut cl, &format!("乙{i}"), "replay", i + 1).await?;
    }
    // A refused write and a retried write are part of the log too.
    register(&mut cl, "乙0", "replay", 100).await?;
    register(&mut cl, "乙1", "replay", 2).await?;
    let last = c
        .running()
        .map(|n| {
            n.ctx
                .raft
                .metrics()
                .borrow()
                .last_applied
                .map(|l| l.index)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    c.wait_applied(last).await?;
    let (digest, head) = c
        .node(1)
        .ctx
        .sm
        .read(|s| (s.domain.digest(), (s.frontier.size(), s.frontier.root())));
    c.stop(1).await;
    // Read node 1's log from its database and apply it to a brand-new state machine.
    let (mut log, _sm) = sanxiang::store::open(&c.data_dir(1), REGION, 8 << 20).await?;
    let entries = log.try_get_log_entries(0..).await?;
    assert!(entries.len() as u64 >= last);
    let fresh_dir = tempfile::tempdir()?;
    let (_l2, mut fresh) = sanxiang::store::open(fresh_dir.path(), REGION, 8 << 20).await?;
    fresh.apply(entries).await?;
    let (d2, h2) = fresh
        .shared
        .read(|s| (s.domain.digest(), (s.frontier.size(), s.frontier.root())));
    assert_eq!(d2, digest, "replayed domain state differs");
    assert_eq!(h2, head, "replayed ledger differs");
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolated_former_leader_refuses_linearizable_reads() -> anyhow::Result<()> {
    let mut c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    c.node(leader).ctx.linearizable().await?;
    for id in [1, 2, 3] {
        if id != leader {
            c.stop(id).await;
        }
    }
    let res = c.node(leader).ctx.linearizable().await;
    assert!(
        res.is_err(),
        "a leader without a quorum must refuse linearizable reads"
    );
    assert!(res.err().is_some_and(|e| e.is_retryable()));
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_signs_tree_heads_every_replica_records_them() -> anyhow::Result<()> {
    let mut t = timings();
    t.head_every = std::time::Duration::from_millis(200);
    let c = Cluster::start(3, t).await?;
    c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    for i in 0..5 {
        register(&mut cl, &format!("丁{i}"), "heads", i + 1).await?;
    }
    let last_head = |n: &sanxiang::app::RunningNode| {
        n.ctx.sm.read(|s| {
            sanxiang::domain::core::state::META
                .read(
                    &s.domain,
                    sanxiang::domain::federation::tree_head::LAST_HEAD_SIZE,
                )
                .ok()
                .flatten()
                .unwrap_or(0)
        })
    };
    // Wait, on applied entries, until every node recorded a head covering the five writes.
    for n in c.running() {
        let mut applied = n
            .ctx
            .raft
            .metrics()
            .borrow()
            .last_applied
            .map(|l| l.index)
            .unwrap_or(0);
        while last_head(n) < 5 {
            n.ctx
                .raft
                .wait(Some(std::time::Duration::from_secs(20)))
                .applied_index_at_least(Some(applied + 1), "next entry")
                .await?;
            applied += 1;
        }
    }
    for n in c.running() {
        let size = last_head(n) as u64;
        let sh = n
            .ctx
            .sm
            .read(|s| sanxiang::domain::federation::tree_head::HEADS.read(&s.domain, &size))
            .unwrap()
            .unwrap();
        sanxiang::ledger::head::verify(&sh.head, &sh.signature, &sh.cert_der)?;
        assert_eq!(sanxiang::ledger::root_at(&*n.ctx.sm, size)?, sh.head.root);
        let id = sanxiang::pki::tls::verify_node_cert(
            &sanxiang::pki::issue::ca_cert_path(&c.net.pki),
            &sh.cert_der,
        )?;
        assert_eq!(id.region(), REGION);
    }
    c.shutdown().await;
    Ok(())
}

/// Two networks in one process run on their own clocks: each region's replicated clock
/// follows the clock its leader stamps with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn networks_in_one_process_keep_their_own_clocks() -> anyhow::Result<()> {
    use sanxiang::app::network::Options;
    use sanxiang::clock::{system_ms, Clock};
    use sanxiang::domain::core::state::{CLOCK, META};
    const DAY: i64 = 86_400_000;
    let past = system_ms() - 30 * DAY;
    let now = Cluster::start_with(1, Options::new(timings())).await?;
    let then = Cluster::start_with(
        1,
        Options {
            clock: Clock::starting_at(past),
            ..Options::new(timings())
        },
    )
    .await?;
    let mut stamped = Vec::new();
    for c in [&now, &then] {
        let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
        register(&mut c.client(&clerk)?, "甲局", "clock", 1).await?;
        let l = c.leader().await?;
        stamped.push(
            c.node(l)
                .ctx
                .sm
                .read(|s| META.read(&s.domain, CLOCK))?
                .unwrap_or(0),
        );
    }
    assert!((stamped[0] - system_ms()).abs() < DAY, "{stamped:?}");
    assert!((stamped[1] - past).abs() < DAY, "{stamped:?}");
    now.shutdown().await;
    then.shutdown().await;
    Ok(())
}

/// An idle region's ledger does not grow: a `Tick` that moves only the replicated clock is no
/// record and gets no leaf, and with no new leaf no new tree head is signed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_regions_ledger_stays_as_it_is_over_many_ticks() -> anyhow::Result<()> {
    use sanxiang::domain::core::state::{CLOCK, META};
    let mut t = timings();
    t.tick = std::time::Duration::from_millis(50);
    t.head_every = std::time::Duration::from_millis(200);
    let c = Cluster::start(3, t).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = c.client(&clerk)?;
    register(&mut cl, "甲", "idle", 1).await?;
    let n = c.node(leader);
    let state = || {
        n.ctx.sm.read(|s| {
            let head = META
                .read(
                    &s.domain,
                    sanxiang::domain::federation::tree_head::LAST_HEAD_SIZE,
                )
                .ok()
                .flatten()
                .unwrap_or(0);
            let clock = META.read(&s.domain, CLOCK).ok().flatten().unwrap_or(0);
            (s.frontier.size(), head, clock)
        })
    };
    let applied = || {
        n.ctx
            .raft
            .metrics()
            .borrow()
            .last_applied
            .map(|l| l.index)
            .unwrap_or(0)
    };
    let next = |index: u64| async move {
        n.ctx
            .raft
            .wait(Some(std::time::Duration::from_secs(20)))
            .applied_index_at_least(Some(index + 1), "next entry")
            .await
    };
    // Until the write is covered by a recorded head (whose own leaf is the last one).
    loop {
        let (size, head, _) = state();
        if head > 0 && size == head as u64 + 1 {
            break;
        }
        next(applied()).await?;
    }
    // `n` ticks' worth of replicated time, every entry waited for.
    let ticks = |count: i64| async move {
        let c0 = state().2;
        while state().2 < c0 + count * 50 {
            next(applied()).await?;
        }
        anyhow::Ok(())
    };
    // Settled: no new leaf over 20 ticks (a retried write, a last head, on a busy machine).
    let mut size = state().0;
    let mut settled = false;
    for _ in 0..10 {
        ticks(20).await?;
        let now = state().0;
        if now == size {
            settled = true;
            break;
        }
        size = now;
    }
    assert!(settled, "the ledger never stopped growing: {size} leaves");
    let from = applied();
    ticks(40).await?;
    assert!(
        applied() >= from + 20,
        "the ticks were committed: {} entries",
        applied() - from
    );
    c.settle().await?;
    for m in c.running() {
        let after = m.ctx.sm.read(|s| s.frontier.size());
        let added: Vec<String> = (size..after)
            .map(|i| {
                let d = m.ctx.sm.leaf_data(i).ok().flatten().unwrap_or_default();
                sanxiang::domain::Envelope::decode(&d)
                    .map(|e| e.command.name().to_string())
                    .unwrap_or_else(|_| format!("{} bytes", d.len()))
            })
            .collect();
        assert!(added.is_empty(), "ledger grew while idle: {added:?}");
    }
    c.shutdown().await;
    Ok(())
}
