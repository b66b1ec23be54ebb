//! The `Cluster` service, served by every node: membership for operators, answered by the
//! leader (a follower forwards the call, presenting its own node certificate), and `Probe`,
//! answered by the node called.
//!
//! Only nodes of this region may call: the caller is read from the verified certificate
//! ([`crate::transport::caller`]), never from a request field. Persons and nodes of other
//! regions get `PermissionDenied`, and the refusal is logged with the caller.
use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;

use sanxiang_proto::cluster as pb;
use sanxiang_proto::cluster::cluster_client::ClusterClient;
use sanxiang_proto::cluster::cluster_server::Cluster;
use tokio::sync::{mpsc, Mutex, OwnedMutexGuard};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use super::change::{self, Report};
use super::error::ChangeError;
use super::probe;
use crate::pki::Identity;
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;
use crate::transport::caller;

/// The progress of a membership change, as streamed to the operator.
pub type ProgressStream = Pin<Box<dyn Stream<Item = Result<pb::Progress, Status>> + Send>>;

pub struct ClusterService {
    ctx: Arc<NodeCtx>,
    /// One membership change at a time on this node.
    changing: Arc<Mutex<()>>,
}

/// Who answers a call that the leader answers.
enum Answer {
    Here,
    Leader(ClusterClient<Channel>),
}

impl ClusterService {
    pub fn new(ctx: Arc<NodeCtx>) -> ClusterService {
        ClusterService {
            ctx,
            changing: Arc::new(Mutex::new(())),
        }
    }

    fn authorize<T>(&self, req: &Request<T>, what: &str) -> Result<NodeId, Status> {
        let id = caller(req, &self.ctx.tls.revoked)?;
        match &id {
            Identity::Node { region, node, .. } if *region == self.ctx.region => Ok(*node),
            _ => {
                tracing::warn!(caller = %id, call = what, region = %self.ctx.region, "cluster call refused");
                Err(Status::permission_denied(format!(
                    "{id} 不是地区 {} 的节点：集群成员只能由本地区机器上的节点证书管理",
                    self.ctx.region
                )))
            }
        }
    }

    /// This node if it leads, else a client of the leader (waiting for one to be known).
    async fn answer(&self) -> Result<Answer, Status> {
        let ctx = &self.ctx;
        let known = ctx
            .raft
            .wait(Some(ctx.timings.election_max * 2))
            .metrics(|m| m.current_leader.is_some(), "leader known")
            .await;
        if known.is_err() {
            return Err(Status::unavailable(format!(
                "地区 {} 暂无领导者：请确认多数节点在运行，稍后重试",
                ctx.region
            )));
        }
        match ctx.leader() {
            Some((id, _)) if id == ctx.node_id => Ok(Answer::Here),
            Some((id, addr)) => Ok(Answer::Leader(probe::client(
                &ctx.tls,
                &ctx.region,
                id,
                &addr,
            )?)),
            None => Err(Status::unavailable(format!(
                "地区 {} 暂无领导者，稍后重试",
                ctx.region
            ))),
        }
    }

    /// Takes the change lock, or refuses while another change runs here.
    fn lock(&self) -> Result<OwnedMutexGuard<()>, Status> {
        self.changing.clone().try_lock_owned().map_err(|_| {
            ChangeError::Busy {
                region: self.ctx.region.clone(),
            }
            .into()
        })
    }

    /// Runs a checked change in its own task, streaming its progress; the lock is held until
    /// it ends. The change goes on if the operator disconnects after the membership change was
    /// proposed.
    fn spawn<F, Fut>(&self, guard: OwnedMutexGuard<()>, op: F) -> Response<ProgressStream>
    where
        F: FnOnce(Arc<NodeCtx>, Report) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<(), ChangeError>> + Send,
    {
        let (tx, rx) = mpsc::channel(32);
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let end = tx.clone();
            if let Err(e) = op(ctx, Report::new(tx)).await {
                tracing::warn!(cause = %e, "membership change failed");
                let _ = end.send(Err(e.into())).await;
            }
        });
        Response::new(Box::pin(ReceiverStream::new(rx)))
    }
}

/// A forwarded stream, as this node's answer.
fn relay(
    r: Result<Response<tonic::Streaming<pb::Progress>>, Status>,
) -> Result<Response<ProgressStream>, Status> {
    let s = r?.into_inner();
    Ok(Response::new(Box::pin(s)))
}

#[tonic::async_trait]
impl Cluster for ClusterService {
    type AddNodeStream = ProgressStream;
    type RemoveNodeStream = ProgressStream;
    type ReplaceNodeStream = ProgressStream;

