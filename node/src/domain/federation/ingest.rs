//! **Receiving** (`Ingest`): a child's batch, checked link by link and origin by origin.

use serde::{Deserialize, Serialize};

use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::IngestReport;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::in_subtree;
use crate::domain::core::region::parent_of;
use crate::domain::core::region::valid_region_id;
use crate::domain::core::state::{DomainError, Txn};
use crate::domain::federation::held;
use crate::domain::federation::held::HeldHead;
use crate::domain::federation::held::HeldItem;
use crate::domain::federation::held::OriginState;
use crate::domain::federation::held::ALERTS;
use crate::domain::federation::held::HELD_HEADS;
use crate::domain::federation::held::HELD_ITEMS;
use crate::domain::federation::held::LINKS;
use crate::domain::federation::held::LINK_DIGESTS;
use crate::domain::federation::held::ORIGINS;
use crate::domain::federation::items::Alert;
use crate::domain::federation::items::AlertKind;
use crate::domain::federation::items::Carried;
use crate::domain::federation::items::Crypto;
use crate::domain::federation::items::Hash;
use crate::domain::federation::items::ItemBody;
use crate::domain::federation::items::SignedHead;
use crate::domain::federation::items::UpItem;
use crate::domain::federation::items::EPOCH;
use crate::domain::federation::items::MAX_INGEST_ITEMS;
use crate::domain::federation::items::MAX_PROOF;
use crate::domain::federation::outbox::push_out;
use crate::domain::federation::outbox::OutBody;
use crate::domain::federation::{downlink, route};

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
    let line = raise_alert(txn, region, subject, kind, message, now, up)?;
    report.alerts.push(line);
    Ok(())
}

