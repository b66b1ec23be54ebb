//! Downlink (ARCHITECTURE "The picture"): items a region addresses to a region below it —
//! circulated notices, certificate revocations, settings pushed by a superior — travel down the
//! path hop by hop. Each region applies them through its own Raft exactly once: per hop only
//! `seq == mark + 1` is taken (a repeat is acknowledged again, a different repeat is a fork), and
//! end to end `(issuer, seq)` is never taken twice. Every region on the path keeps what passed
//! through; the addressee's delivery makes a receipt that goes back up as an uplink item, so the
//! issuer sees it delivered.
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::IngestReport;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::Split;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::next_hop;
use crate::domain::core::region::{in_subtree, parent_of};
use crate::domain::core::state::{DomainError, Space, Txn, META};
use crate::domain::federation::items::AlertKind;
use crate::domain::federation::items::{ItemBody, MAX_INGEST_ITEMS};
use crate::domain::supervision::port::{Downlink, Downward};

/// Longest text field of a downlink item.
pub const MAX_TEXT: usize = 64 * 1024;

/// Most serials in one revocation (each at most 64 characters, so the item stays small).
pub const MAX_SERIALS: usize = 10_000;

/// What travels down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownBody {
    /// A circulated notice (通报) with its document number (文号).
    Notice {
        number: String,
        title: String,
        text: String,
    },
    /// Certificates revoked by a superior, by serial number.
    Revocation {
        serials: Vec<String>,
        reason: String,
    },
    /// A setting pushed by a superior (for example a lower bound of the catalog).
    Setting { key: String, value: String },
    /// A signed-off notice for one named unit (SUP-2).
    IssuedNotice(Box<crate::domain::supervision::notice::NoticeDoc>),
    /// The issuer closed a unit's notice or returned its rectification.
    NoticeJudged(Box<crate::domain::supervision::notice::NoticeJudged>),
    /// The parent accepted or returned this region's report (SUP-1).
    ReportJudged {
        period: String,
        version: u32,
        accepted: bool,
        reasons: String,
    },
}

impl DownBody {
    fn check(&self) -> Result<(), Refusal> {
        let long = |f: &str, what: &str| -> Result<(), Refusal> {
            if f.len() > MAX_TEXT {
                return Err(Refusal::new(
                    "INPUT",
                    format!("{what} is longer than {MAX_TEXT} bytes"),
                ));
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
                    return Err(Refusal::new(
                        "SUP-2",
                        "a notice needs a document number, a title and a text",
                    ));
                }
                long(number, "the number")?;
                long(title, "the title")?;
                long(text, "the text")
            }
            DownBody::Revocation { serials, reason } => {
                if serials.is_empty()
                    || serials.len() > MAX_SERIALS
                    || serials.iter().any(|s| s.is_empty() || s.len() > 64)
                {
                    return Err(Refusal::new(
                        "INPUT",
                        format!(
                            "a revocation lists 1–{MAX_SERIALS} serial numbers of 1–64 characters"
                        ),
                    ));
                }
                long(reason, "the reason")
            }
            DownBody::Setting { key, value } => {
                if key.trim().is_empty() {
                    return Err(Refusal::new("INPUT", "a setting needs a key"));
                }
                long(key, "the key")?;
                long(value, "the value")
            }
            DownBody::IssuedNotice(d) => {
                long(&d.title, "the title")?;
                long(&d.text, "the text")?;
                long(&d.number, "the number")?;
                if d.persons.len() > crate::domain::supervision::notice::MAX_NAMED {
                    return Err(Refusal::new("INPUT", "too many persons named"));
                }
                Ok(())
            }
            DownBody::NoticeJudged(j) => long(&j.reasons, "the reasons"),
            DownBody::ReportJudged {
                period, reasons, ..
            } => {
                long(period, "the period")?;
                long(reasons, "the reasons")
            }
        }
    }
}

/// An item on its way down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// An entry of a downlink outbox, per child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownOut {
    pub item: DownItem,
    pub queued_ms: i64,
}

/// What a region sent down, with the receipts that came back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentDown {
    pub item: DownItem,
    /// Delivered at the addressee (its replicated clock), once a matching receipt is back.
    pub delivered_ms: Option<i64>,
    /// A receipt came back for different content: altered on the way down.
    pub altered: bool,
}

/// What passed through or arrived here from above.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Received {
    pub item: DownItem,
    pub digest: [u8; 32],
    pub received_ms: i64,
    /// True when this region is the addressee.
    pub delivered: bool,
}

/// Per child: last queued and last acknowledged sequence numbers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

