//! Write throughput and latency of one region: three nodes in this process (mutual TLS on
//! loopback, sled with fsync), C concurrent clients registering agencies.
//!
//! `cargo run --release --example bench_writes -- [--direct] [TOTAL] [CONCURRENCY...]`
//! Prints, per concurrency: ops/s, p50/p99 latency, and fsyncs per write (group commit).
//! With `--direct` the writers call the leader's write path in-process instead of going through
//! the gRPC client, to show what the client and TLS layer cost.
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sanxiang::client::Client;
use sanxiang::config::RaftTimings;
use sanxiang::domain::{
    Actor, AgencyInput, Command, Envelope, Person, PowerKind, Role, RULES_VERSION,
};
use sanxiang::pki::TlsMaterial;
use sanxiang_proto::region as pb;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let direct = std::env::args().any(|a| a == "--direct");
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(2000);
    let levels: Vec<u64> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![1, 16, 64]
    };
    let dir = tempfile::tempdir()?;
    let demo = sanxiang::demo::start(dir.path(), RaftTimings::default()).await?;
    let tls = TlsMaterial::load(
        &sanxiang::pki::issue::ca_cert_path(&demo.net.pki),
        &demo.clerk.0,
        &demo.clerk.1,
    )?;
    // The network has a leader once started; clients go straight to it.
    let leader_id = demo.net.leader(&demo.region).await?;
    let leader = demo.net.addr(&demo.region, leader_id);
    let leader_ctx = demo
        .net
        .node(&demo.region, leader_id)
        .map(|n| n.ctx.clone())
        .ok_or_else(|| anyhow::anyhow!("leader not in this process"))?;
    println!("concurrency  writes   ops/s   p50 ms   p99 ms   fsyncs/write  ms/fsync");
    let mut next = 0u64;
    for c in levels {
        let flush_before: u64 = flushes(&demo);
        let micros_before = flush_micros(&demo);
        let per = total / c;
        let start = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..c {
            let mut client = Client::new(
                std::slice::from_ref(&leader),
                &tls,
                Some(&demo.region),
                Duration::from_secs(30),
            )?;
            let base = next + w * per;
            let ctx = leader_ctx.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let cid = format!("bench-{base}");
                for i in 0..per {
                    let req = pb::RegisterAgencyRequest {
                        write_id: Some(pb::WriteId {
                            client_id: cid.clone(),
                            request_id: i + 1,
                        }),
                        agency: Some(pb::AgencyInput {
                            name: format!("基准机关{}", base + i),
                            powers: vec!["penalty".into()],
                            legal_basis: "《中华人民共和国行政处罚法》".into(),
                            domain: "市场监管".into(),
                            contact: String::new(),
                        }),
                    };
                    let t = Instant::now();
                    let ok = if direct {
                        let env = Envelope {
                            actor: Actor::Person(Person {
                                region: ctx.region.clone(),
                                organ: sanxiang::domain::Organ::Bureau,
                                role: Role::Clerk,
                                user: "demo-clerk".into(),
                            }),
                            client_id: cid.clone(),
                            request_id: i + 1,
                            time_ms: 0,
                            rules_version: RULES_VERSION,
                            command: Command::RegisterAgency(AgencyInput {
                                name: format!("基准机关{}", base + i),
                                powers: vec![PowerKind::Penalty],
                                legal_basis: "《中华人民共和国行政处罚法》".into(),
                                domain: "市场监管".into(),
                                contact: String::new(),
                            }),
                        };
                        ctx.write(env).await.is_ok()
                    } else {
                        client
                            .call(|mut cl| {
                                let req = req.clone();
                                async move { cl.register_agency(req).await }
                            })
                            .await
                            .is_ok()
                    };
                    if ok {
                        lat.push(t.elapsed());
                    }
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await?);
        }
        next += per * c;
        let secs = start.elapsed().as_secs_f64();
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        };
        let f = flushes(&demo) - flush_before;
        let fm = flush_micros(&demo) - micros_before;
        println!(
            "{c:>11}  {:>6}  {:>6.0}  {:>7.2}  {:>7.2}   {:>6.2}        {:>6.2}",
            lat.len(),
            lat.len() as f64 / secs,
            pct(0.5),
            pct(0.99),
            f as f64 / lat.len().max(1) as f64 / 3.0,
            fm as f64 / f.max(1) as f64 / 1000.0
        );
    }
    // Group-commit batching per node: completions (appends and barriers) per fsync.
    for n in demo.net.running(&demo.region) {
        let s = n.flush_stats();
        let (f, c) = (
            s.flushes.load(Ordering::Relaxed),
            s.completions.load(Ordering::Relaxed),
        );
        let role = if n.ctx.leader().map(|(l, _)| l) == Some(n.ctx.node_id) {
            "leader"
        } else {
            "follower"
        };
        println!(
            "node {} ({role}): {f} fsyncs, {c} completions, {:.2} per fsync",
            n.ctx.node_id,
            c as f64 / f.max(1) as f64
        );
    }
    // What the writes cost in space: the store of each node on disk (log, state, ledger,
    // snapshot), and the memory of this process (all three nodes).
    let writes = next.max(1);
    for n in demo.net.running(&demo.region) {
        let dir = demo.net.data_dir(&demo.region, n.ctx.node_id);
        let bytes = dir_bytes(&dir);
        let (leaves, applied) = n
            .ctx
            .sm
            .read(|s| (s.frontier.size(), s.applied.map(|l| l.index).unwrap_or(0)));
        println!(
            "node {} store: {:.1} MB on disk, {:.0} bytes per write; {leaves} ledger leaves, {applied} entries applied",
            n.ctx.node_id,
            bytes as f64 / 1e6,
            bytes as f64 / writes as f64
        );
    }
    if let Some(rss) = rss_kb() {
        println!(
            "process memory (3 nodes): {:.0} MB resident",
            rss as f64 / 1024.0
        );
    }
    demo.net.shutdown().await;
    Ok(())
}

/// Bytes of the files under `dir`.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for e in entries.flatten() {
        match e.metadata() {
            Ok(m) if m.is_dir() => total += dir_bytes(&e.path()),
            Ok(m) => total += m.len(),
            Err(_) => {}
        }
    }
    total
}

/// Resident memory of this process, KiB (Linux).
fn rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn flush_micros(demo: &sanxiang::demo::Demo) -> u64 {
    demo.net
        .running(&demo.region)
        .map(|n| n.flush_stats().flush_micros.load(Ordering::Relaxed))
        .sum()
}

fn flushes(demo: &sanxiang::demo::Demo) -> u64 {
    demo.net
        .running(&demo.region)
        .map(|n| n.flush_stats().flushes.load(Ordering::Relaxed))
        .sum()
}
