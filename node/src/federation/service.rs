//! The parent's `Uplink` service. Only a node of a direct child region may push; its region
//! comes from the verified certificate. Each batch goes through this region's Raft as one
//! `Ingest` command, so the reply's mark is what is applied.
use std::sync::Arc;

use sanxiang_proto::federation as pb;
use sanxiang_proto::federation::uplink_server::Uplink;
use tonic::{Request, Response, Status};

use super::{MAX_ENTRY_BYTES, MAX_PUSH_BYTES};
use crate::domain::command::cmd;
use crate::domain::federation::held::LINKS;
use crate::domain::federation::ingest::IngestInput;
use crate::domain::federation::items::{Carried, MAX_INGEST_ITEMS};
use crate::domain::federation::lost::{self, LOST_LINKS};
use crate::domain::Command;
use crate::pki::Identity;
use crate::raft::NodeCtx;
use crate::transport::caller;

pub struct UplinkService {
    pub ctx: Arc<NodeCtx>,
}

impl UplinkService {
    /// The calling child region, or a refusal logged with the caller's identity.
    fn child<T>(&self, req: &Request<T>, call: &str) -> Result<String, Status> {
        let id = caller(req, &self.ctx.tls.revoked)?;
        let region = match &id {
            Identity::Node { region, .. } => region,
            Identity::Person { .. } => {
                tracing::warn!(caller = %id, call, region = %self.ctx.region, "uplink refused: not a node");
                return Err(Status::permission_denied(format!(
                    "{id} 是人员证书；只有直接下级地区的节点可使用上行链路"
                )));
            }
        };
        let parent = self
            .ctx
            .topology
            .region(region)
            .ok()
            .and_then(|r| r.parent.clone());
        if parent.as_deref() != Some(self.ctx.region.as_str()) {
            tracing::warn!(caller = %id, call, region = %self.ctx.region, "uplink refused: not a direct child");
            return Err(Status::permission_denied(format!(
                "{id} 不是 {} 的直接下级地区的节点",
                self.ctx.region
            )));
        }
        Ok(region.clone())
    }
}

fn decode_entry(i: usize, b: &[u8]) -> Result<Carried, Status> {
    use bincode::Options;
    if b.len() > MAX_ENTRY_BYTES {
        return Err(Status::invalid_argument(format!(
            "条目 {i} 长 {} 字节，上限为 {MAX_ENTRY_BYTES} 字节",
            b.len()
        )));
    }
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .reject_trailing_bytes()
        .with_limit(b.len() as u64 + 1)
        .deserialize(b)
        .map_err(|e| Status::invalid_argument(format!("条目 {i} 无法解码：{e}")))
}

#[tonic::async_trait]
impl Uplink for UplinkService {
    #[tracing::instrument(skip_all, fields(region = %self.ctx.region))]
    async fn push(&self, req: Request<pb::PushRequest>) -> Result<Response<pb::PushReply>, Status> {
        let link = self.child(&req, "push")?;
        let r = req.into_inner();
        if r.entries.len() > MAX_INGEST_ITEMS {
            return Err(Status::invalid_argument(format!(
                "一次推送含 {} 个条目，上限为 {MAX_INGEST_ITEMS} 个",
                r.entries.len()
            )));
        }
        if r.first_seq == 0 {
            return Err(Status::invalid_argument("first_seq 须从 1 开始"));
        }
        let total: usize = r.entries.iter().map(|e| e.len()).sum();
        if total > MAX_PUSH_BYTES {
            return Err(Status::invalid_argument(format!(
                "推送共 {total} 字节，上限为 {MAX_PUSH_BYTES} 字节"
            )));
        }
        let entries = r
            .entries
            .iter()
            .enumerate()
            .map(|(i, b)| decode_entry(i, b))
            .collect::<Result<Vec<_>, _>>()?;
        let env = self.ctx.node_envelope(Command::Ingest(IngestInput {
            link: link.clone(),
            first_seq: r.first_seq,
            entries,
            tail: r.tail,
            oldest_ms: r.oldest_ms,
        }));
        let reply = super::push_reply(self.ctx.write(env).await?.outcome, &link, "up")?;
        let mark = reply.get_ref().mark;
        // What the child pruned is within what it says it queued (a bound on a false report);
        // past this region's mark, what lies between was lost here. Recorded (and alerted)
        // once; the link stays refused until an operator re-baselines it.
        // (A healthy link never gets past the first test: the child pruned only what this
        // region acknowledged.)
        if r.pruned_through > mark && r.pruned_through <= r.tail {
            let known = self
                .ctx
                .sm
                .read(|s| LOST_LINKS.read(&s.domain, &link))
                .map_err(|e| Status::internal(e.to_string()))?;
            if lost::news(known.as_ref(), mark, r.pruned_through) {
                tracing::error!(child = %link, mark, pruned_through = r.pruned_through, "this region lost entries of a child's link that the child has pruned; re-baseline with `sanxiang federation rebaseline`");
                let env = self.ctx.node_envelope(Command::LinkLost(cmd::LinkLost {
                    link: link.clone(),
                    pruned_through: r.pruned_through,
                }));
                self.ctx.write(env).await?;
            }
        }
        Ok(reply)
    }

    async fn mark(&self, req: Request<pb::MarkRequest>) -> Result<Response<pb::PushReply>, Status> {
        let link = self.child(&req, "mark")?;
        self.ctx.linearizable().await?;
        let (state, origin) = self
            .ctx
            .sm
            .read(|s| {
                Ok::<_, crate::domain::DomainError>((
                    LINKS.read(&s.domain, &link)?,
                    crate::domain::federation::held::ORIGINS.read(&s.domain, &link)?,
                ))
            })
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::PushReply {
            mark: state.unwrap_or_default().mark,
            own_head_size: origin.map_or(0, |o| o.head_size),
            ..Default::default()
        }))
    }
}
