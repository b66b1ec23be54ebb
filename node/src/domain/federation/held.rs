//! What a region holds of each link and origin below it: the link's mark, each origin's last
//! head and sequence, the items and heads received, alerts raised, and the last summary sent.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::core::keys::prefix;
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::federation::items::{Alert, Carried, Hash};

/// What a parent knows about one link (a direct child).
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LinkState {
    /// Last accepted per-link sequence number.
    pub mark: u64,
    /// The sender's last outbox sequence number as it reported it.
    pub tail: u64,
    /// Queue time of the sender's oldest unacknowledged entry as it reported it (0: none).
    pub oldest_ms: i64,
    pub last_heard_ms: i64,
    pub accepted: u64,
    pub duplicates: u64,
    pub refused_gaps: u64,
}

/// What a region knows about one origin below it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OriginState {
    pub epoch: u32,
    /// Last item sequence number held.
    pub seq: u64,
    pub items: u64,
    pub head_size: u64,
    pub head_root: Hash,
    pub head_time_ms: i64,
    pub last_heard_ms: i64,
    /// Items whose inclusion could not be proven against a held head.
    pub unproven: u64,
}

/// An item held by a region above its origin.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeldItem {
    pub carried: Carried,
    pub digest: Hash,
    pub link: String,
    pub link_seq: u64,
    pub received_ms: i64,
    /// Inclusion proven against a held, verified head.
    pub proven: bool,
}

/// A head held for a region below.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeldHead {
    /// The head as received, with its proof (what is forwarded).
    pub carried: Carried,
    pub digest: Hash,
    pub root: Hash,
    pub time_ms: i64,
    pub signer: u64,
    pub received_ms: i64,
}

/// Per direct child: the link's state.
pub const LINKS: Space<str, LinkState> = Space::new(prefix::LINKS);

/// Per origin below: marks and the last head held.
pub const ORIGINS: Space<str, OriginState> = Space::new(prefix::ORIGINS);

/// Items held from below, by (origin, seq).
pub const HELD_ITEMS: Space<(String, u64), HeldItem> = Space::new(prefix::HELD_ITEMS);

/// Heads held from below, by (origin, size).
pub const HELD_HEADS: Space<(String, u64), HeldHead> = Space::new(prefix::HELD_HEADS);

/// Tamper alerts, by (detecting region, kind + subject).
pub const ALERTS: Space<(String, String), Alert> = Space::new(prefix::ALERTS);

/// Digests of link positions whose content raised an alert (and so is not held under its own
/// identity), by (link, seq).
pub const LINK_DIGESTS: Space<(String, u64), Hash> = Space::new(prefix::LINK_DIGESTS);

/// The last status summary sent up.
pub const LAST_SUMMARY: Space<str, BTreeMap<String, i64>> = Space::new(prefix::LAST_SUMMARY);

/// Why a held head is kept although a later one of its origin is held (ARCHITECTURE
/// "Storage": an ancestor keeps the latest head per origin and what held items need): a bit
/// per reason, [`CITED`] and [`QUEUED`]. Any other earlier head is dropped.
pub const HEAD_PINS: Space<(String, u64), u8> = Space::new(prefix::HEAD_PINS);

/// A held item is proven against the head (its proof is shown with it, e.g. on the portal).
pub const CITED: u8 = 1;
/// The head waits in the outbox to be forwarded to the parent.
pub const QUEUED: u8 = 2;

/// Keeps the held head `(origin, size)` for `reason`.
pub fn pin(txn: &mut Txn<'_>, origin: &str, size: u64, reason: u8) -> Result<(), DomainError> {
    let key = (origin.to_string(), size);
    let pins = HEAD_PINS.get(txn, &key)?.unwrap_or(0);
    if pins & reason != reason {
        HEAD_PINS.put(txn, &key, &(pins | reason))?;
    }
    Ok(())
}

/// `reason` no longer holds for the head `(origin, size)`; it goes if nothing else keeps it.
pub fn unpin(txn: &mut Txn<'_>, origin: &str, size: u64, reason: u8) -> Result<(), DomainError> {
    let key = (origin.to_string(), size);
    if let Some(pins) = HEAD_PINS.get(txn, &key)? {
        let left = pins & !reason;
        if left == 0 {
            HEAD_PINS.delete(txn, &key);
        } else {
            HEAD_PINS.put(txn, &key, &left)?;
        }
    }
    prune(txn, origin, size)
}

/// Drops the held head `(origin, size)` unless it is its origin's latest or is pinned.
pub fn prune(txn: &mut Txn<'_>, origin: &str, size: u64) -> Result<(), DomainError> {
    let key = (origin.to_string(), size);
    let latest = ORIGINS
        .get(txn, origin)?
        .is_some_and(|o| o.head_size == size);
    if !latest && HEAD_PINS.get(txn, &key)?.is_none() {
        HELD_HEADS.delete(txn, &key);
    }
    Ok(())
}
