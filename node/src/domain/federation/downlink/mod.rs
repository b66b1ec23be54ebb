//! Downlink (ARCHITECTURE "The picture"): items a region addresses to a region below it —
//! circulated notices, certificate revocations, settings pushed by a superior — travel down the
//! path hop by hop. Each region applies them through its own Raft exactly once: per hop only
//! `seq == mark + 1` is taken (a repeat is acknowledged again, a different repeat is a fork), and
//! end to end `(issuer, seq)` is never taken twice. Every region on the path keeps what passed
//! through; the addressee's delivery makes a receipt that goes back up as an uplink item, so the
//! issuer sees it delivered.
//!
//! - this file: the items, what is kept of them, their key spaces;
//! - [`send`]: queueing for the next hop, `SendDown`, supervision's [`Port`];
//! - [`receive`]: `IngestDown`, delivery, settings, acknowledgements and receipts.
//!
//! Every item carries its issuer's [`DownSeal`], checked at every hop before it is taken.
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::IngestReport;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::Split;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::next_hop;
use crate::domain::core::region::{in_subtree, parent_of};
use crate::domain::core::state::meta_u64;
use crate::domain::core::state::{DomainError, Space, Txn, META};
use crate::domain::federation::items::AlertKind;
use crate::domain::federation::items::{Crypto, Seal};
use crate::domain::federation::items::{ItemBody, MAX_INGEST_ITEMS};
use crate::domain::supervision::port::{Downlink, Downward};

mod receive;
mod send;
pub use self::receive::*;
pub use self::send::*;

/// Longest text field of a downlink item.
pub const MAX_TEXT: usize = 64 * 1024;

/// Most serials in one revocation (each at most 64 characters, so the item stays small).
pub const MAX_SERIALS: usize = 10_000;

/// What travels down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DownBody {
    /// A circulated notice (通报) with its document number (文号).
    Notice {
        /// Document number (文号), e.g. 湘司通〔2026〕12号: required.
        number: String,
        /// The title: required.
        title: String,
        /// The text: required. Each of the three at most 64 KiB (bytes).
        text: String,
    },
    /// Certificates revoked by a superior, by serial number.
    Revocation {
        /// Serial numbers of the revoked TLS certificates, in hex (`0a1b…` or `0A:1B:…`): 1–10,000,
        /// each 1–64 characters; refused at the TLS handshakes of this region and every region on
        /// the path.
        serials: Vec<String>,
        /// Why they are revoked, at most 64 KiB (bytes).
        reason: String,
    },
    /// A setting pushed by a superior (for example a lower bound of the catalog).
    Setting {
        /// The setting's name, applied by the addressee: `report_due`, `period` or `calendar`;
        /// another name is kept, not applied.
        key: String,
        /// Its value: a `DueRule`, a `Period` or a `YearCalendar` as JSON; one that does not parse
        /// or is refused leaves the region's own definition in place.
        value: String,
    },
    /// A signed-off notice for one named unit (SUP-2).
    IssuedNotice(Box<crate::domain::supervision::notice::NoticeDoc>),
    /// The issuer closed a unit's notice or returned its rectification.
    NoticeJudged(Box<crate::domain::supervision::notice::NoticeJudged>),
    /// The parent accepted or returned this region's report (SUP-1).
    ReportJudged {
        /// The period's id.
        period: String,
        /// The version of the report judged: the report follows only while it is that version.
        version: u32,
        /// True: accepted; false: returned.
        accepted: bool,
        /// The reasons of a return.
        reasons: String,
    },
}

