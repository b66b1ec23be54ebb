//! Snapshot files.
//!
//! A snapshot is a file of bincode records: a header (meta, ledger frontier), the domain pairs,
//! the ledger pairs (leaves and nodes of the first `size` leaves), and an end mark. It is built
//! from a consistent copy: the domain map and frontier are copied under the read lock in one step,
//! and ledger keys are append-only, so scanning them afterwards and keeping only those inside the
//! copied size gives the same tree while `apply` goes on. Files are streamed to followers by
//! openraft in chunks; a received file is installed in one sled batch.
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bincode::Options;
use openraft::storage::Snapshot;
use serde::{Deserialize, Serialize};

use super::keys::{
    domain_key, ledger_key_within, LEAF_PREFIX, NODE_PREFIX, SM_APPLIED, SM_FRONTIER, SM_MEMBERSHIP,
};
use super::state_machine::{SmShared, SmState};
use super::{io_read, io_write};
use crate::domain::State;
use crate::ledger::Frontier;
use crate::raft::types::{SnapshotMeta, StorageError, TypeConfig};

const FORMAT: u32 = 1;
const CURRENT: &str = "current.bin";
const BUILDING: &str = "building.bin";
const INCOMING: &str = "incoming.bin";
const MAX_RECORD: u64 = 256 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    meta: SnapshotMeta,
    frontier: Frontier,
}

#[derive(Serialize, Deserialize)]
enum Rec {
    Domain(Vec<u8>, Vec<u8>),
    Ledger(Vec<u8>, Vec<u8>),
    End,
}

fn opts() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .with_limit(MAX_RECORD)
}

/// Removes files left by a crash during build or receive.
pub(crate) fn remove_partial(dir: &Path) {
    for name in [BUILDING, INCOMING] {
        let _ = std::fs::remove_file(dir.join(name));
    }
}

/// Builds a snapshot of the applied state into `current.bin`.
pub(crate) async fn build(
    shared: &std::sync::Arc<SmShared>,
) -> Result<Snapshot<TypeConfig>, StorageError> {
    let _guard = shared.snapshot_lock.lock().await;
    let copy: SmState = shared.read(|s| s.clone());
    let last = copy.applied;
    let meta = SnapshotMeta {
        last_log_id: last,
        last_membership: copy.membership.clone(),
        snapshot_id: format!(
            "{}-{}-{:08x}",
            last.map(|l| l.leader_id.term).unwrap_or(0),
            last.map(|l| l.index).unwrap_or(0),
            rand::random::<u32>()
        ),
    };
    let shared2 = shared.clone();
    let meta2 = meta.clone();
    tokio::task::spawn_blocking(move || write_file(&shared2, &meta2, copy))
        .await
        .map_err(io_write)??;
    let file = tokio::fs::File::open(shared.snapshot_dir.join(CURRENT))
        .await
        .map_err(io_read)?;
    Ok(Snapshot {
        meta,
        snapshot: Box::new(file),
    })
}

fn write_file(shared: &SmShared, meta: &SnapshotMeta, copy: SmState) -> Result<(), StorageError> {
    let dir = &shared.snapshot_dir;
    let tmp = dir.join(BUILDING);
    let f = std::fs::File::create(&tmp).map_err(io_write)?;
    let mut w = BufWriter::new(f);
    let size = copy.frontier.size();
    let header = Header {
        format: FORMAT,
        meta: meta.clone(),
        frontier: copy.frontier,
    };
    opts().serialize_into(&mut w, &header).map_err(io_write)?;
    for (k, v) in copy.domain.pairs() {
        opts()
            .serialize_into(&mut w, &Rec::Domain(k.clone(), v.clone()))
            .map_err(io_write)?;
    }
    for prefix in [LEAF_PREFIX, NODE_PREFIX] {
        for item in shared.tree.scan_prefix([prefix]) {
            let (k, v) = item.map_err(io_read)?;
            if ledger_key_within(&k, size) {
                opts()
                    .serialize_into(&mut w, &Rec::Ledger(k.to_vec(), v.to_vec()))
                    .map_err(io_write)?;
            }
        }
    }
    opts().serialize_into(&mut w, &Rec::End).map_err(io_write)?;
    let f = w.into_inner().map_err(|e| io_write(e.into_error()))?;
    f.sync_all().map_err(io_write)?;
    std::fs::rename(&tmp, dir.join(CURRENT)).map_err(io_write)?;
    super::sync_dir(dir).map_err(io_write)?;
    Ok(())
}

/// The current snapshot, if one was built or installed.
pub(crate) async fn current(dir: &Path) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
    let path = dir.join(CURRENT);
    if !path.exists() {
        return Ok(None);
    }
    let p2 = path.clone();
    let header = tokio::task::spawn_blocking(move || read_header(&p2))
        .await
        .map_err(io_read)??;
    let file = tokio::fs::File::open(&path).await.map_err(io_read)?;
    Ok(Some(Snapshot {
        meta: header.meta,
        snapshot: Box::new(file),
    }))
}

