//! A node's own view of its region's membership (the `Probe` answer), and the client side:
//! channels to one node of the region over mutual TLS, presenting this node's certificate and
//! expecting exactly the node called.
use std::time::Duration;

use sanxiang_proto::cluster as pb;
use sanxiang_proto::cluster::cluster_client::ClusterClient;
use tonic::transport::Channel;

use crate::domain::command::members::records;
use crate::pki::{Expect, TlsMaterial};
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;
use crate::transport;

/// How long one probe may take (connect, handshake, answer).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// This node's answer to `Probe`: whether it holds a membership, and the ids its applied state
/// records as started and as retired.
pub fn local(ctx: &NodeCtx) -> pb::ProbeReply {
    let m = ctx.raft.metrics().borrow().clone();
    let initialized = m.membership_config.membership().nodes().next().is_some();
    let (started, retired) = recorded(ctx);
    pb::ProbeReply {
        region: ctx.region.clone(),
        node: ctx.node_id,
        initialized,
        started,
        retired,
        leader: m.current_leader,
        last_log: m.last_log_index,
    }
}

/// The ids the applied state records as started and as retired, in order. A record that does
/// not decode is logged and left out (the state machine would have stopped on it).
pub fn recorded(ctx: &NodeCtx) -> (Vec<NodeId>, Vec<NodeId>) {
    let all = match ctx.sm.read(|s| records(&s.domain)) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(cause = %e, "member records do not decode");
            Vec::new()
        }
    };
    let started = all
        .iter()
        .filter(|r| r.caught_up_ms.is_some())
        .map(|r| r.node)
        .collect();
    let retired = all
        .iter()
        .filter(|r| r.retired_ms.is_some())
        .map(|r| r.node)
        .collect();
    (started, retired)
}

/// A client of the `Cluster` service of node `id` of `region` at `addr`, presenting `tls`.
pub fn client(
    tls: &TlsMaterial,
    region: &str,
    id: NodeId,
    addr: &str,
) -> Result<ClusterClient<Channel>, tonic::Status> {
    let cfg = tls
        .client_config(Expect::Node(region.to_string(), id))
        .map_err(|e| tonic::Status::internal(format!("本节点的证书无法使用：{e}")))?;
    let ch = transport::channel(addr, cfg, Duration::from_secs(2))
        .map_err(|e| tonic::Status::unavailable(format!("节点 {id} 的地址 {addr} 无效：{e}")))?;
    Ok(ClusterClient::new(ch))
}

/// Asks node `id` at `addr` for its view, within [`PROBE_TIMEOUT`].
pub async fn ask(
    tls: &TlsMaterial,
    region: &str,
    id: NodeId,
    addr: &str,
) -> Result<pb::ProbeReply, tonic::Status> {
    let mut c = client(tls, region, id, addr)?;
    let mut req = tonic::Request::new(pb::ProbeRequest {});
    req.set_timeout(PROBE_TIMEOUT);
    match tokio::time::timeout(PROBE_TIMEOUT, c.probe(req)).await {
        Ok(r) => r.map(|r| r.into_inner()),
        Err(_) => Err(tonic::Status::deadline_exceeded(format!(
            "节点 {id}（{addr}）在 {} 秒内没有应答",
            PROBE_TIMEOUT.as_secs()
        ))),
    }
}
