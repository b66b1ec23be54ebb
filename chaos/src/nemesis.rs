//! Nemeses: seeded schedules of faults. A scenario applies one fault (or, for `mixed`, a few)
//! for a while, heals it, and starts again until its time is up. The same seed gives the same
//! choices (which fault, which region, how long); which node is leader at that moment comes
//! from the network.
use std::time::{Duration, Instant};

use crate::cluster::{parent_of, regions, Cluster, CITY, COUNTIES};
use crate::net::{show, NodeRef};
use crate::rng::Rng;
use crate::ChaosError;

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// kill -9 of one node (the leader half of the time), restarted when healed.
    Kill,
    /// kill -9 of every node of a county at once, during writes (a whole cluster losing power
    /// as far as the process sees it): what was acknowledged must have been flushed.
    KillRegion,
    /// SIGSTOP of a region's leader; SIGCONT when healed.
    Pause,
    /// A region's leader cut off from its peers (both ways).
    IsolateLeader,
    /// A random follower cut off (a minority), or the leader with one follower against the
    /// other (the majority side has the leader).
    Partition,
    /// Packets lost one way between a leader and a follower.
    OneWay,
    /// Every link between a region and its parent cut (for minutes in long runs).
    CutUplink,
    /// Everything a parent sends to a region below lost, while the region's pushes still
    /// arrive: pushes are taken but never acknowledged, so the region sends them again and
    /// again (what the dedup at the mark is for).
    LoseAcks,
    /// A county's leader isolated from its peers while the county's uplink is cut; then the
    /// uplink heals, first for the new leader (which drains past what the old one holds), then
    /// for the old leader, still isolated: it still takes itself for the leader and sends
    /// what it has, which the parent already took (what the dedup at the mark is for).
    StaleSender,
    /// Delay and loss on a random half of the links.
    Degrade,
    /// A county's nodes frozen and killed at one instant and every write they had not fsynced
    /// dropped (LazyFS): a power cut. Only with `--lazyfs`.
    PowerLoss,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Kill => "kill",
            Kind::KillRegion => "kill-region",
            Kind::Pause => "pause",
            Kind::IsolateLeader => "isolate-leader",
            Kind::Partition => "partition",
            Kind::OneWay => "one-way",
            Kind::CutUplink => "cut-uplink",
            Kind::LoseAcks => "lose-acks",
            Kind::StaleSender => "stale-sender",
            Kind::Degrade => "degrade",
            Kind::PowerLoss => "power-loss",
        }
    }
    pub const ALL: [Kind; 10] = [
        Kind::Kill,
        Kind::KillRegion,
        Kind::Pause,
        Kind::IsolateLeader,
        Kind::Partition,
        Kind::OneWay,
        Kind::CutUplink,
        Kind::LoseAcks,
        Kind::StaleSender,
        Kind::Degrade,
    ];
}

/// A scenario: its name and the kinds of fault it draws from (several at once when `combine`).
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub kinds: Vec<Kind>,
    pub combine: bool,
    /// How long one fault is held, seconds.
    pub hold: (u64, u64),
    /// Heavy writes (many unpaced writers per county) during this scenario.
    pub heavy: bool,
}

/// Every scenario: name, kinds, combined, hold in the short mode, hold in the long mode
/// (`None`: not in that mode), heavy writes.
type Row = (
    &'static str,
    &'static [Kind],
    bool,
    Option<(u64, u64)>,
    Option<(u64, u64)>,
    bool,
);
const PARTITIONS: &[Kind] = &[Kind::IsolateLeader, Kind::Partition, Kind::OneWay];
const UPLINK: &[Kind] = &[Kind::CutUplink, Kind::LoseAcks, Kind::StaleSender];
const SCENARIOS: &[Row] = &[
    (
        "kill",
        &[Kind::Kill],
        false,
        Some((2, 5)),
        Some((3, 15)),
        false,
    ),
    (
        "partitions",
        PARTITIONS,
        false,
        Some((3, 6)),
        Some((5, 30)),
        false,
    ),
    (
        "cut-uplink",
        UPLINK,
        false,
        Some((8, 12)),
        Some((60, 180)),
        false,
    ),
    (
        "pause",
        &[Kind::Pause],
        false,
        Some((2, 5)),
        Some((3, 20)),
        false,
    ),
    (
        "kill-region",
        &[Kind::KillRegion],
        false,
        Some((1, 3)),
        Some((1, 10)),
        true,
    ),
    (
        "degrade",
        &[Kind::Degrade],
        false,
        None,
        Some((10, 40)),
        false,
    ),
    (
        "mixed",
        &Kind::ALL,
        true,
        Some((3, 8)),
        Some((5, 40)),
        false,
    ),
    (
        "power-loss",
        &[Kind::PowerLoss],
        false,
        Some((1, 3)),
        Some((1, 10)),
        true,
    ),
];

