//! Checkers, run after the faults are healed. Each finding is a [`Violation`]: which check,
//! and a short exact description (operation, replica, expected, found).
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster::{parent_of, regions, Cluster, COUNTIES, COUNTY_A, PROVINCE};
use crate::history::{Op, Outcome};
use crate::linearizability::{self, Event, Verdict};
use crate::net::{show, NodeRef};

/// One finding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Violation {
    pub check: &'static str,
    /// "lost", "duplicated" or "other".
    pub class: &'static str,
    pub what: String,
}

pub(crate) fn v(check: &'static str, what: String) -> Violation {
    Violation {
        check,
        class: "other",
        what,
    }
}

pub(crate) fn classed(check: &'static str, class: &'static str, what: String) -> Violation {
    Violation { check, class, what }
}

/// The class of a finding about something expected once, found `n` times.
fn class_of(n: usize) -> &'static str {
    match n {
        0 => "lost",
        1 => "other",
        _ => "duplicated",
    }
}

/// What one node says of itself.
#[derive(Debug, Clone)]
pub struct NodeView {
    ledger: (u64, Vec<u8>),
    fed: Value,
}

/// Every node's view, read once and shared by the checks of a round.
pub type Views = BTreeMap<NodeRef, NodeView>;

/// Reads every node's view (its status and federation state).
pub async fn read_views(cluster: &Cluster) -> Result<Views, Violation> {
    views(cluster)
        .await
        .map_err(|e| v("views", format!("no answer from {e}")))
}

async fn views(cluster: &Cluster) -> Result<Views, String> {
    let mut out = BTreeMap::new();
    for n in cluster.nodes() {
        let st = cluster
            .node_status(&n)
            .await
            .map_err(|e| format!("{}: {e}", show(&n)))?;
        let fed = cluster
            .node_query(&n, "federation")
            .await
            .map_err(|e| format!("{}: {e}", show(&n)))?;
        out.insert(
            n,
            NodeView {
                ledger: (st.ledger_size, st.ledger_root),
                fed,
            },
        );
    }
    Ok(out)
}

/// Why the network has not converged yet (empty: converged).
fn unconverged(vs: &BTreeMap<NodeRef, NodeView>) -> Vec<String> {
    let mut why = Vec::new();
    for r in regions() {
        let ls: BTreeSet<_> = vs
            .iter()
            .filter(|(n, _)| n.0 == r)
            .map(|(_, v)| v.ledger.clone())
            .collect();
        if ls.len() != 1 {
            why.push(format!(
                "{r}: replicas disagree on the ledger (sizes {:?})",
                ls.iter().map(|l| l.0).collect::<Vec<_>>()
            ));
        }
        let Some(parent) = parent_of(r) else { continue };
        for (n, child) in vs.iter().filter(|(n, _)| n.0 == r) {
            let out = &child.fed["outbox"];
            if out["backlog"].as_u64() != Some(0) || out["pending"].as_u64() != Some(0) {
                why.push(format!(
                    "{}: outbox backlog {} pending {}",
                    show(n),
                    out["backlog"],
                    out["pending"]
                ));
            }
            let tail = out["tail"].as_u64().unwrap_or(0);
            for (p, pv) in vs.iter().filter(|(p, _)| p.0 == parent) {
                let mark = pv.fed["links"][r]["mark"].as_u64().unwrap_or(0);
                if mark != tail {
                    why.push(format!(
                        "{}: mark of {r} is {mark}, its outbox tail {tail}",
                        show(p)
                    ));
                }
            }
        }
    }
    why
}

