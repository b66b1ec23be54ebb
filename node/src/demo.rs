//! `sanxiang demo`: one county's three nodes in this process, certificates in a temp dir.
use std::path::Path;

use anyhow::Context;
use clap::Args;

use crate::config::{NodeSpec, RaftTimings, RegionKind, RegionSpec, Topology};
use crate::domain::Role;
use crate::pki::{issue, TlsMaterial};
use crate::raft::{NodeConfig, RunningNode};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the data and certificates in this directory instead of a temp dir.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

/// A started demo county.
pub struct Demo {
    pub nodes: Vec<RunningNode>,
    pub topology_path: std::path::PathBuf,
    pub pki: std::path::PathBuf,
    pub region: String,
    pub clerk: (std::path::PathBuf, std::path::PathBuf),
}

/// Region of the demo.
pub const DEMO_REGION: &str = "hunan/changsha/liuyang";

/// Starts three nodes of one county under `dir`, on free loopback ports.
pub async fn start(dir: &Path, timings: RaftTimings) -> anyhow::Result<Demo> {
    let mut listeners = Vec::new();
    let mut nodes = Vec::new();
    for id in 1..=3u64 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        nodes.push(NodeSpec {
            id,
            grpc: l.local_addr()?.to_string(),
            http: String::new(),
        });
        listeners.push(l);
    }
    let topology = Topology::from_parts(
        "demo.sanxiang".into(),
        vec![RegionSpec {
            id: DEMO_REGION.into(),
            name: "浏阳市".into(),
            kind: RegionKind::County,
            parent: None,
            nodes,
        }],
    )?;
    let topology_path = dir.join("topology.toml");
    std::fs::write(&topology_path, topology.to_toml()?).context("writing the demo topology")?;
    let pki = dir.join("pki");
    issue::init(&topology, &pki, 30, true, &mut |_| {})?;
    let (cert, key, _) = issue::issue_person(
        &pki,
        &topology.domain,
        DEMO_REGION,
        Role::Clerk,
        "demo-clerk",
        30,
        true,
    )?;
    // The people of the README walkthrough.
    for (role, name) in [
        (Role::Clerk, "clerk"),
        (Role::Supervisor, "sup"),
        (Role::Head, "zhao"),
        (Role::Officer, "zhang"),
        (Role::Officer, "li"),
        (Role::Reviewer, "wang"),
        (Role::Monitor, "monitor"),
    ] {
        issue::issue_person(&pki, &topology.domain, DEMO_REGION, role, name, 30, true)?;
    }
    let mut running = Vec::new();
    for (i, l) in listeners.into_iter().enumerate() {
        let id = i as u64 + 1;
        let cfg = NodeConfig {
            topology: topology.clone(),
            region: DEMO_REGION.into(),
            node_id: id,
            data_dir: dir.join(format!("node-{id}")),
            tls: TlsMaterial::load_node(&pki, DEMO_REGION, id)?,
            timings,
            cache_bytes: 16 * 1024 * 1024,
            faults: None,
        };
        running.push(RunningNode::start(cfg, l).await?);
    }
    Ok(Demo {
        nodes: running,
        topology_path,
        pki,
        region: DEMO_REGION.into(),
        clerk: (cert, key),
    })
}

pub async fn run(a: DemoArgs) -> anyhow::Result<()> {
    let tmp;
    let dir = match a.dir {
        Some(d) => {
            std::fs::create_dir_all(&d)?;
            d
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    // Heads every 5 s so a visitor sees one soon.
    let timings = RaftTimings {
        head_every: std::time::Duration::from_secs(5),
        ..RaftTimings::default()
    };
    let demo = start(&dir, timings).await?;
    let env = format!(
        "export SANXIANG_TOPOLOGY={} SANXIANG_REGION={} SANXIANG_CA={} SANXIANG_PEOPLE={} SANXIANG_AS=clerk-clerk",
        demo.topology_path.display(),
        demo.region,
        issue::ca_cert_path(&demo.pki).display(),
        demo.pki.join("people").join(&demo.region).display(),
    );
    let env_file = dir.join("env.sh");
    std::fs::write(&env_file, format!("{env}\n")).context("writing env.sh")?;
    println!(
        "演示县 demo county {} (浏阳市): 3 个节点已启动",
        demo.region
    );
    for n in &demo.nodes {
        println!("  节点 node {} @ {}", n.ctx.node_id, n.addr);
    }
    println!("\n在另一个终端试试 try in another terminal:\n");
    println!("  {env}");
    println!("  (or: source {})", env_file.display());
    println!("  people: clerk-clerk, supervisor-sup, head-zhao, officer-zhang, officer-li, reviewer-wang, monitor-monitor (--as …)");
    println!("  sanxiang status");
    println!("  sanxiang agency add --name 浏阳市市场监督管理局 --powers penalty,inspection,licensing --legal-basis 《中华人民共和国行政处罚法》 --domain 市场监管 --contact 0731-83000000");
    println!("  sanxiang agency list");
    println!("  sanxiang ledger root");
    println!("  sanxiang ledger prove --index 0 --json > proof.json && sanxiang ledger verify --proof proof.json");
    println!("\n(cargo run --release -- <command> if sanxiang is not on PATH)  Ctrl-C 停止");
    crate::cli::serve::wait_for_signal().await;
    for n in demo.nodes {
        n.shutdown().await;
    }
    Ok(())
}
