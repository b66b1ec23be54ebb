//! What travels up a link: items of an origin, signed heads, proofs (ARCHITECTURE "Federation guarantees").
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::core::organ::Agency;
use crate::domain::core::state::DomainError;
use crate::domain::supervision::port::Upward;

/// Epoch of every origin's sequence today. A region refounded from nothing would start a new
/// epoch; a parent accepts only the epoch it knows.
pub const EPOCH: u32 = 1;

/// Prefix of an item's ledger leaf. An envelope's bincode starts with 0 or 1, never 0xff, so an
/// item leaf can never be mistaken for a command leaf.
pub const ITEM_TAG: &[u8] = b"\xffsanxiang item v1\0";

/// Most carried entries in one ingest.
pub const MAX_INGEST_ITEMS: usize = 2000;

/// Longest proof accepted (a tree of 2^64 leaves needs 64 hashes).
pub const MAX_PROOF: usize = 64;

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// What an item says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ItemBody {
    /// The region's status summary (region-wide counters) and its uplink backlog.
    Summary {
        counters: BTreeMap<String, i64>,
        /// Cases with a time limit passed while open (capped at [`crate::domain::supervision::summary::MAX_OVERDUE_LISTED`]).
        overdue: Vec<crate::domain::supervision::summary::OverdueCase>,
        backlog: u64,
    },
    /// An agency as registered or updated (PUB-1).
    Agency(Agency),
    /// A publication as released or withdrawn: public fields only (PUB-4, PUB-7).
    Publication {
        id: u64,
        case_id: u64,
        agency_id: u64,
        kind: String,
        version: u32,
        public_text: String,
        state: String,
        /// Published (or withdrawn) on time; `None` when superseded.
        on_time: Option<bool>,
        due: String,
    },
    /// A unit's report as submitted or judged (SUP-1, SUP-3).
    Report(Box<crate::domain::supervision::report::Report>),
    /// A unit's answer to a notice: acknowledgement or rectification (SUP-2).
    NoticeAnswer(Box<crate::domain::supervision::notice::Answer>),
    /// This region accepted or returned a direct child's report (SUP-1).
    ReportJudged(Box<crate::domain::supervision::report::Judgement>),
    /// A tamper alert raised by this region about a region below it.
    Alert(Alert),
    /// A downlink item was delivered here (this region is `to`), with the digest of what
    /// arrived, so the issuer can tell it is what it sent.
    Receipt {
        issuer: String,
        seq: u64,
        to: String,
        digest: Hash,
    },
}

impl ItemBody {
    /// Short kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            ItemBody::Summary { .. } => "summary",
            ItemBody::Agency(_) => "agency",
            ItemBody::Publication { .. } => "publication",
            ItemBody::Alert(_) => "alert",
            ItemBody::Receipt { .. } => "receipt",
            ItemBody::Report(_) => "report",
            ItemBody::NoticeAnswer(_) => "notice_answer",
            ItemBody::ReportJudged(_) => "report_judged",
        }
    }
}

/// An item with its origin; its tagged encoding is a leaf of the origin's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UpItem {
    pub origin: String,
    pub epoch: u32,
    pub seq: u64,
    /// Origin's replicated clock when the item was made (Unix ms).
    pub time_ms: i64,
    pub body: ItemBody,
}

impl UpItem {
    /// The ledger leaf bytes: tag, then bincode.
    pub fn leaf_bytes(&self) -> Result<Vec<u8>, DomainError> {
        let mut out = ITEM_TAG.to_vec();
        let body = bincode::serialize(self).map_err(DomainError::Encode)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decodes leaf bytes; `None` when they are not an item.
    pub fn from_leaf(bytes: &[u8]) -> Option<UpItem> {
        use bincode::Options;
        let rest = bytes.strip_prefix(ITEM_TAG)?;
        bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .reject_trailing_bytes()
            .with_limit(rest.len() as u64 + 1)
            .deserialize(rest)
            .ok()
    }
}

/// One entry of a link: a signed head, or an item with its inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Carried {
    /// A signed tree head of `head.head.region`, with the consistency proof from the previous
    /// head that region recorded (`prev_size`, 0 for its first).
    Head {
        head: SignedHead,
        prev_size: u64,
        proof: Vec<Hash>,
    },
    /// An item (tagged leaf bytes) at `leaf_index` of its origin's ledger, proven against the
    /// origin's head of `head_size` leaves.
    Item {
        bytes: Vec<u8>,
        leaf_index: u64,
        head_size: u64,
        proof: Vec<Hash>,
    },
}