/// The scenarios of a mode (short: each a few tens of seconds; long: faults held longer, the
/// uplink cut for minutes); `power-loss` only when LazyFS is there.
pub fn scenarios(long: bool, lazyfs: bool) -> Vec<Scenario> {
    SCENARIOS
        .iter()
        .filter(|r| lazyfs || r.0 != "power-loss")
        .filter_map(|&(name, kinds, combine, short, long_hold, heavy)| {
            Some(Scenario {
                name,
                kinds: kinds.to_vec(),
                combine,
                hold: if long { long_hold? } else { short? },
                heavy,
            })
        })
        .collect()
}

/// The leader of a region as its nodes report it (any node's answer).
async fn leader(cluster: &Cluster, region: &str) -> Option<NodeRef> {
    for n in cluster.region_nodes(region) {
        if let Ok(Ok(st)) =
            tokio::time::timeout(Duration::from_secs(2), cluster.node_status(&n)).await
        {
            if let Some(l) = st.leader_id {
                return Some((region.to_string(), l));
            }
        }
    }
    None
}

/// Applies one fault; returns its description.
async fn apply(cluster: &mut Cluster, kind: Kind, rng: &mut Rng) -> Result<String, ChaosError> {
    let all: Vec<&str> = regions().collect();
    let region = rng.pick(&all).copied().unwrap_or(CITY);
    let nodes = cluster.region_nodes(region);
    let random_node = rng.pick(&nodes).cloned();
    let leader_first = rng.chance(0.5);
    let lead = leader(cluster, region).await;
    let target = if leader_first {
        lead.clone().or(random_node.clone())
    } else {
        random_node.clone()
    };
    Ok(match kind {
        Kind::Kill => {
            let Some(n) = target else {
                return Ok("kill: no node".into());
            };
            cluster.kill9(&n)?;
            format!(
                "kill -9 {}{}",
                show(&n),
                if Some(&n) == lead.as_ref() {
                    " (leader)"
                } else {
                    ""
                }
            )
        }
        Kind::KillRegion => {
            let county = rng.pick(&COUNTIES).copied().unwrap_or(COUNTIES[0]);
            let nodes = cluster.region_nodes(county);
            cluster.kill9_together(&nodes)?;
            format!("kill -9 all of {county}")
        }
        Kind::Pause => {
            let Some(n) = lead.or(random_node) else {
                return Ok("pause: no node".into());
            };
            cluster.pause(&n)?;
            format!("SIGSTOP {}", show(&n))
        }
        Kind::IsolateLeader => {
            let Some(l) = lead.or(random_node) else {
                return Ok("isolate: no node".into());
            };
            let rest: Vec<NodeRef> = nodes.iter().filter(|n| **n != l).cloned().collect();
            cluster.layer.partition(std::slice::from_ref(&l), &rest);
            format!("isolate {} from its peers", show(&l))
        }
        Kind::Partition => {
            let Some(x) = random_node else {
                return Ok("partition: no node".into());
            };
            let rest: Vec<NodeRef> = nodes.iter().filter(|n| **n != x).cloned().collect();
            cluster.layer.partition(std::slice::from_ref(&x), &rest);
            format!(
                "partition {} | {}",
                show(&x),
                rest.iter().map(show).collect::<Vec<_>>().join(",")
            )
        }
        Kind::OneWay => {
            let Some(l) = lead else {
                return Ok("one-way: no leader".into());
            };
            let others: Vec<NodeRef> = nodes.iter().filter(|n| **n != l).cloned().collect();
            let Some(f) = rng.pick(&others).cloned() else {
                return Ok("one-way: no follower".into());
            };
            if rng.chance(0.5) {
                cluster.layer.cut_one_way(&l, &f);
                format!("drop {} → {}", show(&l), show(&f))
            } else {
                cluster.layer.cut_one_way(&f, &l);
                format!("drop {} → {}", show(&f), show(&l))
            }
        }
        Kind::CutUplink => {
            let below: Vec<&str> = all
                .iter()
                .copied()
                .filter(|r| parent_of(r).is_some())
                .collect();
            let child = rng.pick(&below).copied().unwrap_or(CITY);
            let parent = parent_of(child).unwrap_or(CITY);
            cluster
                .layer
                .partition(&cluster.region_nodes(child), &cluster.region_nodes(parent));
            format!("cut {child} ↔ {parent}")
        }
        Kind::LoseAcks => {
            let below: Vec<&str> = all
                .iter()
                .copied()
                .filter(|r| parent_of(r).is_some())
                .collect();
            let child = rng.pick(&below).copied().unwrap_or(CITY);
            let parent = parent_of(child).unwrap_or(CITY);
            for p in cluster.region_nodes(parent) {
                for c in cluster.region_nodes(child) {
                    cluster.layer.cut_one_way(&p, &c);
                }
            }
            format!("drop everything {parent} → {child}")
        }
        Kind::StaleSender => {
            let county = rng.pick(&COUNTIES).copied().unwrap_or(COUNTIES[0]);
            let parents = cluster.region_nodes(CITY);
            let children = cluster.region_nodes(county);
            let Some(l) = leader(cluster, county).await else {
                return Ok("stale-sender: no leader".into());
            };
            let peers: Vec<NodeRef> = children.iter().filter(|n| **n != l).cloned().collect();
            cluster.layer.partition(std::slice::from_ref(&l), &peers);
            cluster.layer.partition(&children, &parents);
            tokio::time::sleep(Duration::from_secs(rng.between(5, 7))).await;
            // The new leader's side first, so it drains past what the old leader holds …
            cluster.layer.heal_between(&peers, &parents);
            tokio::time::sleep(Duration::from_secs(rng.between(2, 4))).await;
            // … then the old leader, still isolated from its peers, reaches the parent again.
            cluster
                .layer
                .heal_between(std::slice::from_ref(&l), &parents);
            format!(
                "{} isolated from its peers and {county} cut from {CITY}; the uplink healed for the new leader, then for the old one, still isolated",
                show(&l)
            )
        }
        Kind::PowerLoss => {
            let county = rng.pick(&COUNTIES).copied().unwrap_or(COUNTIES[0]);
            let nodes = cluster.region_nodes(county);
            cluster.kill9_together(&nodes)?;
            let Some(m) = cluster.lazy.get(county) else {
                return Ok(format!(
                    "kill -9 all of {county} (no LazyFS: no power loss)"
                ));
            };
            m.lose_power().await?;
            format!("power loss at {county}: killed at one instant, unsynced writes dropped")
        }
        Kind::Degrade => {
            let mut n = 0;
            let everyone = cluster.nodes();
            for a in &everyone {
                for b in &everyone {
                    if a < b && rng.chance(0.5) {
                        let delay = rng.between(20, 250);
                        let loss = rng.between(0, 20_000) as u32;
                        cluster.layer.degrade(a, b, delay, loss);
                        n += 1;
                    }
                }
            }
            format!("delay 20–250 ms and loss ≤ 2 % on {n} node pairs")
        }
    })
}

