//! The public portal's read side (PUB-1, PUB-3, PUB-4, PUB-7): published decisions of the
//! subtree as they arrived from below — public fields only, each with its inclusion proof in the
//! origin's ledger and the origin's signed tree head — this region's own publications, and the
//! agency registry with the officers' certificate numbers. Nothing private is in any of it: a
//! publication item carries the redacted text only.
use serde::Serialize;

use super::query::HeadView;
use super::ViewError;
use crate::domain::core::organ::Agency;
use crate::domain::enforcement::model::{CertStatus, OFFICERS};
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};
use crate::domain::federation::held::{HELD_HEADS, HELD_ITEMS};
use crate::domain::federation::items::{Carried, ItemBody, UpItem};
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::held::HELD_AGENCIES;
use crate::domain::State;

/// Most publications listed on one page.
pub const MAX_LISTED: usize = 200;

/// What the public searches by; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A region id; its whole subtree matches.
    pub region: String,
    pub agency: String,
    pub kind: String,
    /// Words of the public text (the party's name among them).
    pub text: String,
    /// Days `YYYY-MM-DD` (Beijing time) the item was made, inclusive.
    pub from: String,
    pub to: String,
}

/// A publication as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicPublication {
    pub origin: String,
    /// The item's sequence number at its origin (with `origin`, its address on the portal);
    /// `None` for this region's own publications.
    pub seq: Option<u64>,
    pub id: u64,
    pub agency_id: u64,
    pub agency: String,
    pub kind: String,
    pub version: u32,
    pub state: String,
    pub public_text: String,
    /// Day it was made, Beijing time.
    pub day: String,
    pub proven: bool,
}

fn day_of(ms: i64) -> String {
    crate::domain::calendar::days::date_of(ms)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn agency_name(state: &State, origin: &str, id: u64, own: &str) -> String {
    let a: Option<Agency> = if origin == own {
        AGENCIES.read(state, &id).ok().flatten()
    } else {
        HELD_AGENCIES
            .read(state, &(origin.to_string(), id))
            .ok()
            .flatten()
    };
    a.map(|a| a.name)
        .unwrap_or_else(|| format!("执法机关 {id}"))
}

fn matches(f: &Filter, p: &PublicPublication) -> bool {
    let within = f.region.is_empty()
        || p.origin == f.region
        || p.origin.starts_with(&format!("{}/", f.region));
    within
        && (f.agency.is_empty() || p.agency.contains(&f.agency))
        && (f.kind.is_empty() || p.kind == f.kind)
        && (f.text.is_empty() || p.public_text.contains(&f.text))
        && (f.from.is_empty() || p.day >= f.from)
        && (f.to.is_empty() || p.day <= f.to)
}

/// The publication an item's leaf bytes carry, if they are one.
fn held_publication(
    state: &State,
    own: &str,
    bytes: &[u8],
    proven: bool,
) -> Option<PublicPublication> {
    let item = UpItem::from_leaf(bytes)?;
    let ItemBody::Publication {
        id,
        agency_id,
        kind,
        version,
        public_text,
        state: pub_state,
        ..
    } = item.body
    else {
        return None;
    };
    Some(PublicPublication {
        agency: agency_name(state, &item.origin, agency_id, own),
        origin: item.origin,
        seq: Some(item.seq),
        id,
        agency_id,
        kind,
        version,
        state: pub_state,
        public_text,
        day: day_of(item.time_ms),
        proven,
    })
}

/// Published decisions (the latest state of each) of `own` region and its subtree, newest
/// first, at most [`MAX_LISTED`].
pub fn publications(
    state: &State,
    own: &str,
    f: &Filter,
) -> Result<Vec<PublicPublication>, ViewError> {
    let mut latest: std::collections::BTreeMap<(String, u64), PublicPublication> =
        Default::default();
    for held in HELD_ITEMS.scan_from(state, &(String::new(), 0)) {
        let held = held?;
        let Carried::Item { bytes, .. } = &held.carried else {
            continue;
        };
        let Some(p) = held_publication(state, own, bytes, held.proven) else {
            continue;
        };
        latest.insert((p.origin.clone(), p.id), p);
    }
    for p in PUBLICATIONS.scan_from(state, &0) {
        let p = p?;
        let (PubState::Published { at_ms, .. } | PubState::Withdrawn { at_ms, .. }) = p.state
        else {
            continue;
        };
        latest.insert(
            (own.to_string(), p.id),
            PublicPublication {
                origin: own.to_string(),
                seq: None,
                id: p.id,
                agency_id: p.agency_id,
                agency: agency_name(state, own, p.agency_id, own),
                kind: p.kind.as_str().to_string(),
                version: p.version,
                state: format!("{:?}", p.state),
                public_text: p.public_text,
                day: day_of(at_ms),
                proven: false,
            },
        );
    }
    let mut out: Vec<_> = latest.into_values().filter(|p| matches(f, p)).collect();
    out.sort_by(|a, b| b.day.cmp(&a.day).then(b.seq.cmp(&a.seq)));
    out.truncate(MAX_LISTED);
    Ok(out)
}

/// One held publication item with what proves it: the proof in `ledger prove --json` form and
/// the signed head in `ledger head` form.
#[derive(Debug, Clone, Serialize)]
pub struct Proven {
    pub publication: PublicPublication,
    pub proof: ProofView,
    pub head: HeadView,
}

/// An inclusion proof as `sanxiang ledger verify` reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ProofView {
    pub kind: &'static str,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub path: Vec<String>,
    pub root: String,
    pub leaf_data: String,
}

