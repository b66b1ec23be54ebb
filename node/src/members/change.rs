//! Membership changes on the leader, through openraft's learners and joint consensus: a new
//! node is added as a learner, awaited until it holds the leader's log (progress reported),
//! then made a voter by one `change_membership` (joint, then uniform). Each change is checked
//! first ([`plan_add`], [`plan_remove`], [`plan_replace`]) so a refusal changes nothing, and a
//! node that leaves is recorded as retired: its id is never used again.
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use openraft::{BasicNode, ChangeMembers, ServerState};
use sanxiang_proto::cluster as pb;
use tokio::sync::mpsc;

use super::error::{ids, ChangeError};
use super::probe;
use crate::domain::command::members::{MemberEvent, RecordMember};
use crate::domain::Command;
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;

/// A learner within this many entries of the leader's last log index has caught up.
pub const CAUGHT_UP_LAG: u64 = 64;
/// A learner whose matched index does not move for this long is not catching up.
pub const STALL: Duration = Duration::from_secs(120);
/// How long a `change_membership` (joint, then uniform) may take to commit.
pub const COMMIT_WITHIN: Duration = Duration::from_secs(60);
/// How often a catching-up learner's progress is reported.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// The progress of one change, streamed to the operator.
pub struct Report {
    tx: mpsc::Sender<Result<pb::Progress, tonic::Status>>,
}

impl Report {
    pub fn new(tx: mpsc::Sender<Result<pb::Progress, tonic::Status>>) -> Report {
        Report { tx }
    }

    async fn send(&self, p: pb::Progress) {
        tracing::info!(step = %p.message, "membership change");
        let _ = self.tx.send(Ok(p)).await;
    }

    /// A step of the change.
    pub async fn say(&self, message: String) {
        self.send(pb::Progress {
            message,
            ..Default::default()
        })
        .await;
    }

    /// The last step: the change is complete.
    pub async fn done(&self, message: String) {
        self.send(pb::Progress {
            message,
            done: true,
            ..Default::default()
        })
        .await;
    }

    /// The operator is gone.
    fn abandoned(&self) -> bool {
        self.tx.is_closed()
    }
}

/// The leader's view of the membership, read once for a plan.
struct Now {
    voters: BTreeSet<NodeId>,
    nodes: BTreeMap<NodeId, String>,
    started: BTreeSet<NodeId>,
    retired: BTreeSet<NodeId>,
}

/// Reads the membership, refusing unless this node leads and no change is under way.
fn now(ctx: &NodeCtx) -> Result<Now, ChangeError> {
    let m = ctx.raft.metrics().borrow().clone();
    if m.state != ServerState::Leader {
        return Err(ChangeError::NotLeader {
            region: ctx.region.clone(),
        });
    }
    let membership = m.membership_config.membership();
    if membership.get_joint_config().len() > 1 {
        return Err(ChangeError::Busy {
            region: ctx.region.clone(),
        });
    }
    let (started, retired) = probe::recorded(ctx);
    Ok(Now {
        voters: membership.voter_ids().collect(),
        nodes: membership
            .nodes()
            .map(|(id, n)| (*id, n.addr.clone()))
            .collect(),
        started: started.into_iter().collect(),
        retired: retired.into_iter().collect(),
    })
}

impl Now {
    fn members(&self) -> String {
        ids(&self.nodes.keys().copied().collect::<Vec<_>>())
    }

    /// A new node's id: never used before in this region.
    fn check_new(&self, ctx: &NodeCtx, id: NodeId, addr: &str) -> Result<(), ChangeError> {
        if id == 0 {
            return Err(ChangeError::ZeroId);
        }
        if !valid_addr(addr) {
            return Err(ChangeError::BadAddress {
                id,
                addr: addr.to_string(),
            });
        }
        if self.voters.contains(&id) {
            return Err(ChangeError::AlreadyVoter {
                id,
                region: ctx.region.clone(),
            });
        }
        // A learner being added is caught up (started) and still a member: going on is fine.
        let used = self.started.contains(&id) && !self.nodes.contains_key(&id);
        if self.retired.contains(&id) || used {
            return Err(ChangeError::Reused {
                id,
                region: ctx.region.clone(),
            });
        }
        Ok(())
    }
}

