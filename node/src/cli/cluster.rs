//! `sanxiang cluster`: the membership of a region's cluster — list it, add, remove or replace
//! a node — for an operator on a machine of the region (its node certificate).
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use sanxiang_proto::cluster as pb;

use super::conn::print_json;
use crate::config::Topology;
use crate::members::Operator;
use crate::pki::TlsMaterial;

/// Who acts, and on which region.
#[derive(Debug, Clone, Args)]
pub struct OperatorArgs {
    /// Topology file, as updated for the change (a node to add is listed in it).
    #[arg(long, env = "SANXIANG_TOPOLOGY")]
    pub topology: PathBuf,
    /// PKI directory made by `sanxiang pki init` (this machine's copy).
    #[arg(long, env = "SANXIANG_PKI")]
    pub pki: PathBuf,
    /// This machine's node, as REGION/ID (e.g. hunan/changsha/liuyang/1): you act with its
    /// node certificate, and the command works on its region. Only node certificates of the
    /// region are accepted.
    #[arg(long, env = "SANXIANG_NODE")]
    pub node: String,
}

impl OperatorArgs {
    fn operator(&self) -> anyhow::Result<Operator> {
        let topology = Topology::load(&self.topology)?;
        let (region, id) = topology.parse_node_ref(&self.node)?;
        let tls = TlsMaterial::load_node(&self.pki, &region, id)
            .context("loading this machine's node certificate")?;
        Ok(Operator::new(topology, &region, tls)?)
    }
}

#[derive(Debug, Subcommand)]
pub enum ClusterCmd {
    /// List the voters and learners: address, leader, lag, who answers, which ids are recorded.
    ///
    /// For each member: its address in the membership, whether it leads, the last log index
    /// the leader knows it holds and how far that is behind, whether it answers now, and
    /// whether the region recorded it as started; then the ids removed (never used again).
    Members {
        #[command(flatten)]
        op: OperatorArgs,
        #[arg(long)]
        json: bool,
    },
    /// Add a new node: a learner until it has caught up (progress shown), then a voter
    ///
    /// The node is added as a learner and awaited until it holds the leader's log, then made
    /// a voter by one membership change (joint consensus). Running it again after an
    /// interruption goes on where it stopped.
    ///
    /// Before:
    ///   1. List the node in the topology file on every machine: an id the region never used,
    ///      its grpc (and http) address. The address is taken from this file.
    ///   2. `sanxiang pki init --topology FILE --out PKI` issues its certificate (existing
    ///      ones are kept); copy ca.pem and its node key and certificate to the new machine.
    ///   3. Start it: `sanxiang serve --topology FILE --pki PKI --node REGION/ID --data DIR`
    ///      (without --bootstrap: it waits to be added).
    #[command(name = "add-node", verbatim_doc_comment)]
    AddNode {
        #[command(flatten)]
        op: OperatorArgs,
        /// The new node's id (as listed in the topology file).
        #[arg(long)]
        id: u64,
    },
    /// Remove a node (voter or learner); its id is never used again.
    ///
    /// Refused for the last voter, and when the voters left would not have a reachable
    /// majority (the change could not commit and the region could not write). A machine that
    /// comes back joins under a new id. Afterwards stop its process and delete it from the
    /// topology file on every machine.
    #[command(name = "remove-node")]
    RemoveNode {
        #[command(flatten)]
        op: OperatorArgs,
        /// The node to remove.
        #[arg(long)]
        id: u64,
    },
    /// Replace a voter (a dead or wiped machine) by a new node while the region writes
    ///
    /// NEW is added as a learner and awaited until it holds the leader's log (progress
    /// shown), then one membership change (joint consensus) makes the voters those of today
    /// without OLD and with NEW. OLD is never used again.
    ///
    /// Replacing a dead machine, step by step:
    ///   1. Do not restart the dead node with an empty data directory: it would refuse to
    ///      start (its id is recorded as started), and must not rejoin under its old id.
    ///   2. In the topology file, add a node with a new id M to the region (new machine's
    ///      grpc and http addresses); copy the file to every machine of the region.
    ///   3. `sanxiang pki init --topology FILE --out PKI` issues M's certificate and keeps the
    ///      existing ones; copy the PKI directory (ca.pem, M's node key and certificate) to
    ///      the new machine.
    ///   4. On the new machine: `sanxiang serve --topology FILE --pki PKI --node REGION/M
    ///      --data DIR` (no --bootstrap; it waits to be added).
    ///   5. On any machine of the region: `sanxiang cluster replace-node --node REGION/K
    ///      --old N --new M` (K: that machine's node). Writes go on meanwhile.
    ///   6. Check with `sanxiang cluster members`, then delete node N from the topology file on
    ///      every machine. Running nodes need no restart.
    #[command(name = "replace-node", verbatim_doc_comment)]
    ReplaceNode {
        #[command(flatten)]
        op: OperatorArgs,
        /// The voter to replace.
        #[arg(long)]
        old: u64,
        /// The new node (listed in the topology file, started, never used before).
        #[arg(long)]
        new: u64,
    },
}

