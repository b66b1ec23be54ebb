//! The leader's head signer: signs the ledger's tree head after commits and proposes it
//! (REC-3), every `head_every`, and at once when own items wait for a head to travel up.
//! Signing happens here, never inside `apply`.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use openraft::{BasicNode, RaftMetrics, ServerState};
use tokio::task::JoinHandle;

use super::UplinkState;
use crate::domain::Command;
use crate::raft::types::NodeId;
use crate::raft::{NodeCtx, PathError};
use crate::shutdown::Shutdown;

/// Why a tree head was not signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("node failure: node key is not PKCS#8")]
    KeyNotPkcs8,
    #[error("node failure: {0}")]
    Sign(#[from] crate::ledger::head::HeadError),
    #[error(transparent)]
    Propose(#[from] PathError),
}

/// Starts the signer; it runs until `stop`.
pub fn spawn(ctx: Arc<NodeCtx>, link: Arc<UplinkState>, stop: Shutdown) -> JoinHandle<()> {
    let applied = ctx.raft.metrics();
    tokio::spawn(run(ctx, link, applied, stop))
}

async fn run(
    ctx: Arc<NodeCtx>,
    link: Arc<UplinkState>,
    mut applied: tokio::sync::watch::Receiver<RaftMetrics<NodeId, BasicNode>>,
    mut stop: Shutdown,
) {
    let mut interval = tokio::time::interval(ctx.timings.head_every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            // Items for the parent wait for a head that covers them: sign at once.
            r = applied.changed() => {
                if r.is_err() { break }
                if !items_wait_for_head(&ctx, &link) { continue }
            }
            _ = link.head_wanted.notified() => {
                if !items_wait_for_head(&ctx, &link) { continue }
            }
            _ = stop.recv() => break,
        }
        if let Err(e) = sign_head(&ctx).await {
            tracing::warn!(cause = %e, "tree head not signed");
        }
    }
}

/// As leader, signs the current tree head if the ledger grew since the last recorded head,
/// and proposes it.
pub async fn sign_head(ctx: &NodeCtx) -> Result<(), SignError> {
    if ctx.raft.metrics().borrow().state != ServerState::Leader {
        return Ok(());
    }
    let (size, root) = ctx.sm.ledger_head();
    let last = ctx.sm.read(|s| {
        crate::domain::core::state::META
            .read(
                &s.domain,
                crate::domain::federation::tree_head::LAST_HEAD_SIZE,
            )
            .ok()
            .flatten()
            .unwrap_or(0)
    });
    // The recorded head's own command is one more leaf; it alone does not call for a new head.
    let covered = if last == 0 { 0 } else { last + 1 };
    if size as i64 <= covered {
        return Ok(());
    }
    let head = crate::domain::federation::items::TreeHead {
        region: ctx.region.clone(),
        size,
        root,
        time_ms: ctx.clock.now_ms(),
    };
    // The certificate presented now: a renewed one signs from the moment it is loaded.
    let presented = ctx.tls.presented();
    let key = presented.key_pkcs8().ok_or(SignError::KeyNotPkcs8)?;
    let signature = crate::ledger::head::sign(&head, key)?;
    let env = ctx.node_envelope(Command::RecordTreeHead(
        crate::domain::federation::items::SignedHead {
            head,
            signer: ctx.node_id,
            cert_der: presented.cert_der().to_vec(),
            signature,
        },
    ));
    ctx.write_local(env).await?;
    Ok(())
}

/// True on the leader when own items wait for a signed head and the parent can be reached
/// (while it cannot, heads come every `head_every`, and the first push after the link
/// returns brings a fresh one).
fn items_wait_for_head(ctx: &NodeCtx, link: &UplinkState) -> bool {
    link.up.load(Ordering::Relaxed)
        && ctx.raft.metrics().borrow().state == ServerState::Leader
        && ctx.sm.read(|s| {
            crate::domain::federation::outbox::UP_PENDING
                .keys(&s.domain)
                .next()
                .is_some()
        })
}
