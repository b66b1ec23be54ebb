//! The operator's side of the `Cluster` service (`sanxiang cluster …` and the tests): the
//! region's nodes from the operator's topology file, reached with the node certificate of the
//! machine the operator works on. Any running node will do (a follower forwards to the
//! leader); the next one is tried when a node is down.
use std::time::{Duration, Instant};

use sanxiang_proto::cluster as pb;
use sanxiang_proto::cluster::cluster_client::ClusterClient;
use tonic::transport::Channel;

use super::probe;
use crate::config::{Topology, TopologyError};
use crate::pki::TlsMaterial;
use crate::raft::types::NodeId;

/// How long the operator's calls look for a node that answers.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Why a `cluster` command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The node to add is not in the operator's topology file.
    #[error(
        "节点 {id} 不在拓扑文件中地区 {region} 的节点里：请先在拓扑文件中为它加一行（id 与 grpc 地址），\
         运行 `sanxiang pki init`（已有证书保留）为它签发证书，用 `sanxiang serve --node {region}/{id}` \
         启动它，再运行本命令"
    )]
    NotInTopology { id: NodeId, region: String },
    #[error("{0}")]
    Topology(#[from] TopologyError),
    /// The leader (or the node asked) refused; its message says why.
    #[error("{}", .0.message())]
    Refused(tonic::Status),
    /// No node of the region answered.
    #[error("地区 {region} 在 {secs} 秒内没有节点应答（最后一次错误：{last}）")]
    Unavailable {
        region: String,
        secs: u64,
        last: String,
    },
    /// The connection broke while a change was under way.
    #[error(
        "成员变更进行中连接中断（{0}）：变更可能已完成，也可能仍在进行。\
         请用 `sanxiang cluster members` 查看后再决定是否重新运行同一命令"
    )]
    Interrupted(String),
}

impl ClusterError {
    /// The gRPC code of a refusal.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            ClusterError::Refused(s) => Some(s.code()),
            _ => None,
        }
    }
}

/// A status that another node (or a later try) may not give.
fn retry_elsewhere(s: &tonic::Status) -> bool {
    matches!(
        s.code(),
        tonic::Code::Unavailable
            | tonic::Code::Unknown
            | tonic::Code::Cancelled
            | tonic::Code::DeadlineExceeded
    )
}

/// The operator of one region's cluster.
pub struct Operator {
    region: String,
    topology: Topology,
    tls: TlsMaterial,
    /// The region's nodes, the operator's own first.
    nodes: Vec<(NodeId, String)>,
    deadline: Duration,
}

impl Operator {
    /// An operator of `region` as the topology lists it, presenting `tls` (a node certificate
    /// of the region; any other is refused by the nodes).
    pub fn new(
        topology: Topology,
        region: &str,
        tls: TlsMaterial,
    ) -> Result<Operator, ClusterError> {
        let spec = topology.region(region)?;
        let own = match &tls.identity {
            crate::pki::Identity::Node { node, .. } => Some(*node),
            _ => None,
        };
        let mut nodes: Vec<(NodeId, String)> =
            spec.nodes.iter().map(|n| (n.id, n.grpc.clone())).collect();
        nodes.sort_by_key(|(id, _)| (Some(*id) != own, *id));
        Ok(Operator {
            region: region.to_string(),
            topology,
            tls,
            nodes,
            deadline: DEADLINE,
        })
    }

    /// Calls `f` on the region's nodes in turn until one answers (or refuses), within the
    /// deadline.
    async fn each<T, F, Fut>(&self, mut f: F) -> Result<T, ClusterError>
    where
        F: FnMut(ClusterClient<Channel>) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let start = Instant::now();
        let mut last = String::from("没有可用的节点地址");
        loop {
            for (id, addr) in &self.nodes {
                let answer = match probe::client(&self.tls, &self.region, *id, addr) {
                    Ok(c) => f(c).await,
                    Err(s) => Err(s),
                };
                match answer {
                    Ok(r) => return Ok(r.into_inner()),
                    Err(s) if retry_elsewhere(&s) => last = format!("节点 {id}：{}", s.message()),
                    Err(s) => return Err(ClusterError::Refused(s)),
                }
            }
            if start.elapsed() >= self.deadline {
                return Err(ClusterError::Unavailable {
                    region: self.region.clone(),
                    secs: self.deadline.as_secs(),
                    last,
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The leader's view of the membership.
    pub async fn members(&self) -> Result<pb::MembersReply, ClusterError> {
        self.each(|mut c| async move { c.members(pb::MembersRequest {}).await })
            .await
    }

    /// The topology's address of a node to add.
    fn addr_of(&self, id: NodeId) -> Result<String, ClusterError> {
        self.topology
            .node(&self.region, id)
            .map(|n| n.grpc.clone())
            .map_err(|_| ClusterError::NotInTopology {
                id,
                region: self.region.clone(),
            })
    }

    /// Adds node `id` (its address from the topology): learner, caught up, voter.
    pub async fn add_node(
        &self,
        id: NodeId,
        progress: &mut dyn FnMut(&pb::Progress),
    ) -> Result<(), ClusterError> {
        let req = pb::AddNodeRequest {
            id,
            addr: self.addr_of(id)?,
        };
        let stream = self
            .each(|mut c| {
                let req = req.clone();
                async move { c.add_node(req).await }
            })
            .await?;
        follow(stream, progress).await
    }

    /// Removes node `id` from the membership; its id is never used again.
    pub async fn remove_node(
        &self,
        id: NodeId,
        progress: &mut dyn FnMut(&pb::Progress),
    ) -> Result<(), ClusterError> {
        let stream = self
            .each(|mut c| async move { c.remove_node(pb::RemoveNodeRequest { id }).await })
            .await?;
        follow(stream, progress).await
    }

    /// Replaces voter `old` by the new node `new` (its address from the topology).
    pub async fn replace_node(
        &self,
        old: NodeId,
        new: NodeId,
        progress: &mut dyn FnMut(&pb::Progress),
    ) -> Result<(), ClusterError> {
        let req = pb::ReplaceNodeRequest {
            old,
            new,
            addr: self.addr_of(new)?,
        };
        let stream = self
            .each(|mut c| {
                let req = req.clone();
                async move { c.replace_node(req).await }
            })
            .await?;
        follow(stream, progress).await
    }
}

/// Shows a change's progress until it is done.
async fn follow(
    mut stream: tonic::Streaming<pb::Progress>,
    progress: &mut dyn FnMut(&pb::Progress),
) -> Result<(), ClusterError> {
    loop {
        match stream.message().await {
            Ok(Some(p)) => {
                progress(&p);
                if p.done {
                    return Ok(());
                }
            }
            Ok(None) => return Err(ClusterError::Interrupted("应答流提前结束".into())),
            Err(s) if retry_elsewhere(&s) && s.code() != tonic::Code::DeadlineExceeded => {
                return Err(ClusterError::Interrupted(s.message().to_string()))
            }
            Err(s) => return Err(ClusterError::Refused(s)),
        }
    }
}
