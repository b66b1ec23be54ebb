//! Record ids: one counter per kind of record, in the replicated state.
use crate::domain::core::keys::prefix;
use crate::domain::core::state::{DomainError, Space, Txn};

/// Counters: last ids handed out.
pub const IDS: Space<str, u64> = Space::new(prefix::IDS);

/// Hands out the next id of a kind.
pub fn next_id(txn: &mut Txn<'_>, kind: &str) -> Result<u64, DomainError> {
    let id = IDS.get(txn, kind)?.unwrap_or(0) + 1;
    IDS.put(txn, kind, &id)?;
    Ok(id)
}