/// Digests of downlink positions from the parent, by per-link seq (for repeats).
pub const DOWN_SEEN: Space<u64, [u8; 32]> = Space::new(prefix::DOWN_SEEN);

/// Meta: last own downlink sequence number.
pub const DOWN_SEQ: &str = "down/seq";

/// Meta: last per-link sequence number taken from the parent.
pub const DOWN_MARK: &str = "down/mark";

fn meta_u64(txn: &Txn<'_>, key: &str) -> Result<u64, DomainError> {
    Ok(META.get(txn, key)?.unwrap_or(0).max(0) as u64)
}

/// Digest compared on repeats.
pub fn digest(item: &DownItem) -> Result<[u8; 32], DomainError> {
    use sha2::{Digest, Sha256};
    let bytes = bincode::serialize(item).map_err(DomainError::Encode)?;
    Ok(Sha256::digest(bytes).into())
}

fn queue(txn: &mut Txn<'_>, child: &str, item: DownItem, now: i64) -> Result<(), DomainError> {
    let mut link = DOWN_LINKS.get(txn, child)?.unwrap_or_default();
    link.tail += 1;
    DOWN_OUT.put(
        txn,
        &(child.to_string(), link.tail),
        &DownOut {
            item,
            queued_ms: now,
        },
    )?;
    DOWN_LINKS.put(txn, child, &link)
}

/// `SendDown`: an inspector, supervisor or head of this region addresses a region below it.
pub fn send(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    to: &str,
    body: &DownBody,
    now: i64,
) -> Ruled {
    match actor {
        Actor::Person(p) if matches!(p.role, Role::Inspector | Role::Supervisor | Role::Head) => {}
        _ => {
            return Err(Refusal::new(
                "SUP-2",
                "only an inspector, supervisor or head of the region sends items down",
            )
            .into())
        }
    }
    if next_hop(region, to).is_none() {
        return Err(Refusal::new("AUTH", format!("{to} is not a region below {region}")).into());
    }
    if !matches!(
        body,
        DownBody::Notice { .. } | DownBody::Revocation { .. } | DownBody::Setting { .. }
    ) {
        return Err(Refusal::new(
            "INPUT",
            "notices and judgements travel down through their own commands (sign-off, judge)",
        )
        .into());
    }
    body.check()?;
    let seq = queue_new(txn, region, to, &actor.label(), body.clone(), now)?;
    Ok(CommandResult::Record {
        id: seq,
        flags: vec![],
    })
}

/// Addresses an item issued by this region to `to` (below it): kept as sent, queued for the
/// next hop. Returns the issuer's sequence number, or a refusal when `to` is not below.
pub fn queue_new(
    txn: &mut Txn<'_>,
    region: &str,
    to: &str,
    by: &str,
    body: DownBody,
    now: i64,
) -> Ruled<u64> {
    let Some(child) = next_hop(region, to) else {
        return Err(Refusal::new("AUTH", format!("{to} is not a region below {region}")).into());
    };
    let seq = meta_u64(txn, DOWN_SEQ)? + 1;
    META.put(txn, DOWN_SEQ, &(seq as i64))?;
    let item = DownItem {
        issuer: region.to_string(),
        seq,
        to: to.to_string(),
        time_ms: now,
        by: by.to_string(),
        body,
    };
    SENT_DOWN.put(
        txn,
        &seq,
        &SentDown {
            item: item.clone(),
            delivered_ms: None,
            altered: false,
        },
    )?;
    queue(txn, &child, item, now)?;
    Ok(seq)
}

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

/// `IngestDown`: a batch from the parent, stamped with the parent's verified region.
#[allow(clippy::too_many_arguments)]
pub fn ingest(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    from: &str,
    first_seq: u64,
    items: &[DownItem],
    now: i64,
    up: &mut Vec<ItemBody>,
) -> Ruled {
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new(
            "AUTH",
            "downlink batches are proposed by a node of the region that received them",
        )
        .into());
    }
    if parent_of(region) != Some(from) {
        return Err(Refusal::new("AUTH", format!("{from} is not the parent of {region}")).into());
    }
    if first_seq == 0 || items.len() > MAX_INGEST_ITEMS {
        return Err(Refusal::new(
            "INPUT",
            format!("link sequence numbers start at 1; at most {MAX_INGEST_ITEMS} items"),
        )
        .into());
    }
    let mut mark = meta_u64(txn, DOWN_MARK)?;
    let mut report = IngestReport::default();
    for (i, item) in items.iter().enumerate() {
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
            report.alerts.push(format!(
                "{}: {from}: downlink item {} {} to {} is not for this path",
                AlertKind::Foreign.as_str(),
                item.issuer,
                item.seq,
                item.to
            ));
            continue;
        }
        let key = (item.issuer.clone(), item.seq);
        if RECEIVED.get(txn, &key)?.is_some() {
            report.duplicates += 1;
            continue;
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

/// `DownAcked`: the child holds this region's downlink through `mark`; prune.
pub fn acked(txn: &mut Txn<'_>, actor: &Actor, child: &str, mark: u64) -> Ruled {
    if !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new(
            "AUTH",
            "only a node of the region records a child's acknowledgement",
        )
        .into());
    }
    let Some(mut link) = DOWN_LINKS.get(txn, child)? else {
        return Err(Refusal::new("INPUT", format!("nothing was sent to {child}")).into());
    };
    if mark > link.tail {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "acknowledged mark {mark} is beyond what was sent ({})",
                link.tail
            ),
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

