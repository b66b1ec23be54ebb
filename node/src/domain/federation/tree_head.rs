//! Signed tree heads (REC-3, ARCHITECTURE "Tamper evidence"): after commit the leader signs
//! (region, size, root, time) with its node key and proposes the signature as a command. The
//! state keeps every head by size; heads travel up to the parent region later.

use crate::domain::core::identity::Actor;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::{Space, Txn, META};
use crate::domain::federation::items::SignedHead;

/// Heads by size.
pub const HEADS: Space<u64, SignedHead> = Space::new(prefix::HEADS);
/// Meta key: size of the latest recorded head.
pub const LAST_HEAD_SIZE: &str = "last_head_size";

/// Records a head. The store adapter has already checked the signature and that the root is
/// this region's root at that size; here: only a node of this region, heads only grow.
pub fn apply(txn: &mut Txn<'_>, actor: &Actor, region: &str, sh: &SignedHead, now: i64) -> Ruled {
    if !matches!(actor, Actor::Node { node, .. } if *node == sh.signer) {
        return Err(Refusal::new("REC-3", "签名树根由签署它的节点记录").into());
    }
    if sh.head.region != region {
        return Err(Refusal::new(
            "REC-3",
            format!("地区 {} 的签名树根不属于 {region}", sh.head.region),
        )
        .into());
    }
    let last = META.get(txn, LAST_HEAD_SIZE)?.unwrap_or(0);
    if (sh.head.size as i64) <= last {
        return Err(Refusal::new(
            "REC-3",
            format!("已记录规模不小于 {} 的签名树根", sh.head.size),
        )
        .into());
    }
    HEADS.put(txn, &sh.head.size, sh)?;
    META.put(txn, LAST_HEAD_SIZE, &(sh.head.size as i64))?;
    crate::domain::federation::outbox::on_head_recorded(txn, region, sh, last.max(0) as u64, now)?;
    Ok(CommandResult::Record {
        id: sh.head.size,
        flags: vec![],
    })
}
