//! The read path: read-index on the leader, and [`NodeCtx::linearizable`], which makes the
//! next local read linearizable wherever it runs.
use std::time::Duration;

use openraft::error::RaftError;
use sanxiang_proto::raft::ReadIndexRequest;

use super::ctx::{NodeCtx, Route, Target};
use super::error::{Failure, PathError, Unavailable};

impl NodeCtx {
    /// Linearizable read barrier on the leader: returns the index reads must wait for.
    pub async fn read_index_local(&self) -> Result<Option<u64>, PathError> {
        match self.raft.ensure_linearizable().await {
            Ok(id) => Ok(id.map(|l| l.index)),
            Err(RaftError::APIError(e)) => Err(Unavailable::ReadIndex(e).into()),
            Err(RaftError::Fatal(e)) => Err(Failure::Raft(e).into()),
        }
    }

    /// Makes the next local read linearizable: the leader confirms its leadership with a quorum
    /// and this node waits until it has applied up to the leader's read index. An isolated
    /// former leader cannot reach a quorum and refuses.
    pub async fn linearizable(&self) -> Result<(), PathError> {
        let mut route = Route::new(self);
        while let Some(target) = route.next().await? {
            let index = match target {
                Target::Here => match self.read_index_local().await {
                    Ok(i) => i,
                    Err(PathError::Unavailable(e)) => {
                        route.failed(e);
                        continue;
                    }
                    Err(e) => return Err(e),
                },
                Target::Leader(_, mut client) => {
                    let mut req = tonic::Request::new(ReadIndexRequest {});
                    req.set_timeout(Duration::from_secs(5));
                    match client.read_index(req).await {
                        Ok(r) => r.into_inner().index,
                        Err(s) => {
                            route.failed(Unavailable::Peer(s));
                            continue;
                        }
                    }
                }
            };
            if let Some(i) = index {
                self.raft
                    .wait(Some(Duration::from_secs(10)))
                    .applied_index_at_least(Some(i), "read index applied")
                    .await
                    .map_err(Unavailable::Wait)?;
            }
            return Ok(());
        }
        Err(route.exhausted())
    }
}
