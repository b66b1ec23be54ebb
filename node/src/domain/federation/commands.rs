//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// The parent holds this region's outbox through `mark`: prune it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UplinkAcked {
    pub mark: u64,
}

/// Address an item to a region below (a notice, a revocation, a setting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SendDown {
    /// Region id of the addressee, strictly below this region.
    pub to: String,
    /// What is sent: a notice, a revocation or a setting (other items go by their own commands).
    pub body: crate::domain::federation::downlink::DownBody,
}

/// A batch of downlink items from the parent, stamped with the parent's verified region, as
/// logs written before items were sealed hold it: applied as it was then. Nodes now propose
/// [`IngestSealedDown`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IngestDown {
    pub from: String,
    pub first_seq: u64,
    pub items: Vec<crate::domain::federation::downlink::DownItem>,
}

/// A batch of downlink items from the parent, each with its issuer's seal, stamped with the
/// parent's verified region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IngestSealedDown {
    pub from: String,
    pub first_seq: u64,
    pub items: Vec<crate::domain::federation::downlink::SealedDown>,
}

/// A child holds this region's downlink to it through `mark`: prune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DownAcked {
    pub child: String,
    pub mark: u64,
}

/// The issuer's leader sealed its own downlink items from `first_seq` on, one seal each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SealDown {
    pub first_seq: u64,
    pub seals: Vec<crate::domain::federation::downlink::DownSeal>,
}

/// Proposed by the parent's node: the child `link` reports it pruned its outbox through
/// `pruned_through`, beyond this region's mark, so what lies between was lost here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LinkLost {
    pub link: String,
    pub pruned_through: u64,
}

/// Proposed by the child's node: the parent holds this region's link only through
/// `parent_mark`, below `acked`, what it had acknowledged (and this region pruned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UplinkLost {
    pub parent_mark: u64,
    pub acked: u64,
}

/// The parent's operator accepts the loss on the link from the child `link`: its entries are
/// accepted again from where the child is, the lost ones recorded as lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RebaselineLink {
    /// Region id of the direct child whose link was lost.
    pub link: String,
}
