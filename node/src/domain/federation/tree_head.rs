//! Signed tree heads (REC-3, ARCHITECTURE "Tamper evidence"): after commit the leader signs
//! (region, size, root, time) with its node key and proposes the signature as a command. The
//! state keeps every head by size; heads travel up to the parent region later.
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::Actor;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::{Space, Txn, META};

/// What is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHead {
    pub region: String,
    pub size: u64,
    pub root: [u8; 32],
    /// Leader's clock when signed (Unix ms).
    pub time_ms: i64,
}

impl TreeHead {
    /// The exact bytes signed: a domain-separation tag, then the fields.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = b"sanxiang tree head v1\0".to_vec();
        out.extend_from_slice(self.region.as_bytes());
        out.push(0);
        out.extend_from_slice(&self.size.to_be_bytes());
        out.extend_from_slice(&self.root);
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        out
    }
}

/// A head with its signature and the signer's certificate (DER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    pub head: TreeHead,
    pub signer: u64,
    pub cert_der: Vec<u8>,
    /// ECDSA P-256 SHA-256, ASN.1 DER.
    pub signature: Vec<u8>,
}

/// Heads by size.
pub const HEADS: Space<u64, SignedHead> = Space::new(prefix::HEADS);
/// Meta key: size of the latest recorded head.
pub const LAST_HEAD_SIZE: &str = "last_head_size";

/// Records a head. The store adapter has already checked the signature and that the root is
/// this region's root at that size; here: only a node of this region, heads only grow.
pub fn apply(txn: &mut Txn<'_>, actor: &Actor, region: &str, sh: &SignedHead, now: i64) -> Ruled {
    if !matches!(actor, Actor::Node { node, .. } if *node == sh.signer) {
        return Err(Refusal::new(
            "REC-3",
            "a tree head is recorded by the node that signed it",
        )
        .into());
    }
    if sh.head.region != region {
        return Err(Refusal::new(
            "REC-3",
            format!("head of region {} is not for {region}", sh.head.region),
        )
        .into());
    }
    let last = META.get(txn, LAST_HEAD_SIZE)?.unwrap_or(0);
    if (sh.head.size as i64) <= last {
        return Err(Refusal::new(
            "REC-3",
            format!(
                "a head for size {} or larger is already recorded",
                sh.head.size
            ),
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
