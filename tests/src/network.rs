//! An in-process network of several regions, each its own Raft cluster of real nodes (mutual
//! TLS on port 0, temp dirs), with the fault seam on every uplink: a test cuts, delays, heals or
//! tampers with any link, and stops or restarts any node.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sanxiang::app::{NodeConfig, RunningNode};
use sanxiang::client::Client;
use sanxiang::config::{NodeSpec, RaftTimings, RegionKind, RegionSpec, Topology};
use sanxiang::domain::federation::held::{HeldItem, OriginState, ALERTS, HELD_ITEMS, ORIGINS};
use sanxiang::domain::federation::items::Alert;
use sanxiang::domain::{Role, State};
use sanxiang::federation::Faults;
use sanxiang::pki::{issue, TlsMaterial};

use crate::init;

pub const PROVINCE: &str = "p";
pub const CITY: &str = "p/c";
pub const COUNTY_A: &str = "p/c/a";
pub const COUNTY_B: &str = "p/c/b";

/// Regions and how many nodes each runs.
pub type Sizes<'a> = &'a [(&'a str, u64)];

pub struct Network {
    pub dir: tempfile::TempDir,
    pub topology: Topology,
    pub pki: PathBuf,
    pub faults: Arc<Faults>,
    pub timings: RaftTimings,
    pub nodes: BTreeMap<(String, u64), Option<RunningNode>>,
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
    /// three in the topology, none started).
    pub async fn start(sizes: Sizes<'_>, timings: RaftTimings) -> anyhow::Result<Network> {
        init();
        let dir = tempfile::tempdir()?;
        let mut listeners = Vec::new();
        let mut specs = Vec::new();
        for (region, n) in sizes {
            let mut nodes = Vec::new();
            // A region started with no nodes still has three in the topology (and certificates).
            let listed = if *n == 0 { 3 } else { *n };
            for id in 1..=listed {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                nodes.push(NodeSpec {
                    id,
                    grpc: l.local_addr()?.to_string(),
                    http: String::new(),
                });
                if id <= *n {
                    listeners.push((region.to_string(), id, l));
                }
            }
            specs.push(RegionSpec {
                id: region.to_string(),
                name: region.to_string(),
                kind: kind(region),
                parent: region.rsplit_once('/').map(|(p, _)| p.to_string()),
                nodes,
            });
        }
        let topology = Topology::from_parts("test.sanxiang".into(), specs)?;
        let pki = dir.path().join("pki");
        issue::init(&topology, &pki, 30, false, &mut |_| {})?;
        let mut net = Network {
            dir,
            topology,
            pki,
            faults: Faults::new(),
            timings,
            nodes: BTreeMap::new(),
        };
        for (region, id, l) in listeners {
            let node = net.start_node_on(&region, id, l).await?;
            net.nodes.insert((region, id), Some(node));
        }
        Ok(net)
    }

    fn data_dir(&self, region: &str, id: u64) -> PathBuf {
        self.dir
            .path()
            .join(format!("{}-node-{id}", region.replace('/', "_")))
    }

    async fn start_node_on(
        &self,
        region: &str,
        id: u64,
        l: tokio::net::TcpListener,
    ) -> anyhow::Result<RunningNode> {
        let cfg = NodeConfig {
            topology: self.topology.clone(),
            region: region.into(),
            node_id: id,
            data_dir: self.data_dir(region, id),
            tls: TlsMaterial::load_node(&self.pki, region, id)?,
            timings: self.timings,
            cache_bytes: 4 * 1024 * 1024,
            faults: Some(self.faults.clone()),
        };
        Ok(RunningNode::start(cfg, l).await?)
    }

    /// gRPC address of a node.
    pub fn addr(&self, region: &str, id: u64) -> String {
        self.topology
            .node(region, id)
            .map(|n| n.grpc.clone())
            .unwrap_or_default()
    }

    pub fn node(&self, region: &str, id: u64) -> &RunningNode {
        self.nodes[&(region.to_string(), id)]
            .as_ref()
            .expect("node is running")
    }

    fn running<'a>(&'a self, region: &'a str) -> impl Iterator<Item = &'a RunningNode> + 'a {
        self.nodes
            .iter()
            .filter(move |((r, _), _)| r == region)
            .filter_map(|(_, n)| n.as_ref())
    }

    /// Stops a node (graceful: server, Raft, flush).
    pub async fn stop(&mut self, region: &str, id: u64) {
        if let Some(n) = self
            .nodes
            .get_mut(&(region.to_string(), id))
            .and_then(|n| n.take())
        {
            n.shutdown().await;
        }
    }

    /// Stops a node and deletes its data (a region whose history is then written anew).
    pub async fn wipe(&mut self, region: &str, id: u64) -> anyhow::Result<()> {
        self.stop(region, id).await;
        std::fs::remove_dir_all(self.data_dir(region, id)).context("wiping node data")?;
        Ok(())
    }

    /// Restarts a stopped node on its old address and data.
    pub async fn restart(&mut self, region: &str, id: u64) -> anyhow::Result<()> {
        let addr = self.addr(region, id);
        let mut tries = 0;
        let l = loop {
            match tokio::net::TcpListener::bind(&addr).await {
                Ok(l) => break l,
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).context("rebinding the node address"),
            }
        };
        let node = self.start_node_on(region, id, l).await?;
        self.nodes.insert((region.to_string(), id), Some(node));
        Ok(())
    }

    /// The leader of a region among its running nodes.
    pub async fn leader(&self, region: &str) -> anyhow::Result<u64> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            for n in self.running(region) {
                let m = n.ctx.raft.metrics().borrow().clone();
                if m.state == openraft::ServerState::Leader {
                    return Ok(n.ctx.node_id);
                }
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "no leader of {region} within 30 s"
            );
            let any = self
                .running(region)
                .next()
                .with_context(|| format!("no node of {region} running"))?;
            let _ = any
                .ctx
                .raft
                .wait(Some(Duration::from_millis(200)))
                .metrics(|m| m.current_leader.is_some(), "leader")
                .await;
        }
    }

    /// Waits until `check` holds on the applied state of every running node of `region`,
    /// looking again whenever one of them applies something. Returns the last value seen.
    pub async fn wait_until<T: std::fmt::Debug>(
        &self,
        region: &str,
        what: &str,
        timeout: Duration,
        check: impl Fn(&State) -> Option<T>,
    ) -> anyhow::Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Watch for changes from before the check on, so none is missed and none is
            // taken for a change twice.
            let mut m = self
                .running(region)
                .next()
                .with_context(|| format!("no node of {region} running"))?
                .ctx
                .raft
                .metrics();
            m.borrow_and_update();
            let mut out = None;
            let mut all = true;
            for n in self.running(region) {
                match n.ctx.sm.read(|s| check(&s.domain)) {
                    Some(v) => out = Some(v),
                    None => all = false,
                }
            }
            if all {
                if let Some(v) = out {
                    return Ok(v);
                }
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "{region}: {what} did not happen within {timeout:?}"
            );
            let _ = tokio::time::timeout(Duration::from_millis(100), m.changed()).await;
        }
    }

    /// Reads the applied state of the region's leader.
    pub async fn read<T>(&self, region: &str, f: impl FnOnce(&State) -> T) -> anyhow::Result<T> {
        let l = self.leader(region).await?;
        Ok(self.node(region, l).ctx.sm.read(|s| f(&s.domain)))
    }

    /// Issues a person certificate and returns its TLS material.
    pub fn person(&self, region: &str, role: Role, name: &str) -> anyhow::Result<TlsMaterial> {
        crate::person_tls(&self.pki, &self.topology.domain, region, role, name)
    }

    /// A client of a region for a person.
    pub fn client(&self, region: &str, who: &TlsMaterial) -> anyhow::Result<Client> {
        let endpoints: Vec<String> = self.running(region).map(|n| n.addr.to_string()).collect();
        Ok(Client::new(
            &endpoints,
            who,
            Some(region),
            Duration::from_secs(30),
        )?)
    }

    /// TLS material of a node (to act as that node).
    pub fn node_tls(&self, region: &str, id: u64) -> anyhow::Result<TlsMaterial> {
        Ok(TlsMaterial::load_node(&self.pki, region, id)?)
    }

    pub async fn shutdown(mut self) {
        let keys: Vec<_> = self.nodes.keys().cloned().collect();
        for (r, id) in keys {
            self.stop(&r, id).await;
        }
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
