//! Typed key spaces of the node database. Each space declares its tree or prefix in one place.

/// Tree of Raft log entries: key = index (u64 big-endian), value = bincode entry.
pub const LOG_TREE: &str = "log";
/// Tree of Raft metadata.
pub const RAFT_TREE: &str = "raft";
/// Raft metadata: the vote.
pub const VOTE_KEY: &[u8] = b"vote";
/// Raft metadata: the last purged log id.
pub const PURGED_KEY: &[u8] = b"last_purged";

/// Tree of the state machine; everything applied for one entry is one batch in this tree.
pub const SM_TREE: &str = "sm";
/// State-machine meta: last applied log id.
pub const SM_APPLIED: &[u8] = b"Mapplied";
/// State-machine meta: last membership.
pub const SM_MEMBERSHIP: &[u8] = b"Mmembership";
/// State-machine meta: ledger frontier.
pub const SM_FRONTIER: &[u8] = b"Mfrontier";
/// Prefix of domain keys (followed by the domain's own typed space prefix).
pub const DOMAIN_PREFIX: u8 = b'D';
/// Prefix of ledger leaf data: `L` + index (u64 BE) → committed bytes.
pub const LEAF_PREFIX: u8 = b'L';
/// Prefix of ledger node hashes: `H` + level (u8) + index (u64 BE) → 32 bytes.
pub const NODE_PREFIX: u8 = b'H';

/// Key of a log entry.
pub fn log_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// Index of a log key.
pub fn log_index(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

/// Key of a domain entry.
pub fn domain_key(k: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(k.len() + 1);
    v.push(DOMAIN_PREFIX);
    v.extend_from_slice(k);
    v
}

/// Key of a ledger leaf.
pub fn leaf_key(index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = LEAF_PREFIX;
    k[1..].copy_from_slice(&index.to_be_bytes());
    k
}

/// Key of a ledger node.
pub fn node_key(level: u8, index: u64) -> [u8; 10] {
    let mut k = [0u8; 10];
    k[0] = NODE_PREFIX;
    k[1] = level;
    k[2..].copy_from_slice(&index.to_be_bytes());
    k
}

/// Whether a ledger key (leaf or node) belongs to a tree of `size` leaves.
pub fn ledger_key_within(key: &[u8], size: u64) -> bool {
    match key.first() {
        Some(&LEAF_PREFIX) if key.len() == 9 => {
            let i = u64::from_be_bytes(key[1..9].try_into().unwrap_or([0xff; 8]));
            i < size
        }
        Some(&NODE_PREFIX) if key.len() == 10 => {
            let level = key[1] as u32;
            let i = u64::from_be_bytes(key[2..10].try_into().unwrap_or([0xff; 8]));
            level < 64 && ((i as u128 + 1) << level) <= size as u128
        }
        _ => false,
    }
}
