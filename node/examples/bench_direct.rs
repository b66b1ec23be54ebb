//! Write throughput of the Raft + store path alone (no gRPC client): three nodes in this
//! process, C tasks calling the leader's write path directly. Compare with `bench_writes` to see
//! what the client/TLS layer costs.
//!
//! `cargo run --release --example bench_direct -- [TOTAL] [CONCURRENCY...]`
use std::time::{Duration, Instant};

use anyhow::Context;
use sanxiang::config::RaftTimings;
use sanxiang::domain::{
    Actor, AgencyInput, Command, Envelope, Person, PowerKind, Role, RULES_VERSION,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(3000);
    let levels: Vec<u64> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![1, 16, 64]
    };
    let dir = tempfile::tempdir()?;
    let demo = sanxiang::demo::start(dir.path(), RaftTimings::default()).await?;
    demo.nodes[0]
        .ctx
        .raft
        .wait(Some(Duration::from_secs(30)))
        .metrics(|m| m.current_leader.is_some(), "leader")
        .await?;
    let (leader, _) = demo.nodes[0].ctx.leader().context("no leader")?;
    let ctx = demo
        .nodes
        .iter()
        .find(|n| n.ctx.node_id == leader)
        .context("leader not in this process")?
        .ctx
        .clone();
    println!("concurrency  writes   ops/s");
    for c in levels {
        let per = total / c;
        let start = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..c {
            let ctx = ctx.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..per {
                    let env = Envelope {
                        actor: Actor::Person(Person {
                            region: ctx.region.clone(),
                            role: Role::Clerk,
                            user: "bench".into(),
                        }),
                        client_id: format!("direct-{c}-{w}"),
                        request_id: i + 1,
                        time_ms: 0,
                        rules_version: RULES_VERSION,
                        command: Command::RegisterAgency(AgencyInput {
                            name: format!("直写{c}-{w}-{i}"),
                            powers: vec![PowerKind::Penalty],
                            legal_basis: "《中华人民共和国行政处罚法》".into(),
                            domain: "市场监管".into(),
                            contact: String::new(),
                        }),
                    };
                    ctx.write(env).await?;
                }
                Ok::<_, sanxiang::raft::node::PathError>(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        println!(
            "{c:>11}  {:>6}  {:>6.0}",
            per * c,
            (per * c) as f64 / start.elapsed().as_secs_f64()
        );
    }
    for n in demo.nodes {
        n.shutdown().await;
    }
    Ok(())
}