/// host:port with a port number.
fn valid_addr(addr: &str) -> bool {
    addr.rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

/// A checked addition.
pub struct AddPlan {
    id: NodeId,
    addr: String,
    /// The node's address in the membership, when it is a learner already.
    learner: Option<String>,
}

/// Checks that `id` may be added at `addr`.
pub fn plan_add(ctx: &NodeCtx, id: NodeId, addr: &str) -> Result<AddPlan, ChangeError> {
    let now = now(ctx)?;
    now.check_new(ctx, id, addr)?;
    Ok(AddPlan {
        id,
        addr: addr.to_string(),
        learner: now.nodes.get(&id).cloned(),
    })
}

/// Adds the node as a learner, waits until it caught up, makes it a voter.
pub async fn add(ctx: &NodeCtx, plan: AddPlan, report: &Report) -> Result<(), ChangeError> {
    learner(ctx, plan.id, &plan.addr, plan.learner.as_deref(), report).await?;
    report
        .say(format!(
            "节点 {} 已追上，正在把它变为投票成员（联合共识）…",
            plan.id
        ))
        .await;
    change(ctx, ChangeMembers::AddVoterIds(BTreeSet::from([plan.id]))).await?;
    report
        .done(format!(
            "完成：节点 {} 已成为地区 {} 的投票成员（投票成员：{}）",
            plan.id,
            ctx.region,
            voters(ctx)
        ))
        .await;
    Ok(())
}

/// A checked removal.
pub struct RemovePlan {
    id: NodeId,
    voter: bool,
}

/// Checks that `id` may be removed: a member, not the last voter, and the voters left have a
/// reachable majority.
pub async fn plan_remove(ctx: &NodeCtx, id: NodeId) -> Result<RemovePlan, ChangeError> {
    let now = now(ctx)?;
    if !now.nodes.contains_key(&id) {
        return Err(ChangeError::NotMember {
            id,
            region: ctx.region.clone(),
            members: now.members(),
        });
    }
    if !now.voters.contains(&id) {
        return Ok(RemovePlan { id, voter: false });
    }
    if now.voters.len() == 1 {
        return Err(ChangeError::LastVoter {
            id,
            region: ctx.region.clone(),
        });
    }
    let after: BTreeSet<NodeId> = now.voters.iter().copied().filter(|v| *v != id).collect();
    majority_reachable(ctx, &now, &after, &BTreeSet::new()).await?;
    Ok(RemovePlan { id, voter: true })
}

/// Removes the node from the membership and records it as retired.
pub async fn remove(ctx: &NodeCtx, plan: RemovePlan, report: &Report) -> Result<(), ChangeError> {
    let RemovePlan { id, voter } = plan;
    if voter {
        report
            .say(format!("正在把节点 {id} 移出投票成员（联合共识）…"))
            .await;
        change(ctx, ChangeMembers::RemoveVoters(BTreeSet::from([id]))).await?;
    } else {
        report.say(format!("正在移除学习者 {id} …")).await;
        change(ctx, ChangeMembers::RemoveNodes(BTreeSet::from([id]))).await?;
    }
    retire(ctx, id, report).await;
    report
        .done(format!(
            "完成：节点 {id} 已移出地区 {}，编号不再使用（投票成员：{}）。请停止它的进程，并从各机器的拓扑文件中删除它",
            ctx.region,
            voters(ctx)
        ))
        .await;
    Ok(())
}

/// A checked replacement.
pub struct ReplacePlan {
    old: NodeId,
    add: AddPlan,
    after: BTreeSet<NodeId>,
}

/// Checks that `old` (a voter) may be replaced by the new `new` at `addr`.
pub async fn plan_replace(
    ctx: &NodeCtx,
    old: NodeId,
    new: NodeId,
    addr: &str,
) -> Result<ReplacePlan, ChangeError> {
    if old == new {
        return Err(ChangeError::SameNode(old));
    }
    let now = now(ctx)?;
    if !now.nodes.contains_key(&old) {
        return Err(ChangeError::NotMember {
            id: old,
            region: ctx.region.clone(),
            members: now.members(),
        });
    }
    if !now.voters.contains(&old) {
        return Err(ChangeError::NotVoter {
            id: old,
            region: ctx.region.clone(),
        });
    }
    now.check_new(ctx, new, addr)?;
    let mut after: BTreeSet<NodeId> = now.voters.iter().copied().filter(|v| *v != old).collect();
    after.insert(new);
    // The new node counts as reachable: it is awaited until it caught up.
    majority_reachable(ctx, &now, &after, &BTreeSet::from([new])).await?;
    Ok(ReplacePlan {
        old,
        add: AddPlan {
            id: new,
            addr: addr.to_string(),
            learner: now.nodes.get(&new).cloned(),
        },
        after,
    })
}

/// Adds the new node as a learner, waits until it caught up, then one membership change: the
/// voters without the old node and with the new one; the old one is recorded as retired.
pub async fn replace(ctx: &NodeCtx, plan: ReplacePlan, report: &Report) -> Result<(), ChangeError> {
    let ReplacePlan { old, add, after } = plan;
    let new = add.id;
    learner(ctx, new, &add.addr, add.learner.as_deref(), report).await?;
    report
        .say(format!(
            "节点 {new} 已追上；正在一次成员变更中把投票成员改为 {}（去掉 {old}，加入 {new}，联合共识）…",
            ids(&after.iter().copied().collect::<Vec<_>>())
        ))
        .await;
    change(ctx, ChangeMembers::ReplaceAllVoters(after)).await?;
    retire(ctx, old, report).await;
    report
        .done(format!(
            "完成：节点 {old} 已由节点 {new} 替换（投票成员：{}），编号 {old} 不再使用。\
             请停止节点 {old} 的进程，并在各机器的拓扑文件中删除它",
            voters(ctx)
        ))
        .await;
    Ok(())
}

/// Refuses unless a majority of `after` answers (this node, the nodes in `counted`, and those
/// whose probe is answered now).
async fn majority_reachable(
    ctx: &NodeCtx,
    now: &Now,
    after: &BTreeSet<NodeId>,
    counted: &BTreeSet<NodeId>,
) -> Result<(), ChangeError> {
    let mut asked = Vec::new();
    for id in after {
        match now.nodes.get(id) {
            Some(addr) if *id != ctx.node_id && !counted.contains(id) => {
                asked.push((*id, addr.clone()))
            }
            _ => {}
        }
    }
    let answered = reachable(ctx, &asked).await;
    let reach: Vec<NodeId> = after
        .iter()
        .copied()
        .filter(|id| *id == ctx.node_id || counted.contains(id) || answered.contains(id))
        .collect();
    let need = after.len() / 2 + 1;
    if reach.len() < need {
        return Err(ChangeError::NoMajority {
            region: ctx.region.clone(),
            after: ids(&after.iter().copied().collect::<Vec<_>>()),
            reachable: ids(&reach),
            need,
        });
    }
    Ok(())
}

/// The nodes among `nodes` that answer a probe now (asked at once).
pub async fn reachable(ctx: &NodeCtx, nodes: &[(NodeId, String)]) -> BTreeSet<NodeId> {
    let mut set = tokio::task::JoinSet::new();
    for (id, addr) in nodes {
        let (tls, region, id, addr) = (ctx.tls.clone(), ctx.region.clone(), *id, addr.clone());
        set.spawn(async move { (id, probe::ask(&tls, &region, id, &addr).await.is_ok()) });
    }
    let mut out = BTreeSet::new();
    while let Some(r) = set.join_next().await {
        if let Ok((id, true)) = r {
            out.insert(id);
        }
    }
    out
}

/// The voters now, as the operator reads them.
fn voters(ctx: &NodeCtx) -> String {
    let m = ctx.raft.metrics().borrow().clone();
    ids(&m
        .membership_config
        .membership()
        .voter_ids()
        .collect::<Vec<_>>())
}

/// Makes `id` a learner at `addr` (or moves a learner to `addr`) and waits until it caught up.
async fn learner(
    ctx: &NodeCtx,
    id: NodeId,
    addr: &str,
    known: Option<&str>,
    report: &Report,
) -> Result<(), ChangeError> {
    match known {
        None => {
            ctx.raft
                .add_learner(id, BasicNode::new(addr), false)
                .await?;
            report
                .say(format!(
                    "已把节点 {id}（{addr}）加为学习者，正在等它追上领导者的日志…"
                ))
                .await;
        }
        Some(a) if a != addr => {
            let nodes = BTreeMap::from([(id, BasicNode::new(addr))]);
            change(ctx, ChangeMembers::SetNodes(nodes)).await?;
            report
                .say(format!(
                    "学习者 {id} 的地址由 {a} 改为 {addr}，正在等它追上…"
                ))
                .await;
        }
        Some(_) => {
            report
                .say(format!("节点 {id} 已是学习者，正在等它追上领导者的日志…"))
                .await
        }
    }
    catch_up(ctx, id, addr, report).await
}

/// Waits until the learner's matched index is within [`CAUGHT_UP_LAG`] of the leader's last
/// log index, reporting its progress; gives up after [`STALL`] without progress.
async fn catch_up(
    ctx: &NodeCtx,
    id: NodeId,
    addr: &str,
    report: &Report,
) -> Result<(), ChangeError> {
    let mut metrics = ctx.raft.metrics();
    let mut seen: Option<u64> = None;
    let mut moved = Instant::now();
    let mut said = Instant::now();
    loop {
        let (matched, last, leads, member) = {
            let m = metrics.borrow_and_update();
            let matched = m
                .replication
                .as_ref()
                .and_then(|r| r.get(&id).cloned().flatten())
                .map(|l| l.index);
            let member = m.membership_config.membership().get_node(&id).is_some();
            (
                matched,
                m.last_log_index.unwrap_or(0),
                m.state == ServerState::Leader,
                member,
            )
        };
        if !leads {
            return Err(ChangeError::NotLeader {
                region: ctx.region.clone(),
            });
        }
        if !member {
            return Err(ChangeError::Removed(id));
        }
        if let Some(mi) = matched {
            if last.saturating_sub(mi) <= CAUGHT_UP_LAG {
                return Ok(());
            }
        }
        if matched != seen {
            seen = matched;
            moved = Instant::now();
        }
        if moved.elapsed() >= STALL {
            return Err(ChangeError::Stalled {
                id,
                addr: addr.to_string(),
                secs: STALL.as_secs(),
                matched: matched.map(|m| m.to_string()).unwrap_or("无".into()),
                last,
            });
        }
        if report.abandoned() {
            return Err(ChangeError::Abandoned(id));
        }
        if said.elapsed() >= REPORT_EVERY {
            said = Instant::now();
            let held = matched.map(|m| m.to_string()).unwrap_or("尚无".into());
            report
                .send(pb::Progress {
                    message: format!("节点 {id} 追赶中：已有日志 {held} / 领导者 {last}"),
                    matched,
                    last_log: Some(last),
                    done: false,
                })
                .await;
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), metrics.changed()).await;
    }
}

/// One `change_membership` (joint, then uniform), removed voters dropped, within
/// [`COMMIT_WITHIN`].
async fn change(
    ctx: &NodeCtx,
    changes: ChangeMembers<NodeId, BasicNode>,
) -> Result<(), ChangeError> {
    match tokio::time::timeout(COMMIT_WITHIN, ctx.raft.change_membership(changes, false)).await {
        Err(_) => Err(ChangeError::NotCommitted {
            secs: COMMIT_WITHIN.as_secs(),
        }),
        Ok(r) => r.map(|_| ()).map_err(ChangeError::from),
    }
}

/// Records that `id` left the region (the leader's recorder records it too, should this fail).
async fn retire(ctx: &NodeCtx, id: NodeId, report: &Report) {
    let env = ctx.node_envelope(Command::RecordMember(RecordMember {
        node: id,
        event: MemberEvent::Retired,
    }));
    if let Err(e) = ctx.write(env).await {
        tracing::warn!(node = id, cause = %e, "retirement not recorded");
        report
            .say(format!(
                "注意：节点 {id} 已移出成员，但“编号不再使用”的记录未能写入（{e}）；领导者稍后会补记"
            ))
            .await;
    }
}
