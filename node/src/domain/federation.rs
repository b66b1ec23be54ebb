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

use super::agency::{Agency, AGENCIES};
use super::cmd_publication::{PubState, PUBLICATIONS};
use super::envelope::{Actor, CommandResult, Refusal};
use super::state::{DomainError, Space, State, Txn, META};
use super::summary::COUNTERS;
use super::tree_head::SignedHead;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemBody {
    /// The region's status summary (region-wide counters) and its uplink backlog.
    Summary {
        counters: BTreeMap<String, i64>,
        /// Cases with a time limit passed while open (capped at [`MAX_OVERDUE_LISTED`]).
        overdue: Vec<super::summary::OverdueCase>,
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
    Report(Box<super::report::Report>),
    /// A unit's answer to a notice: acknowledgement or rectification (SUP-2).
    NoticeAnswer(Box<super::notice::Answer>),
    /// This region accepted or returned a direct child's report (SUP-1).
    ReportJudged(Box<super::report::Judgement>),
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        let body = bincode::serialize(self).map_err(|e| DomainError::Encode(e.to_string()))?;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Checks the domain cannot do itself (signatures, certificates, hashes); the store adapter
/// implements them with the ledger and PKI modules. All are pure functions of their inputs.
pub trait Crypto {
    /// RFC 6962 leaf hash.
    fn leaf_hash(&self, data: &[u8]) -> Hash;
    /// The head's signature is valid, by a node of the head's region whose certificate chains
    /// to the deployment's CA and is valid at `at_ms`.
    fn verify_head(&self, head: &SignedHead, at_ms: i64) -> Result<(), String>;
    /// RFC 9162 inclusion proof.
    fn verify_inclusion(
        &self,
        index: u64,
        size: u64,
        leaf: &Hash,
        proof: &[Hash],
        root: &Hash,
    ) -> Result<(), String>;
    /// RFC 9162 consistency proof.
    fn verify_consistency(
        &self,
        first: u64,
        second: u64,
        first_root: &Hash,
        second_root: &Hash,
        proof: &[Hash],
    ) -> Result<(), String>;
}

/// An own item waiting for a head that covers its leaf.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingItem {
    pub leaf_index: u64,
    pub bytes: Vec<u8>,
}

/// What an outbox entry sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutBody {
    /// An own head or item; the sender adds its proof when it sends it.
    Own(Carried),
    /// A held item from below, forwarded exactly as received (kept once, in `HELD_ITEMS`).
    Item { origin: String, seq: u64 },
    /// A held head from below, forwarded exactly as received (kept once, in `HELD_HEADS`).
    Head { origin: String, size: u64 },
}

/// An outbox entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// What a parent knows about one link (a direct child).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldHead {
    /// The head as received, with its proof (what is forwarded).
    pub carried: Carried,
    pub digest: Hash,
    pub root: Hash,
    pub time_ms: i64,
    pub signer: u64,
    pub received_ms: i64,
}

/// Kinds of tamper alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
        }
    }
}

/// A tamper alert: which region detected what about which region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub detected_by: String,
    pub subject: String,
    pub kind: AlertKind,
    pub message: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub count: u64,
}

/// Own items waiting for a head, by origin sequence number.
pub const UP_PENDING: Space<u64, PendingItem> = Space::new(b'j');
/// Outbox to the parent, by per-link sequence number.
pub const OUTBOX: Space<u64, OutEntry> = Space::new(b'b');
/// Per direct child: the link's state.
pub const LINKS: Space<str, LinkState> = Space::new(b'l');
/// Per origin below: marks and the last head held.
pub const ORIGINS: Space<str, OriginState> = Space::new(b'e');
/// Items held from below, by (origin, seq).
pub const HELD_ITEMS: Space<(String, u64), HeldItem> = Space::new(b'f');
/// Heads held from below, by (origin, size).
pub const HELD_HEADS: Space<(String, u64), HeldHead> = Space::new(b't');
/// Tamper alerts, by (detecting region, kind + subject).
pub const ALERTS: Space<(String, String), Alert> = Space::new(b'A');
/// Digests of link positions whose content raised an alert (and so is not held under its own
/// identity), by (link, seq).
pub const LINK_DIGESTS: Space<(String, u64), Hash> = Space::new(b'D');
/// The last status summary sent up.
pub const LAST_SUMMARY: Space<str, BTreeMap<String, i64>> = Space::new(b'S');

