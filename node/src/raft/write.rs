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
        use std::sync::atomic::Ordering;
        // Past the queue's bound a write is refused at once: under overload writers are told
        // to come back, instead of all waiting toward a timeout.
        let waiting = self.pending_writes.fetch_add(1, Ordering::AcqRel);
        let _slot = PendingSlot(&self.pending_writes);
        if waiting >= self.timings.max_pending_writes {
            return Err(PathError::overloaded(waiting));
        }
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
                        Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                            return Err(PathError::Overloaded(status.message().to_string()));
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

/// One place in the leader's write queue, given back when the write is answered or dropped.
struct PendingSlot<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for PendingSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}
