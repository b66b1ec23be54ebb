//! An in-process network of several regions, each its own Raft cluster of real nodes (mutual
//! TLS on port 0, temp dirs), with the fault seam on every uplink: a test cuts, delays, heals or
//! tampers with any link, and stops or restarts any node.
use std::collections::BTreeMap;
use std::sync::Arc;

use sanxiang::app::network::{self, Options};
use sanxiang::app::RunningNode;
use sanxiang::config::{RaftTimings, RegionKind, Topology};
use sanxiang::domain::federation::held::{HeldItem, OriginState, ALERTS, HELD_ITEMS, ORIGINS};
use sanxiang::domain::federation::items::Alert;
use sanxiang::domain::State;
use sanxiang::federation::Faults;

use crate::{init, region_spec};

pub const PROVINCE: &str = "p";
pub const CITY: &str = "p/c";
pub const COUNTY_A: &str = "p/c/a";
pub const COUNTY_B: &str = "p/c/b";

/// Regions and how many nodes each runs.
pub type Sizes<'a> = &'a [(&'a str, u64)];

/// The node crate's in-process network, with the faults of its uplinks at hand.
pub struct Network {
    pub net: network::Network,
    pub faults: Arc<Faults>,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Network {
    type Target = network::Network;
    fn deref(&self) -> &network::Network {
        &self.net
    }
}

impl std::ops::DerefMut for Network {
    fn deref_mut(&mut self) -> &mut network::Network {
        &mut self.net
    }
}

fn kind(region: &str) -> RegionKind {
    match region.matches('/').count() {
        0 => RegionKind::Province,
        1 => RegionKind::City,
        _ => RegionKind::County,
    }
}

impl Network {
    /// Starts every region of `sizes` (parents must be listed too; a region with 0 nodes has
    /// three in the topology, none started) and waits for their leaders.
    pub async fn start(sizes: Sizes<'_>, timings: RaftTimings) -> anyhow::Result<Network> {
        init();
        let dir = tempfile::tempdir()?;
        // A region started with no nodes still has three in the topology (and certificates).
        let specs = sizes
            .iter()
            .map(|(r, n)| region_spec(r, r, kind(r), if *n == 0 { 3 } else { *n }))
            .collect();
        let template = Topology::from_parts("test.sanxiang".into(), specs)?;
        let faults = Faults::new();
        let options = Options {
            cache_bytes: 4 * 1024 * 1024,
            faults: Some(faults.clone()),
            started: Some(
                sizes
                    .iter()
                    .map(|(r, n)| (r.to_string(), *n))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Options::new(timings)
        };
        let net = network::Network::start(&template, dir.path(), options, &mut |_| {}).await?;
        Ok(Network {
            net,
            faults,
            _dir: dir,
        })
    }

    /// A running node.
    pub fn node(&self, region: &str, id: u64) -> &RunningNode {
        self.net.node(region, id).expect("node is running")
    }

    pub async fn shutdown(self) {
        self.net.shutdown().await;
    }
}

/// Items of `origin` held in a state, in sequence order.
pub fn held(state: &State, origin: &str) -> Vec<(u64, HeldItem)> {
    let prefix = held_prefix(origin);
    state
        .range_from(&prefix, prefix.clone())
        .filter_map(|(k, v)| {
            let seq = u64::from_be_bytes(k.get(prefix.len()..)?.try_into().ok()?);
            Some((seq, bincode::deserialize(v).ok()?))
        })
        .collect()
}

fn held_prefix(origin: &str) -> Vec<u8> {
    let mut prefix = vec![HELD_ITEMS.prefix()];
    prefix.extend_from_slice(origin.as_bytes());
    prefix.push(0);
    prefix
}

/// How many items of `origin` a state holds, counted from the keys.
pub fn held_count(state: &State, origin: &str) -> u64 {
    let prefix = held_prefix(origin);
    state.range_from(&prefix, prefix.clone()).count() as u64
}

/// What a state knows of an origin below.
pub fn origin(state: &State, origin: &str) -> OriginState {
    ORIGINS
        .read(state, origin)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Tamper alerts in a state.
pub fn alerts(state: &State) -> Vec<Alert> {
    ALERTS
        .keys(state)
        .filter_map(|k| bincode::deserialize(state.get_raw(k)?).ok())
        .collect()
}
