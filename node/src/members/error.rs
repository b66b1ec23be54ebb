//! Why a membership change was refused or did not complete. Each message is for the operator,
//! in Chinese, naming the node and what to do; [`ChangeError::code`] is the gRPC code it is
//! answered with.
use openraft::error::{ClientWriteError, RaftError};
use openraft::BasicNode;

use crate::raft::types::NodeId;

/// Ids as the operator reads them: `1, 3, 4`.
pub fn ids(list: &[NodeId]) -> String {
    let shown: Vec<String> = list.iter().map(|i| i.to_string()).collect();
    match shown.is_empty() {
        true => "无".to_string(),
        false => shown.join(", "),
    }
}

/// A membership change refused or not completed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// This node does not lead (any more): nothing was changed here.
    #[error(
        "本节点不是地区 {region} 的领导者（或刚失去领导权），成员变更没有进行：请重新运行该命令"
    )]
    NotLeader { region: String },
    /// A change runs already, or the membership is still joint.
    #[error("地区 {region} 正在进行另一项成员变更：请等它完成（`sanxiang cluster members` 可查看）后再试")]
    Busy { region: String },
    /// Node id 0 is reserved.
    #[error("节点编号 0 无效（请使用 1、2、3 …）")]
    ZeroId,
    /// The address given for a new node is not host:port.
    #[error("节点 {id} 的地址 {addr:?} 不是有效的 host:port：请检查拓扑文件中该节点的 grpc 地址")]
    BadAddress { id: NodeId, addr: String },
    /// The id was used before: it held the region's data or left the region.
    #[error(
        "节点编号 {id} 在地区 {region} 已经用过（曾同步过本地区的数据，或已被移除），编号不再使用：\
         请在拓扑文件中为新机器换一个从未用过的编号"
    )]
    Reused { id: NodeId, region: String },
    /// The node is already a voter.
    #[error("节点 {id} 已是地区 {region} 的投票成员")]
    AlreadyVoter { id: NodeId, region: String },
    /// The id is not in the membership.
    #[error("节点 {id} 不是地区 {region} 的成员（现有成员：{members}）")]
    NotMember {
        id: NodeId,
        region: String,
        members: String,
    },
    /// Replacing needs the old node to be a voter.
    #[error("节点 {id} 不是地区 {region} 的投票成员，无需替换：学习者可直接用 remove-node 移除")]
    NotVoter { id: NodeId, region: String },
    /// The same id given as old and new.
    #[error("--old 与 --new 是同一个节点 {0}：替换需要一个新编号")]
    SameNode(NodeId),
    /// Removing the only voter would leave a region that cannot elect.
    #[error("节点 {id} 是地区 {region} 唯一的投票成员，不能移除：请先用 add-node 加入新节点")]
    LastVoter { id: NodeId, region: String },
    /// The voters left would not have a reachable majority.
    #[error(
        "变更后地区 {region} 的投票成员为 {after}，其中只有 {reachable} 可达，少于多数（需要 {need} 个）：\
         变更无法提交，地区将不能写入。请先让不可达的节点恢复运行，或先替换它们（replace-node），再移除"
    )]
    NoMajority {
        region: String,
        after: String,
        reachable: String,
        need: usize,
    },
    /// The learner holds nothing new for too long.
    #[error(
        "节点 {id}（{addr}）在 {secs} 秒内没有追上领导者的日志（已有 {matched}，领导者 {last}）：\
         请确认它已用 `sanxiang serve` 启动、地址与拓扑文件一致、证书由 `sanxiang pki init` 签发。\
         它仍是学习者：启动后重新运行同一命令继续，或用 `sanxiang cluster remove-node --id {id}` 撤销"
    )]
    Stalled {
        id: NodeId,
        addr: String,
        secs: u64,
        matched: String,
        last: u64,
    },
    /// The learner left the membership while it was awaited.
    #[error("等待期间节点 {0} 已被移出成员")]
    Removed(NodeId),
    /// The operator's connection went away while the learner was awaited.
    #[error("操作者已断开连接，停止等待节点 {0}（它仍是学习者）")]
    Abandoned(NodeId),
    /// openraft refused the change.
    #[error("Raft 拒绝了成员变更：{0}")]
    Raft(#[from] RaftError<NodeId, ClientWriteError<NodeId, BasicNode>>),
    /// The change was proposed and not committed in time.
    #[error(
        "成员变更未在 {secs} 秒内提交：多数节点可能不可达。地区可能仍处于联合配置，\
         请用 `sanxiang cluster members` 查看，节点恢复后变更会自动完成"
    )]
    NotCommitted { secs: u64 },
}

impl ChangeError {
    /// The gRPC code this error is answered with.
    pub fn code(&self) -> tonic::Code {
        use tonic::Code;
        match self {
            ChangeError::NotLeader { .. } | ChangeError::Abandoned(_) => Code::Unavailable,
            ChangeError::ZeroId | ChangeError::BadAddress { .. } | ChangeError::SameNode(_) => {
                Code::InvalidArgument
            }
            ChangeError::NotMember { .. } => Code::NotFound,
            ChangeError::AlreadyVoter { .. } => Code::AlreadyExists,
            ChangeError::Stalled { .. } | ChangeError::NotCommitted { .. } => {
                Code::DeadlineExceeded
            }
            ChangeError::Raft(RaftError::Fatal(_)) => Code::Internal,
            ChangeError::Raft(RaftError::APIError(ClientWriteError::ForwardToLeader(_))) => {
                Code::Unavailable
            }
            _ => Code::FailedPrecondition,
        }
    }
}

impl From<ChangeError> for tonic::Status {
    fn from(e: ChangeError) -> tonic::Status {
        tonic::Status::new(e.code(), e.to_string())
    }
}
