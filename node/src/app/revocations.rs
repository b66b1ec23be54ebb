//! Keeps a node's TLS revocation list ([`crate::pki::revocation`]) equal to the replicated one:
//! revocations this region received from above or sent down. It reads the applied state after
//! each change of Raft's metrics, so it lives with the node's wiring rather than in `pki`,
//! which the store and Raft build on.
use std::sync::Arc;

use openraft::{BasicNode, RaftMetrics};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::raft::types::NodeId;
use crate::raft::NodeCtx;
use crate::shutdown::Shutdown;

/// Starts the watcher; it runs until `stop`.
pub fn spawn(ctx: Arc<NodeCtx>, stop: Shutdown) -> JoinHandle<()> {
    let metrics = ctx.raft.metrics();
    tokio::spawn(watch_revocations(ctx, metrics, stop))
}

async fn watch_revocations(
    ctx: Arc<NodeCtx>,
    mut metrics: watch::Receiver<RaftMetrics<NodeId, BasicNode>>,
    mut stop: Shutdown,
) {
    let mut seen = usize::MAX;
    loop {
        let fresh = ctx.sm.read(|s| {
            crate::domain::federation::downlink::RECEIVED
                .keys(&s.domain)
                .count()
                + crate::domain::federation::downlink::SENT_DOWN
                    .keys(&s.domain)
                    .count()
        });
        if fresh != seen {
            match ctx
                .sm
                .read(|s| crate::domain::federation::downlink::revoked_serials(&s.domain))
            {
                Ok((n, serials)) => {
                    seen = n;
                    ctx.tls.revoked.replace(serials);
                    if !ctx.tls.revoked.is_empty() {
                        tracing::info!(revoked = ctx.tls.revoked.len(), "revocation list updated");
                    }
                }
                Err(e) => tracing::error!(cause = %e, "revocation list unreadable"),
            }
        }
        tokio::select! {
            r = metrics.changed() => if r.is_err() { break },
            _ = stop.recv() => break,
        }
    }
}
