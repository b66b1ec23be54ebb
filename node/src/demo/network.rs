//! The demo network: every region of `cluster-config/demo.toml`, three nodes each, in this
//! process on free loopback ports (the file's fixed ports are for separate `serve` processes).
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::app::network::{self, Network, Options};
use crate::clock::Clock;
use crate::config::{RaftTimings, Topology};
use crate::domain::{
    Actor, Command, CommandResult, Envelope, Organ, Outcome, Person, Role, RULES_VERSION,
};
use crate::pki::issue;
use crate::raft::NodeCtx;

/// The demo deployment, as shipped.
pub const DEMO_TOPOLOGY: &str = include_str!("../../../cluster-config/demo.toml");

/// sled cache per node: 21 nodes share one process.
const CACHE_BYTES: u64 = 2 * 1024 * 1024;

/// People issued in every region (organ, role, user): the judicial bureau's clerk, supervisor,
/// inspector, head and monitor; agency 1's clerk, head, two officers and reviewer; agency 2's
/// head.
pub const PEOPLE: [(Organ, Role, &str); 11] = [
    (Organ::Bureau, Role::Clerk, "clerk"),
    (Organ::Bureau, Role::Supervisor, "sup"),
    (Organ::Bureau, Role::Inspector, "li"),
    (Organ::Bureau, Role::Head, "zhou"),
    (Organ::Bureau, Role::Monitor, "monitor"),
    (Organ::Agency(1), Role::Clerk, "clerk"),
    (Organ::Agency(1), Role::Head, "zhao"),
    (Organ::Agency(1), Role::Officer, "zhang"),
    (Organ::Agency(1), Role::Officer, "li"),
    (Organ::Agency(1), Role::Reviewer, "wang"),
    (Organ::Agency(2), Role::Head, "sun"),
];

pub struct DemoNetwork {
    pub net: Network,
    request: std::sync::atomic::AtomicU64,
}

impl DemoNetwork {
    /// Starts every region of the demo topology under `dir`, its nodes on `clock`, and issues
    /// [`PEOPLE`] in every region.
    pub async fn start(
        dir: &std::path::Path,
        timings: RaftTimings,
        clock: Clock,
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<DemoNetwork> {
        let shipped = Topology::parse(DEMO_TOPOLOGY).context("the shipped demo topology")?;
        let options = Options {
            clock,
            cache_bytes: CACHE_BYTES,
            leader_within: Duration::from_secs(60),
            web: true,
            ..Options::new(timings)
        };
        let net = Network::start(&shipped, dir, options, progress).await?;
        for r in net.regions() {
            for (organ, role, name) in PEOPLE {
                net.issue_person(&r, organ, role, name)?;
            }
        }
        Ok(DemoNetwork {
            net,
            request: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// Region ids, parents first.
    pub fn regions(&self) -> Vec<String> {
        self.net.regions()
    }

    /// The clock the network's leaders stamp with.
    pub fn clock(&self) -> &Clock {
        self.net.clock()
    }

    /// A node of a region (node 1).
    pub fn ctx(&self, region: &str) -> anyhow::Result<Arc<NodeCtx>> {
        self.net
            .node(region, 1)
            .map(|n| n.ctx.clone())
            .with_context(|| format!("no node 1 in {region}"))
    }

    /// Runs a command as a person of `region`; a refusal is an error naming the rule.
    pub async fn exec(
        &self,
        region: &str,
        organ: Organ,
        role: Role,
        user: &str,
        command: Command,
    ) -> anyhow::Result<CommandResult> {
        let name = command.name();
        let env = Envelope {
            actor: Actor::Person(Person {
                region: region.to_string(),
                organ,
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

    /// Waits until `f` answers on node 1 of `region`, looking again on its Raft progress.
    pub async fn wait<T>(
        &self,
        region: &str,
        what: &str,
        limit: Duration,
        f: impl Fn(&NodeCtx) -> Option<T>,
    ) -> anyhow::Result<T> {
        network::wait_on(&*self.ctx(region)?, what, limit, f).await
    }

    /// The `export …` line to use the CLI against a region as one of its people.
    pub fn env_for(&self, region: &str, person: &str) -> String {
        format!(
            "export SANXIANG_TOPOLOGY={} SANXIANG_REGION={} SANXIANG_CA={} SANXIANG_PEOPLE={} SANXIANG_AS={}",
            self.net.topology_path().display(),
            region,
            issue::ca_cert_path(&self.net.pki).display(),
            self.net.pki.join("people").join(region).display(),
            person
        )
    }

    /// The web address of a region's node 1.
    pub fn web_addr(&self, region: &str) -> Option<std::net::SocketAddr> {
        self.net.node(region, 1).and_then(|n| n.http_addr)
    }

    /// A one-time sign-in link for a person of the demo (made by the region's node 1).
    pub async fn sign_in_link(
        &self,
        region: &str,
        organ: Organ,
        role: Role,
        user: &str,
    ) -> anyhow::Result<String> {
        let addr = self
            .web_addr(region)
            .with_context(|| format!("{region} serves no web pages"))?;
        let tls = self.net.person(region, organ, role, user)?;
        let v =
            crate::web::client::request_link(&tls, region, addr, Duration::from_secs(10)).await?;
        Ok(v["url"].as_str().unwrap_or_default().to_string())
    }

    pub async fn shutdown(self) {
        self.net.shutdown().await;
    }
}
