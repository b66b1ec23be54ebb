//! The write path: [`NodeCtx::write`] proposes here through the batcher or forwards to the
//! leader, following leader changes.
use std::time::Duration;

use sanxiang_proto::raft::ForwardRequest;
use tokio::sync::oneshot;

use super::batcher::Pending;
use super::ctx::{NodeCtx, Route, Target};
use super::error::{Failure, PathError, Unavailable};
use crate::domain::{Envelope, Response};

impl NodeCtx {
    /// Proposes on this node, which must be the leader, through the batcher; the leader's
    /// time is stamped there. `Ok(None)` means this node is not the leader (any more).
    pub async fn write_local(&self, env: Envelope) -> Result<Option<Response>, PathError> {
        let (reply, rx) = oneshot::channel();
        self.batcher
            .send(Pending { env, reply })
            .map_err(|_| Failure::Stopping)?;
        rx.await.map_err(|_| Failure::Stopping)?
    }

    /// The write path: propose here if leader, else forward the envelope (actor already stamped)
    /// to the leader. Retries follow leader changes; the envelope's dedup ids make retries safe.
    #[tracing::instrument(skip(self, env), fields(region = %self.region, node = self.node_id, command = env.command.name()))]
    pub async fn write(&self, env: Envelope) -> Result<Response, PathError> {
        let r = self.route_write(env).await;
        if let Ok(r) = &r {
            self.metrics
                .writes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let crate::domain::Outcome::Refused(f) = &r.outcome {
                self.metrics.refused(&f.rule);
            }
        }
        r
    }

    async fn route_write(&self, env: Envelope) -> Result<Response, PathError> {
        let mut route = Route::new(self);
        while let Some(target) = route.next().await? {
            match target {
                Target::Here => match self.write_local(env.clone()).await {
                    Ok(Some(r)) => return Ok(r),
                    Ok(None) => {}
                    Err(PathError::Unavailable(e)) => route.failed(e),
                    Err(e) => return Err(e),
                },
                Target::Leader(leader, mut client) => {
                    let bytes = env.encode().map_err(Failure::Encode)?;
                    let mut req = tonic::Request::new(ForwardRequest { envelope: bytes });
                    req.set_timeout(Duration::from_secs(10));
                    match client.forward(req).await {
                        Ok(reply) => {
                            return bincode::deserialize(&reply.into_inner().response)
                                .map_err(|e| Failure::Decode(e).into());
                        }
                        Err(status) => {
                            tracing::debug!(leader, cause = %status, "forward failed; retrying");
                            route.failed(Unavailable::Peer(status));
                        }
                    }
                }
            }
        }
        Err(route.exhausted())
    }
}
