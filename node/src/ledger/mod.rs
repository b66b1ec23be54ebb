//! The region's append-only Merkle log (RFC 6962 / RFC 9162 hashing), REC-3.
//!
//! Leaves hash the exact committed bytes: `H(0x00 ‖ data)`; interior nodes `H(0x01 ‖ l ‖ r)`.
//! The tree keeps the hash of every *perfect* subtree (level, index) in the state, so the work
//! per append is O(log n) and proofs for any leaf can be produced after the Raft log is purged.
//! - [`tree`]: hashing, the right-edge frontier, proof generation over a [`NodeSource`].
//! - [`verify`]: proof verification, independent of how the proofs were made.
//! - [`head`]: signing tree heads; [`trust`]: the checks federation applies to heads and items.
pub mod head;
pub mod tree;
pub mod trust;
pub mod verify;

pub use tree::{
    consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, root_at, CachedNodes,
    Frontier, Hash, NodeSource,
};
pub use trust::LedgerCrypto;
pub use verify::{verify_consistency, verify_inclusion};

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A leaf index or tree size is outside the tree.
    #[error("out of range: {0}")]
    OutOfRange(String),
    /// A stored node is missing: the state is damaged.
    #[error("ledger node (level {level}, index {index}) is missing")]
    MissingNode { level: u8, index: u64 },
    /// Reading the node store failed.
    #[error("ledger storage: {0}")]
    Storage(String),
    /// A proof does not verify.
    #[error("proof does not verify: {0}")]
    Invalid(&'static str),
}
