//! A node's gRPC server: the Region API, Monitor, Uplink, Downlink, the peer service, Cluster
//! (membership), standard health checking and reflection, all behind mutual TLS on one
//! listener.
use std::sync::Arc;

use openraft::{BasicNode, RaftMetrics};
use sanxiang_proto::cluster::cluster_server::ClusterServer;
use sanxiang_proto::federation::downlink_server::DownlinkServer;
use sanxiang_proto::federation::uplink_server::UplinkServer;
use sanxiang_proto::raft::raft_peer_server::RaftPeerServer;
use sanxiang_proto::region::monitor_server::MonitorServer;
use sanxiang_proto::region::region_server::RegionServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic_health::server::HealthReporter;

use super::NodeError;
use crate::api::monitor_service::MonitorService;
use crate::api::RegionService;
use crate::federation::downlink::DownlinkService;
use crate::federation::service::UplinkService;
use crate::federation::MAX_PUSH_BYTES;
use crate::members::service::ClusterService;
use crate::raft::network::MAX_RAFT_MESSAGE;
use crate::raft::peer_service::PeerService;
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;
use crate::shutdown::{Shutdown, Trigger};
use crate::transport;

/// The tasks of a serving node's server.
pub struct Served {
    /// Serves every service until shutdown, then closes its connections gracefully.
    pub server: JoinHandle<()>,
    /// Reports the Region service SERVING while this node knows a leader.
    pub health: JoinHandle<()>,
}

