//! The leader's batcher: writes waiting on this node are proposed as one Raft entry, stamped
//! with the leader's clock and the rules version.
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use openraft::BasicNode;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::error::{Failure, PathError, Unavailable};
use super::types::{NodeId, Raft, Request, Responses};
use crate::clock::Clock;
use crate::domain::{Envelope, Response, RULES_VERSION};
use crate::shutdown::Shutdown;

/// Most envelopes proposed in one Raft entry.
pub const MAX_BATCH: usize = 512;

/// Most bytes of envelopes in one Raft entry (one larger envelope travels alone). With
/// `MAX_PAYLOAD_ENTRIES` this keeps every AppendEntries far below the Raft message limit.
pub const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// The longest the batcher waits for a proposal to be answered.
const COMMIT_WAIT: Duration = Duration::from_secs(10);

/// What a writer is told: the state machine's answer, or `None` when this node is not the
/// leader (any more).
type Reply = oneshot::Sender<Result<Option<Response>, PathError>>;

/// A write waiting for the batcher.
pub(super) struct Pending {
    pub(super) env: Envelope,
    pub(super) reply: Reply,
}

/// Starts the batcher of `raft`; it runs until `stop`.
pub(super) fn spawn_batcher(
    raft: Raft,
    clock: Clock,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    stop: Shutdown,
) -> (mpsc::UnboundedSender<Pending>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, tokio::spawn(batcher(raft, clock, metrics, rx, stop)))
}

/// Proposes waiting writes as one Raft entry each time the previous entry is answered, so
/// concurrent writers share one append, one fsync per replica and one replication round.
/// Every envelope of the batch gets the leader's time of that batch, read from `clock`.
async fn batcher(
    raft: Raft,
    clock: Clock,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    mut stop: Shutdown,
) {
    // A write that did not fit the previous entry starts the next one.
    let mut carry: Option<Pending> = None;
    loop {
        let first = match carry.take() {
            Some(p) => p,
            None => tokio::select! {
                p = rx.recv() => match p {
                    Some(p) => p,
                    None => break,
                },
                _ = stop.recv() => break,
            },
        };
        let pending = gather(first, &mut rx, &mut carry);
        let (bytes, replies) = stamp(pending, clock.now_ms());
        if bytes.is_empty() {
            continue;
        }
        metrics.batch.observe(bytes.len() as f64);
        propose(&raft, bytes, replies).await;
    }
}

/// `first` and the writes already waiting behind it, within [`MAX_BATCH`] and
/// [`MAX_ENTRY_BYTES`]; the first write that does not fit goes to `carry`.
fn gather(
    first: Pending,
    rx: &mut mpsc::UnboundedReceiver<Pending>,
    carry: &mut Option<Pending>,
) -> Vec<Pending> {
    let size = |p: &Pending| bincode::serialized_size(&p.env).unwrap_or(0) as usize;
    let mut total = size(&first);
    let mut pending = vec![first];
    while pending.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(p) => {
                let s = size(&p);
                if total + s > MAX_ENTRY_BYTES {
                    *carry = Some(p);
                    break;
                }
                total += s;
                pending.push(p);
            }
            Err(_) => break,
        }
    }
    pending
}

/// Stamps the leader's time `now` and the rules version on every envelope and encodes them; a
/// writer whose envelope does not encode is answered at once.
fn stamp(pending: Vec<Pending>, now: i64) -> (Vec<Vec<u8>>, Vec<Reply>) {
    let mut bytes = Vec::with_capacity(pending.len());
    let mut replies = Vec::with_capacity(pending.len());
    for p in pending {
        let mut env = p.env;
        env.time_ms = now;
        env.rules_version = RULES_VERSION;
        match env.encode() {
            Ok(b) => {
                bytes.push(b);
                replies.push(p.reply);
            }
            Err(e) => {
                let _ = p.reply.send(Err(Failure::Encode(e).into()));
            }
        }
    }
    (bytes, replies)
}

/// Proposes one entry and answers its writers, in order.
async fn propose(raft: &Raft, bytes: Vec<Vec<u8>>, replies: Vec<Reply>) {
    // A leader cut off from its peers takes itself for the leader until it hears a higher
    // term, and openraft may not answer an entry it appended then and lost later (e.g. when
    // a snapshot replaces its log). Without a bound the batcher, and every write of this node
    // (acknowledgements, tree heads, Ticks, items from the parent), would wait for ever.
    // The writers are told "unavailable" and retry with the same dedup ids.
    let Ok(result) = tokio::time::timeout(COMMIT_WAIT, raft.client_write(Request(bytes))).await
    else {
        tracing::warn!(
            secs = COMMIT_WAIT.as_secs(),
            "a proposal was not answered in time; its writers retry"
        );
        for reply in replies {
            let _ = reply.send(Err(Unavailable::NotCommitted(COMMIT_WAIT).into()));
        }
        return;
    };
    match result {
        Ok(r) => {
            let Responses(answers) = r.data;
            let mut answers = answers.into_iter();
            for reply in replies {
                let a = answers
                    .next()
                    .map(Some)
                    .ok_or_else(|| Failure::MissingAnswer.into());
                let _ = reply.send(a);
            }
        }
        Err(e) => {
            for reply in replies {
                let _ = reply.send(refused(&e));
            }
        }
    }
}

/// What a writer is told when Raft refused its entry: a follower answers `None`.
fn refused(
    e: &RaftError<NodeId, ClientWriteError<NodeId, BasicNode>>,
) -> Result<Option<Response>, PathError> {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(_)) => Ok(None),
        RaftError::APIError(e) => Err(Unavailable::Write(e.clone()).into()),
        RaftError::Fatal(e) => Err(Failure::Raft(e.clone()).into()),
    }
}
