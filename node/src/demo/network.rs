//! The demo network: every region of `cluster-config/demo.toml`, three nodes each, in this
//! process on free loopback ports (the file's fixed ports are for separate `serve` processes).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::app::{NodeConfig, RunningNode};
use crate::config::{NodeSpec, RaftTimings, RegionSpec, Topology};
use crate::domain::{
    Actor, Command, CommandResult, Envelope, Outcome, Person, Role, RULES_VERSION,
};
use crate::pki::{issue, TlsMaterial};
use crate::raft::NodeCtx;

/// The demo deployment, as shipped.
pub const DEMO_TOPOLOGY: &str = include_str!("../../../cluster-config/demo.toml");

/// sled cache per node: 21 nodes share one process.
const CACHE_BYTES: u64 = 2 * 1024 * 1024;

/// People issued in every region (role, user).
pub const PEOPLE: [(Role, &str); 8] = [
    (Role::Clerk, "clerk"),
    (Role::Supervisor, "sup"),
    (Role::Inspector, "li"),
    (Role::Head, "zhao"),
    (Role::Officer, "zhang"),
    (Role::Officer, "li"),
    (Role::Reviewer, "wang"),
    (Role::Monitor, "monitor"),
];

pub struct DemoNetwork {
    pub topology: Topology,
    pub topology_path: PathBuf,
    pub pki: PathBuf,
    pub nodes: BTreeMap<(String, u64), RunningNode>,
    request: std::sync::atomic::AtomicU64,
}

impl DemoNetwork {
    /// Starts every region of the demo topology under `dir`.
    pub async fn start(
        dir: &Path,
        timings: RaftTimings,
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<DemoNetwork> {
        let shipped = Topology::parse(DEMO_TOPOLOGY).context("the shipped demo topology")?;
        let mut listeners = Vec::new();
        let mut specs = Vec::new();
        for r in shipped.regions() {
            let mut nodes = Vec::new();
            for n in &r.nodes {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                nodes.push(NodeSpec {
                    id: n.id,
                    grpc: l.local_addr()?.to_string(),
                    http: String::new(),
                });
                listeners.push((r.id.clone(), n.id, l));
            }
            specs.push(RegionSpec { nodes, ..r.clone() });
        }
        let topology = Topology::from_parts(shipped.domain.clone(), specs)?;
        let topology_path = dir.join("topology.toml");
        std::fs::write(&topology_path, topology.to_toml()?).context("writing the demo topology")?;
        let pki = dir.join("pki");
        progress("证书 certificates …");
        issue::init(&topology, &pki, 30, true, &mut |_| {})?;
        for r in topology.regions() {
            for (role, name) in PEOPLE {
                issue::issue_person(&pki, &topology.domain, &r.id, role, name, 30, true)?;
            }
        }
        progress(&format!("启动 starting {} nodes …", listeners.len()));
        let mut nodes = BTreeMap::new();
        for (region, id, l) in listeners {
            let cfg = NodeConfig {
                topology: topology.clone(),
                region: region.clone(),
                node_id: id,
                data_dir: dir.join(format!("{}-node-{id}", region.replace('/', "_"))),
                tls: TlsMaterial::load_node(&pki, &region, id)?,
                timings,
                cache_bytes: CACHE_BYTES,
                faults: None,
            };
            nodes.insert((region, id), RunningNode::start(cfg, l).await?);
        }
        let net = DemoNetwork {
            topology,
            topology_path,
            pki,
            nodes,
            request: std::sync::atomic::AtomicU64::new(1),
        };
        for r in net.regions() {
            net.wait(&r, "a leader", Duration::from_secs(60), |ctx| {
                ctx.leader().map(|_| ())
            })
            .await?;
        }
        Ok(net)
    }

    /// Region ids, parents first.
    pub fn regions(&self) -> Vec<String> {
        let mut r: Vec<String> = self.topology.regions().map(|r| r.id.clone()).collect();
        r.sort_by_key(|id| (id.matches('/').count(), id.clone()));
        r
    }

    /// A node of a region (node 1).
    pub fn ctx(&self, region: &str) -> anyhow::Result<Arc<NodeCtx>> {
        self.nodes
            .get(&(region.to_string(), 1))
            .map(|n| n.ctx.clone())
            .with_context(|| format!("no node 1 in {region}"))
    }

    /// Runs a command as a person of `region`; a refusal is an error naming the rule.
    pub async fn exec(
        &self,
        region: &str,
        role: Role,
        user: &str,
        command: Command,
    ) -> anyhow::Result<CommandResult> {
        let name = command.name();
        let env = Envelope {
            actor: Actor::Person(Person {
                region: region.to_string(),
                role,
                user: user.to_string(),
            }),
            client_id: "demo-seed".into(),
            request_id: self
                .request
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst),
            time_ms: 0,
            rules_version: RULES_VERSION,
            command,
        };
        let r = self
            .ctx(region)?
            .write(env)
            .await
            .with_context(|| format!("{region}: {name}"))?;
        match r.outcome {
            Outcome::Ok(c) => Ok(c),
            Outcome::Refused(f) => anyhow::bail!("{region}: {name} refused: {f}"),
        }
    }

    /// Proposes a `Tick` in every region, as their leaders do periodically: time-driven states
    /// (overdue, escalated) follow the clock, and changed summaries go up.
    pub async fn tick_all(&self) -> anyhow::Result<()> {
        for r in self.regions() {
            let ctx = self.ctx(&r)?;
            let env = ctx.node_envelope(Command::Tick);
            ctx.write(env).await.with_context(|| format!("{r}: tick"))?;
        }
        Ok(())
    }

    /// Waits until `f` answers on node 1 of `region`, polling its applied state.
    pub async fn wait<T>(
        &self,
        region: &str,
        what: &str,
        limit: Duration,
        f: impl Fn(&NodeCtx) -> Option<T>,
    ) -> anyhow::Result<T> {
        let ctx = self.ctx(region)?;
        let deadline = tokio::time::Instant::now() + limit;
        let mut m = ctx.raft.metrics();
        loop {
            if let Some(v) = f(&ctx) {
                return Ok(v);
            }
            if tokio::time::Instant::now() > deadline {
                anyhow::bail!(
                    "{region}: {what} did not happen within {} s",
                    limit.as_secs()
                );
            }
            // Woken by any Raft progress of this node, at least every 100 ms.
            let _ = tokio::time::timeout(Duration::from_millis(100), m.changed()).await;
        }
    }

    /// The `export …` line to use the CLI against a region as one of its people.
    pub fn env_for(&self, region: &str, person: &str) -> String {
        format!(
            "export SANXIANG_TOPOLOGY={} SANXIANG_REGION={} SANXIANG_CA={} SANXIANG_PEOPLE={} SANXIANG_AS={}",
            self.topology_path.display(),
            region,
            issue::ca_cert_path(&self.pki).display(),
            self.pki.join("people").join(region).display(),
            person
        )
    }

    pub async fn shutdown(self) {
        for (_, n) in self.nodes {
            n.shutdown().await;
        }
    }
}
