//! `sanxiang serve`: one Raft member, until SIGINT or SIGTERM.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::app::{NodeConfig, RunningNode};
use crate::config::{RaftTimings, Topology};
use crate::pki::TlsMaterial;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Topology file (see cluster-config/demo.toml).
    #[arg(long, env = "SANXIANG_TOPOLOGY")]
    pub topology: PathBuf,
    /// This node, as REGION/ID, e.g. hunan/changsha/liuyang/1.
    #[arg(long)]
    pub node: String,
    /// Data directory of this node (created if missing).
    #[arg(long)]
    pub data: PathBuf,
    /// PKI directory made by `sanxiang pki init`.
    #[arg(long, env = "SANXIANG_PKI")]
    pub pki: PathBuf,
    /// sled page cache for this node, in MiB.
    #[arg(long, default_value_t = 64)]
    pub cache_mb: u64,
    /// Leader heartbeat interval, ms.
    #[arg(long, default_value_t = 250)]
    pub heartbeat_ms: u64,
    /// Election timeout lower bound, ms.
    #[arg(long, default_value_t = 1500)]
    pub election_min_ms: u64,
    /// Election timeout upper bound, ms.
    #[arg(long, default_value_t = 3000)]
    pub election_max_ms: u64,
    /// Build a snapshot (and purge the log) every N applied entries.
    #[arg(long, default_value_t = 5000)]
    pub snapshot_every: u64,
    /// Interval of the leader's Tick command, seconds. Each Tick also sends a changed status
    /// summary to the parent region.
    #[arg(long, default_value_t = 60)]
    pub tick_secs: u64,
    /// Sign a tree head at most this often (seconds) when the ledger grew and nothing waits
    /// for the parent. Items for the parent get a head at once regardless, so an idle or
    /// quiet region adds a head every few hours at most.
    #[arg(long, default_value_t = 3 * 3600)]
    pub head_every_secs: u64,
    /// Most outbox entries sent to the parent in one push (1–2000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=2000))]
    pub uplink_batch: u64,
    /// Warn when the oldest entry waiting for the parent is older than this (seconds).
    #[arg(long, default_value_t = 900)]
    pub uplink_alert_after_secs: u64,
    /// Initialize a new region from the topology's nodes of this region, when this node's data
    /// directory is empty and no other node of the region holds a membership. Start every
    /// node of a new region with it (together is fine). Without it, a node with an empty data
    /// directory waits to be replicated to: a new node that `sanxiang cluster add-node` (or
    /// `replace-node`) adds. Either way, a node with an empty data directory first asks the
    /// region's other nodes, and refuses to start under an id the region recorded as started
    /// (a wiped machine comes back under a new id, see `sanxiang cluster replace-node --help`).
    /// A node with data ignores the flag.
    #[arg(long)]
    pub bootstrap: bool,
    /// Most writes waiting on this node while it leads; past it a write is refused at once
    /// with RESOURCE_EXHAUSTED (the client retries later with the same request id) instead of
    /// queueing toward a timeout.
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_pending_writes: u64,
    /// Dial other nodes through relays: a TOML table of "listen address" = "address to dial",
    /// e.g. the fault layer of sanxiang-chaos. The topology keeps the real addresses.
    #[arg(long)]
    pub dial_map: Option<PathBuf>,
}

pub async fn run(a: ServeArgs) -> anyhow::Result<()> {
    let topology = Topology::load(&a.topology)?;
    if let Some(path) = &a.dial_map {
        crate::transport::set_dial_map(crate::transport::load_dial_map(path)?)?;
    }
    let (region, node_id) = topology.parse_node_ref(&a.node)?;
    let spec = topology.node(&region, node_id)?.clone();
    let tls =
        TlsMaterial::load_node(&a.pki, &region, node_id).context("loading the node certificate")?;
    let timings = RaftTimings {
        heartbeat: Duration::from_millis(a.heartbeat_ms),
        election_min: Duration::from_millis(a.election_min_ms),
        election_max: Duration::from_millis(a.election_max_ms),
        snapshot_every: a.snapshot_every,
        tick: Duration::from_secs(a.tick_secs.max(1)),
        head_every: Duration::from_secs(a.head_every_secs.max(1)),
        uplink_batch: a.uplink_batch as usize,
        uplink_alert_after: Duration::from_secs(a.uplink_alert_after_secs.max(1)),
        max_pending_writes: a.max_pending_writes as usize,
        ..RaftTimings::default()
    };
    let listener = tokio::net::TcpListener::bind(&spec.grpc)
        .await
        .with_context(|| format!("cannot listen on {}", spec.grpc))?;
    let web = match spec.http.as_str() {
        "" => None,
        addr => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} (web pages)"))?,
        ),
    };
    let node = RunningNode::start_with_web(
        NodeConfig {
            topology,
            region: region.clone(),
            node_id,
            data_dir: a.data,
            tls,
            timings,
            cache_bytes: a.cache_mb * 1024 * 1024,
            clock: crate::clock::Clock::system(),
            faults: None,
            bootstrap: a.bootstrap,
        },
        listener,
        web,
    )
    .await?;
    eprintln!(
        "{region} 节点 {node_id} 已启动，监听 {}{} (Ctrl-C 停止)",
        node.addr,
        node.http_addr
            .map(|a| format!("，网页 https://{a}/"))
            .unwrap_or_default()
    );
    wait_for_signal().await;
    eprintln!("正在停止…");
    node.shutdown().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