pub async fn run(c: ClusterCmd) -> anyhow::Result<()> {
    let mut show = |p: &pb::Progress| eprintln!("  {}", p.message);
    match c {
        ClusterCmd::Members { op, json } => {
            let m = op.operator()?.members().await?;
            match json {
                true => print_json(&members_json(&m))?,
                false => print_members(&m),
            }
        }
        ClusterCmd::AddNode { op, id } => op.operator()?.add_node(id, &mut show).await?,
        ClusterCmd::RemoveNode { op, id } => op.operator()?.remove_node(id, &mut show).await?,
        ClusterCmd::ReplaceNode { op, old, new } => {
            let start = std::time::Instant::now();
            op.operator()?.replace_node(old, new, &mut show).await?;
            eprintln!("  用时 took {:.1} s", start.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// The membership as JSON, for scripts.
pub fn members_json(m: &pb::MembersReply) -> serde_json::Value {
    serde_json::json!({
        "region": m.region,
        "leader": m.leader,
        "term": m.term,
        "last_log": m.last_log,
        "changing": m.changing,
        "members": m.members.iter().map(|n| serde_json::json!({
            "id": n.id,
            "addr": n.addr,
            "voter": n.voter,
            "leader": n.leader,
            "matched": n.matched,
            "lag": n.lag,
            "reachable": n.reachable,
            "started": n.started,
        })).collect::<Vec<_>>(),
        "started": m.started,
        "retired": m.retired,
    })
}

/// `s` padded to `w` terminal columns (a CJK character takes two).
fn pad(s: &str, w: usize) -> String {
    let cols: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(w.saturating_sub(cols)))
}

fn print_members(m: &pb::MembersReply) {
    println!(
        "地区 region: {}   领导者 leader: {}   任期 term: {}   日志 last log: {}{}",
        m.region,
        m.leader,
        m.term,
        m.last_log.map(|l| l.to_string()).unwrap_or("-".into()),
        if m.changing {
            "   （成员变更进行中 change under way）"
        } else {
            ""
        }
    );
    let widths = [6, 9, 22, 10, 8, 9, 8];
    let row = |cells: [String; 7]| {
        let line: Vec<String> = cells.iter().zip(widths).map(|(c, w)| pad(c, w)).collect();
        println!("  {}", line.join(" ").trim_end());
    };
    row([
        "节点".into(),
        "角色".into(),
        "地址 addr".into(),
        "已复制".into(),
        "落后".into(),
        "可达".into(),
        "已启动".into(),
    ]);
    for n in &m.members {
        let role = match (n.voter, n.leader) {
            (_, true) => "leader",
            (true, false) => "voter",
            (false, _) => "learner",
        };
        row([
            n.id.to_string(),
            role.into(),
            n.addr.clone(),
            n.matched.map(|x| x.to_string()).unwrap_or("-".into()),
            n.lag.to_string(),
            if n.reachable { "是" } else { "否 DOWN" }.into(),
            if n.started { "是" } else { "否" }.into(),
        ]);
    }
    if !m.retired.is_empty() {
        let r: Vec<String> = m.retired.iter().map(|x| x.to_string()).collect();
        println!("已移除（编号不再使用） retired: {}", r.join(", "));
    }
}
