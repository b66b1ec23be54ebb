//! The peer-only service: Raft RPCs, write forwarding and read-index.
//!
//! Every call is refused unless the caller's verified certificate names a node of this region;
//! persons and nodes of other regions get `PermissionDenied`, and the refusal is logged with the
//! caller's identity. Until the node is admitted (a fresh node whose peers are still being
//! asked whether it may join), every call is answered `Unavailable`: it neither votes nor
//! takes entries before.
use std::sync::Arc;

use sanxiang_proto::raft::raft_peer_server::RaftPeer;
use sanxiang_proto::raft::{
    ForwardReply, ForwardRequest, RaftPayload, ReadIndexReply, ReadIndexRequest,
};
use tonic::{Request, Response, Status};

use super::ctx::NodeCtx;
use crate::domain::Envelope;
use crate::pki::Identity;
use crate::transport::caller;

pub struct PeerService {
    pub ctx: Arc<NodeCtx>,
}

impl PeerService {
    fn authorize<T>(&self, req: &Request<T>, what: &str) -> Result<u64, Status> {
        let id = caller(req, &self.ctx.tls.revoked)?;
        match &id {
            Identity::Node { region, .. }
                if *region == self.ctx.region && !self.ctx.is_admitted() =>
            {
                Err(Status::unavailable("本节点正在启动检查，尚未加入 Raft"))
            }
            Identity::Node { region, node, .. } if *region == self.ctx.region => Ok(*node),
            _ => {
                tracing::warn!(caller = %id, call = what, region = %self.ctx.region, "peer call refused");
                Err(Status::permission_denied(format!(
                    "{id} 不是地区 {} 的节点",
                    self.ctx.region
                )))
            }
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(data: &[u8]) -> Result<T, Status> {
        bincode::deserialize(data)
            .map_err(|e| Status::invalid_argument(format!("载荷无法解码：{e}")))
    }

    fn encode<T: serde::Serialize>(v: &T) -> Result<Response<RaftPayload>, Status> {
        bincode::serialize(v)
            .map(|data| Response::new(RaftPayload { data }))
            .map_err(|e| Status::internal(e.to_string()))
    }
}

#[tonic::async_trait]
impl RaftPeer for PeerService {
    async fn append_entries(
        &self,
        req: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        self.authorize(&req, "append_entries")?;
        let rpc = Self::decode(&req.into_inner().data)?;
        Self::encode(&self.ctx.raft.append_entries(rpc).await)
    }

    async fn vote(&self, req: Request<RaftPayload>) -> Result<Response<RaftPayload>, Status> {
        self.authorize(&req, "vote")?;
        let rpc = Self::decode(&req.into_inner().data)?;
        Self::encode(&self.ctx.raft.vote(rpc).await)
    }

    async fn install_snapshot(
        &self,
        req: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        self.authorize(&req, "install_snapshot")?;
        let rpc = Self::decode(&req.into_inner().data)?;
        Self::encode(&self.ctx.raft.install_snapshot(rpc).await)
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn forward(
        &self,
        req: Request<ForwardRequest>,
    ) -> Result<Response<ForwardReply>, Status> {
        let from = self.authorize(&req, "forward")?;
        let env = Envelope::decode(&req.into_inner().envelope)
            .map_err(|e| Status::invalid_argument(format!("转发的命令信封无法解码：{e}")))?;
        tracing::debug!(from, command = env.command.name(), "forwarded write");
        match self.ctx.write_local(env).await? {
            Some(r) => Ok(Response::new(ForwardReply {
                response: bincode::serialize(&r).map_err(|e| Status::internal(e.to_string()))?,
            })),
            None => Err(Status::unavailable("本节点不是领导者")),
        }
    }

    async fn read_index(
        &self,
        req: Request<ReadIndexRequest>,
    ) -> Result<Response<ReadIndexReply>, Status> {
        self.authorize(&req, "read_index")?;
        let index = self.ctx.read_index_local().await?;
        Ok(Response::new(ReadIndexReply { index }))
    }
}
