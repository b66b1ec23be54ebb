//! Downlink, node side: the child's `Downlink` service (callers must be nodes of its parent
//! region) and the leader's task that pushes each child's downlink outbox, resuming from the
//! child's mark after any failure and recording the acknowledgement through Raft.
use std::sync::Arc;
use std::time::Duration;

use openraft::ServerState;
use sanxiang_proto::federation as pb;
use sanxiang_proto::federation::downlink_client::DownlinkClient;
use sanxiang_proto::federation::downlink_server::Downlink;
use tonic::{Request, Response, Status};

use super::LinkError;
use super::MAX_ENTRY_BYTES;
use crate::domain::command::cmd;
use crate::domain::core::state::META;
use crate::domain::federation::downlink::{
    digest, seal_message, DownSeal, SealedDown, DOWN_LINKS, DOWN_MARK, DOWN_OUT, DOWN_SEALED,
    DOWN_SEALS, DOWN_SEQ, MAX_SEALS, SENT_DOWN,
};
use crate::domain::federation::items::MAX_INGEST_ITEMS;
use crate::domain::Command;
use crate::pki::{Expect, Identity};
use crate::raft::NodeCtx;
use crate::shutdown::Shutdown;
use crate::transport::{self, caller};

pub struct DownlinkService {
    pub ctx: Arc<NodeCtx>,
}

impl DownlinkService {
    fn parent<T>(&self, req: &Request<T>, call: &str) -> Result<String, Status> {
        let id = caller(req, &self.ctx.tls.revoked)?;
        let parent = self
            .ctx
            .topology
            .region(&self.ctx.region)
            .ok()
            .and_then(|r| r.parent.clone());
        match &id {
            Identity::Node { region, .. } if Some(region) == parent.as_ref() => Ok(region.clone()),
            _ => {
                tracing::warn!(caller = %id, call, region = %self.ctx.region, "downlink refused: not a node of the parent region");
                Err(Status::permission_denied(format!(
                    "{id} 不是 {} 的上级地区的节点",
                    self.ctx.region
                )))
            }
        }
    }
}

#[tonic::async_trait]
impl Downlink for DownlinkService {
    async fn push(&self, req: Request<pb::PushRequest>) -> Result<Response<pb::PushReply>, Status> {
        use bincode::Options;
        let from = self.parent(&req, "push")?;
        let r = req.into_inner();
        if r.entries.len() > MAX_INGEST_ITEMS || r.first_seq == 0 {
            return Err(Status::invalid_argument(format!(
                "first_seq 须从 1 开始，且每次推送最多 {MAX_INGEST_ITEMS} 项"
            )));
        }
        let mut items = Vec::with_capacity(r.entries.len());
        for (i, b) in r.entries.iter().enumerate() {
            if b.len() > MAX_ENTRY_BYTES {
                return Err(Status::invalid_argument(format!(
                    "项 {i} 长 {} 字节，上限为 {MAX_ENTRY_BYTES} 字节",
                    b.len()
                )));
            }
            let item: SealedDown = bincode::DefaultOptions::new()
                .with_fixint_encoding()
                .reject_trailing_bytes()
                .with_limit(b.len() as u64 + 1)
                .deserialize(b)
                .map_err(|e| Status::invalid_argument(format!("项 {i} 无法解码：{e}")))?;
            items.push(item);
        }
        let env = self
            .ctx
            .node_envelope(Command::IngestSealedDown(cmd::IngestSealedDown {
                from: from.clone(),
                first_seq: r.first_seq,
                items,
            }));
        super::push_reply(self.ctx.write(env).await?.outcome, &from, "down")
    }

    async fn mark(&self, req: Request<pb::MarkRequest>) -> Result<Response<pb::PushReply>, Status> {
        self.parent(&req, "mark")?;
        self.ctx.linearizable().await?;
        let mark = self
            .ctx
            .sm
            .read(|s| META.read(&s.domain, DOWN_MARK))
            .map_err(|e| Status::internal(e.to_string()))?
            .unwrap_or(0)
            .max(0) as u64;
        Ok(Response::new(pb::PushReply {
            mark,
            ..Default::default()
        }))
    }
}

/// Starts one pushing loop per direct child region, and the sealer of this region's own
/// items when it has children; they act only while this node leads.
pub fn spawn_senders(ctx: &Arc<NodeCtx>, stop: &Shutdown) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks: Vec<_> = ctx
        .topology
        .regions()
        .filter(|r| r.parent.as_deref() == Some(ctx.region.as_str()))
        .map(|r| {
            let addrs: Vec<String> = r.nodes.iter().map(|n| n.grpc.clone()).collect();
            tokio::spawn(child_loop(ctx.clone(), r.id.clone(), addrs, stop.clone()))
        })
        .collect();
    if !tasks.is_empty() {
        tasks.push(tokio::spawn(seal_loop(ctx.clone(), stop.clone())));
    }
    tasks
}

/// On the leader: signs every own item sent down that has no seal yet, with the node's
/// current certificate, and records the seals through Raft; an item leaves this region only
/// once sealed.
async fn seal_loop(ctx: Arc<NodeCtx>, mut stop: Shutdown) {
    let mut metrics = ctx.raft.metrics();
    loop {
        let leader = metrics.borrow().state == ServerState::Leader;
        if leader {
            match seal_next(&ctx).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(cause = %e, "downlink items not sealed; will retry"),
            }
        }
        tokio::select! {
            r = metrics.changed() => if r.is_err() { return },
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.recv() => return,
        }
    }
}