/// Records an alert detected by `region` (a repeat counts on the first one) and queues a new
/// one for the levels above; returns its one-line form.
pub fn raise_alert(
    txn: &mut Txn<'_>,
    region: &str,
    subject: &str,
    kind: AlertKind,
    message: String,
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Result<String, DomainError> {
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
    Ok(line)
}

/// Input of an ingest, stamped by the receiving node from the sender's verified certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
) -> Ruled {
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("AUTH", "上行批次由收到该批次的地区的节点提出").into());
    }
    if parent_of(&input.link) != Some(region) {
        return Err(Refusal::new(
            "AUTH",
            format!("{} 不是 {region} 的直接下级地区", input.link),
        )
        .into());
    }
    if input.entries.len() > MAX_INGEST_ITEMS {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "一批有 {} 条记录；每批最多 {MAX_INGEST_ITEMS} 条",
                input.entries.len()
            ),
        )
        .into());
    }
    if input.first_seq == 0 {
        return Err(Refusal::new("INPUT", "链路序号从 1 开始").into());
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
            // A repeat of an accepted position: it must be what is held there (or a genuine
            // earlier head of its origin, dropped since a later one came).
            if held_digest(txn, &input.link, seq, carried)? == Some(digest)
                || dropped_head(txn, carried, crypto)?
            {
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
        Accept {
            txn,
            region,
            link: &input.link,
            seq,
            carried,
            digest,
            crypto,
            now,
            up,
            report: &mut report,
        }
        .run()?;
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
    report.own_head = ORIGINS.get(txn, &input.link)?.map_or(0, |o| o.head_size);
    Ok(CommandResult::Ingested(report))
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

/// A head that was held here and dropped since ([`held::prune`]): earlier than its origin's
/// latest, not held any more, and signed by its origin.
fn dropped_head(
    txn: &Txn<'_>,
    carried: &Carried,
    crypto: &dyn Crypto,
) -> Result<bool, DomainError> {
    let Carried::Head { head, .. } = carried else {
        return Ok(false);
    };
    let key = (head.head.region.clone(), head.head.size);
    let earlier = ORIGINS
        .get(txn, &head.head.region)?
        .is_some_and(|o| head.head.size < o.head_size);
    Ok(earlier
        && HELD_HEADS.get(txn, &key)?.is_none()
        && crypto.verify_head(head, head.head.time_ms).is_ok())
}

/// One entry being accepted from a link: what the checks of a head or an item need, and
/// where alerts and accepted counts go.
struct Accept<'a, 't> {
    txn: &'a mut Txn<'t>,
    region: &'a str,
    link: &'a str,
    /// The entry's position on the link.
    seq: u64,
    carried: &'a Carried,
    digest: Hash,
    crypto: &'a dyn Crypto,
    now: i64,
    up: &'a mut Vec<ItemBody>,
    report: &'a mut IngestReport,
}

impl Accept<'_, '_> {
    fn raise(
        &mut self,
        subject: &str,
        kind: AlertKind,
        message: String,
    ) -> Result<(), DomainError> {
        raise(
            self.txn,
            self.region,
            subject,
            kind,
            message,
            self.now,
            self.up,
            self.report,
        )
    }

    /// This region has a parent: what it accepts goes on up, unchanged.
    fn forward(&mut self, body: OutBody) -> Result<(), DomainError> {
        if parent_of(self.region).is_some() {
            push_out(self.txn, body, self.now)?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), DomainError> {
        match self.carried {
            Carried::Head {
                head,
                prev_size,
                proof,
            } => self.head(head, *prev_size, proof),
            Carried::Item {
                bytes,
                leaf_index,
                head_size,
                proof,
            } => self.item(bytes, *leaf_index, *head_size, proof),
        }
    }

    /// A signed head of an origin below: signature, consistency with the last head held,
    /// equivocation.
    fn head(
        &mut self,
        head: &SignedHead,
        prev_size: u64,
        proof: &[Hash],
    ) -> Result<(), DomainError> {
        let origin = head.head.region.clone();
        if !valid_region_id(&origin) || !in_subtree(&origin, self.link) {
            let link = self.link;
            return self.raise(
                link,
                AlertKind::Foreign,
                format!("sent a head of {origin}, which is not below it"),
            );
        }
        let mut o = ORIGINS.get(self.txn, &origin)?.unwrap_or_default();
        o.last_heard_ms = self.now;
        let problem = if let Err(e) = self.crypto.verify_head(head, head.head.time_ms) {
            Some((AlertKind::BadSignature, e.to_string()))
        } else if proof.len() > MAX_PROOF {
            Some((AlertKind::Inconsistent, "proof too long".to_string()))
        } else {
            match HELD_HEADS.get(self.txn, &(origin.clone(), head.head.size))? {
                Some(held) if held.root == head.head.root => {
                    self.report.duplicates += 1;
                    ORIGINS.put(self.txn, &origin, &o)?;
                    return Ok(());
                }
                Some(_) => Some((
                    AlertKind::Equivocation,
                    format!("two heads of size {} with different roots", head.head.size),
                )),
                None => self.extends(&o, head, prev_size, proof),
            }
        };
        if let Some((kind, message)) = problem {
            // The trustworthy head stays; the link goes on.
            ORIGINS.put(self.txn, &origin, &o)?;
            return self.raise(&origin, kind, message);
        }
        HELD_HEADS.put(
            self.txn,
            &(origin.clone(), head.head.size),
            &HeldHead {
                carried: self.carried.clone(),
                digest: self.digest,
                root: head.head.root,
                time_ms: head.head.time_ms,
                signer: head.signer,
                received_ms: self.now,
            },
        )?;
        let earlier = o.head_size;
        o.head_size = head.head.size;
        o.head_root = head.head.root;
        o.head_time_ms = head.head.time_ms;
        if o.epoch == 0 {
            o.epoch = EPOCH;
        }
        ORIGINS.put(self.txn, &origin, &o)?;
        self.report.accepted += 1;
        if parent_of(self.region).is_some() {
            held::pin(self.txn, &origin, head.head.size, held::QUEUED)?;
        }
        // The head it extends is kept only if something still needs it.
        if earlier > 0 {
            held::prune(self.txn, &origin, earlier)?;
        }
        self.forward(OutBody::Head {
            origin,
            size: head.head.size,
        })
    }

    /// Whether a new head extends the last one held of its origin (none held: it does).
    fn extends(
        &self,
        o: &OriginState,
        head: &SignedHead,
        prev_size: u64,
        proof: &[Hash],
    ) -> Option<(AlertKind, String)> {
        if o.head_size == 0 {
            return None;
        }
        let (size, last) = (head.head.size, o.head_size);
        if size < last {
            return Some((
                AlertKind::Inconsistent,
                format!("head of size {size} after a head of size {last}: history shrank"),
            ));
        }
        if prev_size != last {
            return Some((
                AlertKind::Inconsistent,
                format!(
                    "head proven from size {prev_size}, but the last head held has size {last}"
                ),
            ));
        }
        self.crypto
            .verify_consistency(last, size, &o.head_root, &head.head.root, proof)
            .err()
            .map(|e| {
                (
                    AlertKind::Inconsistent,
                    format!(
                        "head of size {size} is not an extension of the head of size {last}: {e}"
                    ),
                )
            })
    }

    /// An item of an origin below: in order per origin, proven against a held head of that
    /// origin, then held, routed to the context that owns it, and forwarded.
    fn item(
        &mut self,
        bytes: &[u8],
        leaf_index: u64,
        head_size: u64,
        proof: &[Hash],
    ) -> Result<(), DomainError> {
        let link = self.link;
        let Some(item) = UpItem::from_leaf(bytes) else {
            let message = format!(
                "link position {} carries bytes that are not an item",
                self.seq
            );
            return self.raise(link, AlertKind::Altered, message);
        };
        if !valid_region_id(&item.origin) || !in_subtree(&item.origin, link) || item.epoch != EPOCH
        {
            let message = format!(
                "sent an item of {} epoch {}, not below it or of an unknown epoch",
                item.origin, item.epoch
            );
            return self.raise(link, AlertKind::Foreign, message);
        }
        let mut o = ORIGINS.get(self.txn, &item.origin)?.unwrap_or_default();
        o.last_heard_ms = self.now;
        if item.seq <= o.seq {
            // End-to-end duplicate (or a fork of an origin position).
            let held = HELD_ITEMS.get(self.txn, &(item.origin.clone(), item.seq))?;
            ORIGINS.put(self.txn, &item.origin, &o)?;
            if held.map(|h| h.digest) == Some(self.digest) {
                self.report.duplicates += 1;
                return Ok(());
            }
            let message = format!("item {} arrived again with different content", item.seq);
            return self.raise(&item.origin, AlertKind::Fork, message);
        }
        if item.seq > o.seq + 1 {
            let message = format!("items {}..{} never arrived", o.seq + 1, item.seq - 1);
            self.raise(&item.origin, AlertKind::Gap, message)?;
        }
        let proven = self.proven(&item, &mut o, leaf_index, head_size, proof)?;
        self.route(&item, proven)?;
        o.seq = item.seq;
        o.items += 1;
        if o.epoch == 0 {
            o.epoch = EPOCH;
        }
        ORIGINS.put(self.txn, &item.origin, &o)?;
        HELD_ITEMS.put(
            self.txn,
            &(item.origin.clone(), item.seq),
            &HeldItem {
                carried: self.carried.clone(),
                digest: self.digest,
                link: link.to_string(),
                link_seq: self.seq,
                received_ms: self.now,
                proven,
            },
        )?;
        self.report.accepted += 1;
        self.forward(OutBody::Item {
            origin: item.origin.clone(),
            seq: item.seq,
        })
    }

    /// Checks an item's inclusion proof against the held head it cites; a failed or impossible
    /// check raises an alert and leaves the item unproven.
    fn proven(
        &mut self,
        item: &UpItem,
        o: &mut OriginState,
        leaf_index: u64,
        head_size: u64,
        proof: &[Hash],
    ) -> Result<bool, DomainError> {
        let seq = item.seq;
        let Some(h) = HELD_HEADS
            .get(self.txn, &(item.origin.clone(), head_size))?
            .filter(|_| proof.len() <= MAX_PROOF)
        else {
            o.unproven += 1;
            let message =
                format!("item {seq} cites a signed head of size {head_size} that is not held here");
            self.raise(&item.origin, AlertKind::Unproven, message)?;
            return Ok(false);
        };
        match self
            .crypto
            .verify_inclusion(leaf_index, head_size, &self.digest, proof, &h.root)
        {
            Ok(()) => {
                held::pin(self.txn, &item.origin, head_size, held::CITED)?;
                Ok(true)
            }
            Err(e) => {
                let message = format!(
                    "item {seq} is not leaf {leaf_index} of the signed head of size {head_size}: {e}"
                );
                self.raise(&item.origin, AlertKind::Altered, message)?;
                Ok(false)
            }
        }
    }

    /// What an accepted item does here. Receipts and alerts act only when proven, and only for
    /// their own origin: the addressee reports its own delivery, a region its own findings.
    fn route(&mut self, item: &UpItem, proven: bool) -> Result<(), DomainError> {
        let txn = &mut *self.txn;
        if let ItemBody::Receipt {
            issuer,
            seq,
            to,
            digest: got,
        } = &item.body
        {
            if proven && *to == item.origin {
                downlink::on_receipt(txn, self.region, issuer, *seq, to, got, item.time_ms)?;
            }
        }
        route::on_item(txn, self.region, item, proven, self.now)?;
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
        Ok(())
    }
}