/// Runs `scenario` for `duration`: fault, hold, heal, pause, again. Returns what was done.
pub async fn run(
    cluster: &mut Cluster,
    scenario: &Scenario,
    duration: Duration,
    rng: &mut Rng,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<String>, ChaosError> {
    let t0 = Instant::now();
    let mut done = Vec::new();
    let mut round = 0usize;
    while t0.elapsed() + Duration::from_secs(1) < duration {
        let mut what = Vec::new();
        if scenario.combine {
            for _ in 0..rng.between(1, 3) {
                let Some(&k) = rng.pick(&scenario.kinds) else {
                    break;
                };
                what.push(apply(cluster, k, rng).await?);
            }
        } else if let Some(&k) = scenario.kinds.get(round % scenario.kinds.len().max(1)) {
            // Each kind in turn, so a short scenario covers all of its kinds.
            what.push(apply(cluster, k, rng).await?);
        }
        round += 1;
        let hold = Duration::from_secs(rng.between(scenario.hold.0, scenario.hold.1));
        let left = duration.saturating_sub(t0.elapsed());
        let line = format!(
            "  [{:>5.1}s] {} for {} s",
            t0.elapsed().as_secs_f64(),
            what.join(" + "),
            hold.min(left).as_secs()
        );
        log(&line);
        done.extend(what);
        tokio::time::sleep(hold.min(left)).await;
        cluster.heal_all()?;
        // Time to recover between faults.
        let gap = Duration::from_millis(rng.between(500, 2500));
        tokio::time::sleep(gap.min(duration.saturating_sub(t0.elapsed()))).await;
    }
    Ok(done)
}
