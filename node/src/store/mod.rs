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

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    #[error(
        "数据目录 {path} 由数据格式 {found} 的版本写入，本版本使用格式 {expected}（人员证书须写明所属机关，\
         决定须写明处罚内容和文号）：请用新的数据目录部署，旧数据目录由原版本继续读取 \
         (data directory written in format {found}, this release reads format {expected})"
    )]
    Format {
        path: String,
        found: u32,
        expected: u32,
    },
}

/// The data format this release writes and reads: 2 since persons act for an organ and
/// decisions carry their content (format 1 had neither). A database without the marker that
/// holds data was written in format 1.
pub const DATA_FORMAT: u32 = 2;

/// The tree and key of the data-format marker.
const FORMAT_TREE: &str = "format";
const FORMAT_KEY: &[u8] = b"data";

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
    let disk = Disk::open(&dir.join("db"), cache_bytes).await?;
    check_format(&disk, &dir.join("db")).await?;
    let log = LogStore::open(disk.clone())?;
    let sm = StateMachine::open(disk, region, &dir.join("snapshots")).await?;
    Ok((log, sm))
}

/// Refuses a database written in another data format; marks a new one with [`DATA_FORMAT`],
/// durably, before anything else is written.
async fn check_format(disk: &Disk, path: &Path) -> Result<(), StoreError> {
    let io = |e: sled::Error| StoreError::Open {
        path: path.display().to_string(),
        source: e,
    };
    let tree = disk.db().open_tree(FORMAT_TREE).map_err(io)?;
    let found = match tree.get(FORMAT_KEY).map_err(io)? {
        Some(v) => match <[u8; 4]>::try_from(v.as_ref()) {
            Ok(b) => u32::from_be_bytes(b),
            Err(_) => 0,
        },
        None => {
            let mut empty = true;
            for name in [keys::LOG_TREE, keys::RAFT_TREE, keys::SM_TREE] {
                empty &= disk.db().open_tree(name).map_err(io)?.is_empty();
            }
            if !empty {
                1
            } else {
                tree.insert(FORMAT_KEY, &DATA_FORMAT.to_be_bytes())
                    .map_err(io)?;
                disk.flush().await.map_err(|source| StoreError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                DATA_FORMAT
            }
        }
    };
    if found != DATA_FORMAT {
        return Err(StoreError::Format {
            path: path.display().to_string(),
            found,
            expected: DATA_FORMAT,
        });
    }
    Ok(())
}

pub(crate) fn io_write<E: std::error::Error + 'static>(e: E) -> StorageError {
    openraft::StorageIOError::write(&e).into()
}

pub(crate) fn io_read<E: std::error::Error + 'static>(e: E) -> StorageError {
    openraft::StorageIOError::read(&e).into()
}

/// A node's sled database and what it takes to make its writes survive a power loss.
///
/// sled 0.34's own `flush` is not enough for that on Linux: it writes its buffers and then asks
/// only `sync_file_range` for the written range of its log file, which neither records the
/// file's new length nor flushes the drive's cache, and values over a quarter of a segment go
/// to files under `blobs/` that sled never syncs at all. Under simulated power loss (LazyFS)
/// sled alone lost 28,600 of 141,749 writes acknowledged after `flush` (100-byte values) and
/// every one of 250 (200 KB values); with the syncs below it lost none (`chaos/README.md`).
#[derive(Clone)]
pub struct Disk {
    inner: Arc<DiskInner>,
}

struct DiskInner {
    db: sled::Db,
    /// sled's log file, `<dir>/db`.
    log_file: std::fs::File,
    /// `<dir>/blobs`.
    blobs: PathBuf,
    /// Blob files already synced, with the length they had then: a blob is written once, so a
    /// blob seen again at the same length needs no second sync (one seen mid-write is synced
    /// again once its length has changed).
    synced_blobs: Mutex<HashMap<OsString, u64>>,
}

