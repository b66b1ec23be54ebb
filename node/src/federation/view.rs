//! The federation state of a region as JSON: its own outbox (backlog and age of the oldest
//! entry), each link from a direct child, each origin below it, and tamper alerts.
use serde_json::{json, Value};

use crate::domain::federation::ingest::{ALERTS, HELD_ITEMS, LINKS, ORIGINS};
use crate::domain::federation::outbox::outbox_stats;
use crate::domain::{DomainError, State};

/// Builds the view. Item counts are recounted from the held items, not taken from the marks,
/// so a duplicate or a hole would show.
pub fn json(state: &State) -> Result<Value, DomainError> {
    let outbox = outbox_stats(state)?;
    let mut links = serde_json::Map::new();
    for k in LINKS.keys(state) {
        let name = String::from_utf8_lossy(&k[1..]).into_owned();
        if let Some(l) = LINKS.read(state, &name)? {
            links.insert(
                name,
                json!({"mark": l.mark, "tail": l.tail, "lag": l.tail.saturating_sub(l.mark),
                       "oldest_ms": l.oldest_ms, "last_heard_ms": l.last_heard_ms,
                       "accepted": l.accepted, "duplicates": l.duplicates, "refused_gaps": l.refused_gaps}),
            );
        }
    }
    let mut held: std::collections::BTreeMap<String, (u64, u64, bool)> = Default::default();
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
    let mut origins = serde_json::Map::new();
    for k in ORIGINS.keys(state) {
        let name = String::from_utf8_lossy(&k[1..]).into_owned();
        if let Some(o) = ORIGINS.read(state, &name)? {
            let (count, last, contiguous) = held.get(&name).copied().unwrap_or((0, 0, true));
            origins.insert(
                name,
                json!({"seq": o.seq, "items": count, "last_item_seq": last, "contiguous": contiguous,
                       "head_size": o.head_size, "head_root": hex::encode(o.head_root), "head_time_ms": o.head_time_ms,
                       "last_heard_ms": o.last_heard_ms, "unproven": o.unproven}),
            );
        }
    }
    let mut alerts = Vec::new();
    for k in ALERTS.keys(state) {
        let v = state.get_raw(k).cloned().unwrap_or_default();
        let a: crate::domain::federation::ingest::Alert =
            bincode::deserialize(&v).map_err(|e| DomainError::Corrupt {
                key: hex::encode(k),
                cause: e.to_string(),
            })?;
        alerts.push(json!({"detected_by": a.detected_by, "subject": a.subject, "kind": a.kind.as_str(),
                           "message": a.message, "first_ms": a.first_ms, "last_ms": a.last_ms, "count": a.count}));
    }
    let mut sent = Vec::new();
    for s in crate::domain::federation::downlink::SENT_DOWN.scan_from(state, &0) {
        let s = s?;
        sent.push(
            json!({"seq": s.item.seq, "to": s.item.to, "by": s.item.by, "time_ms": s.item.time_ms,
                         "body": s.item.body, "delivered_ms": s.delivered_ms, "altered": s.altered}),
        );
    }
    let mut received = Vec::new();
    for k in crate::domain::federation::downlink::RECEIVED.keys(state) {
        let v = state.get_raw(k).cloned().unwrap_or_default();
        let r: crate::domain::federation::downlink::Received =
            bincode::deserialize(&v).map_err(|e| DomainError::Corrupt {
                key: hex::encode(k),
                cause: e.to_string(),
            })?;
        received.push(json!({"issuer": r.item.issuer, "seq": r.item.seq, "to": r.item.to, "by": r.item.by,
                             "body": r.item.body, "received_ms": r.received_ms, "delivered_here": r.delivered}));
    }
    let mut down_links = serde_json::Map::new();
    for k in crate::domain::federation::downlink::DOWN_LINKS.keys(state) {
        let name = String::from_utf8_lossy(&k[1..]).into_owned();
        if let Some(l) = crate::domain::federation::downlink::DOWN_LINKS.read(state, &name)? {
            down_links.insert(
                name,
                json!({"tail": l.tail, "acked": l.acked, "backlog": l.tail - l.acked.min(l.tail)}),
            );
        }
    }
    Ok(json!({
        "down": {"sent": sent, "received": received, "links": down_links},
        "outbox": outbox,
        "links": links,
        "origins": origins,
        "alerts": alerts,
    }))
}
