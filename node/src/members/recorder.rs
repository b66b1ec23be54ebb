//! The leader's recorder of members: the first time the leader sees a node hold the region's
//! log (a matched log id in its replication metrics, or itself), it proposes `RecordMember`
//! caught up; a recorded node no longer in the committed membership is recorded as retired.
//! Only what changes is proposed, once; on a follower this task only watches.
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use openraft::ServerState;
use tokio::task::JoinHandle;

use super::probe;
use crate::domain::command::members::{MemberEvent, RecordMember};
use crate::domain::Command;
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;
use crate::shutdown::Shutdown;

/// Metrics change on every entry: look again at most this often.
const SETTLE: Duration = Duration::from_millis(200);

/// Starts the recorder; it ends at shutdown.
pub fn spawn(ctx: Arc<NodeCtx>, stop: Shutdown) -> JoinHandle<()> {
    tokio::spawn(run(ctx, stop))
}

async fn run(ctx: Arc<NodeCtx>, mut stop: Shutdown) {
    let mut metrics = ctx.raft.metrics();
    loop {
        record_due(&ctx).await;
        // At once after a quiet spell, then at most every SETTLE.
        tokio::select! {
            _ = tokio::time::sleep(SETTLE) => {}
            _ = stop.recv() => break,
        }
        tokio::select! {
            r = metrics.changed() => if r.is_err() { break },
            _ = stop.recv() => break,
        }
    }
}

/// Proposes what is due, one record at a time, while this node leads.
async fn record_due(ctx: &NodeCtx) {
    for (node, event) in due(ctx) {
        let env = ctx.node_envelope(Command::RecordMember(RecordMember { node, event }));
        match ctx.write_local(env).await {
            Ok(Some(_)) => tracing::info!(region = %ctx.region, node, ?event, "member recorded"),
            // No longer the leader: the next one records what is due.
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(node, cause = %e, "member not recorded");
                break;
            }
        }
    }
}

/// What this node, if it leads, has to record now.
fn due(ctx: &NodeCtx) -> Vec<(NodeId, MemberEvent)> {
    let m = ctx.raft.metrics().borrow().clone();
    if m.state != ServerState::Leader {
        return Vec::new();
    }
    let (started, retired) = probe::recorded(ctx);
    let started: BTreeSet<NodeId> = started.into_iter().collect();
    let retired: BTreeSet<NodeId> = retired.into_iter().collect();
    let mut holding = BTreeSet::from([ctx.node_id]);
    if let Some(r) = &m.replication {
        holding.extend(r.iter().filter(|(_, l)| l.is_some()).map(|(id, _)| *id));
    }
    let mut due: Vec<(NodeId, MemberEvent)> = holding
        .difference(&started)
        .map(|id| (*id, MemberEvent::CaughtUp))
        .collect();
    // Left the membership: only once that membership is applied (so committed) and uniform.
    let membership = m.membership_config.membership();
    let applied = m.last_applied.map(|l| l.index);
    let committed = m.membership_config.log_id().map(|l| l.index) <= applied;
    if committed && membership.get_joint_config().len() == 1 {
        due.extend(
            started
                .iter()
                .filter(|id| membership.get_node(id).is_none() && !retired.contains(id))
                .map(|id| (*id, MemberEvent::Retired)),
        );
    }
    due
}