/// Seals the next unsealed own items; true when it sealed some.
async fn seal_next(ctx: &Arc<NodeCtx>) -> Result<bool, LinkError> {
    let (first, digests) = ctx.sm.read(|s| {
        let meta = |k| META.read(&s.domain, k).ok().flatten().unwrap_or(0).max(0) as u64;
        let (sealed, last) = (meta(DOWN_SEALED), meta(DOWN_SEQ));
        let digests: Vec<[u8; 32]> = ((sealed + 1)..=last)
            .take(MAX_SEALS)
            .map_while(|seq| {
                let sent = SENT_DOWN.read(&s.domain, &seq).ok().flatten()?;
                digest(&sent.item).ok()
            })
            .collect();
        (sealed + 1, digests)
    });
    if digests.is_empty() {
        return Ok(false);
    }
    let presented = ctx.tls.presented();
    let key = presented
        .key_pkcs8()
        .ok_or_else(|| crate::ledger::head::HeadError::Key("not PKCS#8".into()))?;
    let at_ms = ctx.clock.now_ms();
    let mut seals = Vec::with_capacity(digests.len());
    for d in &digests {
        let signature = crate::ledger::head::sign_bytes(&seal_message(d), key)?;
        seals.push(DownSeal {
            signer: ctx.node_id,
            cert_der: presented.cert_der().to_vec(),
            signature,
            at_ms,
        });
    }
    let env = ctx.node_envelope(Command::SealDown(cmd::SealDown {
        first_seq: first,
        seals,
    }));
    ctx.write_local(env).await?;
    Ok(true)
}

async fn child_loop(ctx: Arc<NodeCtx>, child: String, addrs: Vec<String>, mut stop: Shutdown) {
    let cfg = match ctx.tls.client_config(Expect::Region(child.clone())) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(cause = %e, "downlink disabled: TLS configuration");
            return;
        }
    };
    let clients: Vec<_> = addrs
        .iter()
        .filter_map(|a| transport::channel(a, cfg.clone(), Duration::from_secs(3)).ok())
        .map(DownlinkClient::new)
        .collect();
    if clients.is_empty() {
        return;
    }
    let mut metrics = ctx.raft.metrics();
    let mut which = 0usize;
    let mut backoff = Duration::from_millis(50);
    loop {
        if stop.is_shutdown() {
            return;
        }
        let leader = metrics.borrow().state == ServerState::Leader;
        let has_work = ctx.sm.read(|s| {
            DOWN_LINKS
                .read(&s.domain, &child)
                .ok()
                .flatten()
                .is_some_and(|l| l.tail > l.acked)
        });
        if !leader || !has_work {
            tokio::select! {
                r = metrics.changed() => if r.is_err() { return },
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.recv() => return,
            }
            continue;
        }
        match push_once(&ctx, &child, &mut clients[which].clone()).await {
            Ok(true) => backoff = Duration::from_millis(50),
            // Nothing could go yet (the next item waits for its seal): wait for a change.
            Ok(false) => {
                tokio::select! {
                    r = metrics.changed() => if r.is_err() { return },
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.recv() => return,
                }
            }
            Err(e) => {
                tracing::debug!(child = %child, cause = %e, "downlink interrupted; resuming from the child's mark");
                which = (which + 1) % clients.len();
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.recv() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// Asks the child's mark, sends what follows it, records the acknowledgement. False when
/// nothing moved.
async fn push_once(
    ctx: &Arc<NodeCtx>,
    child: &str,
    client: &mut DownlinkClient<tonic::transport::Channel>,
) -> Result<bool, LinkError> {
    let mut req = Request::new(pb::MarkRequest {});
    req.set_timeout(Duration::from_secs(5));
    let mark = client
        .mark(req)
        .await
        .map_err(LinkError::rpc("mark"))?
        .into_inner()
        .mark;
    let (items, tail, acked) = ctx.sm.read(|s| {
        let link = DOWN_LINKS
            .read(&s.domain, child)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut items: Vec<Vec<u8>> = Vec::new();
        let mut bytes = 0usize;
        for seq in ((mark + 1)..=link.tail).take(MAX_INGEST_ITEMS) {
            let Some(o) = DOWN_OUT
                .read(&s.domain, &(child.to_string(), seq))
                .ok()
                .flatten()
            else {
                break;
            };
            // An item goes on only with its issuer's seal (an own item waits for the sealer).
            let Some(seal) = DOWN_SEALS
                .read(&s.domain, &(o.item.issuer.clone(), o.item.seq))
                .ok()
                .flatten()
            else {
                break;
            };
            let Ok(b) = bincode::serialize(&SealedDown { item: o.item, seal }) else {
                break;
            };
            if bytes + b.len() > super::PUSH_BUDGET && !items.is_empty() {
                break;
            }
            bytes += b.len();
            items.push(b);
        }
        (items, link.tail, link.acked)
    });
    if mark < acked {
        return Err(LinkError::Diverged(format!(
            "{child} holds less ({mark}) than it acknowledged ({acked}); its data was lost and what was pruned cannot be resent"
        )));
    }
    let recorded = acked;
    let mut acked = mark.min(tail).max(acked);
    let sent = !items.is_empty();
    if sent {
        let mut req = Request::new(pb::PushRequest {
            first_seq: mark + 1,
            entries: items,
            tail,
            oldest_ms: 0,
            pruned_through: 0,
        });
        req.set_timeout(Duration::from_secs(30));
        let reply = client
            .push(req)
            .await
            .map_err(LinkError::rpc("push"))?
            .into_inner();
        acked = reply.mark.min(tail);
    }
    if acked > recorded {
        let env = ctx.node_envelope(Command::DownAcked(cmd::DownAcked {
            child: child.to_string(),
            mark: acked,
        }));
        ctx.write_local(env).await?;
    }
    Ok(sent || acked > recorded)
}
