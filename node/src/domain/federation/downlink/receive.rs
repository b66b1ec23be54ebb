//! Receiving from above: a batch from the parent taken in order, each item applied once by
//! every region on its path and delivered where it is addressed; acknowledgements and
//! receipts; the revocation list held.
use super::*;

/// What an item addressed to this region does here once delivered.
fn deliver(txn: &mut Txn<'_>, region: &str, item: &DownItem, now: i64) -> Result<(), DomainError> {
    match &item.body {
        DownBody::IssuedNotice(doc) if doc.issuer == item.issuer && doc.unit.region == region => {
            crate::domain::supervision::notice::on_delivered(txn, doc, now)
        }
        DownBody::NoticeJudged(j) if j.issuer == item.issuer && j.unit.region == region => {
            crate::domain::supervision::notice::on_judged(txn, j, now)
        }
        DownBody::ReportJudged {
            period,
            version,
            accepted,
            reasons,
        } if parent_of(region) == Some(item.issuer.as_str()) => {
            crate::domain::supervision::report::on_judged(
                txn, region, period, *version, *accepted, reasons, &item.by, now,
            )
        }
        DownBody::Setting { key, value } => apply_setting(txn, region, key, value),
        _ => Ok(()),
    }
}

/// Setting keys a superior pushes down that this region applies: `report_due` (a
/// [`crate::domain::supervision::report::DueRule`] as JSON) and `period` (a [`crate::domain::supervision::report::Period`] as JSON),
/// so one deployment-wide definition governs every region's reports. A value that does not
/// parse or is refused by the rule leaves the region's own definition in place (the item
/// itself is kept, with the rest of what was received).
pub const SETTING_REPORT_DUE: &str = "report_due";

pub const SETTING_PERIOD: &str = "period";

/// A year's holiday notice (a [`crate::domain::calendar::days::YearCalendar`] as JSON), loaded
/// once at the top and applied by every region below; provisional time limits are counted
/// again.
pub const SETTING_CALENDAR: &str = "calendar";

fn apply_setting(
    txn: &mut Txn<'_>,
    region: &str,
    key: &str,
    value: &str,
) -> Result<(), DomainError> {
    let node = Actor::Node {
        region: region.to_string(),
        node: 0,
    };
    match key {
        SETTING_REPORT_DUE => {
            if let Ok(rule) = serde_json::from_str(value) {
                let _ = crate::domain::supervision::report::set_due(txn, &node, rule).split()?;
            }
        }
        SETTING_CALENDAR => {
            if let Ok(y) =
                serde_json::from_str::<crate::domain::calendar::days::YearCalendar>(value)
            {
                if crate::domain::calendar::load::store(txn, &y)
                    .split()?
                    .is_ok()
                {
                    crate::domain::enforcement::deadlines::recount(txn)?;
                }
            }
        }
        SETTING_PERIOD => {
            if let Ok(p) = serde_json::from_str::<crate::domain::supervision::report::Period>(value)
            {
                let _ =
                    crate::domain::supervision::report::define_period(txn, &node, &p).split()?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// One item of a batch from the parent, with its issuer's seal (none only in entries of
/// logs written before items were sealed, applied as they were then).
pub struct Incoming<'a> {
    pub item: &'a DownItem,
    pub seal: Option<&'a DownSeal>,
}

/// A batch from the parent, stamped with the parent's verified region.
pub struct Batch<'a> {
    pub from: &'a str,
    pub first_seq: u64,
    pub items: &'a [Incoming<'a>],
}

/// `IngestSealedDown` (and the older `IngestDown`): a batch from the parent.
pub fn ingest(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    batch: &Batch<'_>,
    crypto: &dyn Crypto,
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Ruled {
    let (from, first_seq, items) = (batch.from, batch.first_seq, batch.items);
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("AUTH", "下行批次由收到该批次的地区的节点提出").into());
    }
    if parent_of(region) != Some(from) {
        return Err(Refusal::new("AUTH", format!("{from} 不是 {region} 的上级地区")).into());
    }
    if first_seq == 0 || items.len() > MAX_INGEST_ITEMS {
        return Err(Refusal::new(
            "INPUT",
            format!("链路序号从 1 开始；每批最多 {MAX_INGEST_ITEMS} 项"),
        )
        .into());
    }
    let mut mark = meta_u64(txn, DOWN_MARK)?;
    let mut report = IngestReport::default();
    for (i, incoming) in items.iter().enumerate() {
        let item = incoming.item;
        let seq = first_seq + i as u64;
        if seq > mark + 1 {
            report.gap = true;
            break;
        }
        let d = digest(item)?;
        if seq <= mark {
            if DOWN_SEEN.get(txn, &seq)? == Some(d) {
                report.duplicates += 1;
            } else {
                report.alerts.push(format!(
                    "{}: {from}: downlink position {seq} was taken with different content",
                    AlertKind::Fork.as_str()
                ));
            }
            continue;
        }
        mark = seq;
        DOWN_SEEN.put(txn, &seq, &d)?;
        let issuer_above = item.issuer != region && in_subtree(region, &item.issuer);
        let for_below = in_subtree(&item.to, region);
        if !issuer_above || !for_below || item.body.check().is_err() {
            let why = "is not for this path";
            report
                .alerts
                .push(item_alert(AlertKind::Foreign, from, item, why));
            continue;
        }
        let checked = match incoming.seal {
            Some(seal) => check_seal(crypto, item, &d, seal),
            None => Ok(()),
        };
        if let Err(e) = checked {
            let why = format!("is not sealed by its issuer: {e}");
            report
                .alerts
                .push(item_alert(AlertKind::BadSignature, from, item, &why));
            continue;
        }
        let key = (item.issuer.clone(), item.seq);
        if let Some(held) = RECEIVED.get(txn, &key)? {
            if held.digest == d {
                report.duplicates += 1;
            } else {
                let why = "arrived again with different content";
                report
                    .alerts
                    .push(item_alert(AlertKind::Fork, from, item, why));
            }
            continue;
        }
        if let Some(seal) = incoming.seal {
            DOWN_SEALS.put(txn, &key, seal)?;
        }
        let delivered = item.to == region;
        RECEIVED.put(
            txn,
            &key,
            &Received {
                item: item.clone(),
                digest: d,
                received_ms: now,
                delivered,
            },
        )?;
        report.accepted += 1;
        if delivered {
            up.push(ItemBody::Receipt {
                issuer: item.issuer.clone(),
                seq: item.seq,
                to: region.to_string(),
                digest: d,
            });
            deliver(txn, region, item, now)?;
        } else if let Some(child) = next_hop(region, &item.to) {
            queue(txn, &child, item.clone(), now)?;
        }
    }
    META.put(txn, DOWN_MARK, &(mark as i64))?;
    report.mark = mark;
    Ok(CommandResult::Ingested(report))
}