/// The publication item `(origin, seq)` held here, with its proof and head.
pub fn proven(state: &State, own: &str, origin: &str, seq: u64) -> Result<Proven, ViewError> {
    let missing = || ViewError::NotFound(format!("没有 {origin} 第 {seq} 号公示项"));
    let held = HELD_ITEMS
        .read(state, &(origin.to_string(), seq))?
        .ok_or_else(missing)?;
    let Carried::Item {
        bytes,
        leaf_index,
        head_size,
        proof,
    } = &held.carried
    else {
        return Err(missing());
    };
    let publication = held_publication(state, own, bytes, held.proven).ok_or_else(missing)?;
    let sh = HELD_HEADS
        .read(state, &(origin.to_string(), *head_size))?
        .ok_or_else(|| ViewError::NotFound(format!("{origin} 的 {head_size} 叶树头不在本级")))?;
    let Carried::Head { head, .. } = sh.carried else {
        return Err(missing());
    };
    Ok(Proven {
        publication,
        proof: ProofView {
            kind: "inclusion",
            leaf_index: *leaf_index,
            tree_size: *head_size,
            leaf_hash: hex::encode(crate::ledger::leaf_hash(bytes)),
            path: proof.iter().map(hex::encode).collect(),
            root: hex::encode(head.head.root),
            leaf_data: hex::encode(bytes),
        },
        head: HeadView::of(&head),
    })
}

/// An agency of the registry, with its officers (this region's only) and their certificates.
#[derive(Debug, Clone, Serialize)]
pub struct PublicAgency {
    pub origin: String,
    pub agency: Agency,
    pub officers: Vec<(String, String)>,
}

/// The agency registry of the region and its subtree (PUB-1).
pub fn agencies(state: &State, own: &str) -> Result<Vec<PublicAgency>, ViewError> {
    let mut out = Vec::new();
    let mut officers: std::collections::BTreeMap<u64, Vec<(String, String)>> = Default::default();
    for o in OFFICERS.scan_from(state, &0) {
        let o = o?;
        if let Some(c) = o.certificate.filter(|c| c.status == CertStatus::Valid) {
            officers
                .entry(o.agency_id)
                .or_default()
                .push((o.name, c.number));
        }
    }
    for a in AGENCIES.scan_from(state, &0) {
        let a = a?;
        out.push(PublicAgency {
            origin: own.to_string(),
            officers: officers.remove(&a.id).unwrap_or_default(),
            agency: a,
        });
    }
    let keys: Vec<(String, u64)> = HELD_AGENCIES.keys(state).filter_map(|k| split(k)).collect();
    for (origin, id) in keys {
        let Some(a) = HELD_AGENCIES.read(state, &(origin.clone(), id))? else {
            continue;
        };
        out.push(PublicAgency {
            origin,
            officers: vec![],
            agency: a,
        });
    }
    Ok(out)
}

/// A raw `(String, u64)` key: prefix, the string, 0, the number big-endian.
fn split(k: &[u8]) -> Option<(String, u64)> {
    let n = k.len().checked_sub(9)?;
    if n < 1 || k[n] != 0 {
        return None;
    }
    let id = u64::from_be_bytes(k[n + 1..].try_into().ok()?);
    Some((String::from_utf8(k[1..n].to_vec()).ok()?, id))
}