/// Waits until every replica of each region agrees and every uplink is drained; returns the
/// time it took, or why it did not happen within `limit`.
pub async fn converge(cluster: &Cluster, limit: Duration) -> Result<Duration, Violation> {
    let t0 = Instant::now();
    let mut last = Vec::new();
    while t0.elapsed() < limit {
        match views(cluster).await {
            Ok(vs) => {
                last = unconverged(&vs);
                if last.is_empty() {
                    return Ok(t0.elapsed());
                }
            }
            Err(e) => last = vec![format!("no answer from {e}")],
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(v(
        "converge",
        format!(
            "not converged {} s after healing: {}",
            limit.as_secs(),
            last.into_iter().take(4).collect::<Vec<_>>().join("; ")
        ),
    ))
}

/// Every acknowledged agency on every replica of its county exactly once, none refused
/// present, unknown ones at most once, and the replicas holding the same agencies.
pub async fn replicas(cluster: &Cluster, ops: &[Op]) -> Vec<Violation> {
    let mut out = Vec::new();
    for county in COUNTIES {
        let mut sets: Vec<(NodeRef, BTreeMap<String, Vec<u64>>)> = Vec::new();
        for n in cluster.region_nodes(county) {
            match cluster.node_agencies(&n).await {
                Ok(list) => {
                    let mut by: BTreeMap<String, Vec<u64>> = BTreeMap::new();
                    for a in list {
                        by.entry(a.name).or_default().push(a.id);
                    }
                    sets.push((n, by));
                }
                Err(e) => out.push(v("replicas", format!("{}: cannot list: {e}", show(&n)))),
            }
        }
        for op in ops
            .iter()
            .filter(|o| o.kind == "register_agency" && o.region == county)
        {
            let Some(name) = &op.name else { continue };
            for (n, by) in &sets {
                let found = by.get(name).cloned().unwrap_or_default();
                let bad = match op.outcome {
                    Outcome::Ok => found.len() != 1 || Some(found[0]) != op.result_id,
                    Outcome::Refused => !found.is_empty(),
                    Outcome::Unknown => found.len() > 1,
                };
                if bad {
                    out.push(classed(
                        "replicas",
                        if op.outcome == Outcome::Ok {
                            class_of(found.len())
                        } else if found.len() > 1 {
                            "duplicated"
                        } else {
                            "other"
                        },
                        format!(
                            "{} {name} ({:?}, id {:?}) on {}: expected {}, found ids {found:?}",
                            op.kind,
                            op.outcome,
                            op.result_id,
                            show(n),
                            match op.outcome {
                                Outcome::Ok => "exactly once",
                                Outcome::Refused => "absent",
                                Outcome::Unknown => "at most once",
                            }
                        ),
                    ));
                }
            }
        }
        if let Some((first, a)) = sets.first() {
            for (n, b) in sets.iter().skip(1) {
                if a != b {
                    let only: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).take(3).collect();
                    let extra: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).take(3).collect();
                    out.push(v(
                        "replicas",
                        format!(
                            "{} and {} hold different agencies ({} vs {}; e.g. only on the first {only:?}, only on the second {extra:?})",
                            show(first),
                            show(n),
                            a.len(),
                            b.len()
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Exactly once and in order upward: at every parent each child link took exactly what the
/// child appended; at the province every region below is held with every item once, in
/// sequence and proven; every acknowledged agency is at the province; no alert anywhere.
pub async fn uplink(cluster: &Cluster, vs: &Views, ops: &[Op]) -> Vec<Violation> {
    let mut out = Vec::new();
    let by_region = |r: &str| vs.iter().find(|(n, _)| n.0 == r).map(|(_, v)| v);
    for (n, view) in vs {
        if let Some(a) = view.fed["alerts"].as_array() {
            for x in a {
                out.push(v(
                    "uplink",
                    format!(
                        "{}: alert {} about {}: {}",
                        show(n),
                        x["kind"],
                        x["subject"],
                        x["message"]
                    ),
                ));
            }
        }
        // Each child link: every entry the child appended taken exactly once.
        for r in regions().filter(|r| parent_of(r) == Some(n.0.as_str())) {
            let Some(child) = by_region(r) else { continue };
            let tail = child.fed["outbox"]["tail"].as_u64().unwrap_or(0);
            let link = &view.fed["links"][r];
            let accepted = link["accepted"].as_u64().unwrap_or(0);
            let mark = link["mark"].as_u64().unwrap_or(0);
            if accepted > mark {
                out.push(classed(
                    "uplink",
                    "duplicated",
                    format!(
                        "{}: link from {r} took {accepted} entries for {mark} positions: {} taken again",
                        show(n),
                        accepted - mark
                    ),
                ));
            }
            if mark != tail {
                out.push(classed(
                    "uplink",
                    if mark < tail { "lost" } else { "other" },
                    format!(
                        "{}: link from {r} holds through {mark}, the child appended {tail}",
                        show(n)
                    ),
                ));
            }
        }
    }
    for (n, view) in vs.iter().filter(|(n, _)| n.0 == PROVINCE) {
        for r in regions().filter(|r| *r != PROVINCE) {
            let Some(origin) = by_region(r) else { continue };
            let own = origin.fed["outbox"]["own_items"].as_u64().unwrap_or(0);
            let o = &view.fed["origins"][r];
            let ok = o["items"].as_u64() == Some(own)
                && o["last_item_seq"].as_u64() == Some(own)
                && o["contiguous"].as_bool() == Some(true)
                && o["unproven"].as_u64() == Some(0);
            if !ok {
                let items = o["items"].as_u64().unwrap_or(0);
                out.push(classed(
                    "uplink",
                    if items > own { "duplicated" } else if items < own { "lost" } else { "other" },
                    format!(
                        "{}: holds {} items of {r} (last seq {}, contiguous {}, unproven {}); {r} made {own}",
                        show(n),
                        o["items"],
                        o["last_item_seq"],
                        o["contiguous"],
                        o["unproven"]
                    ),
                ));
            }
        }
    }
    // Every acknowledged agency at the province, once, with its id.
    for n in cluster.region_nodes(PROVINCE) {
        let held = match cluster.node_query(&n, "held_agencies").await {
            Ok(h) => h,
            Err(e) => {
                out.push(v("uplink", format!("{}: held agencies: {e}", show(&n))));
                continue;
            }
        };
        for county in COUNTIES {
            let mut by: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
            for a in held[county]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if let (Some(id), Some(name)) = (a[0].as_u64(), a[1].as_str()) {
                    by.entry(name).or_default().push(id);
                }
            }
            for op in ops.iter().filter(|o| {
                o.kind == "register_agency" && o.region == county && o.outcome == Outcome::Ok
            }) {
                let Some(name) = op.name.as_deref() else {
                    continue;
                };
                let found = by.get(name).cloned().unwrap_or_default();
                if found.len() != 1 || Some(found[0]) != op.result_id {
                    out.push(classed(
                        "uplink",
                        class_of(found.len()),
                        format!(
                            "acknowledged agency {name} of {county} (id {:?}) at {}: expected once, found ids {found:?}",
                            op.result_id,
                            show(&n)
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Every issued notice delivered once to each named unit, acknowledged, and the
/// acknowledgement back at the province, once.
pub async fn notices(cluster: &Cluster, ops: &[Op]) -> (Vec<Violation>, usize) {
    let mut out = Vec::new();
    let signed: BTreeSet<u64> = ops
        .iter()
        .filter(|o| o.kind == "sign_notice" && o.outcome == Outcome::Ok)
        .filter_map(|o| o.key)
        .collect();
    let mut issued_count = 0;
    for n in cluster.region_nodes(PROVINCE) {
        let q = match cluster.node_query(&n, "notices").await {
            Ok(q) => q,
            Err(e) => {
                out.push(v("notices", format!("{}: {e}", show(&n))));
                continue;
            }
        };
        let issued: BTreeMap<u64, &Value> = q["issued"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|x| Some((x["id"].as_u64()?, x)))
            .collect();
        for id in &signed {
            if issued.get(id).map(|x| x["number"].is_string()) != Some(true) {
                out.push(classed(
                    "notices",
                    "lost",
                    format!(
                        "notice {id}: signed (acknowledged) but not issued at {}",
                        show(&n)
                    ),
                ));
            }
        }
        let mut count = 0;
        for (id, x) in &issued {
            if !x["number"].is_string() {
                continue;
            }
            count += 1;
            for county in COUNTIES {
                let p = &x["units"][county];
                let events = p["history"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let times = |s: &str| {
                    events
                        .iter()
                        .filter(|e| {
                            e["stage"].as_str().map(str::to_lowercase).as_deref() == Some(s)
                        })
                        .count()
                };
                let stage = p["stage"].as_str().unwrap_or("").to_lowercase();
                if stage != "acknowledged" || times("delivered") != 1 || times("acknowledged") != 1
                {
                    let class = if times("delivered") > 1 || times("acknowledged") > 1 {
                        "duplicated"
                    } else {
                        "lost"
                    };
                    out.push(classed(
                        "notices",
                        class,
                        format!(
                            "notice {id} to {county} at {}: expected delivered once and acknowledged once, found stage {stage:?}, delivered {}×, acknowledged {}×",
                            show(&n),
                            times("delivered"),
                            times("acknowledged")
                        ),
                    ));
                }
            }
        }
        issued_count = count;
    }
    for county in COUNTIES {
        for n in cluster.region_nodes(county) {
            let q = match cluster.node_query(&n, "notices").await {
                Ok(q) => q,
                Err(e) => {
                    out.push(v("notices", format!("{}: {e}", show(&n))));
                    continue;
                }
            };
            let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
            for e in q["inbox"].as_array().map(Vec::as_slice).unwrap_or_default() {
                if e["doc"]["issuer"].as_str() == Some(PROVINCE) {
                    if let Some(id) = e["doc"]["id"].as_u64() {
                        *seen.entry(id).or_default() += 1;
                    }
                }
            }
            for id in &signed {
                if seen.get(id) != Some(&1) {
                    out.push(classed(
                        "notices",
                        class_of(seen.get(id).copied().unwrap_or(0)),
                        format!(
                            "notice {id} in the inbox of {}: expected once, found {}",
                            show(&n),
                            seen.get(id).copied().unwrap_or(0)
                        ),
                    ));
                }
            }
        }
    }
    (out, issued_count)
}

/// The register history, linearizable per key. A segment of the history starts with an
/// `initial` write per key: the value read while nothing else ran.
pub fn register(ops: &[Op], budget: u64) -> (Vec<Violation>, BTreeMap<String, Verdict>) {
    let mut events = Vec::new();
    for o in ops
        .iter()
        .filter(|o| o.region == COUNTY_A && matches!(o.kind, "write" | "read" | "initial"))
    {
        let Some(key) = o.key else { continue };
        let op = match (o.kind, o.outcome) {
            ("write" | "initial", Outcome::Ok | Outcome::Unknown) => match o.value {
                Some(x) => linearizability::Op::Write(x),
                None => continue,
            },
            ("read", Outcome::Ok) => linearizability::Op::Read(o.value),
            _ => continue,
        };
        events.push(Event {
            key: key.to_string(),
            op,
            invoked: o.invoked_us,
            answered: o.answered_us,
        });
    }
    let verdicts = linearizability::check(&events, budget);
    let out = verdicts
        .iter()
        .filter_map(|(k, verdict)| match verdict {
            Verdict::Violation(why) => Some(v("linearizable", format!("register key {k}: {why}"))),
            _ => None,
        })
        .collect();
    (out, verdicts)
}

/// Every tree head a parent holds is a prefix of the region's current ledger.
pub async fn heads(cluster: &Cluster, vs: &Views) -> Vec<Violation> {
    let mut out = Vec::new();
    for (holder, view) in vs {
        let Some(origins) = view.fed["origins"].as_object() else {
            continue;
        };
        for (origin, o) in origins {
            let size = o["head_size"].as_u64().unwrap_or(0);
            let Some(root) = o["head_root"].as_str().and_then(|h| hex::decode(h).ok()) else {
                continue;
            };
            if size == 0 {
                continue;
            }
            let Some((n, ov)) = vs.iter().find(|(n, _)| n.0 == *origin) else {
                continue;
            };
            let current = ov.ledger.0;
            let proof = match cluster.node_consistency(n, size, current).await {
                Ok(p) => p,
                Err(e) => {
                    out.push(v(
                        "heads",
                        format!("{}: consistency {size}..{current}: {e}", show(n)),
                    ));
                    continue;
                }
            };
            // The ledger may have grown since the status was read: the proof names its root.
            let ok = proof.first_root == root
                && sanxiang::ledger::verify::verify_consistency(
                    size,
                    current,
                    &root,
                    &proof.second_root,
                    &proof.path,
                )
                .is_ok();
            if !ok {
                out.push(v(
                    "heads",
                    format!(
                        "{} holds a head of {origin} of size {size} that is not a prefix of {origin}'s ledger of size {current}",
                        show(holder)
                    ),
                ));
            }
        }
    }
    out
}

/// Entries that parents received again after taking them (sum of every link's duplicates on
/// the first node of each parent region): how often the dedup at the mark was needed.
pub async fn resent(cluster: &Cluster) -> u64 {
    let mut total = 0;
    for r in regions() {
        let Some(n) = cluster.region_nodes(r).into_iter().next() else {
            continue;
        };
        if let Ok(f) = cluster.node_query(&n, "federation").await {
            if let Some(links) = f["links"].as_object() {
                total += links
                    .values()
                    .filter_map(|l| l["duplicates"].as_u64())
                    .sum::<u64>();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(size: u64, backlog: u64, tail: u64, links: Value) -> NodeView {
        NodeView {
            ledger: (size, vec![size as u8]),
            fed: json!({"outbox": {"backlog": backlog, "pending": 0, "tail": tail}, "links": links}),
        }
    }

    /// Every region agreeing, every link drained: (province, city, counties) at tail 5.
    fn settled() -> BTreeMap<NodeRef, NodeView> {
        let mut m = BTreeMap::new();
        for r in regions() {
            for i in 1..=3 {
                let links = match r {
                    "hunan" => json!({"hunan/changsha": {"mark": 5}}),
                    "hunan/changsha" => {
                        json!({"hunan/changsha/liuyang": {"mark": 5}, "hunan/changsha/ningxiang": {"mark": 5}})
                    }
                    _ => json!({}),
                };
                m.insert((r.to_string(), i), view(10, 0, 5, links));
            }
        }
        m
    }

    #[test]
    fn converged_only_when_replicas_agree_and_links_are_drained() {
        assert!(unconverged(&settled()).is_empty());

        let mut m = settled();
        m.insert(
            ("hunan/changsha/liuyang".into(), 2),
            view(9, 0, 5, json!({})),
        );
        let why = unconverged(&m);
        assert!(
            why.iter()
                .any(|w| w.contains("hunan/changsha/liuyang: replicas disagree")),
            "{why:?}"
        );

        let mut m = settled();
        m.insert(
            ("hunan/changsha/ningxiang".into(), 1),
            view(10, 2, 7, json!({})),
        );
        let why = unconverged(&m);
        assert!(
            why.iter().any(|w| w.contains("outbox backlog 2")),
            "{why:?}"
        );
        assert!(
            why.iter()
                .any(|w| w.contains("mark of hunan/changsha/ningxiang is 5, its outbox tail 7")),
            "{why:?}"
        );
    }

    fn op(
        kind: &'static str,
        key: u64,
        value: Option<i64>,
        t: (u64, Option<u64>),
        outcome: Outcome,
    ) -> Op {
        Op {
            scenario: "t".into(),
            process: "p".into(),
            region: COUNTY_A.into(),
            kind,
            key: Some(key),
            value,
            name: None,
            invoked_us: t.0,
            answered_us: t.1,
            outcome,
            result_id: None,
            detail: String::new(),
        }
    }

    #[test]
    fn register_history_is_judged_per_key() {
        let good = vec![
            op("write", 1, Some(0), (0, Some(1)), Outcome::Ok),
            op("write", 1, Some(5), (2, Some(3)), Outcome::Ok),
            op("read", 1, Some(5), (4, Some(5)), Outcome::Ok),
            // Unknown: may or may not have happened; both reads after it are explained.
            op("write", 1, Some(6), (6, None), Outcome::Unknown),
            op("read", 1, Some(6), (7, Some(8)), Outcome::Ok),
            // Refused writes are not in the history at all.
            op("write", 2, Some(9), (0, Some(1)), Outcome::Refused),
            op("read", 2, None, (2, Some(3)), Outcome::Ok),
        ];
        let (v, verdicts) = register(&good, 100_000);
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(verdicts.len(), 2);

        let mut stale = good.clone();
        stale.push(op("read", 1, Some(5), (9, Some(10)), Outcome::Ok));
        let (v, _) = register(&stale, 100_000);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].what.starts_with("register key 1"), "{}", v[0].what);
    }

    #[test]
    fn a_segment_starts_from_its_initial_values() {
        let seg = vec![
            op("initial", 1, Some(41), (100, Some(101)), Outcome::Ok),
            op("read", 1, Some(41), (102, Some(103)), Outcome::Ok),
        ];
        assert!(register(&seg, 100_000).0.is_empty());
        let mut bad = seg.clone();
        bad.push(op("read", 1, Some(40), (104, Some(105)), Outcome::Ok));
        assert_eq!(register(&bad, 100_000).0.len(), 1);
    }

    #[test]
    fn classes_name_losses_and_duplicates() {
        assert_eq!(class_of(0), "lost");
        assert_eq!(class_of(1), "other");
        assert_eq!(class_of(2), "duplicated");
    }
}
