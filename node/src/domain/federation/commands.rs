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
