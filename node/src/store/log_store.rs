//! The Raft log on sled with group commit.
//!
//! openraft calls `append` once per client write and never batches across calls, so batching is
//! done here: `append` writes the entries into sled at once (readable immediately) and queues its
//! completion; one flusher task takes everything queued, calls `flush` once (fsync, see [`super::Disk::flush`]), and then
//! signals the completions in the order they were queued. `save_vote` queues a barrier behind the
//! pending appends and returns only after a flush that covers them and the vote.
use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{OptionalSend, RaftLogReader};
use tokio::sync::{mpsc, oneshot};

use super::keys::{log_index, log_key, LOG_TREE, PURGED_KEY, RAFT_TREE, VOTE_KEY};
use super::{io_read, io_write};
use crate::raft::types::{Entry, LogId, StorageError, TypeConfig, Vote};

enum FlushReq {
    Append(LogFlushed<TypeConfig>),
    Barrier(oneshot::Sender<Result<(), std::io::Error>>),
}

/// Counters of the group commit, for benchmarks and status.
#[derive(Debug, Default)]
pub struct FlushStats {
    /// Number of fsyncs done by the flusher.
    pub flushes: AtomicU64,
    /// Number of append/vote completions signalled.
    pub completions: AtomicU64,
    /// Total time spent in fsync, microseconds.
    pub flush_micros: AtomicU64,
}

struct Inner {
    log: sled::Tree,
    raft: sled::Tree,
    flusher: mpsc::UnboundedSender<FlushReq>,
    stats: Arc<FlushStats>,
}

/// The Raft log store. Cheap to clone; clones share the database and the flusher.
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<Inner>,
}

impl LogStore {
    /// Opens the log trees and starts the flusher task (needs a tokio runtime).
    pub fn open(disk: super::Disk) -> Result<LogStore, StorageError> {
        let log = disk.db().open_tree(LOG_TREE).map_err(io_write)?;
        let raft = disk.db().open_tree(RAFT_TREE).map_err(io_write)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(FlushStats::default());
        tokio::spawn(flusher(disk, rx, stats.clone()));
        Ok(LogStore {
            inner: Arc::new(Inner {
                log,
                raft,
                flusher: tx,
                stats,
            }),
        })
    }

    /// Group-commit counters.
    pub fn stats(&self) -> Arc<FlushStats> {
        self.inner.stats.clone()
    }

    /// True when the node has never stored a vote or a log entry (a fresh member).
    pub fn is_fresh(&self) -> Result<bool, StorageError> {
        Ok(self.inner.raft.get(VOTE_KEY).map_err(io_read)?.is_none()
            && self.inner.log.first().map_err(io_read)?.is_none()
            && self.inner.raft.get(PURGED_KEY).map_err(io_read)?.is_none())
    }

    async fn barrier(&self) -> Result<(), StorageError> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .flusher
            .send(FlushReq::Barrier(tx))
            .map_err(|_| io_write(closed()))?;
        rx.await.map_err(|_| io_write(closed()))?.map_err(io_write)
    }

    fn get_meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, StorageError> {
        match self.inner.raft.get(key).map_err(io_read)? {
            None => Ok(None),
            Some(v) => bincode::deserialize(&v).map(Some).map_err(io_read),
        }
    }
}

fn closed() -> std::io::Error {
    std::io::Error::other("log flusher stopped")
}

/// The single writer: one fsync for everything queued, then completions in queue order.
async fn flusher(
    disk: super::Disk,
    mut rx: mpsc::UnboundedReceiver<FlushReq>,
    stats: Arc<FlushStats>,
) {
    let mut batch = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let started = std::time::Instant::now();
        let res = disk.flush().await;
        stats
            .flush_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        stats.flushes.fetch_add(1, Ordering::Relaxed);
        stats
            .completions
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        for req in batch.drain(..) {
            let r = match &res {
                Ok(()) => Ok(()),
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            match req {
                FlushReq::Append(cb) => cb.log_io_completed(r),
                FlushReq::Barrier(tx) => {
                    let _ = tx.send(r);
                }
            }
        }
    }
}

fn to_key_bound(b: Bound<&u64>) -> Bound<[u8; 8]> {
    match b {
        Bound::Included(i) => Bound::Included(log_key(*i)),
        Bound::Excluded(i) => Bound::Excluded(log_key(*i)),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let r = (
            to_key_bound(range.start_bound()),
            to_key_bound(range.end_bound()),
        );
        let mut out = Vec::new();
        for item in self.inner.log.range(r) {
            let (_, v) = item.map_err(io_read)?;
            out.push(bincode::deserialize::<Entry>(&v).map_err(io_read)?);
        }
        Ok(out)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged: Option<LogId> = self.get_meta(PURGED_KEY)?;
        let last = match self.inner.log.last().map_err(io_read)? {
            Some((_, v)) => Some(bincode::deserialize::<Entry>(&v).map_err(io_read)?.log_id),
            None => last_purged,
        };
        Ok(LogState {
            last_purged_log_id: last_purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let v = bincode::serialize(vote).map_err(io_write)?;
        self.inner.raft.insert(VOTE_KEY, v).map_err(io_write)?;
        self.barrier().await
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        self.get_meta(VOTE_KEY)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut batch = sled::Batch::default();
        for e in entries {
            let v = bincode::serialize(&e).map_err(io_write)?;
            batch.insert(&log_key(e.log_id.index), v);
        }
        self.inner.log.apply_batch(batch).map_err(io_write)?;
        self.inner
            .flusher
            .send(FlushReq::Append(callback))
            .map_err(|_| io_write(closed()))?;
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let mut batch = sled::Batch::default();
        for item in self.inner.log.range(log_key(log_id.index)..) {
            let (k, _) = item.map_err(io_read)?;
            batch.remove(k);
        }
        self.inner.log.apply_batch(batch).map_err(io_write)?;
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        // sled recovers a prefix of its writes, so the one flush below makes everything applied
        // so far (same database) durable no later than the removal of the log it came from.
        let v = bincode::serialize(&log_id).map_err(io_write)?;
        self.inner.raft.insert(PURGED_KEY, v).map_err(io_write)?;
        let mut batch = sled::Batch::default();
        for item in self.inner.log.range(..=log_key(log_id.index)) {
            let (k, _) = item.map_err(io_read)?;
            if log_index(&k).is_some() {
                batch.remove(k);
            }
        }
        self.inner.log.apply_batch(batch).map_err(io_write)?;
        self.barrier().await
    }
}
