//! Federation benchmark: county → city → province in one process, each region its own Raft
//! cluster with mutual TLS on loopback and fsync on every commit.
//!
//! 1. **Propagation latency** under a steady county write load: each agency registered in the
//!    county is an item for the parent; the time from the county's acknowledgement of the write
//!    to the item being applied at the province (two uplink hops, each applied through Raft,
//!    plus the county's signed head that proves it) — p50, p90, p99, max.
//! 2. **Backlog drain**: the county's uplink is cut while it writes N agencies; then the link is
//!    healed and the time until the province holds all N is measured.
//!
//! Usage: cargo run --release -p sanxiang-tests --example bench_federation --
//!        [--nodes 3] [--rate 50] [--seconds 20] [--backlog 100000] [--drain-nodes 1] [--batch 1000]
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sanxiang::domain::core::organ::{AgencyInput, PowerKind};
use sanxiang::domain::federation::held::HELD_ITEMS;
use sanxiang::domain::federation::items::{Carried, ItemBody, UpItem};
use sanxiang::domain::federation::outbox::outbox_stats;
use sanxiang::domain::{Actor, Command, Envelope, Person, Role, RULES_VERSION};
use sanxiang_tests::network::*;
use sanxiang_tests::timings;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env(i: u64) -> Envelope {
    Envelope {
        actor: Actor::Person(Person {
            region: COUNTY_A.into(),
            organ: sanxiang::domain::Organ::Bureau,
            role: Role::Clerk,
            user: "bench".into(),
        }),
        client_id: "bench".into(),
        request_id: i + 1,
        time_ms: 0,
        rules_version: RULES_VERSION,
        command: Command::RegisterAgency(AgencyInput {
            name: format!("基准执法机关{i:07}"),
            powers: vec![PowerKind::Penalty],
            legal_basis: "《中华人民共和国行政处罚法》".into(),
            domain: "市场监管".into(),
            contact: "0731-1234".into(),
        }),
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Index of an agency item's name, from its bytes.
fn agency_index(c: &Carried) -> Option<u64> {
    let Carried::Item { bytes, .. } = c else {
        return None;
    };
    match UpItem::from_leaf(bytes)?.body {
        ItemBody::Agency(a) => a.name.strip_prefix("基准执法机关")?.parse().ok(),
        _ => None,
    }
}

async fn latency(nodes: u64, rate: u64, seconds: u64) -> anyhow::Result<()> {
    let net = Network::start(
        &[(PROVINCE, nodes), (CITY, nodes), (COUNTY_A, nodes)],
        timings(),
    )
    .await?;
    let county = net.leader(COUNTY_A).await?;
    let province = net.leader(PROVINCE).await?;
    net.leader(CITY).await?;
    // Warm up: connections made, first heads signed, before anything is timed.
    let cctx = net.node(COUNTY_A, county).ctx.clone();
    for i in 0..5 {
        cctx.write(env(10_000_000 + i)).await?;
    }
    net.wait_until(PROVINCE, "warm-up items", Duration::from_secs(60), |s| {
        (origin(s, COUNTY_A).seq >= 5).then_some(())
    })
    .await?;
    let written: Arc<Mutex<BTreeMap<u64, Instant>>> = Default::default();
    let seen: Arc<Mutex<BTreeMap<u64, Instant>>> = Default::default();
    let total = rate * seconds;
    // Observer at the province: wakes on every apply, records when each item first appears.
    let pctx = net.node(PROVINCE, province).ctx.clone();
    let seen2 = seen.clone();
    let observer = tokio::spawn(async move {
        let mut m = pctx.raft.metrics();
        let mut next = 1u64;
        loop {
            let found: Vec<Option<u64>> = pctx.sm.read(|s| {
                let mut out = Vec::new();
                while let Ok(Some(h)) =
                    HELD_ITEMS.read(&s.domain, &(COUNTY_A.to_string(), next + out.len() as u64))
                {
                    out.push(agency_index(&h.carried));
                }
                out
            });
            let now = Instant::now();
            next += found.len() as u64;
            let found: Vec<Option<u64>> = found
                .into_iter()
                .map(|i| i.filter(|i| *i < 10_000_000))
                .collect();
            {
                let mut s = seen2.lock().unwrap();
                for i in found.into_iter().flatten() {
                    s.entry(i).or_insert(now);
                }
                if s.len() as u64 >= total {
                    return;
                }
            }
            if m.changed().await.is_err() {
                return;
            }
        }
    });
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let mut writers = Vec::new();
    let started = Instant::now();
    for i in 0..total {
        tick.tick().await;
        let c = cctx.clone();
        let w = written.clone();
        writers.push(tokio::spawn(async move {
            if c.write(env(i)).await.is_ok() {
                w.lock().unwrap().insert(i, Instant::now());
            }
        }));
    }
    for w in writers {
        w.await?;
    }
    let wrote = started.elapsed();
    tokio::time::timeout(Duration::from_secs(120), observer).await??;
    let w = written.lock().unwrap().clone();
    let s = seen.lock().unwrap().clone();
    let mut lat: Vec<Duration> = w
        .iter()
        .filter_map(|(i, tw)| s.get(i).map(|tp| tp.saturating_duration_since(*tw)))
        .collect();
    lat.sort();
    println!(
        "propagation county → city → province ({nodes} node(s) per region, {rate} writes/s for {:.1} s, {} items):",
        wrote.as_secs_f64(),
        lat.len()
    );
    println!(
        "  p50 {:.1} ms   p90 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        pct(&lat, 0.5).as_secs_f64() * 1e3,
        pct(&lat, 0.9).as_secs_f64() * 1e3,
        pct(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    net.shutdown().await;
    Ok(())
}

async fn drain(nodes: u64, backlog: u64) -> anyhow::Result<()> {
    let mut t = timings();
    t.snapshot_every = 20_000;
    t.uplink_batch = arg("--batch", 1000) as usize;
    let net = Network::start(&[(PROVINCE, nodes), (CITY, nodes), (COUNTY_A, nodes)], t).await?;
    let county = net.leader(COUNTY_A).await?;
    net.faults.cut(COUNTY_A);
    let cctx = net.node(COUNTY_A, county).ctx.clone();
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..256 {
        let c = cctx.clone();
        let n = next.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= backlog {
                    return Ok::<_, anyhow::Error>(());
                }
                c.write(env(i)).await?;
            }
        }));
    }
    let mut last_report = Instant::now();
    for t in tasks {
        while !t.is_finished() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if last_report.elapsed() > Duration::from_secs(5) {
                last_report = Instant::now();
                let done = next.load(std::sync::atomic::Ordering::Relaxed).min(backlog);
                eprintln!("  writing the backlog: {done}/{backlog}");
            }
        }
        t.await??;
    }
    let wrote = started.elapsed();
    let st = net
        .wait_until(
            COUNTY_A,
            "every item queued under a head",
            Duration::from_secs(120),
            |s| outbox_stats(s).ok().filter(|st| st.pending == 0),
        )
        .await?;
    println!(
        "backlog: {backlog} agencies written with the uplink cut in {:.1} s ({:.0}/s); outbox {} entries (items and heads)",
        wrote.as_secs_f64(),
        backlog as f64 / wrote.as_secs_f64(),
        st.backlog
    );
    let own = st.own_items;
    net.faults.heal(COUNTY_A);
    let t0 = Instant::now();
    let city_done = net
        .wait_until(
            CITY,
            "all items at the city",
            Duration::from_secs(600),
            |s| (origin(s, COUNTY_A).seq == own).then(Instant::now),
        )
        .await?;
    net.wait_until(
        PROVINCE,
        "all items at the province",
        Duration::from_secs(600),
        |s| (origin(s, COUNTY_A).seq == own).then_some(()),
    )
    .await?;
    let total = t0.elapsed();
    let at_city = city_done.saturating_duration_since(t0);
    println!(
        "drain after healing ({nodes} node(s) per region): {own} items at the city in {:.1} s ({:.0}/s), at the province in {:.1} s ({:.0}/s)",
        at_city.as_secs_f64(),
        own as f64 / at_city.as_secs_f64().max(1e-9),
        total.as_secs_f64(),
        own as f64 / total.as_secs_f64()
    );
    net.shutdown().await;
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    sanxiang_tests::init();
    // RUST_LOG=sanxiang::federation=debug shows each push with its timings.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let nodes = arg("--nodes", 3);
    let rate = arg("--rate", 50);
    let seconds = arg("--seconds", 20);
    let backlog = arg("--backlog", 100_000);
    let drain_nodes = arg("--drain-nodes", 1);
    if seconds > 0 {
        latency(nodes, rate, seconds).await?;
    }
    if backlog > 0 {
        drain(drain_nodes, backlog).await?;
    }
    Ok(())
}