impl Disk {
    /// Opens (or creates) the sled database at `db_path`.
    pub async fn open(db_path: &Path, cache_bytes: u64) -> Result<Disk, StoreError> {
        // A node stopped inside this process releases its database once its last task ends; wait a
        // little for that instead of failing at once (another process holding it still fails).
        let mut waited = 0;
        let db = loop {
            match sled::Config::new()
                .path(db_path)
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
        Disk::new(db, db_path).map_err(|source| StoreError::Io {
            path: db_path.display().to_string(),
            source,
        })
    }

    fn new(db: sled::Db, dir: &Path) -> std::io::Result<Disk> {
        let log_file = std::fs::File::open(dir.join("db"))?;
        // sled writes its configuration file at creation and never syncs it; a power loss
        // right after would leave it empty. The names sled created (its log, configuration,
        // blob directory) must survive too.
        std::fs::File::open(dir.join("conf"))?.sync_all()?;
        sync_dir(dir)?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
        Ok(Disk {
            inner: Arc::new(DiskInner {
                db,
                log_file,
                blobs: dir.join("blobs"),
                synced_blobs: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The database.
    pub fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    /// Makes everything written to the database so far durable and returns when it is.
    ///
    /// sled's `flush_async` runs the flush as a job on sled's own thread pool, which is shared
    /// by every database in the process; a flush job waits there for buffers that only another
    /// job of that pool can write. With many databases in one process (the demo runs 21 nodes)
    /// the pool fills with waiting flush jobs and every node stops (seen with the demo network:
    /// every sled I/O thread waiting in `make_stable`, no thread left to write). A synchronous
    /// `flush` on tokio's blocking pool writes its buffers itself.
    pub async fn flush(&self) -> std::io::Result<()> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.flush())
            .await
            .map_err(std::io::Error::other)?
    }
}

impl DiskInner {
    fn flush(&self) -> std::io::Result<()> {
        self.db.flush().map_err(std::io::Error::other)?;
        self.log_file.sync_all()?;
        self.sync_blobs()
    }

    /// Syncs every blob file not synced at its present length, then the directory if it
    /// holds new names.
    fn sync_blobs(&self) -> std::io::Result<()> {
        let entries = match std::fs::read_dir(&self.blobs) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut synced = self.synced_blobs.lock().unwrap_or_else(|p| p.into_inner());
        let mut present = HashMap::with_capacity(synced.len());
        let mut new_names = false;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            // sled removes blobs it no longer needs, possibly while this runs.
            let len = match entry.metadata() {
                Ok(m) => m.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            match synced.get(&name) {
                Some(&l) if l == len => {}
                seen => {
                    new_names |= seen.is_none();
                    match std::fs::File::open(entry.path()) {
                        Ok(f) => f.sync_all()?,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
            present.insert(name, len);
        }
        if new_names {
            sync_dir(&self.blobs)?;
        }
        *synced = present;
        Ok(())
    }
}

pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn flush_syncs_every_blob_once_and_the_values_reopen(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("db");
        let big = vec![3u8; 200_000];
        {
            let disk = Disk::open(&path, 8 << 20).await?;
            for i in 0u8..5 {
                disk.db().insert([i], big.as_slice())?;
            }
            disk.flush().await?;
            let on_disk = std::fs::read_dir(path.join("blobs"))?.count();
            assert!(
                on_disk >= 5,
                "values over a quarter segment go to blob files: {on_disk}"
            );
            let synced = disk.inner.synced_blobs.lock().map(|s| s.len()).unwrap_or(0);
            assert_eq!(synced, on_disk, "every blob file is synced by the flush");
            disk.db().remove([0u8])?;
            disk.flush().await?;
        }
        let disk = Disk::open(&path, 8 << 20).await?;
        assert!(disk.db().get([0u8])?.is_none());
        for i in 1u8..5 {
            assert_eq!(disk.db().get([i])?.as_deref(), Some(big.as_slice()));
        }
        Ok(())
    }

    #[tokio::test]
    async fn a_database_path_that_is_a_file_is_a_clear_error(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("db");
        std::fs::write(&path, b"not a database")?;
        match Disk::open(&path, 8 << 20).await {
            Err(StoreError::Open { path: p, .. }) => assert!(p.ends_with("db")),
            Err(e) => return Err(format!("unexpected error: {e}").into()),
            Ok(_) => return Err("a file opened as a database".into()),
        }
        assert_eq!(std::fs::read(&path)?, b"not a database");
        Ok(())
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[tokio::test]
    async fn a_database_of_another_data_format_is_refused_with_its_format_named() {
        let fresh = tempfile::tempdir().unwrap();
        drop(open(fresh.path(), "t/k", 1 << 20).await.unwrap());
        // Reopening the same directory is fine.
        drop(open(fresh.path(), "t/k", 1 << 20).await.unwrap());

        // Data without the marker: written in format 1.
        let old = tempfile::tempdir().unwrap();
        {
            let db = sled::open(old.path().join("db")).unwrap();
            db.open_tree(keys::SM_TREE)
                .unwrap()
                .insert(b"x", b"y")
                .unwrap();
            db.flush().unwrap();
        }
        match open(old.path(), "t/k", 1 << 20).await {
            Err(StoreError::Format {
                found: 1,
                expected: DATA_FORMAT,
                ..
            }) => {}
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("a format-1 database was opened"),
        }
    }
}
