//! The Raft state machine: a thin, deterministic adapter around [`crate::domain`].
//!
//! For each committed entry, one sled batch in the `sm` tree holds: the applied log id, the
//! membership, the domain writes, the ledger leaf and its completed nodes, and the frontier. So a
//! crash never leaves half an entry applied. No clock, randomness or I/O other than that batch.
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{EntryPayload, OptionalSend, RaftSnapshotBuilder};

use super::keys::{
    domain_key, leaf_key, node_key, DOMAIN_PREFIX, SM_APPLIED, SM_FRONTIER, SM_MEMBERSHIP, SM_TREE,
};
use super::snapshot;
use super::{io_read, io_write};
use crate::domain::{apply_envelope, ApplyContext, Envelope, Outcome, Refusal, Response, State};
use crate::ledger::{self, Frontier, Hash, LedgerError, NodeSource};
use crate::raft::types::{
    Entry, LogId, Responses, SnapshotMeta, StorageError, StoredMembership, TypeConfig,
};

/// The in-memory view of the applied state.
#[derive(Debug, Clone, Default)]
pub struct SmState {
    pub applied: Option<LogId>,
    pub membership: StoredMembership,
    pub domain: State,
    pub frontier: Frontier,
}

/// Shared by the state machine, its snapshot builder and the read paths of the API.
pub struct SmShared {
    pub(crate) tree: sled::Tree,
    pub(crate) disk: super::Disk,
    pub(crate) region: String,
    pub(crate) state: RwLock<SmState>,
    pub(crate) snapshot_dir: PathBuf,
    /// Serializes snapshot builds and installs.
    pub(crate) snapshot_lock: tokio::sync::Mutex<()>,
    /// The deployment's CA, for checks on heads from below; set once at start.
    pub(crate) trust: std::sync::OnceLock<crate::ledger::LedgerCrypto>,
}

impl SmShared {
    /// Runs `f` on the applied state.
    pub fn read<R>(&self, f: impl FnOnce(&SmState) -> R) -> R {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }

    /// Sets the deployment CA used to check heads from regions below (once, before Raft runs).
    pub fn set_trust(&self, roots: Arc<rustls::RootCertStore>) {
        let _ = self
            .trust
            .set(crate::ledger::LedgerCrypto { roots: Some(roots) });
    }

    /// The region this state machine belongs to.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The committed bytes of a ledger leaf.
    pub fn leaf_data(&self, index: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        self.tree
            .get(leaf_key(index))
            .map(|o| o.map(|v| v.to_vec()))
            .map_err(|e| LedgerError::Storage(e.to_string()))
    }

    /// Ledger size and root.
    pub fn ledger_head(&self) -> (u64, Hash) {
        self.read(|s| (s.frontier.size(), s.frontier.root()))
    }
}

impl NodeSource for SmShared {
    fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        let stored = self
            .tree
            .get(node_key(level, index))
            .map_err(|e| LedgerError::Storage(e.to_string()))?;
        // A leaf's own hash is not stored (stores written before kept it): it is the hash of
        // the leaf's committed bytes, which are.
        let v = match stored {
            Some(v) => v,
            None if level == 0 => {
                let leaf = self
                    .tree
                    .get(leaf_key(index))
                    .map_err(|e| LedgerError::Storage(e.to_string()))?
                    .ok_or(LedgerError::MissingNode { level, index })?;
                return Ok(crate::ledger::leaf_hash(&leaf));
            }
            None => return Err(LedgerError::MissingNode { level, index }),
        };
        v.as_ref()
            .try_into()
            .map_err(|_| LedgerError::Storage(format!("node ({level}, {index}) is not 32 bytes")))
    }
}

/// The state machine handed to openraft.
#[derive(Clone)]
pub struct StateMachine {
    pub shared: Arc<SmShared>,
}

fn get_bin<T: serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    key: &[u8],
) -> Result<Option<T>, StorageError> {
    match tree.get(key).map_err(io_read)? {
        None => Ok(None),
        Some(v) => bincode::deserialize(&v).map(Some).map_err(io_read),
    }
}