/// An alert about an item from the parent, as the ingest report carries it.
fn item_alert(kind: AlertKind, from: &str, item: &DownItem, why: &str) -> String {
    format!(
        "{}: {from}: downlink item {} {} to {} {why}",
        kind.as_str(),
        item.issuer,
        item.seq,
        item.to
    )
}

/// The item's seal verifies: by a node of its issuer, over this content.
fn check_seal(
    crypto: &dyn Crypto,
    item: &DownItem,
    digest: &[u8; 32],
    seal: &DownSeal,
) -> Result<(), crate::domain::federation::items::CheckError> {
    let message = seal_message(digest);
    crypto.verify_seal(&Seal {
        region: &item.issuer,
        signer: seal.signer,
        cert_der: &seal.cert_der,
        message: &message,
        signature: &seal.signature,
        at_ms: seal.at_ms,
    })
}

/// `DownAcked`: the child holds this region's downlink through `mark`; prune.
pub fn acked(txn: &mut Txn<'_>, actor: &Actor, child: &str, mark: u64) -> Ruled {
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("AUTH", "只有本地区的节点可以记录下级地区的确认").into());
    }
    let Some(mut link) = DOWN_LINKS.get(txn, child)? else {
        return Err(Refusal::new("INPUT", format!("没有向 {child} 发送过任何内容")).into());
    };
    if mark > link.tail {
        return Err(Refusal::new(
            "INPUT",
            format!("确认位置 {mark} 超出了已发送的范围（{}）", link.tail),
        )
        .into());
    }
    for seq in (link.acked + 1)..=mark {
        DOWN_OUT.delete(txn, &(child.to_string(), seq));
    }
    link.acked = link.acked.max(mark);
    DOWN_LINKS.put(txn, child, &link)?;
    Ok(CommandResult::Record {
        id: link.acked,
        flags: vec![],
    })
}

/// A receipt came up: mark what this region sent as delivered — or as altered on the way,
/// when the addressee received something else.
pub fn on_receipt(
    txn: &mut Txn<'_>,
    region: &str,
    issuer: &str,
    seq: u64,
    to: &str,
    got: &[u8; 32],
    at_ms: i64,
) -> Result<(), DomainError> {
    if issuer != region {
        return Ok(());
    }
    if let Some(mut s) = SENT_DOWN.get(txn, &seq)? {
        if s.item.to == to && s.delivered_ms.is_none() && !s.altered {
            if digest(&s.item)? == *got {
                s.delivered_ms = Some(at_ms);
                if let DownBody::IssuedNotice(doc) = &s.item.body {
                    crate::domain::supervision::notice::on_receipt(txn, doc, at_ms)?;
                }
            } else {
                s.altered = true;
            }
            SENT_DOWN.put(txn, &seq, &s)?;
        }
    }
    Ok(())
}

/// Serial numbers revoked by a superior or by this region: every revocation this region sent
/// down or saw pass through or arrive. Also returns how many downlink items were looked at, so
/// a caller can tell cheaply whether anything changed.
pub fn revoked_serials(
    state: &crate::domain::core::state::State,
) -> Result<(usize, Vec<String>), DomainError> {
    let mut seen = 0;
    let mut out = Vec::new();
    for r in RECEIVED.scan_from(state, &(String::new(), 0)) {
        seen += 1;
        if let DownBody::Revocation { serials, .. } = r?.item.body {
            out.extend(serials);
        }
    }
    for s in SENT_DOWN.scan_from(state, &0) {
        seen += 1;
        if let DownBody::Revocation { serials, .. } = s?.item.body {
            out.extend(serials);
        }
    }
    Ok((seen, out))
}
