//! **Receiving** (`Ingest`): a child's batch, checked link by link and origin by origin.
use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::IngestReport;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::in_subtree;
use crate::domain::core::region::parent_of;
use crate::domain::core::region::valid_region_id;
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::federation::items::Carried;
use crate::domain::federation::items::Crypto;
use crate::domain::federation::items::Hash;
use crate::domain::federation::items::ItemBody;
use crate::domain::federation::items::UpItem;
use crate::domain::federation::items::EPOCH;
use crate::domain::federation::items::MAX_INGEST_ITEMS;
use crate::domain::federation::items::MAX_PROOF;
use crate::domain::federation::outbox::push_out;
use crate::domain::federation::outbox::OutBody;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
                    crate::domain::federation::downlink::on_receipt(
                        txn,
                        region,
                        issuer,
                        *seq,
                        to,
                        got,
                        item.time_ms,
                    )?;
                }
            }
            crate::domain::federation::route::on_item(txn, region, &item, proven, now)?;
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