impl StateMachine {
    /// Loads the applied state from the database.
    pub async fn open(
        disk: super::Disk,
        region: &str,
        snapshot_dir: &Path,
    ) -> Result<StateMachine, StorageError> {
        let tree = disk.db().open_tree(SM_TREE).map_err(io_write)?;
        std::fs::create_dir_all(snapshot_dir).map_err(io_write)?;
        snapshot::remove_partial(snapshot_dir);
        let state = load_state(&tree)?;
        Ok(StateMachine {
            shared: Arc::new(SmShared {
                tree,
                disk,
                region: region.to_string(),
                state: RwLock::new(state),
                snapshot_dir: snapshot_dir.to_path_buf(),
                snapshot_lock: tokio::sync::Mutex::new(()),
                trust: std::sync::OnceLock::new(),
            }),
        })
    }
}

/// Reads the whole applied state of the `sm` tree into memory.
pub(crate) fn load_state(tree: &sled::Tree) -> Result<SmState, StorageError> {
    let applied = get_bin::<LogId>(tree, SM_APPLIED)?;
    let membership = get_bin::<StoredMembership>(tree, SM_MEMBERSHIP)?.unwrap_or_default();
    let frontier = get_bin::<Frontier>(tree, SM_FRONTIER)?.unwrap_or_default();
    let mut pairs = Vec::new();
    for item in tree.scan_prefix([DOMAIN_PREFIX]) {
        let (k, v) = item.map_err(io_read)?;
        pairs.push((k[1..].to_vec(), v.to_vec()));
    }
    Ok(SmState {
        applied,
        membership,
        domain: State::from_pairs(pairs),
        frontier,
    })
}

impl SmShared {
    /// REC-3: a proposed tree head must carry this region's root at its size and a valid
    /// signature by the node it names. Deterministic: reads only committed ledger nodes.
    fn head_refusal(&self, env: &Envelope, ledger_size: u64) -> Option<Refusal> {
        let crate::domain::Command::RecordTreeHead(sh) = &env.command else {
            return None;
        };
        let h = &sh.head;
        if h.size == 0 || h.size > ledger_size {
            return Some(Refusal::new(
                "REC-3",
                format!(
                    "签名树根的规模 {} 超出账本范围（账本规模 {ledger_size}）",
                    h.size
                ),
            ));
        }
        match ledger::root_at(self, h.size) {
            Ok(root) if root == h.root => {}
            Ok(_) => {
                return Some(Refusal::new(
                    "REC-3",
                    format!(
                        "签名树根的根哈希与本地区账本在规模 {} 处的根哈希不一致",
                        h.size
                    ),
                ))
            }
            Err(e) => return Some(Refusal::new("REC-3", e.to_string())),
        }
        match crate::pki::Identity::from_cert_der(&sh.cert_der) {
            Ok(crate::pki::Identity::Node { region, node, .. })
                if region == self.region && node == sh.signer => {}
            _ => return Some(Refusal::new("REC-3", "签名证书所载的不是本地区的签名节点")),
        }
        ledger::head::verify(h, &sh.signature, &sh.cert_der)
            .err()
            .map(|e| Refusal::new("REC-3", e.to_string()))
    }

