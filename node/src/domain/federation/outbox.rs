//! Federation between regions (ARCHITECTURE "Federation guarantees", "Tamper evidence"):
//! what a region sends to its parent, and how a parent accepts what its children send.
//!
//! **Sending.** After a command is accepted, the records it wrote that the parent must see
//! (agencies, publications, alerts; on `Tick` a changed status summary) become *own items*:
//! each gets the next per-origin sequence number and becomes its own leaf of the region's
//! ledger, right after the command's leaf, and waits in `UP_PENDING`. When the leader's signed
//! tree head is recorded, the head goes to the outbox followed by every pending item it covers,
//! so on the wire a head always precedes the items proven against it. Outboxes are filled here,
//! from applied state only; each outbox entry has the next per-link sequence number.
//!
//! **Receiving** (`Ingest`). Per link (the child region), only `link_seq == mark + 1` is
//! accepted; a repeat is compared with what is held (same → acknowledged again, different →
//! fork alert); a gap stops the batch and the sender resends from the mark. End to end, items
//! are deduplicated by `(origin, seq)` and heads by `(origin, size)`; the origin must lie in the
//! link's subtree. Heads are checked (signature by a node of the origin, chain to the CA,
//! consistency with the last head held, equivocation); items are checked against the held head
//! they cite (inclusion proof), so a city cannot alter a county's item unnoticed. A failed check
//! raises a tamper alert and the link goes on. Accepted items are held, and forwarded unchanged
//! when this region has a parent.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::core::identity::Actor;
use crate::domain::core::keys::prefix;
use crate::domain::core::organ::Agency;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::parent_of;
use crate::domain::core::state::meta_u64;
use crate::domain::core::state::{DomainError, Space, State, Txn, META};
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};
use crate::domain::federation::held::HELD_HEADS;
use crate::domain::federation::held::HELD_ITEMS;
use crate::domain::federation::held::LAST_SUMMARY;
use crate::domain::federation::items::Carried;
use crate::domain::federation::items::ItemBody;
use crate::domain::federation::items::SignedHead;
use crate::domain::federation::items::UpItem;
use crate::domain::federation::items::EPOCH;
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::summary::COUNTERS;
use crate::domain::supervision::summary::MAX_OVERDUE_LISTED;

/// An own item waiting for a head that covers its leaf.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingItem {
    pub leaf_index: u64,
    pub bytes: Vec<u8>,
}

/// What an outbox entry sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum OutBody {
    /// An own head or item; the sender adds its proof when it sends it.
    Own(Carried),
    /// A held item from below, forwarded exactly as received (kept once, in `HELD_ITEMS`).
    Item { origin: String, seq: u64 },
    /// A held head from below, forwarded exactly as received (kept once, in `HELD_HEADS`).
    Head { origin: String, size: u64 },
}

/// An outbox entry.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutEntry {
    pub body: OutBody,
    /// Replicated clock when queued (for the age of the backlog).
    pub queued_ms: i64,
}

/// The entry as it goes on the link: own entries still without their proof.
pub fn resolve(state: &State, e: &OutEntry) -> Result<(Carried, bool), DomainError> {
    let missing = |what: String| DomainError::Corrupt {
        key: what,
        cause: "an outbox entry refers to something not held".into(),
    };
    match &e.body {
        OutBody::Own(c) => Ok((c.clone(), true)),
        OutBody::Item { origin, seq } => HELD_ITEMS
            .read(state, &(origin.clone(), *seq))?
            .map(|h| (h.carried, false))
            .ok_or_else(|| missing(format!("item {origin} {seq}"))),
        OutBody::Head { origin, size } => HELD_HEADS
            .read(state, &(origin.clone(), *size))?
            .map(|h| (h.carried, false))
            .ok_or_else(|| missing(format!("head {origin} {size}"))),
    }
}

/// Own items waiting for a head, by origin sequence number.
pub const UP_PENDING: Space<u64, PendingItem> = Space::new(prefix::UP_PENDING);

/// Outbox to the parent, by per-link sequence number.
pub const OUTBOX: Space<u64, OutEntry> = Space::new(prefix::OUTBOX);

/// Meta: last own item sequence number.
pub const ORIGIN_SEQ: &str = "fed/origin_seq";

/// Meta: last outbox sequence number.
pub const LINK_SEQ: &str = "fed/link_seq";

/// Meta: outbox entries acknowledged by the parent (pruned).
pub const UP_ACKED: &str = "fed/up_acked";

/// An unchanged summary is sent again after this long (on the next `Tick`), so a parent tells
/// a quiet region from a silent one.
pub const SUMMARY_HEARTBEAT_MS: i64 = 24 * 3_600_000;

/// Meta key: when the last summary was made.
/// Meta key: when the last status summary was made.
pub const SUMMARY_MS: &str = "summary_ms";

