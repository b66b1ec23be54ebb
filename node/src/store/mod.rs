//! Storage on sled, all behind this module so the engine can be swapped.
//!
//! One sled database per node; typed key spaces ([`keys`]): tree `log` (entries by index),
//! tree `raft` (vote, purge mark), tree `sm` (one-byte prefixes: applied state, domain tables,
//! ledger leaves and nodes) so one batch per applied entry is atomic.
//! - [`log_store`]: `RaftLogStorage` with group commit (one writer flushes batches).
//! - [`state_machine`]: `RaftStateMachine`, the thin adapter around [`crate::domain`].
//! - [`snapshot`]: snapshot files: built from a consistent copy, streamed, installed atomically.
pub mod keys;
pub mod log_store;
pub mod snapshot;
pub mod state_machine;

use std::path::Path;

pub use log_store::LogStore;
pub use state_machine::{SmShared, StateMachine};

use crate::raft::types::StorageError;

/// Errors opening the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sled::Error,
    },
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Default sled page cache per node: small, since one process may host many nodes.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Opens (or creates) a node's database and its stores.
pub async fn open(
    dir: &Path,
    region: &str,
    cache_bytes: u64,
) -> Result<(LogStore, StateMachine), StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let db_path = dir.join("db");
    // A node stopped inside this process releases its database once its last task ends; wait a
    // little for that instead of failing at once (another process holding it still fails).
    let mut waited = 0;
    let db = loop {
        match sled::Config::new()
            .path(&db_path)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::LowSpace)
            .open()
        {
            Ok(db) => break db,
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock") && waited < 100 =>
            {
                waited += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(source) => {
                return Err(StoreError::Open {
                    path: db_path.display().to_string(),
                    source,
                })
            }
        }
    };
    let log = LogStore::open(db.clone())?;
    let sm = StateMachine::open(db, region, &dir.join("snapshots")).await?;
    Ok((log, sm))
}

pub(crate) fn io_write<E: std::error::Error + 'static>(e: E) -> StorageError {
    openraft::StorageIOError::write(&e).into()
}

pub(crate) fn io_read<E: std::error::Error + 'static>(e: E) -> StorageError {
    openraft::StorageIOError::read(&e).into()
}

/// Makes everything written to `db` durable (fsync) and returns when it is.
///
/// sled's `flush_async` runs the flush as a job on sled's own thread pool, which is shared by
/// every database in the process; a flush job waits there for buffers that only another job of
/// that pool can write. With many databases in one process (the demo runs 21 nodes) the pool
/// fills with waiting flush jobs and every node stops (seen with the demo network: every sled
/// I/O thread waiting in `make_stable`, no thread left to write).
/// A synchronous `flush` on tokio's blocking pool writes its buffers itself.
pub async fn flush(db: &sled::Db) -> std::io::Result<()> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || db.flush())
        .await
        .map_err(std::io::Error::other)?
        .map(|_| ())
        .map_err(std::io::Error::other)
}