    /// Applies one entry — one envelope or a batch of them — and writes everything it changed
    /// in one sled batch. Each envelope is its own ledger leaf and gets its own response; later
    /// envelopes of a batch see the effects of earlier ones. The write lock is held for the
    /// entry, so readers see whole entries only.
    fn apply_one(&self, entry: Entry) -> Result<Responses, StorageError> {
        let log_id = entry.log_id;
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut frontier = guard.frontier.clone();
        let start_size = frontier.size();
        let mut batch = sled::Batch::default();
        let mut membership = None;
        let mut responses = Vec::new();
        let no_trust = crate::ledger::LedgerCrypto::default();
        let crypto = self.trust.get().unwrap_or(&no_trust);
        match entry.payload {
            EntryPayload::Blank => {}
            EntryPayload::Membership(m) => {
                membership = Some(StoredMembership::new(Some(log_id), m))
            }
            EntryPayload::Normal(req) => {
                for bytes in &req.0 {
                    let leaf_index = frontier.size();
                    let mut extra: Vec<Vec<u8>> = Vec::new();
                    let mut quiet = false;
                    let decoded = Envelope::decode(bytes);
                    let head_refusal = decoded
                        .as_ref()
                        .ok()
                        .and_then(|env| self.head_refusal(env, start_size));
                    let response = match (decoded, head_refusal) {
                        (Ok(_), Some(refusal)) => Response {
                            outcome: Outcome::Refused(refusal),
                            log_index: log_id.index,
                            leaf_index: Some(leaf_index),
                            deduplicated: false,
                        },
                        (Ok(env), None) => {
                            let ctx = ApplyContext {
                                region: &self.region,
                                log_index: log_id.index,
                                leaf_index,
                                crypto,
                            };
                            let applied = apply_envelope(&guard.domain, &ctx, &env)
                                .map_err(|e| openraft::StorageIOError::apply(log_id, &e))?;
                            for (k, v) in &applied.writes {
                                match v {
                                    Some(v) => batch.insert(domain_key(k), v.clone()),
                                    None => batch.remove(domain_key(k)),
                                }
                            }
                            guard.domain.apply_writes(&applied.writes);
                            extra = applied.extra_leaves;
                            quiet = applied.quiet;
                            applied.response
                        }
                        (Err(e), _) => Response {
                            outcome: Outcome::Refused(Refusal::new(
                                "INPUT",
                                format!("记录无法解码：{e}"),
                            )),
                            log_index: log_id.index,
                            leaf_index: Some(leaf_index),
                            deduplicated: false,
                        },
                    };
                    // Every committed command is a ledger leaf, refused or not (REC-3); a Tick
                    // that only moved the clock is no record.
                    if quiet {
                        responses.push(response);
                        continue;
                    }
                    // The leaf's bytes and the hashes of the subtrees it completes; its own
                    // hash (level 0) is the hash of those bytes, so it is not written twice.
                    batch.insert(&leaf_key(leaf_index), bytes.as_slice());
                    for (level, index, hash) in frontier.append(ledger::leaf_hash(bytes)) {
                        if level > 0 {
                            batch.insert(&node_key(level, index), &hash[..]);
                        }
                    }
                    // Items for the parent made by this envelope: their own leaves, right after.
                    for leaf in extra.drain(..) {
                        let index = frontier.size();
                        batch.insert(&leaf_key(index), leaf.as_slice());
                        for (level, i, hash) in frontier.append(ledger::leaf_hash(&leaf)) {
                            if level > 0 {
                                batch.insert(&node_key(level, i), &hash[..]);
                            }
                        }
                    }
                    responses.push(response);
                }
                batch.insert(
                    SM_FRONTIER,
                    bincode::serialize(&frontier).map_err(io_write)?,
                );
            }
        }
        batch.insert(SM_APPLIED, bincode::serialize(&log_id).map_err(io_write)?);
        if let Some(m) = &membership {
            batch.insert(SM_MEMBERSHIP, bincode::serialize(m).map_err(io_write)?);
        }
        // A failure here stops openraft (storage error); memory may then be ahead of disk, but
        // the node stops and reloads from disk, where the entry is all or nothing.
        self.tree.apply_batch(batch).map_err(io_write)?;
        guard.applied = Some(log_id);
        guard.frontier = frontier;
        if let Some(m) = membership {
            guard.membership = m;
        }
        Ok(Responses(responses))
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = StateMachine;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok(self.shared.read(|s| (s.applied, s.membership.clone())))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Responses>, StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut out = Vec::new();
        for e in entries {
            out.push(self.shared.apply_one(e)?);
        }
        Ok(out)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<tokio::fs::File>, StorageError> {
        snapshot::begin_receiving(&self.shared.snapshot_dir).await
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<tokio::fs::File>,
    ) -> Result<(), StorageError> {
        snapshot::install(&self.shared, meta, snapshot).await
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        snapshot::current(&self.shared.snapshot_dir).await
    }
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        snapshot::build(&self.shared).await
    }
}
