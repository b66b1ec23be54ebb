//! A node's background tasks. Each acts only while this node leads (the revocation watcher on
//! every node) and ends at shutdown.
use std::sync::Arc;

use openraft::ServerState;
use tokio::task::JoinHandle;

use crate::domain::Command;
use crate::federation::{downlink, head_signer, sender, UplinkState};
use crate::raft::NodeCtx;
use crate::shutdown::{Shutdown, Trigger};

/// The running background tasks of one node.
pub struct Background {
    /// Proposes `Tick` every `tick`.
    pub ticker: JoinHandle<()>,
    /// Signs tree heads.
    pub signer: JoinHandle<()>,
    /// One per direct child region: pushes its downlink outbox.
    pub down_senders: Vec<JoinHandle<()>>,
    /// Enforces the replicated revocation list on every new handshake.
    pub revocations: JoinHandle<()>,
    /// Drains the uplink outbox to the parent region.
    pub sender: JoinHandle<()>,
    /// Presents a renewed node certificate as soon as its files are replaced.
    pub certificates: JoinHandle<()>,
}

/// How often a node looks for a renewed certificate (`sanxiang pki rotate`).
pub const CERT_RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Starts every background task of a node.
pub fn spawn(ctx: &Arc<NodeCtx>, link: &Arc<UplinkState>, shutdown: &Trigger) -> Background {
    let ticker = tokio::spawn(tick(ctx.clone(), shutdown.subscribe()));
    let signer = head_signer::spawn(ctx.clone(), link.clone(), shutdown.subscribe());
    let down_senders = downlink::spawn_senders(ctx, &shutdown.subscribe());
    // Revocations from above (or sent from here) are enforced on every new handshake.
    let revocations = super::revocations::spawn(ctx.clone(), shutdown.subscribe());
    let sender = tokio::spawn(sender::run(ctx.clone(), link.clone(), shutdown.subscribe()));
    let certificates = tokio::spawn(reload_certificate(ctx.clone(), shutdown.subscribe()));
    Background {
        ticker,
        signer,
        down_senders,
        revocations,
        sender,
        certificates,
    }
}

/// On every node, reads the certificate files every [`CERT_RELOAD_EVERY`]; a valid renewal is
/// presented on every new connection and signs the next tree head, without a restart. Files
/// caught between two writes, or a renewal that is not valid, are reported once and tried
/// again.
async fn reload_certificate(ctx: Arc<NodeCtx>, mut stop: Shutdown) {
    let mut interval = tokio::time::interval(CERT_RELOAD_EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_error = String::new();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.recv() => break,
        }
        match ctx.tls.reload() {
            Ok(crate::pki::current::Reloaded::Unchanged) => last_error.clear(),
            Ok(crate::pki::current::Reloaded::Renewed { not_after }) => {
                last_error.clear();
                tracing::warn!(
                    region = %ctx.region,
                    node = ctx.node_id,
                    not_after = not_after.unwrap_or(0),
                    "节点证书已更新 node certificate renewed"
                );
            }
            Err(e) => {
                let shown = e.to_string();
                if shown != last_error {
                    tracing::warn!(cause = %shown, "renewed certificate not taken (will retry)");
                    last_error = shown;
                }
            }
        }
    }
}

/// On the leader, proposes `Tick` every `tick` (the first one a period after start).
async fn tick(ctx: Arc<NodeCtx>, mut stop: Shutdown) {
    let mut interval = tokio::time::interval(ctx.timings.tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.recv() => break,
        }
        let is_leader = ctx.raft.metrics().borrow().state == ServerState::Leader;
        if !is_leader {
            continue;
        }
        let env = ctx.node_envelope(Command::Tick);
        if let Err(e) = ctx.write_local(env).await {
            tracing::warn!(cause = %e, "tick not proposed");
        }
    }
}