/// Items the parent must see for the writes an accepted command made.
pub fn items_for_writes(
    base: &State,
    writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> Result<Vec<ItemBody>, DomainError> {
    let mut out = Vec::new();
    let ap = AGENCIES.prefix();
    let pp = PUBLICATIONS.prefix();
    for (k, v) in writes {
        let Some(v) = v else { continue };
        match k.first() {
            Some(p) if *p == ap => {
                let a: Agency = decode(k, v)?;
                out.push(ItemBody::Agency(a));
            }
            Some(p) if *p == pp => {
                let p: crate::domain::enforcement::publication::Publication = decode(k, v)?;
                let before: Option<crate::domain::enforcement::publication::Publication> =
                    base.get_raw(k).map(|old| decode(k, old)).transpose()?;
                let visible = matches!(
                    p.state,
                    PubState::Published { .. }
                        | PubState::Withdrawn { .. }
                        | PubState::Superseded { .. }
                );
                let on_time = match p.state {
                    PubState::Published { on_time, .. } | PubState::Withdrawn { on_time, .. } => {
                        Some(on_time)
                    }
                    _ => None,
                };
                let changed = before.as_ref().map(|b| &b.state) != Some(&p.state);
                if visible && changed {
                    out.push(ItemBody::Publication {
                        id: p.id,
                        case_id: p.case_id,
                        agency_id: p.agency_id,
                        kind: p.kind.as_str().to_string(),
                        version: p.version,
                        public_text: p.public_text.clone(),
                        state: format!("{:?}", p.state),
                        on_time,
                        due: p.due.to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn decode<T: serde::de::DeserializeOwned>(k: &[u8], v: &[u8]) -> Result<T, DomainError> {
    bincode::deserialize(v).map_err(|source| DomainError::Decode {
        key: hex::encode(k),
        source,
    })
}

/// A summary item when the region-wide counters changed since the last one sent (on `Tick`,
/// and at once when a command changes an overdue count).
pub fn summary_item(txn: &mut Txn<'_>, now: i64) -> Result<Option<ItemBody>, DomainError> {
    // Region-wide and per-agency counters: a parent drills down to a region's agencies.
    let mut counters = BTreeMap::new();
    for (k, v) in txn.scan_prefix(&[COUNTERS.prefix()]) {
        let name = String::from_utf8_lossy(&k[1..]).into_owned();
        let n: i64 = decode(&k, &v)?;
        counters.insert(name, n);
    }
    if let Ok(today) = crate::domain::calendar::days::date_of(now) {
        counters.extend(crate::domain::supervision::summary::expired_enforcing(
            txn.base(),
            today,
        )?);
    }
    // Unchanged: nothing to send, unless a day passed (the parent then knows the region is
    // alive and unchanged, not silent).
    let last_ms = META.get(txn, SUMMARY_MS)?.unwrap_or(i64::MIN);
    let heartbeat_due = now.saturating_sub(last_ms) >= SUMMARY_HEARTBEAT_MS;
    if LAST_SUMMARY.get(txn, "last")?.as_ref() == Some(&counters) && !heartbeat_due {
        return Ok(None);
    }
    LAST_SUMMARY.put(txn, "last", &counters)?;
    META.put(txn, SUMMARY_MS, &now)?;
    let mut overdue = Vec::new();
    for (k, v) in txn.scan_prefix(&[crate::domain::supervision::summary::OVERDUE_CASES.prefix()]) {
        if overdue.len() >= MAX_OVERDUE_LISTED {
            break;
        }
        overdue.push(decode(&k, &v)?);
    }
    let backlog = meta_u64(txn, LINK_SEQ)?.saturating_sub(meta_u64(txn, UP_ACKED)?);
    Ok(Some(ItemBody::Summary {
        counters,
        overdue,
        backlog,
    }))
}

/// Queues own items: each gets the next origin sequence number and a ledger leaf right after
/// `first_leaf - 1`. Returns the leaves' bytes, in order, for the store to append.
pub fn queue_own(
    txn: &mut Txn<'_>,
    region: &str,
    first_leaf: u64,
    bodies: Vec<ItemBody>,
    now: i64,
) -> Result<Vec<Vec<u8>>, DomainError> {
    if parent_of(region).is_none() || bodies.is_empty() {
        return Ok(Vec::new());
    }
    let mut seq = meta_u64(txn, ORIGIN_SEQ)?;
    let mut leaves = Vec::with_capacity(bodies.len());
    for body in bodies {
        seq += 1;
        let item = UpItem {
            origin: region.to_string(),
            epoch: EPOCH,
            seq,
            time_ms: now,
            body,
        };
        let bytes = item.leaf_bytes()?;
        UP_PENDING.put(
            txn,
            &seq,
            &PendingItem {
                leaf_index: first_leaf + leaves.len() as u64,
                bytes: bytes.clone(),
            },
        )?;
        leaves.push(bytes);
    }
    META.put(txn, ORIGIN_SEQ, &(seq as i64))?;
    Ok(leaves)
}

pub(crate) fn push_out(txn: &mut Txn<'_>, body: OutBody, now: i64) -> Result<(), DomainError> {
    let seq = meta_u64(txn, LINK_SEQ)? + 1;
    OUTBOX.put(
        txn,
        &seq,
        &OutEntry {
            body,
            queued_ms: now,
        },
    )?;
    META.put(txn, LINK_SEQ, &(seq as i64))
}

/// After a head of this region is recorded: the head goes to the outbox, then every pending
/// own item it covers, in sequence order.
pub fn on_head_recorded(
    txn: &mut Txn<'_>,
    region: &str,
    head: &SignedHead,
    prev_size: u64,
    now: i64,
) -> Result<(), DomainError> {
    if parent_of(region).is_none() {
        return Ok(());
    }
    push_out(
        txn,
        OutBody::Own(Carried::Head {
            head: head.clone(),
            prev_size,
            proof: Vec::new(),
        }),
        now,
    )?;
    let base = txn.base();
    let mut covered = Vec::new();
    for p in UP_PENDING.scan_from(base, &0) {
        let p = p?;
        if p.leaf_index >= head.head.size {
            break;
        }
        covered.push(p);
    }
    for (seq_key, p) in UP_PENDING
        .keys(base)
        .filter_map(|k| k.get(1..9).and_then(|b| b.try_into().ok()))
        .map(u64::from_be_bytes)
        .zip(covered)
    {
        UP_PENDING.delete(txn, &seq_key);
        push_out(
            txn,
            OutBody::Own(Carried::Item {
                bytes: p.bytes,
                leaf_index: p.leaf_index,
                head_size: head.head.size,
                proof: Vec::new(),
            }),
            now,
        )?;
    }
    Ok(())
}

/// `UplinkAcked`: the parent holds everything through `mark`; prune the outbox.
pub fn acked(txn: &mut Txn<'_>, actor: &Actor, mark: u64) -> Ruled {
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("AUTH", "只有本地区的节点可以记录上级地区的确认").into());
    }
    let tail = meta_u64(txn, LINK_SEQ)?;
    if mark > tail {
        return Err(Refusal::new(
            "INPUT",
            format!("确认位置 {mark} 超出了发件队列（最后一项为 {tail}）"),
        )
        .into());
    }
    let done = meta_u64(txn, UP_ACKED)?;
    if mark <= done {
        return Ok(CommandResult::Record {
            id: done,
            flags: vec![],
        });
    }
    for seq in (done + 1)..=mark {
        if let Some(OutEntry {
            body: OutBody::Head { origin, size },
            ..
        }) = OUTBOX.get(txn, &seq)?
        {
            crate::domain::federation::held::unpin(
                txn,
                &origin,
                size,
                crate::domain::federation::held::QUEUED,
            )?;
        }
        OUTBOX.delete(txn, &seq);
    }
    META.put(txn, UP_ACKED, &(mark as i64))?;
    Ok(CommandResult::Record {
        id: mark,
        flags: vec![],
    })
}

/// Outbox entries from per-link sequence number `from`, at most `max`, in order.
pub fn outbox_from(
    state: &State,
    from: u64,
    max: usize,
) -> Result<Vec<(u64, OutEntry)>, DomainError> {
    let mut out = Vec::new();
    let start = OUTBOX.key(&from);
    for (k, v) in state.range_from(&start[..1], start.clone()).take(max) {
        let seq = k
            .get(1..9)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| DomainError::Corrupt {
                key: hex::encode(k),
                cause: "outbox key is not a sequence number".into(),
            })?;
        out.push((seq, decode(k, v)?));
    }
    Ok(out)
}

/// The outbox at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutboxStats {
    /// Last per-link sequence number queued.
    pub tail: u64,
    /// Last one the parent acknowledged (and was pruned).
    pub acked: u64,
    /// Entries waiting.
    pub backlog: u64,
    /// Queue time of the oldest waiting entry (0: none).
    pub oldest_ms: i64,
    /// Own items waiting for a signed head.
    pub pending: u64,
    /// Own items made so far (the last origin sequence number).
    pub own_items: u64,
}

/// Backlog of a region's outbox in a committed state.
pub fn outbox_stats(state: &State) -> Result<OutboxStats, DomainError> {
    let meta = |k: &str| -> Result<u64, DomainError> {
        Ok(META.read(state, k)?.unwrap_or(0).max(0) as u64)
    };
    let tail = meta(LINK_SEQ)?;
    let acked = meta(UP_ACKED)?;
    let oldest_ms = outbox_from(state, acked + 1, 1)?
        .first()
        .map(|(_, e)| e.queued_ms)
        .unwrap_or(0);
    Ok(OutboxStats {
        tail,
        acked,
        backlog: tail.saturating_sub(acked),
        oldest_ms,
        pending: UP_PENDING.keys(state).count() as u64,
        own_items: meta(ORIGIN_SEQ)?,
    })
}