impl From<Downward> for DownBody {
    fn from(d: Downward) -> DownBody {
        match d {
            Downward::IssuedNotice(doc) => DownBody::IssuedNotice(doc),
            Downward::NoticeJudged(j) => DownBody::NoticeJudged(j),
            Downward::ReportJudged {
                period,
                version,
                accepted,
                reasons,
            } => DownBody::ReportJudged {
                period,
                version,
                accepted,
                reasons,
            },
        }
    }
}

/// Supervision's way down: its items are queued on this region's downlink.
pub struct Port;

impl Downlink for Port {
    fn send(
        &mut self,
        txn: &mut Txn<'_>,
        region: &str,
        to: &str,
        by: &str,
        item: Downward,
        now: i64,
    ) -> Ruled<u64> {
        queue_new(txn, region, to, by, item.into(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::core::identity::Person;
    use crate::domain::State;

    fn node(region: &str) -> Actor {
        Actor::Node {
            region: region.into(),
            node: 1,
        }
    }

    fn notice(issuer: &str, seq: u64, to: &str, text: &str) -> DownItem {
        DownItem {
            issuer: issuer.into(),
            seq,
            to: to.into(),
            time_ms: 1,
            by: "x".into(),
            body: DownBody::Notice {
                number: "1号".into(),
                title: "通报".into(),
                text: text.into(),
            },
        }
    }

    /// Ingests at the city "p/c" from "p"; returns the report, the own items and the state.
    fn at_city(s: &mut State, first: u64, items: &[DownItem]) -> (IngestReport, Vec<ItemBody>) {
        let mut txn = Txn::new(s);
        let mut up = Vec::new();
        let r = ingest(&mut txn, &node("p/c"), "p/c", "p", first, items, 5, &mut up)
            .split()
            .unwrap()
            .unwrap();
        let w = txn.into_writes();
        s.apply_writes(&w);
        match r {
            CommandResult::Ingested(rep) => (rep, up),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn once_per_hop_forwarded_toward_the_addressee_receipt_at_the_addressee() {
        let mut s = State::default();
        let a = notice("p", 1, "p/c/a", "甲");
        let b = notice("p", 2, "p/c", "乙");
        let (rep, up) = at_city(&mut s, 1, &[a.clone(), b.clone()]);
        assert_eq!((rep.mark, rep.accepted), (2, 2));
        // Addressed to the city itself: a receipt goes up; to the county: queued for it.
        assert_eq!(
            up,
            [ItemBody::Receipt {
                issuer: "p".into(),
                seq: 2,
                to: "p/c".into(),
                digest: digest(&notice("p", 2, "p/c", "乙")).unwrap(),
            }]
        );
        let q = DOWN_OUT
            .read(&s, &("p/c/a".to_string(), 1))
            .unwrap()
            .unwrap();
        assert_eq!(q.item, a);
        // A resend is acknowledged again, once.
        let (rep, up) = at_city(&mut s, 1, &[a.clone(), b]);
        assert_eq!((rep.mark, rep.duplicates, rep.accepted), (2, 2, 0));
        assert!(up.is_empty());
        // A gap is refused and nothing is taken.
        let (rep, _) = at_city(&mut s, 4, &[notice("p", 4, "p/c", "丙")]);
        assert!(rep.gap);
        assert_eq!(rep.mark, 2);
        // A different item at a taken position is a fork.
        let (rep, _) = at_city(&mut s, 2, &[notice("p", 2, "p/c", "改")]);
        assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
        assert!(rep.alerts[0].starts_with("fork"));
        // An item not for this path, or from an issuer not above, is alerted and not kept.
        let (rep, _) = at_city(
            &mut s,
            3,
            &[notice("p", 3, "p/d", "x"), notice("p/c/a", 1, "p/c", "y")],
        );
        assert_eq!(rep.alerts.len(), 2, "{:?}", rep.alerts);
        assert_eq!(RECEIVED.keys(&s).count(), 2);
    }

    #[test]
    fn send_checks_role_addressee_and_content() {
        let s = State::default();
        let who = |role| {
            Actor::Person(Person {
                region: "p".into(),
                role,
                user: "u".into(),
            })
        };
        let body = DownBody::Notice {
            number: "1号".into(),
            title: "t".into(),
            text: "x".into(),
        };
        let mut txn = Txn::new(&s);
        let refused = |r: Ruled| r.split().unwrap().unwrap_err().rule;
        assert_eq!(
            refused(send(&mut txn, &who(Role::Clerk), "p", "p/c", &body, 1)),
            "SUP-2"
        );
        assert_eq!(
            refused(send(&mut txn, &who(Role::Inspector), "p", "p", &body, 1)),
            "AUTH"
        );
        assert_eq!(
            refused(send(&mut txn, &who(Role::Inspector), "p", "q/c", &body, 1)),
            "AUTH"
        );
        let empty = DownBody::Notice {
            number: " ".into(),
            title: "t".into(),
            text: "x".into(),
        };
        assert_eq!(
            refused(send(&mut txn, &who(Role::Inspector), "p", "p/c", &empty, 1)),
            "SUP-2"
        );
        let long = DownBody::Setting {
            key: "k".into(),
            value: "x".repeat(MAX_TEXT + 1),
        };
        assert_eq!(
            refused(send(&mut txn, &who(Role::Inspector), "p", "p/c", &long, 1)),
            "INPUT"
        );
        assert!(txn.into_writes().is_empty(), "refusals write nothing");
        let mut txn = Txn::new(&s);
        send(&mut txn, &who(Role::Inspector), "p", "p/c/a", &body, 1)
            .split()
            .unwrap()
            .unwrap();
        let mut s2 = State::default();
        s2.apply_writes(&txn.into_writes());
        assert!(
            DOWN_OUT
                .read(&s2, &("p/c".to_string(), 1))
                .unwrap()
                .is_some(),
            "queued for the next hop"
        );
        let mut txn = Txn::new(&s2);
        assert_eq!(refused(acked(&mut txn, &node("p"), "p/c", 2)), "INPUT");
        acked(&mut txn, &node("p"), "p/c", 1)
            .split()
            .unwrap()
            .unwrap();
        s2.apply_writes(&txn.into_writes());
        assert_eq!(DOWN_OUT.keys(&s2).count(), 0);
    }

    #[test]
    fn a_receipt_for_other_content_marks_the_item_altered_not_delivered() {
        let s = State::default();
        let inspector = Actor::Person(Person {
            region: "p".into(),
            role: Role::Inspector,
            user: "u".into(),
        });
        let body = DownBody::Setting {
            key: "k".into(),
            value: "v".into(),
        };
        let mut txn = Txn::new(&s);
        send(&mut txn, &inspector, "p", "p/c", &body, 1)
            .split()
            .unwrap()
            .unwrap();
        send(&mut txn, &inspector, "p", "p/c", &body, 1)
            .split()
            .unwrap()
            .unwrap();
        let mut s2 = State::default();
        s2.apply_writes(&txn.into_writes());
        let sent = |s: &State, seq| SENT_DOWN.read(s, &seq).unwrap().unwrap();
        let true_digest = digest(&sent(&s2, 1).item).unwrap();
        let mut txn = Txn::new(&s2);
        on_receipt(&mut txn, "p", "p", 1, "p/c", &true_digest, 9).unwrap();
        on_receipt(&mut txn, "p", "p", 2, "p/c", &[7; 32], 9).unwrap();
        let w = txn.into_writes();
        s2.apply_writes(&w);
        let (one, two) = (sent(&s2, 1), sent(&s2, 2));
        assert_eq!((one.delivered_ms, one.altered), (Some(9), false));
        assert_eq!((two.delivered_ms, two.altered), (None, true));
    }

    #[test]
    fn next_hop_follows_the_path() {
        assert_eq!(next_hop("p", "p/c/a").as_deref(), Some("p/c"));
        assert_eq!(next_hop("p/c", "p/c/a").as_deref(), Some("p/c/a"));
        assert_eq!(next_hop("p", "p"), None);
        assert_eq!(next_hop("p", "pp/c"), None);
    }
}
