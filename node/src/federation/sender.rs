//! The uplink sender: on the leader, drains the outbox to the parent region's cluster.
//!
//! After any failure, partition or leader change it asks the parent for its mark and resumes
//! there; the parent's mark is the truth. Entries are read from applied state only. Own entries
//! get their proofs here (an item's inclusion proof against the head that moved it to the
//! outbox; a head's consistency proof from the previous head). The parent's acknowledgement is
//! recorded through Raft (`UplinkAcked`), which prunes the outbox; a separate task proposes it so
//! sending never waits for pruning.
use std::sync::Arc;
use std::time::Duration;

use openraft::ServerState;
use sanxiang_proto::federation as pb;
use sanxiang_proto::federation::uplink_client::UplinkClient;
use tokio::sync::watch;
use tonic::transport::Channel;

use super::LinkError;
use super::{UplinkState, MAX_PUSH_BYTES};
use crate::domain::command::cmd;
use crate::domain::federation::items::{Carried, MAX_INGEST_ITEMS};
use crate::domain::federation::outbox::{
    outbox_from, outbox_stats, resolve, OutEntry, OutboxStats,
};
use crate::domain::Command;
use crate::ledger;
use crate::pki::Expect;
use crate::raft::NodeCtx;
use crate::shutdown::Shutdown;
use crate::transport;

