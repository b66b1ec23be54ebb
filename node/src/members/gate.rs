//! The check a fresh node (empty store) makes before it serves Raft: it asks the region's other
//! nodes, over mutual TLS with its own node certificate, what they know.
//!
//! - A peer's applied state records this node's id as started (it held the region's data) or
//!   retired (it left the region): the node refuses to start, as etcd refuses a member that
//!   "has already been bootstrapped". With its vote and log gone it could vote twice in one
//!   term and lose acknowledged writes; the machine is replaced under a new id instead.
//! - A peer holds a membership: the region runs; this node waits to be replicated to (it is a
//!   member that never caught up, or a new node about to be added).
//! - A majority of the region's nodes (this one included) answer that they hold nothing: with
//!   `--bootstrap` this node initializes the region from the topology's members (nodes started
//!   together all propose the same membership at index 0); without, it waits to be replicated
//!   to.
//! - Otherwise (too few answers) it says which nodes did not answer and asks again, never
//!   starting blind. A single-node region has nobody to ask.
use std::collections::BTreeSet;
use std::time::Duration;

use sanxiang_proto::cluster as pb;

use super::probe;
use crate::config::RegionSpec;
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;
use crate::shutdown::Shutdown;

/// How a fresh node goes on after the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Initialize the region's membership from the topology.
    Bootstrap,
    /// Serve Raft and wait to be replicated to (or added by `cluster add-node`).
    Join,
}

/// Why a fresh node does not start.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The region recorded this id as having held its data.
    #[error(
        "节点 {node} 已经是地区 {region} 启动过的成员（节点 {witness} 的记录：它曾同步过本地区的数据），\
         但它的数据目录是空的。丢失了数据的节点不能以原编号重新加入（它可能在同一任期内投两次票，\
         丢失已确认的写入）。请把它当作一台新机器替换：先在拓扑文件中为地区 {region} 添加一个新编号的节点 M，\
         运行 `sanxiang pki init`（已有证书保留）为它签发证书，用 `sanxiang serve --node {region}/M` 启动它，\
         然后在本地区的一台机器上运行 `sanxiang cluster replace-node --old {node} --new M`"
    )]
    AlreadyStarted {
        node: NodeId,
        region: String,
        witness: NodeId,
    },
    /// The id left the region; ids are never used again.
    #[error(
        "节点 {node} 已从地区 {region} 移除（节点 {witness} 的记录），编号不再使用。请为这台机器在拓扑文件中\
         添加一个新编号的节点 M，运行 `sanxiang pki init` 签发证书，用新编号启动，再运行 \
         `sanxiang cluster add-node --id M`"
    )]
    Retired {
        node: NodeId,
        region: String,
        witness: NodeId,
    },
    /// The node stopped while it waited for its peers.
    #[error("节点在等待地区 {region} 其他节点应答时停止")]
    Stopped { region: String },
}

/// Asks the region's other nodes until they tell how this fresh node may go on.
pub async fn check(
    ctx: &NodeCtx,
    region: &RegionSpec,
    bootstrap: bool,
    mut stop: Shutdown,
) -> Result<Admission, GateError> {
    let peers: Vec<(NodeId, String)> = region
        .nodes
        .iter()
        .filter(|n| n.id != ctx.node_id)
        .map(|n| (n.id, n.grpc.clone()))
        .collect();
    let go_on = if bootstrap {
        Admission::Bootstrap
    } else {
        Admission::Join
    };
    if peers.is_empty() {
        return Ok(go_on);
    }
    let region_size = peers.len() + 1;
    let majority = region_size / 2 + 1;
    let mut pause = Duration::from_millis(100);
    for round in 0u64.. {
        let answers = ask_all(ctx, &peers).await;
        // Any record of this id refuses, whichever peer holds it.
        for a in answers.iter().flatten() {
            refuse_if_recorded(ctx, a)?;
        }
        if let Some(a) = answers.iter().flatten().find(|a| a.initialized) {
            tracing::info!(region = %ctx.region, node = ctx.node_id, peer = a.node,
                "the region runs; waiting to be replicated to");
            return Ok(Admission::Join);
        }
        // This node holds nothing, nor does any peer that answered.
        let empty = 1 + answers.iter().flatten().count();
        let silent: Vec<String> = peers
            .iter()
            .zip(&answers)
            .filter_map(|((id, _), a)| a.as_ref().err().map(|e| format!("{id} ({})", e.message())))
            .collect();
        if empty >= majority {
            return Ok(go_on);
        }
        // Nodes started together answer within a round or two; a longer wait is said every
        // tenth round, naming who is awaited.
        if round == 0 {
            tracing::info!(region = %ctx.region, node = ctx.node_id, silent = %silent.join("; "),
                "fresh node: asking the region's other nodes before joining or bootstrapping");
        } else if round % 10 == 5 {
            tracing::warn!(
                region = %ctx.region,
                node = ctx.node_id,
                answered = empty - 1,
                needed = majority - 1,
                silent = %silent.join("; "),
                "fresh node: still waiting for the region's other nodes before joining or bootstrapping; asking again"
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.recv() => return Err(GateError::Stopped { region: ctx.region.clone() }),
        }
        pause = (pause * 2).min(Duration::from_secs(1));
    }
    Err(GateError::Stopped {
        region: ctx.region.clone(),
    })
}

/// Every peer's answer, asked at once.
async fn ask_all(
    ctx: &NodeCtx,
    peers: &[(NodeId, String)],
) -> Vec<Result<pb::ProbeReply, tonic::Status>> {
    let mut set = tokio::task::JoinSet::new();
    for (i, (id, addr)) in peers.iter().enumerate() {
        let (tls, region, id, addr) = (ctx.tls.clone(), ctx.region.clone(), *id, addr.clone());
        set.spawn(async move { (i, probe::ask(&tls, &region, id, &addr).await) });
    }
    let mut out: Vec<Result<pb::ProbeReply, tonic::Status>> = peers
        .iter()
        .map(|_| Err(tonic::Status::unavailable("没有应答")))
        .collect();
    while let Some(r) = set.join_next().await {
        if let Ok((i, answer)) = r {
            // An answer from a node of another region or id is no answer.
            out[i] = answer.and_then(|a| match a.region == ctx.region && a.node == peers[i].0 {
                true => Ok(a),
                false => Err(tonic::Status::failed_precondition("应答来自另一节点")),
            });
        }
    }
    out
}

/// Refuses when a peer's record names this node as started or retired.
fn refuse_if_recorded(ctx: &NodeCtx, a: &pb::ProbeReply) -> Result<(), GateError> {
    let started: BTreeSet<NodeId> = a.started.iter().copied().collect();
    let retired: BTreeSet<NodeId> = a.retired.iter().copied().collect();
    if retired.contains(&ctx.node_id) {
        return Err(GateError::Retired {
            node: ctx.node_id,
            region: ctx.region.clone(),
            witness: a.node,
        });
    }
    if started.contains(&ctx.node_id) {
        return Err(GateError::AlreadyStarted {
            node: ctx.node_id,
            region: ctx.region.clone(),
            witness: a.node,
        });
    }
    Ok(())
}