/// Starts serving on `listener`.
pub async fn spawn(
    ctx: &Arc<NodeCtx>,
    listener: TcpListener,
    shutdown: &Trigger,
) -> Result<Served, NodeError> {
    let server_cfg = ctx.tls.server_config()?;
    let incoming = transport::incoming(listener, server_cfg, Arc::new(ctx.tls.client_judge()?));
    let peer = RaftPeerServer::new(PeerService { ctx: ctx.clone() })
        .max_decoding_message_size(MAX_RAFT_MESSAGE)
        .max_encoding_message_size(MAX_RAFT_MESSAGE);
    let downlink = DownlinkServer::new(DownlinkService { ctx: ctx.clone() })
        .max_decoding_message_size(MAX_PUSH_BYTES + 1024 * 1024)
        .max_encoding_message_size(1024 * 1024);
    let uplink = UplinkServer::new(UplinkService { ctx: ctx.clone() })
        .max_decoding_message_size(MAX_PUSH_BYTES + 1024 * 1024)
        .max_encoding_message_size(1024 * 1024);
    let cluster = ClusterServer::new(ClusterService::new(ctx.clone()));
    let monitor = MonitorServer::new(MonitorService { ctx: ctx.clone() })
        .max_decoding_message_size(64 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
    let api = RegionServer::new(RegionService { ctx: ctx.clone() })
        .max_decoding_message_size(crate::api::MAX_REQUEST)
        .max_encoding_message_size(16 * 1024 * 1024);
    // Standard gRPC health checking and reflection (still behind mutual TLS): the Region
    // service reports SERVING while this node knows a leader.
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_not_serving::<RegionServer<RegionService>>()
        .await;
    // Reflection in both versions (grpcurl and grpcio-reflection still speak v1alpha), listing
    // health too.
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(sanxiang_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(sanxiang_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let typed = crate::api::typed::services::TypedServers::new(ctx);
    let metrics = ctx.raft.metrics();
    let health = tokio::spawn(report_health(metrics, health, shutdown.subscribe()));
    let mut stop = shutdown.subscribe();
    let timed = TimedLayer(ctx.clone());
    let server = tokio::spawn(async move {
        let res = tonic::transport::Server::builder()
            .layer(timed)
            .add_service(peer)
            .add_service(cluster)
            .add_service(api)
            .add_service(typed.registry)
            .add_service(typed.enforcement)
            .add_service(typed.publication)
            .add_service(typed.supervision)
            .add_service(typed.ledger)
            .add_service(monitor)
            .add_service(uplink)
            .add_service(downlink)
            .add_service(health_service)
            .add_service(reflection)
            .add_service(reflection_v1alpha)
            .serve_with_incoming_shutdown(incoming, async move { stop.recv().await })
            .await;
        if let Err(e) = res {
            tracing::error!(cause = %e, "gRPC server stopped");
        }
    });
    Ok(Served { server, health })
}

/// Follows Raft's metrics: the Region service is SERVING exactly while a leader is known.
async fn report_health(
    mut metrics: watch::Receiver<RaftMetrics<NodeId, BasicNode>>,
    health: HealthReporter,
    mut stop: Shutdown,
) {
    let mut serving = None;
    loop {
        let has_leader = metrics.borrow().current_leader.is_some();
        if serving != Some(has_leader) {
            if has_leader {
                health.set_serving::<RegionServer<RegionService>>().await;
            } else {
                health
                    .set_not_serving::<RegionServer<RegionService>>()
                    .await;
            }
            serving = Some(has_leader);
        }
        tokio::select! {
            r = metrics.changed() => if r.is_err() { break },
            _ = stop.recv() => break,
        }
    }
}

/// Around every gRPC request: refuses it when its connection's certificate was refused, times
/// it and counts it by method and status code, and tells the region's leader in the
/// `x-sanxiang-leader` header of every reply, errors included.
#[derive(Clone)]
pub struct TimedLayer(pub Arc<NodeCtx>);

impl<S> tower::Layer<S> for TimedLayer {
    type Service = Timed<S>;
    fn layer(&self, inner: S) -> Timed<S> {
        Timed {
            inner,
            metrics: self.0.metrics.clone(),
            ctx: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Timed<S> {
    inner: S,
    metrics: Arc<crate::metrics::Metrics>,
    ctx: Arc<NodeCtx>,
}

impl<S, B, RB> tower::Service<tonic::codegen::http::Request<B>> for Timed<S>
where
    S: tower::Service<
        tonic::codegen::http::Request<B>,
        Response = tonic::codegen::http::Response<RB>,
    >,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    RB: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: tonic::codegen::http::Request<B>) -> Self::Future {
        let method = req.uri().path().to_string();
        let metrics = self.metrics.clone();
        let start = std::time::Instant::now();
        // No service (health and reflection included) answers a client whose certificate was
        // refused: it is told why instead.
        let refused = match req.extensions().get::<transport::PeerInfo>() {
            None => Some(crate::pki::tls::PeerRefused::NoCertificate),
            Some(p) => p.verdict.as_ref().as_ref().err().cloned(),
        };
        if let Some(why) = refused {
            let status = transport::refused_status(&why);
            let code = status.code() as i32;
            metrics.request(&method, Some(code as u32), start.elapsed());
            let mut res = status.into_http();
            crate::api::error::add_reason(res.headers_mut(), code);
            return Box::pin(async move { Ok(res) });
        }
        let fut = self.inner.call(req);
        let ctx = self.ctx.clone();
        Box::pin(async move {
            let mut r = fut.await;
            let leader = ctx
                .leader()
                .and_then(|(_, addr)| tonic::codegen::http::HeaderValue::from_str(&addr).ok());
            if let (Ok(res), Some(leader)) = (&mut r, leader) {
                res.headers_mut().insert(crate::api::LEADER_HEADER, leader);
            }
            // A refusal is answered "trailers only", its status in the headers; an answer
            // with a body has its status in the trailers, after these headers: 0 (OK) here.
            let code = match &r {
                Ok(res) => Some(
                    res.headers()
                        .get("grpc-status")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                ),
                Err(_) => None,
            };
            if let (Ok(res), Some(code)) = (&mut r, code) {
                if code != 0 {
                    crate::api::error::add_reason(res.headers_mut(), code as i32);
                }
            }
            metrics.request(&method, code, start.elapsed());
            r
        })
    }
}
