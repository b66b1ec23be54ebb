//! The federation state of a region: its own outbox (backlog and age of the oldest entry), each
//! link from a direct child, each origin below it, the downlink (sent, received, per child) and
//! tamper alerts.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::federation::downlink::{DownBody, Received, DOWN_LINKS, RECEIVED, SENT_DOWN};
use crate::domain::federation::held::{ALERTS, HELD_ITEMS, LINKS, ORIGINS};
use crate::domain::federation::items::Alert;
use crate::domain::federation::outbox::{outbox_stats, OutboxStats};
use crate::domain::{DomainError, State};

/// The federation view, by region name where a map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Federation {
    pub alerts: Vec<AlertView>,
    pub down: Down,
    /// Links from direct children, by child.
    pub links: BTreeMap<String, ChildLink>,
    /// Origins below, by origin.
    pub origins: BTreeMap<String, Origin>,
    pub outbox: OutboxStats,
}

/// The link from a direct child, as its items arrived.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildLink {
    pub mark: u64,
    pub tail: u64,
    /// Entries the child still has to send (tail − mark).
    pub lag: u64,
    pub oldest_ms: i64,
    pub last_heard_ms: i64,
    pub accepted: u64,
    pub duplicates: u64,
    pub refused_gaps: u64,
    /// Entries this region lost and the child pruned: the link is stopped until re-baselined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<crate::domain::federation::lost::LostLink>,
}

/// An origin below: its items held here, recounted from the items themselves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Origin {
    pub seq: u64,
    /// Items held, counted.
    pub items: u64,
    pub last_item_seq: u64,
    /// Held items are numbered 1, 2, 3 … without a hole.
    pub contiguous: bool,
    pub head_size: u64,
    /// Hex.
    pub head_root: String,
    pub head_time_ms: i64,
    pub last_heard_ms: i64,
    pub unproven: u64,
}

/// A tamper alert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertView {
    pub detected_by: String,
    pub subject: String,
    pub kind: String,
    pub message: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub count: u64,
}