fn read_header(path: &Path) -> Result<Header, StorageError> {
    let f = std::fs::File::open(path).map_err(io_read)?;
    let mut r = BufReader::new(f);
    let h: Header = opts().deserialize_from(&mut r).map_err(io_read)?;
    if h.format != FORMAT {
        return Err(io_read(std::io::Error::other(format!(
            "snapshot format {} is not {FORMAT}",
            h.format
        ))));
    }
    Ok(h)
}

/// A new, unnamed file to receive a snapshot into. It is unlinked at once, so an interrupted
/// transfer leaves nothing behind.
pub(crate) async fn begin_receiving(dir: &Path) -> Result<Box<tokio::fs::File>, StorageError> {
    let path: PathBuf = dir.join(format!("receiving-{:016x}.bin", rand::random::<u64>()));
    let f = tokio::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .await
        .map_err(io_write)?;
    tokio::fs::remove_file(&path).await.map_err(io_write)?;
    Ok(Box::new(f))
}

/// Installs a received snapshot: read and check every record, replace the state machine's tree
/// in one batch, then keep the file as `current.bin`.
pub(crate) async fn install(
    shared: &std::sync::Arc<SmShared>,
    meta: &SnapshotMeta,
    file: Box<tokio::fs::File>,
) -> Result<(), StorageError> {
    let _guard = shared.snapshot_lock.lock().await;
    let mut src = file.into_std().await;
    let shared2 = shared.clone();
    let meta = meta.clone();
    let new_state = tokio::task::spawn_blocking(move || -> Result<SmState, StorageError> {
        let dir = &shared2.snapshot_dir;
        src.seek(SeekFrom::Start(0)).map_err(io_read)?;
        let tmp = dir.join(INCOMING);
        let mut out = std::fs::File::create(&tmp).map_err(io_write)?;
        std::io::copy(&mut src, &mut out).map_err(io_write)?;
        out.sync_all().map_err(io_write)?;
        // Validated and applied first; only a snapshot that installed becomes the current one.
        let state = load_into_tree(&shared2, &tmp, &meta)?;
        std::fs::rename(&tmp, dir.join(CURRENT)).map_err(io_write)?;
        super::sync_dir(dir).map_err(io_write)?;
        Ok(state)
    })
    .await
    .map_err(io_write)??;
    shared.disk.flush().await.map_err(io_write)?;
    let mut guard = shared.state.write().unwrap_or_else(|p| p.into_inner());
    *guard = new_state;
    Ok(())
}

fn load_into_tree(
    shared: &SmShared,
    path: &Path,
    meta: &SnapshotMeta,
) -> Result<SmState, StorageError> {
    let f = std::fs::File::open(path).map_err(io_read)?;
    let mut r = BufReader::new(f);
    let header: Header = opts().deserialize_from(&mut r).map_err(io_read)?;
    if header.format != FORMAT || header.meta.last_log_id != meta.last_log_id {
        return Err(io_read(std::io::Error::other(
            "snapshot header does not match its meta",
        )));
    }
    let mut batch = sled::Batch::default();
    for item in shared.tree.iter() {
        let (k, _) = item.map_err(io_read)?;
        batch.remove(k);
    }
    let mut pairs = Vec::new();
    loop {
        let rec: Rec = opts().deserialize_from(&mut r).map_err(io_read)?;
        match rec {
            Rec::Domain(k, v) => {
                batch.insert(domain_key(&k), v.clone());
                pairs.push((k, v));
            }
            Rec::Ledger(k, v) => batch.insert(k, v),
            Rec::End => break,
        }
    }
    let mut trailing = [0u8; 1];
    if r.read(&mut trailing).map_err(io_read)? != 0 {
        return Err(io_read(std::io::Error::other(
            "bytes after the end of the snapshot",
        )));
    }
    match &meta.last_log_id {
        Some(l) => batch.insert(SM_APPLIED, bincode::serialize(l).map_err(io_write)?),
        None => batch.remove(SM_APPLIED),
    }
    batch.insert(
        SM_MEMBERSHIP,
        bincode::serialize(&meta.last_membership).map_err(io_write)?,
    );
    batch.insert(
        SM_FRONTIER,
        bincode::serialize(&header.frontier).map_err(io_write)?,
    );
    shared.tree.apply_batch(batch).map_err(io_write)?;
    Ok(SmState {
        applied: meta.last_log_id,
        membership: meta.last_membership.clone(),
        domain: State::from_pairs(pairs),
        frontier: header.frontier,
    })
}
