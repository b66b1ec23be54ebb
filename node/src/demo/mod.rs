//! `sanxiang demo`: the whole demo network of `cluster-config/demo.toml` — 7 regions × 3 nodes
//! in this process, on free loopback ports, certificates in a temp dir — seeded with a quarter
//! of realistic records (see [`seed`]). [`start`] starts one county alone (the write benchmark).
use std::path::Path;

use anyhow::Context;
use clap::Args;

use crate::app::network::{Network, Options};
use crate::clock::Clock;
use crate::config::{NodeSpec, RaftTimings, RegionKind, RegionSpec, Topology};
use crate::domain::{Organ, Role};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the data and certificates in this directory instead of a temp dir.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Start the network with no records (the README walkthrough starts from here).
    #[arg(long)]
    pub empty: bool,
}

/// A started demo county.
pub struct Demo {
    pub net: Network,
    pub region: String,
    /// The clerk's certificate and key.
    pub clerk: (std::path::PathBuf, std::path::PathBuf),
}

/// Region of the demo.
pub const DEMO_REGION: &str = "hunan/changsha/liuyang";

/// Starts three nodes of one county under `dir`, on free loopback ports.
pub async fn start(dir: &Path, timings: RaftTimings) -> anyhow::Result<Demo> {
    let nodes = (1..=3u64)
        .map(|id| NodeSpec {
            id,
            grpc: "127.0.0.1:0".into(),
            http: String::new(),
        })
        .collect();
    let template = Topology::from_parts(
        "demo.sanxiang".into(),
        vec![RegionSpec {
            id: DEMO_REGION.into(),
            name: "浏阳市".into(),
            kind: RegionKind::County,
            parent: None,
            nodes,
        }],
    )?;
    let options = Options {
        cache_bytes: 16 * 1024 * 1024,
        ..Options::new(timings)
    };
    let net = Network::start(&template, dir, options, &mut |_| {}).await?;
    let clerk = net.issue_person(DEMO_REGION, Organ::Bureau, Role::Clerk, "demo-clerk")?;
    // The people of the README walkthrough.
    for (organ, role, name) in network::PEOPLE {
        net.issue_person(DEMO_REGION, organ, role, name)?;
    }
    Ok(Demo {
        net,
        region: DEMO_REGION.into(),
        clerk,
    })
}

pub mod network;
pub mod seed;

/// The pages in a browser: the portal's address and sign-in links for the provincial
/// supervisor and head and for a county agency's clerk (5 minutes each; `sanxiang web login`
/// makes more).
async fn print_web(net: &network::DemoNetwork) {
    let Some(portal) = net.web_addr("hunan") else {
        return;
    };
    println!("\n在浏览器中打开 open in a browser (自签名证书：浏览器会提示，选择继续):");
    println!("  公示门户 public portal:        https://{portal}/portal");
    for (label, region, organ, role, user) in [
        (
            "省司法厅监督人员 provincial supervisor",
            "hunan",
            Organ::Bureau,
            Role::Supervisor,
            "sup",
        ),
        (
            "省司法厅负责人 provincial head",
            "hunan",
            Organ::Bureau,
            Role::Head,
            "zhou",
        ),
        (
            "宁乡市司法局监督人员 county bureau supervisor",
            "hunan/changsha/ningxiang",
            Organ::Bureau,
            Role::Supervisor,
            "sup",
        ),
        (
            "宁乡市执法机关 1 登记员 county agency clerk",
            "hunan/changsha/ningxiang",
            Organ::Agency(1),
            Role::Clerk,
            "clerk",
        ),
        (
            "宁乡市执法机关 1 执法人员 county officer",
            "hunan/changsha/ningxiang",
            Organ::Agency(1),
            Role::Officer,
            "zhang",
        ),
    ] {
        match net.sign_in_link(region, organ, role, user).await {
            Ok(url) => println!("  {label}:\n    WEB-LOGIN {region} {organ}/{role}-{user} {url}"),
            Err(e) => println!("  {label}: 无法生成登录链接 {e}"),
        }
    }
    println!("  (链接 5 分钟内有效、只能用一次；之后用 sanxiang web login 取得新链接)");
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
    let started = std::time::Instant::now();
    // Heads every 5 s so a visitor sees one soon.
    let timings = RaftTimings {
        head_every: std::time::Duration::from_secs(5),
        tick: std::time::Duration::from_secs(5),
        ..RaftTimings::default()
    };
    // The seed records a past quarter: the network starts at its first day.
    let clock = if a.empty {
        Clock::system()
    } else {
        Clock::starting_at(seed::start_ms()?)
    };
    let net = network::DemoNetwork::start(&dir, timings, clock, &mut |m| eprintln!("{m}")).await?;
    let env = net.env_for(DEMO_REGION, "bureau/clerk-clerk");
    if !a.empty {
        let summary = seed::seed(&net, &mut |m| eprintln!("  {m}")).await;
        net.clock().reset();
        let summary = summary?;
        seed::finish(&net, &summary, &mut |m| eprintln!("  {m}")).await?;
        println!("{}", summary.describe());
    }
    let env_file = dir.join("env.sh");
    std::fs::write(&env_file, format!("{env}\n")).context("writing env.sh")?;
    println!(
        "演示网络 demo network: {} 个区域 regions × 3 个节点 nodes 已就绪 ready in {:.1} s",
        net.regions().len(),
        started.elapsed().as_secs_f64()
    );
    for r in net.regions() {
        let spec = net.net.topology.region(&r)?;
        let addrs: Vec<String> = spec.nodes.iter().map(|n| n.grpc.clone()).collect();
        println!("  {:<8} {:<26} {}", spec.name, r, addrs.join(" "));
    }
    let prov = net.env_for("hunan", "bureau/supervisor-sup");
    println!("\n在另一个终端试试 try in another terminal:\n");
    println!("  # 省司法厅 the provincial judicial department");
    println!("  {prov}");
    println!("  sanxiang monitor                                   # 每个市县一行 a row per city and county");
    println!("  sanxiang monitor --of hunan/changsha/ningxiang     # 下钻到县 drill down to a county's agencies and overdue cases");
    println!("  sanxiang monitor --qualifying                      # 符合通报条件的单位 units that qualify for a notice");
    println!("  sanxiang notice draft-from-qualifying --kind criticism --title 关于行政执法公示逾期问题的通报 --reason publication_overdue --deadline 2026-12-31");
    println!("  sanxiang notice sign --as bureau/head-zhou --id <id> --prefix 湘司通   # 司法厅负责人签发");
    println!("  sanxiang monitor --json | python3 -m json.tool | less");
    println!("\n  # 宁乡市 the county whose agency 1 receives it");
    println!(
        "  {}",
        net.env_for("hunan/changsha/ningxiang", "agency-1/clerk-clerk")
    );
    println!("  sanxiang notice list                               # inbox: 收到的通报");
    println!(
        "  sanxiang notice answer --issuer hunan --id <id> --unit 'hunan/changsha/ningxiang#1'"
    );
    println!("\n  # the README walkthrough county (浏阳市)");
    println!("  {env}");
    println!("  (or: source {})", env_file.display());
    let people: Vec<String> = network::PEOPLE
        .iter()
        .map(|(organ, role, name)| format!("{organ}/{role}-{name}"))
        .collect();
    println!(
        "  每个区域的人员 people in every region (--as …): {}",
        people.join(", ")
    );
    print_web(&net).await;
    println!("\n(cargo run --release -- <command> if sanxiang is not on PATH)  Ctrl-C 停止");
    crate::cli::serve::wait_for_signal().await;
    net.shutdown().await;
    Ok(())
}