/// Items addressed to regions below, and items received from above.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Down {
    pub sent: Vec<SentView>,
    pub received: Vec<ReceivedView>,
    /// Per child: how far it acknowledged.
    pub links: BTreeMap<String, DownLinkView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentView {
    pub seq: u64,
    pub to: String,
    pub by: String,
    pub time_ms: i64,
    pub body: DownBody,
    pub delivered_ms: Option<i64>,
    pub altered: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceivedView {
    pub issuer: String,
    pub seq: u64,
    pub to: String,
    pub by: String,
    pub body: DownBody,
    pub received_ms: i64,
    /// True when this region is the addressee.
    pub delivered_here: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownLinkView {
    pub tail: u64,
    pub acked: u64,
    pub backlog: u64,
}

/// Builds the view. Item counts are recounted from the held items, not taken from the marks,
/// so a duplicate or a hole would show.
pub fn federation(state: &State) -> Result<Federation, DomainError> {
    Ok(Federation {
        alerts: alerts(state)?,
        down: down(state)?,
        links: links(state)?,
        origins: origins(state)?,
        outbox: outbox_stats(state)?,
    })
}

/// The name in a key of a space keyed by name (after its one-byte prefix).
fn name_of(k: &[u8]) -> String {
    String::from_utf8_lossy(k.get(1..).unwrap_or_default()).into_owned()
}

fn decode<T: serde::de::DeserializeOwned>(state: &State, k: &[u8]) -> Result<T, DomainError> {
    let v = state.get_raw(k).cloned().unwrap_or_default();
    bincode::deserialize(&v).map_err(|source| DomainError::Decode {
        key: hex::encode(k),
        source,
    })
}

fn links(state: &State) -> Result<BTreeMap<String, ChildLink>, DomainError> {
    let mut links = BTreeMap::new();
    for k in LINKS.keys(state) {
        let name = name_of(k);
        if let Some(l) = LINKS.read(state, &name)? {
            let link = ChildLink {
                mark: l.mark,
                tail: l.tail,
                lag: l.tail.saturating_sub(l.mark),
                oldest_ms: l.oldest_ms,
                last_heard_ms: l.last_heard_ms,
                accepted: l.accepted,
                duplicates: l.duplicates,
                refused_gaps: l.refused_gaps,
                lost: crate::domain::federation::lost::LOST_LINKS.read(state, &name)?,
            };
            links.insert(name, link);
        }
    }
    Ok(links)
}

/// Held items per origin: (count, last seq, contiguous).
fn held_items(state: &State) -> BTreeMap<String, (u64, u64, bool)> {
    let mut held: BTreeMap<String, (u64, u64, bool)> = BTreeMap::new();
    for k in HELD_ITEMS.keys(state) {
        // Key: prefix, origin, 0, seq (8 bytes).
        let Some(body) = k.get(1..k.len().saturating_sub(9)) else {
            continue;
        };
        let origin = String::from_utf8_lossy(body).into_owned();
        let seq = k
            .get(k.len().saturating_sub(8)..)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        let e = held.entry(origin).or_insert((0, 0, true));
        e.0 += 1;
        // In order and without holes: each seq is the count so far.
        if seq != e.0 {
            e.2 = false;
        }
        e.1 = seq;
    }
    held
}

fn origins(state: &State) -> Result<BTreeMap<String, Origin>, DomainError> {
    let held = held_items(state);
    let mut origins = BTreeMap::new();
    for k in ORIGINS.keys(state) {
        let name = name_of(k);
        if let Some(o) = ORIGINS.read(state, &name)? {
            let (items, last_item_seq, contiguous) =
                held.get(&name).copied().unwrap_or((0, 0, true));
            let origin = Origin {
                seq: o.seq,
                items,
                last_item_seq,
                contiguous,
                head_size: o.head_size,
                head_root: hex::encode(o.head_root),
                head_time_ms: o.head_time_ms,
                last_heard_ms: o.last_heard_ms,
                unproven: o.unproven,
            };
            origins.insert(name, origin);
        }
    }
    Ok(origins)
}

fn alerts(state: &State) -> Result<Vec<AlertView>, DomainError> {
    let mut alerts = Vec::new();
    for k in ALERTS.keys(state) {
        let a: Alert = decode(state, k)?;
        alerts.push(AlertView {
            detected_by: a.detected_by,
            subject: a.subject,
            kind: a.kind.as_str().to_string(),
            message: a.message,
            first_ms: a.first_ms,
            last_ms: a.last_ms,
            count: a.count,
        });
    }
    Ok(alerts)
}

fn down(state: &State) -> Result<Down, DomainError> {
    let mut sent = Vec::new();
    for s in SENT_DOWN.scan_from(state, &0) {
        let s = s?;
        sent.push(SentView {
            seq: s.item.seq,
            to: s.item.to,
            by: s.item.by,
            time_ms: s.item.time_ms,
            body: s.item.body,
            delivered_ms: s.delivered_ms,
            altered: s.altered,
        });
    }
    let mut received = Vec::new();
    for k in RECEIVED.keys(state) {
        let r: Received = decode(state, k)?;
        received.push(ReceivedView {
            issuer: r.item.issuer,
            seq: r.item.seq,
            to: r.item.to,
            by: r.item.by,
            body: r.item.body,
            received_ms: r.received_ms,
            delivered_here: r.delivered,
        });
    }
    Ok(Down {
        sent,
        received,
        links: down_links(state)?,
    })
}

fn down_links(state: &State) -> Result<BTreeMap<String, DownLinkView>, DomainError> {
    let mut links = BTreeMap::new();
    for k in DOWN_LINKS.keys(state) {
        let name = name_of(k);
        if let Some(l) = DOWN_LINKS.read(state, &name)? {
            let backlog = l.tail - l.acked.min(l.tail);
            links.insert(
                name,
                DownLinkView {
                    tail: l.tail,
                    acked: l.acked,
                    backlog,
                },
            );
        }
    }
    Ok(links)
}

/// The links at a glance, for `/metrics`: reads the marks only, never the held items.
#[derive(Debug, Clone, Default)]
pub struct LinkGauges {
    pub outbox: OutboxStats,
    pub from_children: BTreeMap<String, ChildLink>,
    pub to_children: BTreeMap<String, DownLinkView>,
    pub alerts: u64,
}

pub fn link_gauges(state: &State) -> Result<LinkGauges, DomainError> {
    Ok(LinkGauges {
        outbox: outbox_stats(state)?,
        from_children: links(state)?,
        to_children: down_links(state)?,
        alerts: ALERTS.keys(state).count() as u64,
    })
}