    async fn members(
        &self,
        req: Request<pb::MembersRequest>,
    ) -> Result<Response<pb::MembersReply>, Status> {
        self.authorize(&req, "members")?;
        match self.answer().await? {
            Answer::Here => Ok(Response::new(members(&self.ctx).await)),
            Answer::Leader(mut c) => c.members(pb::MembersRequest {}).await,
        }
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn add_node(
        &self,
        req: Request<pb::AddNodeRequest>,
    ) -> Result<Response<ProgressStream>, Status> {
        let from = self.authorize(&req, "add_node")?;
        let r = req.into_inner();
        tracing::info!(from, id = r.id, addr = %r.addr, "add node");
        match self.answer().await? {
            Answer::Leader(mut c) => relay(c.add_node(r).await),
            Answer::Here => {
                let guard = self.lock()?;
                let plan = change::plan_add(&self.ctx, r.id, &r.addr)?;
                Ok(self.spawn(guard, |ctx, report| async move {
                    change::add(&ctx, plan, &report).await
                }))
            }
        }
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn remove_node(
        &self,
        req: Request<pb::RemoveNodeRequest>,
    ) -> Result<Response<ProgressStream>, Status> {
        let from = self.authorize(&req, "remove_node")?;
        let r = req.into_inner();
        tracing::info!(from, id = r.id, "remove node");
        match self.answer().await? {
            Answer::Leader(mut c) => relay(c.remove_node(r).await),
            Answer::Here => {
                let guard = self.lock()?;
                let plan = change::plan_remove(&self.ctx, r.id).await?;
                Ok(self.spawn(guard, |ctx, report| async move {
                    change::remove(&ctx, plan, &report).await
                }))
            }
        }
    }

    #[tracing::instrument(skip_all, fields(region = %self.ctx.region, node = self.ctx.node_id))]
    async fn replace_node(
        &self,
        req: Request<pb::ReplaceNodeRequest>,
    ) -> Result<Response<ProgressStream>, Status> {
        let from = self.authorize(&req, "replace_node")?;
        let r = req.into_inner();
        tracing::info!(from, old = r.old, new = r.new, addr = %r.addr, "replace node");
        match self.answer().await? {
            Answer::Leader(mut c) => relay(c.replace_node(r).await),
            Answer::Here => {
                let guard = self.lock()?;
                let plan = change::plan_replace(&self.ctx, r.old, r.new, &r.addr).await?;
                Ok(self.spawn(guard, |ctx, report| async move {
                    change::replace(&ctx, plan, &report).await
                }))
            }
        }
    }

    async fn probe(
        &self,
        req: Request<pb::ProbeRequest>,
    ) -> Result<Response<pb::ProbeReply>, Status> {
        self.authorize(&req, "probe")?;
        Ok(Response::new(probe::local(&self.ctx)))
    }
}

/// The leader's view of the membership: every voter and learner with its address, matched
/// index and lag, whether it answers a probe now and whether it is recorded as started.
pub async fn members(ctx: &NodeCtx) -> pb::MembersReply {
    let m = ctx.raft.metrics().borrow().clone();
    let membership = m.membership_config.membership();
    let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
    let (started, retired) = probe::recorded(ctx);
    let others: Vec<(NodeId, String)> = membership
        .nodes()
        .filter(|(id, _)| **id != ctx.node_id)
        .map(|(id, n)| (*id, n.addr.clone()))
        .collect();
    let answered = change::reachable(ctx, &others).await;
    let last = m.last_log_index.unwrap_or(0);
    let members = membership
        .nodes()
        .map(|(id, n)| {
            let matched = match *id == ctx.node_id {
                true => m.last_log_index,
                false => m
                    .replication
                    .as_ref()
                    .and_then(|r| r.get(id).cloned().flatten())
                    .map(|l| l.index),
            };
            pb::Member {
                id: *id,
                addr: n.addr.clone(),
                voter: voters.contains(id),
                leader: m.current_leader == Some(*id),
                matched,
                lag: matched.map(|x| last.saturating_sub(x)).unwrap_or(last),
                started: started.contains(id),
                reachable: *id == ctx.node_id || answered.contains(id),
            }
        })
        .collect();
    pb::MembersReply {
        region: ctx.region.clone(),
        leader: m.current_leader.unwrap_or(0),
        term: m.current_term,
        last_log: m.last_log_index,
        members,
        started,
        retired,
        changing: membership.get_joint_config().len() > 1,
    }
}