impl Carried {
    /// The digest compared on repeats: the signed head, or the item's leaf hash. Proofs are
    /// derived data and not part of it.
    pub fn digest(&self, crypto: &dyn Crypto) -> Hash {
        match self {
            Carried::Head { head, .. } => {
                let mut bytes = head.head.signing_bytes();
                bytes.extend_from_slice(&head.signature);
                crypto.leaf_hash(&bytes)
            }
            Carried::Item { bytes, .. } => crypto.leaf_hash(bytes),
        }
    }

    /// The region this entry is about.
    pub fn origin(&self) -> Option<String> {
        match self {
            Carried::Head { head, .. } => Some(head.head.region.clone()),
            Carried::Item { bytes, .. } => UpItem::from_leaf(bytes).map(|i| i.origin),
        }
    }
}

/// Why a signature, certificate or proof did not check out. Its text is what the tamper alert
/// says; the cause, when there is one, stays attached as the source.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CheckError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CheckError {
    pub fn new(message: impl Into<String>) -> CheckError {
        CheckError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure with its cause; `message` is what the alert says.
    pub fn caused(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> CheckError {
        CheckError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// Checks the domain cannot do itself (signatures, certificates, hashes); the store adapter
/// implements them with the ledger and PKI modules. All are pure functions of their inputs.
/// A signature by a node of a region over a message, to be checked (a downlink item's seal).
#[derive(Debug, Clone, Copy)]
pub struct Seal<'a> {
    pub region: &'a str,
    pub signer: u64,
    pub cert_der: &'a [u8],
    pub message: &'a [u8],
    pub signature: &'a [u8],
    pub at_ms: i64,
}

pub trait Crypto {
    /// RFC 6962 leaf hash.
    fn leaf_hash(&self, data: &[u8]) -> Hash;
    /// The head's signature is valid, by a node of the head's region whose certificate chains
    /// to the deployment's CA and is valid at `at_ms`.
    fn verify_head(&self, head: &SignedHead, at_ms: i64) -> Result<(), CheckError>;
    /// A seal's signature over its message is valid, by the node of the seal's region it
    /// names, whose certificate chains to the deployment's CA and is valid at the seal's time.
    fn verify_seal(&self, seal: &Seal<'_>) -> Result<(), CheckError>;
    /// RFC 9162 inclusion proof.
    fn verify_inclusion(
        &self,
        index: u64,
        size: u64,
        leaf: &Hash,
        proof: &[Hash],
        root: &Hash,
    ) -> Result<(), CheckError>;
    /// RFC 9162 consistency proof.
    fn verify_consistency(
        &self,
        first: u64,
        second: u64,
        first_root: &Hash,
        second_root: &Hash,
        proof: &[Hash],
    ) -> Result<(), CheckError>;
}

impl From<Upward> for ItemBody {
    fn from(u: Upward) -> ItemBody {
        match u {
            Upward::Report(r) => ItemBody::Report(r),
            Upward::ReportJudged(j) => ItemBody::ReportJudged(j),
            Upward::NoticeAnswer(a) => ItemBody::NoticeAnswer(a),
        }
    }
}

/// What is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignedHead {
    pub head: TreeHead,
    pub signer: u64,
    pub cert_der: Vec<u8>,
    /// ECDSA P-256 SHA-256, ASN.1 DER.
    pub signature: Vec<u8>,
}

/// Kinds of tamper alert.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum AlertKind {
    /// A repeat of an accepted position with a different digest.
    Fork,
    /// Two heads of one size with different roots.
    Equivocation,
    /// A head not consistent with the last head held (history rewritten).
    Inconsistent,
    /// A head whose signature or certificate does not verify.
    BadSignature,
    /// An item whose inclusion proof fails against the held head (altered in transit).
    Altered,
    /// Items of an origin missing between two held ones.
    Gap,
    /// An item or head from an origin outside the sender's subtree, or of an unknown epoch.
    Foreign,
    /// An item citing a signed head not held (withheld or refused), or with an overlong proof.
    Unproven,
    /// A link whose parent lost entries it had acknowledged (restored from a backup): they
    /// cannot be resent; the link waits for the parent's operator to re-baseline it.
    LinkLost,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Fork => "fork",
            AlertKind::Equivocation => "equivocation",
            AlertKind::Inconsistent => "inconsistent",
            AlertKind::BadSignature => "bad_signature",
            AlertKind::Altered => "altered",
            AlertKind::Gap => "gap",
            AlertKind::Foreign => "foreign",
            AlertKind::Unproven => "unproven",
            AlertKind::LinkLost => "link_lost",
        }
    }
}

/// A tamper alert: which region detected what about which region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Alert {
    pub detected_by: String,
    pub subject: String,
    pub kind: AlertKind,
    pub message: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub count: u64,
}