/// Meta: last own item sequence number.
pub const ORIGIN_SEQ: &str = "fed/origin_seq";
/// Meta: last outbox sequence number.
pub const LINK_SEQ: &str = "fed/link_seq";
/// Meta: outbox entries acknowledged by the parent (pruned).
pub const UP_ACKED: &str = "fed/up_acked";

fn meta_u64(txn: &Txn<'_>, key: &str) -> Result<u64, DomainError> {
    Ok(META.get(txn, key)?.unwrap_or(0).max(0) as u64)
}

/// The parent region of a region id (ids are paths: `hunan/changsha/liuyang`).
pub fn parent_of(region: &str) -> Option<&str> {
    region.rsplit_once('/').map(|(p, _)| p)
}

/// A well-formed region id (as the topology requires) of at most 255 bytes.
pub fn valid_region_id(id: &str) -> bool {
    id.len() <= 255
        && !id.is_empty()
        && id.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

/// True when `origin` is `link` or lies below it.
pub fn in_subtree(origin: &str, link: &str) -> bool {
    origin == link
        || origin
            .strip_prefix(link)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// An unchanged summary is sent again after this long (on the next `Tick`), so a parent tells
/// a quiet region from a silent one.
pub const SUMMARY_HEARTBEAT_MS: i64 = 24 * 3_600_000;
/// Meta key: when the last summary was made.
const SUMMARY_MS: &str = "summary_ms";

/// Most overdue cases listed in one summary (the counters still count them all).
pub const MAX_OVERDUE_LISTED: usize = 500;

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
                let p: super::cmd_publication::Publication = decode(k, v)?;
                let before: Option<super::cmd_publication::Publication> =
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
    bincode::deserialize(v).map_err(|e| DomainError::Corrupt {
        key: hex::encode(k),
        cause: e.to_string(),
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
    if let Ok(today) = super::calendar::date_of(now) {
        counters.extend(super::summary::expired_enforcing(txn.base(), today)?);
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
    for (k, v) in txn.scan_prefix(&[super::summary::OVERDUE_CASES.prefix()]) {
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

fn push_out(txn: &mut Txn<'_>, body: OutBody, now: i64) -> Result<(), DomainError> {
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
pub fn acked(
    txn: &mut Txn<'_>,
    actor: &Actor,
    mark: u64,
) -> Result<Result<CommandResult, Refusal>, DomainError> {
    if !matches!(actor, Actor::Node { .. }) {
        return Ok(Err(Refusal::new(
            "AUTH",
            "only a node of the region records the parent's acknowledgement",
        )));
    }
    let tail = meta_u64(txn, LINK_SEQ)?;
    if mark > tail {
        return Ok(Err(Refusal::new(
            "INPUT",
            format!("acknowledged mark {mark} is beyond the outbox (last {tail})"),
        )));
    }
    let done = meta_u64(txn, UP_ACKED)?;
    if mark <= done {
        return Ok(Ok(CommandResult::Record {
            id: done,
            flags: vec![],
        }));
    }
    for seq in (done + 1)..=mark {
        OUTBOX.delete(txn, &seq);
    }
    META.put(txn, UP_ACKED, &(mark as i64))?;
    Ok(Ok(CommandResult::Record {
        id: mark,
        flags: vec![],
    }))
}

/// The answer to an ingest: the link's mark after it, and what happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    pub mark: u64,
    pub accepted: u64,
    pub duplicates: u64,
    /// The batch stopped at a gap: the sender must resend from `mark + 1`.
    pub gap: bool,
    /// Alerts raised, one line each.
    pub alerts: Vec<String>,
}

/// The first 200 characters of a string from below.
fn clip(s: &str) -> String {
    if s.chars().count() <= 200 {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(200).collect();
        out.push('…');
        out
    }
}

/// Records (or counts again) an alert; the first of its kind about a subject also goes up as
/// an own item. Its one-line description goes into the batch report.
#[allow(clippy::too_many_arguments)]
fn raise(
    txn: &mut Txn<'_>,
    region: &str,
    subject: &str,
    kind: AlertKind,
    message: String,
    now: i64,
    up: &mut Vec<ItemBody>,
    report: &mut IngestReport,
) -> Result<(), DomainError> {
    // Whatever came from below is clipped, so an alert stays small enough to travel up.
    let subject = &clip(subject);
    let message = clip(&message);
    let key = (region.to_string(), format!("{} {subject}", kind.as_str()));
    let line = format!("{}: {subject}: {message}", kind.as_str());
    match ALERTS.get(txn, &key)? {
        Some(mut a) => {
            a.count += 1;
            a.last_ms = now;
            a.message = message;
            ALERTS.put(txn, &key, &a)?;
        }
        None => {
            let a = Alert {
                detected_by: region.to_string(),
                subject: subject.to_string(),
                kind,
                message,
                first_ms: now,
                last_ms: now,
                count: 1,
            };
            ALERTS.put(txn, &key, &a)?;
            up.push(ItemBody::Alert(a));
        }
    }
    report.alerts.push(line);
    Ok(())
}

/// Input of an ingest, stamped by the receiving node from the sender's verified certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestInput {
    /// The direct child region that sent the batch.
    pub link: String,
    /// Per-link sequence number of the first entry.
    pub first_seq: u64,
    pub entries: Vec<Carried>,
    /// The sender's last outbox sequence number.
    pub tail: u64,
    /// Queue time of the sender's oldest unacknowledged entry (0: none).
    pub oldest_ms: i64,
}

/// Applies a batch from a child. Own items it raises (alerts) are returned for queueing.
pub fn ingest(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    input: &IngestInput,
    crypto: &dyn Crypto,
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Result<Result<CommandResult, Refusal>, DomainError> {
    if !matches!(actor, Actor::Node { .. }) {
        return Ok(Err(Refusal::new(
            "AUTH",
            "uplink batches are proposed by a node of the region that received them",
        )));
    }
    if parent_of(&input.link) != Some(region) {
        return Ok(Err(Refusal::new(
            "AUTH",
            format!("{} is not a direct child of {region}", input.link),
        )));
    }
    if input.entries.len() > MAX_INGEST_ITEMS {
        return Ok(Err(Refusal::new(
            "INPUT",
            format!(
                "{} entries in one batch; at most {MAX_INGEST_ITEMS}",
                input.entries.len()
            ),
        )));
    }
    if input.first_seq == 0 {
        return Ok(Err(Refusal::new(
            "INPUT",
            "link sequence numbers start at 1",
        )));
    }
    let mut link = LINKS.get(txn, &input.link)?.unwrap_or_default();
    let mut report = IngestReport::default();
    for (i, carried) in input.entries.iter().enumerate() {
        let seq = input.first_seq + i as u64;
        if seq > link.mark + 1 {
            report.gap = true;
            link.refused_gaps += 1;
            break;
        }
        let digest = carried.digest(crypto);
        if seq <= link.mark {
            // A repeat of an accepted position: it must be what is held there.
            if held_digest(txn, &input.link, seq, carried)? == Some(digest) {
                report.duplicates += 1;
                link.duplicates += 1;
            } else {
                let subject = carried.origin().unwrap_or_else(|| input.link.clone());
                raise(
                    txn,
                    region,
                    &subject,
                    AlertKind::Fork,
                    format!(
                        "link {} position {seq} was accepted with different content",
                        input.link
                    ),
                    now,
                    up,
                    &mut report,
                )?;
            }
            continue;
        }
        let alerts_before = report.alerts.len();
        accept(
            txn,
            region,
            input,
            seq,
            carried,
            digest,
            crypto,
            now,
            up,
            &mut report,
        )?;
        if report.alerts.len() > alerts_before {
            // Content that was alerted is not held under its own identity: remember what this
            // position carried, so a resend of the same bytes is not taken for a fork.
            LINK_DIGESTS.put(txn, &(input.link.clone(), seq), &digest)?;
        }
        link.mark = seq;
        link.accepted += 1;
    }
    link.tail = input.tail.max(link.mark);
    link.oldest_ms = input.oldest_ms;
    link.last_heard_ms = now;
    LINKS.put(txn, &input.link, &link)?;
    report.mark = link.mark;
    Ok(Ok(CommandResult::Ingested(report)))
}

/// The digest held for the position `seq` of a link: what an alerted position carried, else
/// what is held under the same identity (origin and sequence number, or origin and size).
fn held_digest(
    txn: &Txn<'_>,
    link: &str,
    seq: u64,
    carried: &Carried,
) -> Result<Option<Hash>, DomainError> {
    if let Some(d) = LINK_DIGESTS.get(txn, &(link.to_string(), seq))? {
        return Ok(Some(d));
    }
    match carried {
        Carried::Head { head, .. } => Ok(HELD_HEADS
            .get(txn, &(head.head.region.clone(), head.head.size))?
            .map(|h| h.digest)),
        Carried::Item { bytes, .. } => {
            let Some(item) = UpItem::from_leaf(bytes) else {
                return Ok(None);
            };
            Ok(HELD_ITEMS
                .get(txn, &(item.origin, item.seq))?
                .map(|h| h.digest))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn accept(
    txn: &mut Txn<'_>,
    region: &str,
    input: &IngestInput,
    seq: u64,
    carried: &Carried,
    digest: Hash,
    crypto: &dyn Crypto,
    now: i64,
    up: &mut Vec<ItemBody>,
    report: &mut IngestReport,
) -> Result<(), DomainError> {
    let forward = parent_of(region).is_some();
    match carried {
        Carried::Head {
            head,
            prev_size,
            proof,
        } => {
            let origin = head.head.region.clone();
            if !valid_region_id(&origin) || !in_subtree(&origin, &input.link) {
                raise(
                    txn,
                    region,
                    &input.link,
                    AlertKind::Foreign,
                    format!("sent a head of {origin}, which is not below it"),
                    now,
                    up,
                    report,
                )?;
                return Ok(());
            }
            let mut o = ORIGINS.get(txn, &origin)?.unwrap_or_default();
            o.last_heard_ms = now;
            let mut problem = None;
            if let Err(e) = crypto.verify_head(head, head.head.time_ms) {
                problem = Some((AlertKind::BadSignature, e));
            } else if proof.len() > MAX_PROOF {
                problem = Some((AlertKind::Inconsistent, "proof too long".to_string()));
            } else if let Some(held) = HELD_HEADS.get(txn, &(origin.clone(), head.head.size))? {
                if held.root == head.head.root {
                    report.duplicates += 1;
                    ORIGINS.put(txn, &origin, &o)?;
                    return Ok(());
                }
                problem = Some((
                    AlertKind::Equivocation,
                    format!("two heads of size {} with different roots", head.head.size),
                ));
            } else if o.head_size > 0 {
                if head.head.size < o.head_size {
                    problem = Some((
                        AlertKind::Inconsistent,
                        format!(
                            "head of size {} after a head of size {}: history shrank",
                            head.head.size, o.head_size
                        ),
                    ));
                } else if *prev_size != o.head_size {
                    problem = Some((
                        AlertKind::Inconsistent,
                        format!(
                            "head proven from size {prev_size}, but the last head held has size {}",
                            o.head_size
                        ),
                    ));
                } else if let Err(e) = crypto.verify_consistency(
                    o.head_size,
                    head.head.size,
                    &o.head_root,
                    &head.head.root,
                    proof,
                ) {
                    problem = Some((
                        AlertKind::Inconsistent,
                        format!(
                            "head of size {} is not an extension of the head of size {}: {e}",
                            head.head.size, o.head_size
                        ),
                    ));
                }
            }
            if let Some((kind, message)) = problem {
                // The trustworthy head stays; the link goes on.
                ORIGINS.put(txn, &origin, &o)?;
                raise(txn, region, &origin, kind, message, now, up, report)?;
                return Ok(());
            }
            HELD_HEADS.put(
                txn,
                &(origin.clone(), head.head.size),
                &HeldHead {
                    carried: carried.clone(),
                    digest,
                    root: head.head.root,
                    time_ms: head.head.time_ms,
                    signer: head.signer,
                    received_ms: now,
                },
            )?;
            o.head_size = head.head.size;
            o.head_root = head.head.root;
            o.head_time_ms = head.head.time_ms;
            if o.epoch == 0 {
                o.epoch = EPOCH;
            }
            ORIGINS.put(txn, &origin, &o)?;
            report.accepted += 1;
            if forward {
                let body = OutBody::Head {
                    origin: origin.clone(),
                    size: head.head.size,
                };
                push_out(txn, body, now)?;
            }
        }
        Carried::Item {
            bytes,
            leaf_index,
            head_size,
            proof,
        } => {
            let Some(item) = UpItem::from_leaf(bytes) else {
                raise(
                    txn,
                    region,
                    &input.link,
                    AlertKind::Altered,
                    format!("link position {seq} carries bytes that are not an item"),
                    now,
                    up,
                    report,
                )?;
                return Ok(());
            };
            if !valid_region_id(&item.origin)
                || !in_subtree(&item.origin, &input.link)
                || item.epoch != EPOCH
            {
                raise(
                    txn,
                    region,
                    &input.link,
                    AlertKind::Foreign,
                    format!(
                        "sent an item of {} epoch {}, not below it or of an unknown epoch",
                        item.origin, item.epoch
                    ),
                    now,
                    up,
                    report,
                )?;
                return Ok(());
            }
            let mut o = ORIGINS.get(txn, &item.origin)?.unwrap_or_default();
            o.last_heard_ms = now;
            if item.seq <= o.seq {
                // End-to-end duplicate (or a fork of an origin position).
                let held = HELD_ITEMS.get(txn, &(item.origin.clone(), item.seq))?;
                ORIGINS.put(txn, &item.origin, &o)?;
                if held.map(|h| h.digest) == Some(digest) {
                    report.duplicates += 1;
                } else {
                    raise(
                        txn,
                        region,
                        &item.origin,
                        AlertKind::Fork,
                        format!("item {} arrived again with different content", item.seq),
                        now,
                        up,
                        report,
                    )?;
                }
                return Ok(());
            }
            if item.seq > o.seq + 1 {
                raise(
                    txn,
                    region,
                    &item.origin,
                    AlertKind::Gap,
                    format!("items {}..{} never arrived", o.seq + 1, item.seq - 1),
                    now,
                    up,
                    report,
                )?;
            }
            let proven = match HELD_HEADS.get(txn, &(item.origin.clone(), *head_size))? {
                Some(h) if proof.len() <= MAX_PROOF => {
                    match crypto.verify_inclusion(*leaf_index, *head_size, &digest, proof, &h.root)
                    {
                        Ok(()) => true,
                        Err(e) => {
                            raise(
                                txn,
                                region,
                                &item.origin,
                                AlertKind::Altered,
                                format!(
                                    "item {} is not leaf {leaf_index} of the signed head of size {head_size}: {e}",
                                    item.seq
                                ),
                                now,
                                up, report,
                            )?;
                            false
                        }
                    }
                }
                _ => {
                    o.unproven += 1;
                    raise(
                        txn,
                        region,
                        &item.origin,
                        AlertKind::Unproven,
                        format!(
                            "item {} cites a signed head of size {head_size} that is not held here",
                            item.seq
                        ),
                        now,
                        up,
                        report,
                    )?;
                    false
                }
            };
            // Receipts and alerts act only when proven, and only for their own origin: the
            // addressee reports its own delivery, a region its own findings.
            if let ItemBody::Receipt {
                issuer,
                seq,
                to,
                digest: got,
            } = &item.body
            {
                if proven && *to == item.origin {
                    super::downlink::on_receipt(txn, region, issuer, *seq, to, got, item.time_ms)?;
                }
            }
            super::held::on_item(txn, region, &item, proven, now)?;
            if let ItemBody::Alert(a) = &item.body {
                // An alert from below is kept as reported, under its detecting region.
                let key = (
                    a.detected_by.clone(),
                    format!("{} {}", a.kind.as_str(), a.subject),
                );
                if proven && a.detected_by == item.origin {
                    ALERTS.put(txn, &key, a)?;
                }
            }
            o.seq = item.seq;
            o.items += 1;
            if o.epoch == 0 {
                o.epoch = EPOCH;
            }
            ORIGINS.put(txn, &item.origin, &o)?;
            HELD_ITEMS.put(
                txn,
                &(item.origin.clone(), item.seq),
                &HeldItem {
                    carried: carried.clone(),
                    digest,
                    link: input.link.clone(),
                    link_seq: seq,
                    received_ms: now,
                    proven,
                },
            )?;
            report.accepted += 1;
            if forward {
                let body = OutBody::Item {
                    origin: item.origin.clone(),
                    seq: item.seq,
                };
                push_out(txn, body, now)?;
            }
        }
    }
    Ok(())
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tree_head::TreeHead;
    use crate::ledger::tree::tests::MemNodes;
    use crate::ledger::{self, Frontier};

    const CITY: &str = "p/c";
    const COUNTY: &str = "p/c/a";

    /// The real hashing and proofs; a head "verifies" unless its signature is `bad` (no CA
    /// is needed for these tests).
    struct TestCrypto;
    impl Crypto for TestCrypto {
        fn leaf_hash(&self, data: &[u8]) -> Hash {
            ledger::LedgerCrypto::default().leaf_hash(data)
        }
        fn verify_head(&self, head: &SignedHead, _at: i64) -> Result<(), String> {
            (head.signature != b"bad")
                .then_some(())
                .ok_or("bad signature".into())
        }
        fn verify_inclusion(
            &self,
            i: u64,
            n: u64,
            l: &Hash,
            p: &[Hash],
            r: &Hash,
        ) -> Result<(), String> {
            ledger::LedgerCrypto::default().verify_inclusion(i, n, l, p, r)
        }
        fn verify_consistency(
            &self,
            a: u64,
            b: u64,
            ra: &Hash,
            rb: &Hash,
            p: &[Hash],
        ) -> Result<(), String> {
            ledger::LedgerCrypto::default().verify_consistency(a, b, ra, rb, p)
        }
    }

    /// A county ledger: leaves and stored nodes.
    #[derive(Default)]
    struct Ledger {
        nodes: MemNodes,
        frontier: Frontier,
    }

    impl Ledger {
        fn append(&mut self, data: &[u8]) -> u64 {
            let i = self.frontier.size();
            for (level, index, h) in self.frontier.append(ledger::leaf_hash(data)) {
                self.nodes.0.insert((level, index), h);
            }
            i
        }
        fn head(&self, size: u64, prev: u64) -> Carried {
            let root = ledger::root_at(&self.nodes, size).unwrap();
            let proof = if prev == 0 {
                vec![]
            } else {
                ledger::consistency_proof(&self.nodes, prev, size).unwrap()
            };
            Carried::Head {
                head: SignedHead {
                    head: TreeHead {
                        region: COUNTY.into(),
                        size,
                        root,
                        time_ms: 1,
                    },
                    signer: 1,
                    cert_der: vec![],
                    signature: vec![1],
                },
                prev_size: prev,
                proof,
            }
        }
        fn item(&mut self, seq: u64, name: &str) -> (u64, Vec<u8>) {
            let bytes = UpItem {
                origin: COUNTY.into(),
                epoch: EPOCH,
                seq,
                time_ms: 1,
                body: ItemBody::Summary {
                    counters: [(name.to_string(), 1)].into_iter().collect(),
                    overdue: vec![],
                    backlog: 0,
                },
            }
            .leaf_bytes()
            .unwrap();
            (self.append(&bytes), bytes)
        }
        fn carried(&self, (leaf, bytes): &(u64, Vec<u8>), head_size: u64) -> Carried {
            Carried::Item {
                bytes: bytes.clone(),
                leaf_index: *leaf,
                head_size,
                proof: ledger::inclusion_proof(&self.nodes, *leaf, head_size).unwrap(),
            }
        }
    }

    fn node() -> Actor {
        Actor::Node {
            region: CITY.into(),
            node: 1,
        }
    }

    /// Ingests entries at the city from link `COUNTY`; returns the report or refusal.
    fn ingest_at(
        state: &mut State,
        first_seq: u64,
        entries: Vec<Carried>,
        actor: &Actor,
    ) -> Result<IngestReport, Refusal> {
        let mut txn = Txn::new(state);
        let mut up = Vec::new();
        let input = IngestInput {
            link: COUNTY.into(),
            first_seq,
            entries,
            tail: 0,
            oldest_ms: 0,
        };
        let r = ingest(&mut txn, actor, CITY, &input, &TestCrypto, 5, &mut up).unwrap();
        let writes = txn.into_writes();
        match r {
            Ok(CommandResult::Ingested(rep)) => {
                state.apply_writes(&writes);
                Ok(rep)
            }
            Ok(other) => panic!("{other:?}"),
            Err(f) => {
                assert!(writes.is_empty(), "a refusal writes nothing");
                Err(f)
            }
        }
    }

    fn kinds(state: &State) -> Vec<AlertKind> {
        ALERTS
            .keys(state)
            .filter_map(|k| bincode::deserialize::<Alert>(state.get_raw(k)?).ok())
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn heads_and_items_are_checked_and_held_and_forwarded() {
        let mut l = Ledger::default();
        l.append(b"cmd0");
        let i1 = l.item(1, "a");
        l.append(b"cmd2");
        let i2 = l.item(2, "b");
        let h4 = l.head(4, 0);
        l.append(b"cmd4");
        let i3 = l.item(3, "c");
        let h6 = l.head(6, 4);
        let mut s = State::default();
        let rep = ingest_at(
            &mut s,
            1,
            vec![
                h4,
                l.carried(&i1, 4),
                l.carried(&i2, 4),
                h6,
                l.carried(&i3, 6),
            ],
            &node(),
        )
        .unwrap();
        assert_eq!(
            (rep.mark, rep.accepted, rep.duplicates, rep.gap),
            (5, 5, 0, false)
        );
        assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
        let o = ORIGINS.read(&s, COUNTY).unwrap().unwrap();
        assert_eq!((o.seq, o.items, o.head_size, o.unproven), (3, 3, 6, 0));
        assert!(
            HELD_ITEMS
                .read(&s, &(COUNTY.into(), 2))
                .unwrap()
                .unwrap()
                .proven
        );
        // The city has a parent: all five entries wait in its outbox, unchanged.
        let out = outbox_from(&s, 1, 10).unwrap();
        assert_eq!(out.len(), 5);
        assert!(out
            .iter()
            .all(|(_, e)| matches!(resolve(&s, e), Ok((_, false)))));
    }

    #[test]
    fn rewritten_history_equivocation_and_bad_signatures_raise_alerts_and_the_link_goes_on() {
        let mut l = Ledger::default();
        for i in 0..8 {
            l.append(format!("cmd{i}").as_bytes());
        }
        let mut s = State::default();
        ingest_at(&mut s, 1, vec![l.head(4, 0), l.head(8, 4)], &node()).unwrap();

        // Another history of the same county: same sizes, different leaves.
        let mut forged = Ledger::default();
        for i in 0..12 {
            forged.append(format!("forged{i}").as_bytes());
        }
        let equivocating = forged.head(8, 4);
        let rep = ingest_at(&mut s, 3, vec![equivocating], &node()).unwrap();
        assert_eq!(rep.mark, 3, "the link goes on");
        assert_eq!(kinds(&s), [AlertKind::Equivocation]);
        // A longer head of the rewritten history: not an extension of the held one.
        let rep = ingest_at(&mut s, 4, vec![forged.head(12, 8)], &node()).unwrap();
        assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
        assert!(kinds(&s).contains(&AlertKind::Inconsistent));
        // A smaller head than the one held: history shrank.
        let mut short = Ledger::default();
        for i in 0..6 {
            short.append(format!("s{i}").as_bytes());
        }
        ingest_at(&mut s, 5, vec![short.head(6, 0)], &node()).unwrap();
        // A bad signature.
        let mut bad = l.head(8, 4);
        if let Carried::Head { head, .. } = &mut bad {
            head.signature = b"bad".to_vec();
            head.head.size = 9;
        }
        ingest_at(&mut s, 6, vec![bad], &node()).unwrap();
        assert!(kinds(&s).contains(&AlertKind::BadSignature));
        // The trustworthy head stays.
        let o = ORIGINS.read(&s, COUNTY).unwrap().unwrap();
        assert_eq!(
            (o.head_size, o.head_root),
            (8, ledger::root_at(&l.nodes, 8).unwrap())
        );
        // The honest history goes on being accepted.
        l.append(b"cmd8");
        let rep = ingest_at(&mut s, 7, vec![l.head(9, 8)], &node()).unwrap();
        assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
        // Alerts are items for the parent, one per kind and subject.
        let pending = UP_PENDING.keys(&s).count();
        assert_eq!(pending, 0, "queued by apply, not by ingest itself");
    }

    #[test]
    fn altered_item_is_alerted_and_not_proven() {
        let mut l = Ledger::default();
        let i1 = l.item(1, "true");
        let h = l.head(1, 0);
        let mut c = l.carried(&i1, 1);
        if let Carried::Item { bytes, .. } = &mut c {
            let mut it = UpItem::from_leaf(bytes).unwrap();
            it.body = ItemBody::Summary {
                counters: [("false".to_string(), 1)].into_iter().collect(),
                overdue: vec![],
                backlog: 0,
            };
            *bytes = it.leaf_bytes().unwrap();
        }
        let mut s = State::default();
        let rep = ingest_at(&mut s, 1, vec![h, c], &node()).unwrap();
        assert_eq!(rep.mark, 2);
        assert_eq!(kinds(&s), [AlertKind::Altered]);
        assert!(
            !HELD_ITEMS
                .read(&s, &(COUNTY.into(), 1))
                .unwrap()
                .unwrap()
                .proven
        );
    }

    #[test]
    fn forged_alerts_are_not_kept_and_unprovable_items_are_alerted() {
        let mut l = Ledger::default();
        // The county claims a region below it detected something: an alert is kept only as
        // its own origin's finding.
        let forged = Alert {
            detected_by: format!("{COUNTY}/z"),
            subject: "p/c/b".into(),
            kind: AlertKind::Fork,
            message: "invented".into(),
            first_ms: 1,
            last_ms: 1,
            count: 1,
        };
        let bytes = UpItem {
            origin: COUNTY.into(),
            epoch: EPOCH,
            seq: 1,
            time_ms: 1,
            body: ItemBody::Alert(forged),
        }
        .leaf_bytes()
        .unwrap();
        let leaf = l.append(&bytes);
        let h = l.head(1, 0);
        let mut s = State::default();
        let rep = ingest_at(&mut s, 1, vec![h, l.carried(&(leaf, bytes), 1)], &node()).unwrap();
        assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
        assert!(kinds(&s).is_empty(), "the invented alert is not kept");
        // An item citing a head that is not held.
        let i2 = l.item(2, "x");
        let mut c = l.carried(&i2, 2);
        if let Carried::Item { head_size, .. } = &mut c {
            *head_size = 2;
        }
        ingest_at(&mut s, 3, vec![c], &node()).unwrap();
        assert_eq!(kinds(&s), [AlertKind::Unproven]);
        // A malformed origin is refused content, its text clipped in the alert.
        let long = format!("{COUNTY}/{}", "x".repeat(300));
        let bytes = UpItem {
            origin: long,
            epoch: EPOCH,
            seq: 1,
            time_ms: 1,
            body: ItemBody::Summary {
                counters: Default::default(),
                overdue: vec![],
                backlog: 0,
            },
        }
        .leaf_bytes()
        .unwrap();
        let rep = ingest_at(
            &mut s,
            4,
            vec![Carried::Item {
                bytes,
                leaf_index: 0,
                head_size: 1,
                proof: vec![],
            }],
            &node(),
        )
        .unwrap();
        assert_eq!(rep.mark, 4);
        assert!(rep.alerts[0].len() < 600, "{}", rep.alerts[0]);
    }

    #[test]
    fn refusals_change_nothing() {
        let mut s = State::default();
        let person = Actor::Person(crate::domain::Person {
            region: CITY.into(),
            role: crate::domain::Role::Clerk,
            user: "x".into(),
        });
        assert_eq!(
            ingest_at(&mut s, 1, vec![], &person).unwrap_err().rule,
            "AUTH"
        );
        assert_eq!(
            ingest_at(&mut s, 0, vec![], &node()).unwrap_err().rule,
            "INPUT"
        );
        let too_many = vec![Ledger::default().head(0, 0); MAX_INGEST_ITEMS + 1];
        assert_eq!(
            ingest_at(&mut s, 1, too_many, &node()).unwrap_err().rule,
            "INPUT"
        );
        let mut txn = Txn::new(&s);
        let input = IngestInput {
            link: "p/x/y".into(),
            first_seq: 1,
            entries: vec![],
            tail: 0,
            oldest_ms: 0,
        };
        let r = ingest(
            &mut txn,
            &node(),
            CITY,
            &input,
            &TestCrypto,
            5,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(r.unwrap_err().rule, "AUTH", "not a direct child");
        assert!(txn.into_writes().is_empty());
        assert!(s.is_empty());
    }

    #[test]
    fn acknowledgement_prunes_the_outbox_and_never_beyond_it() {
        let s = State::default();
        let mut txn = Txn::new(&s);
        for _ in 0..3 {
            push_out(&mut txn, OutBody::Own(Ledger::default().head(0, 0)), 7).unwrap();
        }
        let mut s2 = State::default();
        s2.apply_writes(&txn.into_writes());
        let mut txn = Txn::new(&s2);
        assert_eq!(
            acked(&mut txn, &node(), 4).unwrap().unwrap_err().rule,
            "INPUT"
        );
        acked(&mut txn, &node(), 2).unwrap().unwrap();
        s2.apply_writes(&txn.into_writes());
        let st = outbox_stats(&s2).unwrap();
        assert_eq!((st.tail, st.acked, st.backlog, st.oldest_ms), (3, 2, 1, 7));
        assert_eq!(outbox_from(&s2, 1, 10).unwrap().len(), 1);
    }

    #[test]
    fn subtree_and_parent() {
        assert!(in_subtree("p/c/a", "p/c"));
        assert!(in_subtree("p/c", "p/c"));
        assert!(!in_subtree("p/cc", "p/c"));
        assert_eq!(parent_of("p/c/a"), Some("p/c"));
        assert_eq!(parent_of("p"), None);
    }
}