/// Runs until `stop`; does nothing for the root region.
pub async fn run(ctx: Arc<NodeCtx>, link: Arc<UplinkState>, stop: Shutdown) {
    let Some(parent) = ctx
        .topology
        .region(&ctx.region)
        .ok()
        .and_then(|r| r.parent.clone())
    else {
        return;
    };
    let addrs: Vec<String> = match ctx.topology.region(&parent) {
        Ok(r) => r.nodes.iter().map(|n| n.grpc.clone()).collect(),
        Err(e) => {
            tracing::error!(cause = %e, "uplink disabled: parent region unknown");
            return;
        }
    };
    let cfg = match ctx.tls.client_config(Expect::Region(parent.clone())) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(cause = %e, "uplink disabled: TLS configuration");
            return;
        }
    };
    let mut clients = Vec::new();
    for a in &addrs {
        match transport::channel(a, cfg.clone(), Duration::from_secs(3)) {
            Ok(ch) => clients.push(
                UplinkClient::new(ch)
                    .max_encoding_message_size(MAX_PUSH_BYTES + 1024 * 1024)
                    .max_decoding_message_size(1024 * 1024),
            ),
            Err(e) => tracing::error!(addr = %a, cause = %e, "bad parent address"),
        }
    }
    if clients.is_empty() {
        return;
    }
    let (ack_tx, ack_rx) = watch::channel(0u64);
    let acker = tokio::spawn(acker(ctx.clone(), ack_rx, stop.clone()));
    let mut which = 0usize;
    let mut backoff = Duration::from_millis(50);
    let mut metrics = ctx.raft.metrics();
    let mut stop_rx = stop.clone();
    loop {
        if stop_rx.is_shutdown() {
            break;
        }
        if metrics.borrow().state != ServerState::Leader {
            tokio::select! {
                r = metrics.changed() => if r.is_err() { break },
                _ = stop_rx.recv() => break,
            }
            continue;
        }
        let mut session = Session {
            ctx: &ctx,
            link: &link,
            client: &mut clients[which],
            metrics: &mut metrics,
            stop: &mut stop_rx,
            ack: &ack_tx,
            progressed: false,
            parent_holds: 0,
        };
        let result = session.drain().await;
        if result.is_err() {
            session.set_up(false);
        }
        let progressed = session.progressed;
        match result {
            Ok(()) => {}
            Err(e) => {
                if progressed {
                    backoff = Duration::from_millis(50);
                }
                tracing::debug!(parent = %parent, addr = %addrs.get(which).map(String::as_str).unwrap_or(""), cause = %e, "uplink interrupted; resuming from the parent's mark");
                which = (which + 1) % clients.len();
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop_rx.recv() => break,
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
    acker.abort();
}

/// Proposes `UplinkAcked` for the highest mark seen, coalescing.
async fn acker(ctx: Arc<NodeCtx>, mut rx: watch::Receiver<u64>, mut stop: Shutdown) {
    let mut done = 0u64;
    let mut behind = false;
    loop {
        // A failed acknowledgement is tried again after a second, not only when the parent's
        // mark moves: with nothing new to send it would otherwise wait for ever.
        tokio::select! {
            r = rx.changed() => if r.is_err() { return },
            _ = tokio::time::sleep(Duration::from_secs(1)), if behind => {}
            _ = stop.recv() => return,
        }
        let mark = *rx.borrow_and_update();
        if mark <= done {
            behind = false;
            continue;
        }
        let env = ctx.node_envelope(Command::UplinkAcked(cmd::UplinkAcked { mark }));
        match ctx.write_local(env).await {
            Ok(Some(_)) => {
                done = mark;
                behind = false;
            }
            Ok(None) => behind = true,
            Err(e) => {
                behind = true;
                tracing::debug!(cause = %e, "acknowledgement not recorded yet");
            }
        }
    }
}

/// One push: a run of entries from `first_seq`, as they travel.
struct Push {
    first_seq: u64,
    carried: Vec<Carried>,
    /// The outbox when the run was read.
    stats: OutboxStats,
    bytes: usize,
    /// When reading the run began.
    t_read: std::time::Instant,
}

struct Session<'a> {
    ctx: &'a Arc<NodeCtx>,
    link: &'a UplinkState,
    client: &'a mut UplinkClient<Channel>,
    metrics: &'a mut watch::Receiver<openraft::RaftMetrics<u64, openraft::BasicNode>>,
    stop: &'a mut Shutdown,
    ack: &'a watch::Sender<u64>,
    progressed: bool,
    /// The size of the last own head the parent holds (from its last answer; 0: none known).
    parent_holds: u64,
}

impl Session<'_> {
    /// Records whether the parent answers; a head for waiting items is signed at once when it
    /// starts answering again.
    fn set_up(&self, up: bool) {
        let was = self.link.up.swap(up, std::sync::atomic::Ordering::Relaxed);
        if up && !was {
            // The signer task signs; waking it keeps one signer and one head at a time.
            self.link.head_wanted.notify_one();
        }
    }

    fn is_leader(&self) -> bool {
        self.metrics.borrow().state == ServerState::Leader
    }

    async fn drain(&mut self) -> Result<(), LinkError> {
        let mut cursor = self.resume().await?;
        let batch = self.ctx.timings.uplink_batch.clamp(1, MAX_INGEST_ITEMS);
        let mut warned_at = 0i64;
        loop {
            if self.stop.is_shutdown() || !self.is_leader() {
                return Ok(());
            }
            let t_read = std::time::Instant::now();
            let (entries, stats) = self.ctx.sm.read(|s| {
                Ok::<_, crate::domain::DomainError>((
                    outbox_from(&s.domain, cursor, batch)?,
                    outbox_stats(&s.domain)?,
                ))
            })?;
            self.warn_if_old(&stats, &mut warned_at);
            // Only a contiguous run starting at the cursor can be sent.
            let run: Vec<_> = entries
                .into_iter()
                .enumerate()
                .take_while(|(i, (seq, _))| *seq == cursor + *i as u64)
                .map(|(_, e)| e)
                .collect();
            if run.is_empty() {
                tokio::select! {
                    r = self.metrics.changed() => if r.is_err() { return Ok(()) },
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = self.stop.recv() => return Ok(()),
                }
                continue;
            }
            let (mut carried, bytes) = self.carry(&run)?;
            if let Some(f) = &self.link.faults {
                f.before_push(&self.ctx.region, &mut carried).await?;
            }
            let pushed = Push {
                first_seq: cursor,
                carried,
                stats,
                bytes,
                t_read,
            };
            cursor = self.push(pushed).await?;
        }
    }

    /// Asks the parent's mark and returns the sequence number to send from; acknowledges
    /// the mark when it is within what this region queued.
    async fn resume(&mut self) -> Result<u64, LinkError> {
        let mut req = tonic::Request::new(pb::MarkRequest {});
        req.set_timeout(Duration::from_secs(5));
        let reply = self
            .client
            .mark(req)
            .await
            .map_err(LinkError::rpc("mark"))?
            .into_inner();
        let mark = reply.mark;
        self.parent_holds = reply.own_head_size;
        self.set_up(true);
        let mut stats = self.ctx.sm.read(|s| outbox_stats(&s.domain))?;
        if mark > stats.tail {
            // A former leader that has not yet learned it was replaced reads an outbox older
            // than what its successor sent. Only a confirmed leader, caught up to its read
            // index, may call the parent's mark a divergence.
            let confirmed =
                tokio::time::timeout(Duration::from_secs(5), self.ctx.read_index_local()).await;
            if !matches!(confirmed, Ok(Ok(_))) {
                tracing::info!(
                    region = %self.ctx.region,
                    parent_mark = mark,
                    our_tail = stats.tail,
                    "the parent holds more of this link than this node has applied, and this node cannot confirm it still leads: leaving the link to the current leader"
                );
                return Err(LinkError::NotLeader);
            }
            stats = self.ctx.sm.read(|s| outbox_stats(&s.domain))?;
        }
        let mut cursor = mark + 1;
        if mark > stats.tail {
            tracing::error!(
                region = %self.ctx.region,
                parent_mark = mark,
                our_tail = stats.tail,
                "the parent holds more of this link than this region ever queued: this region's history differs from what it sent; resending what it has for comparison"
            );
            cursor = stats.acked + 1;
        } else if mark < stats.acked {
            tracing::error!(
                region = %self.ctx.region,
                parent_mark = mark,
                acked = stats.acked,
                "the parent lost entries it had acknowledged; they were pruned here and cannot be resent"
            );
            cursor = stats.acked + 1;
        }
        if mark <= stats.tail && mark > stats.acked {
            self.ack.send_replace(mark);
        }
        if mark < stats.acked {
            // Told at once, even with nothing new to send: an empty push names what this
            // region pruned, so the parent records its loss too.
            let mut req = tonic::Request::new(pb::PushRequest {
                first_seq: stats.acked + 1,
                entries: Vec::new(),
                tail: stats.tail,
                oldest_ms: stats.oldest_ms,
                pruned_through: stats.acked,
            });
            req.set_timeout(Duration::from_secs(30));
            self.client
                .push(req)
                .await
                .map_err(LinkError::rpc("push"))?;
            return self.lost(mark, stats.acked).await;
        }
        Ok(cursor)
    }

    /// Warns, at most once a minute, while the oldest waiting entry is older than the alert
    /// threshold.
    fn warn_if_old(&self, stats: &OutboxStats, warned_at: &mut i64) {
        let now = self.ctx.clock.now_ms();
        if stats.oldest_ms > 0 {
            let age = Duration::from_millis(now.saturating_sub(stats.oldest_ms).max(0) as u64);
            if age > self.ctx.timings.uplink_alert_after && now - *warned_at > 60_000 {
                *warned_at = now;
                tracing::warn!(region = %self.ctx.region, backlog = stats.backlog, age_s = age.as_secs(), "uplink backlog is older than the alert threshold");
            }
        }
    }

    /// The entries of `run` as they travel, with their proofs, within one push's budget; and
    /// their encoded size.
    fn carry(&self, run: &[(u64, OutEntry)]) -> Result<(Vec<Carried>, usize), LinkError> {
        let resolved = self.ctx.sm.read(|s| {
            run.iter()
                .map(|(_, e)| resolve(&s.domain, e))
                .collect::<Result<Vec<_>, _>>()
        })?;
        let nodes = ledger::CachedNodes::new(&*self.ctx.sm);
        let mut carried = Vec::with_capacity(resolved.len());
        let mut bytes = 0usize;
        let mut holds = self.parent_holds;
        for (c, own) in resolved {
            let c = if own {
                Self::with_proof(&nodes, c, &mut holds)?
            } else {
                c
            };
            let size = bincode::serialized_size(&c)? as usize;
            if bytes + size > super::PUSH_BUDGET && !carried.is_empty() {
                break;
            }
            bytes += size;
            carried.push(c);
        }
        Ok((carried, bytes))
    }

    /// Sends one push and returns the sequence number to send from next; passes the parent's
    /// new mark to the acknowledger.
    async fn push(&mut self, p: Push) -> Result<u64, LinkError> {
        let encoded = p
            .carried
            .iter()
            .map(bincode::serialize)
            .collect::<Result<Vec<_>, _>>()?;
        let mut req = tonic::Request::new(pb::PushRequest {
            first_seq: p.first_seq,
            entries: encoded,
            tail: p.stats.tail,
            oldest_ms: p.stats.oldest_ms,
            pruned_through: p.stats.acked,
        });
        req.set_timeout(Duration::from_secs(30));
        let tp = std::time::Instant::now();
        let reply = self
            .client
            .push(req)
            .await
            .map_err(LinkError::rpc("push"))?
            .into_inner();
        self.progressed = true;
        self.parent_holds = reply.own_head_size;
        tracing::debug!(
            region = %self.ctx.region,
            entries = reply.accepted + reply.duplicates,
            bytes = p.bytes,
            push_ms = tp.elapsed().as_millis() as u64,
            prepare_ms = p.t_read.elapsed().saturating_sub(tp.elapsed()).as_millis() as u64,
            "pushed to the parent"
        );
        if reply.gap {
            tracing::info!(region = %self.ctx.region, from = p.first_seq, mark = reply.mark, "parent refused a gap; resending from its mark");
        }
        if reply.gap && reply.mark < p.stats.acked {
            return self.lost(reply.mark, p.stats.acked).await;
        }
        if reply.mark <= p.stats.tail {
            self.ack.send_if_modified(|m| {
                if reply.mark > *m {
                    *m = reply.mark;
                    true
                } else {
                    false
                }
            });
        }
        Ok(reply.mark + 1)
    }

    /// The parent holds this link only through `parent_mark`, below what it acknowledged and
    /// this region pruned: recorded here once (an alert at this end; the parent records its
    /// own), then the link waits, asking again every few seconds, until the parent's operator
    /// re-baselines it. Returns where to send from.
    async fn lost(&mut self, parent_mark: u64, acked: u64) -> Result<u64, LinkError> {
        use std::sync::atomic::Ordering;
        if self
            .link
            .lost_reported
            .swap(parent_mark + 1, Ordering::AcqRel)
            != parent_mark + 1
        {
            tracing::error!(region = %self.ctx.region, parent_mark, acked, "the parent lost entries of this link that it had acknowledged; the uplink waits for the parent's operator to re-baseline it");
            let env = self
                .ctx
                .node_envelope(Command::UplinkLost(cmd::UplinkLost { parent_mark, acked }));
            if let Err(e) = self.ctx.write(env).await {
                self.link.lost_reported.store(0, Ordering::Release);
                tracing::warn!(region = %self.ctx.region, cause = %e, "could not record the lost link; retrying");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3)) => {}
            _ = self.stop.recv() => {}
        }
        Ok(acked + 1)
    }

    /// Adds the proof an own entry travels with. A head is proven from the last head the
    /// parent holds (`holds`, when known and smaller), else from the head before it here: so
    /// after the parent refused a head, the next one is still proven from one it holds.
    fn with_proof(
        nodes: &dyn ledger::NodeSource,
        c: Carried,
        holds: &mut u64,
    ) -> Result<Carried, LinkError> {
        match c {
            Carried::Item {
                bytes,
                leaf_index,
                head_size,
                ..
            } => {
                let proof = ledger::inclusion_proof(nodes, leaf_index, head_size)?;
                Ok(Carried::Item {
                    bytes,
                    leaf_index,
                    head_size,
                    proof,
                })
            }
            Carried::Head {
                head, prev_size, ..
            } => {
                let prev_size = prove_from(prev_size, *holds, head.head.size);
                let proof = if prev_size == 0 {
                    Vec::new()
                } else {
                    ledger::consistency_proof(nodes, prev_size, head.head.size)?
                };
                // The heads after it in the same push are proven from this one.
                *holds = head.head.size;
                Ok(Carried::Head {
                    head,
                    prev_size,
                    proof,
                })
            }
        }
    }
}

/// The size a head of `size` is proven from: the head the parent holds when it is known and
/// smaller (its chain goes on from there, whatever it refused since), else `recorded`, the head
/// before it here.
fn prove_from(recorded: u64, parent_holds: u64, size: u64) -> u64 {
    if parent_holds > 0 && parent_holds < size {
        parent_holds
    } else {
        recorded
    }
}

#[cfg(test)]
mod prove_tests {
    use super::prove_from;

    #[test]
    fn a_head_is_proven_from_what_the_parent_holds() {
        // The parent refused the head of size 20 and still holds 10: prove 30 from 10.
        assert_eq!(prove_from(20, 10, 30), 10);
        // Nothing known of the parent: from the head before it.
        assert_eq!(prove_from(20, 0, 30), 20);
        // A resend of a head the parent already holds (or a larger one): as recorded.
        assert_eq!(prove_from(20, 30, 30), 20);
        assert_eq!(prove_from(20, 40, 30), 20);
        // The first head ever: nothing to prove from.
        assert_eq!(prove_from(0, 0, 10), 0);
    }
}