impl DownBody {
    fn check(&self) -> Result<(), Refusal> {
        let long = |f: &str, what: &str| -> Result<(), Refusal> {
            if f.len() > MAX_TEXT {
                return Err(Refusal::new("INPUT", format!("{what}超过 {MAX_TEXT} 字节")));
            }
            Ok(())
        };
        match self {
            DownBody::Notice {
                number,
                title,
                text,
            } => {
                if number.trim().is_empty() || title.trim().is_empty() || text.trim().is_empty() {
                    return Err(Refusal::new("SUP-2", "通报须有文号、标题和正文"));
                }
                long(number, "文号")?;
                long(title, "标题")?;
                long(text, "正文")
            }
            DownBody::Revocation { serials, reason } => {
                if serials.is_empty()
                    || serials.len() > MAX_SERIALS
                    || serials.iter().any(|s| s.is_empty() || s.len() > 64)
                {
                    return Err(Refusal::new(
                        "INPUT",
                        format!("吊销证书须列明 1–{MAX_SERIALS} 个证书序列号，每个 1–64 个字符"),
                    ));
                }
                long(reason, "理由")
            }
            DownBody::Setting { key, value } => {
                if key.trim().is_empty() {
                    return Err(Refusal::new("INPUT", "设置须有键名"));
                }
                long(key, "键名")?;
                long(value, "取值")
            }
            DownBody::IssuedNotice(d) => {
                long(&d.title, "标题")?;
                long(&d.text, "正文")?;
                long(&d.number, "文号")?;
                if d.persons.len() > crate::domain::supervision::notice::MAX_NAMED {
                    return Err(Refusal::new("INPUT", "列明的人员过多"));
                }
                Ok(())
            }
            DownBody::NoticeJudged(j) => long(&j.reasons, "理由"),
            DownBody::ReportJudged {
                period, reasons, ..
            } => {
                long(period, "报告期间")?;
                long(reasons, "理由")
            }
        }
    }
}

/// An item on its way down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DownItem {
    /// The region that issued it.
    pub issuer: String,
    /// The issuer's sequence number of downlink items.
    pub seq: u64,
    /// The addressee (a region below the issuer).
    pub to: String,
    pub time_ms: i64,
    /// Who issued it (label of the actor).
    pub by: String,
    pub body: DownBody,
}

/// The issuing region's signature over an item (ARCHITECTURE "Federation guarantees"): made
/// by the issuer's leader after the item is committed, carried with it down every hop, and
/// checked at each one, so a region in between can neither invent an item of a region above
/// it nor alter one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DownSeal {
    /// The node of the issuing region that signed.
    pub signer: u64,
    pub cert_der: Vec<u8>,
    /// ECDSA over [`seal_message`] of the item.
    pub signature: Vec<u8>,
    /// The signer's clock when it signed: its certificate must be valid then.
    pub at_ms: i64,
}

/// An item with its issuer's seal, as it travels from hop to hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SealedDown {
    pub item: DownItem,
    pub seal: DownSeal,
}

/// What an issuer's seal signs: a domain-separated digest of the item.
pub fn seal_message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = b"sanxiang-downlink-item-v1\0".to_vec();
    m.extend_from_slice(digest);
    m
}

/// Most seals recorded by one `SealDown`.
pub const MAX_SEALS: usize = 1000;

/// An entry of a downlink outbox, per child.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DownOut {
    pub item: DownItem,
    pub queued_ms: i64,
}

/// What a region sent down, with the receipts that came back.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SentDown {
    pub item: DownItem,
    /// Delivered at the addressee (its replicated clock), once a matching receipt is back.
    pub delivered_ms: Option<i64>,
    /// A receipt came back for different content: altered on the way down.
    pub altered: bool,
}

/// What passed through or arrived here from above.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Received {
    pub item: DownItem,
    pub digest: [u8; 32],
    pub received_ms: i64,
    /// True when this region is the addressee.
    pub delivered: bool,
}

/// Per child: last queued and last acknowledged sequence numbers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DownLink {
    pub tail: u64,
    pub acked: u64,
}

/// Outbox by (child, per-link seq).
pub const DOWN_OUT: Space<(String, u64), DownOut> = Space::new(prefix::DOWN_OUT);

/// Per child link.
pub const DOWN_LINKS: Space<str, DownLink> = Space::new(prefix::DOWN_LINKS);

/// What passed through or arrived, by (issuer, seq).
pub const RECEIVED: Space<(String, u64), Received> = Space::new(prefix::RECEIVED);

/// What this region sent down, by its own seq.
pub const SENT_DOWN: Space<u64, SentDown> = Space::new(prefix::SENT_DOWN);

/// Seals of the items this region issued or passed on, by (issuer, seq).
pub const DOWN_SEALS: Space<(String, u64), DownSeal> = Space::new(prefix::DOWN_SEALS);

/// Meta: every own item up to this sequence number is sealed.
pub const DOWN_SEALED: &str = "down/sealed";

/// Digests of downlink positions from the parent, by per-link seq (for repeats).
pub const DOWN_SEEN: Space<u64, [u8; 32]> = Space::new(prefix::DOWN_SEEN);

/// Meta: last own downlink sequence number.
pub const DOWN_SEQ: &str = "down/seq";

/// Meta: last per-link sequence number taken from the parent.
pub const DOWN_MARK: &str = "down/mark";

#[cfg(test)]
mod tests;
