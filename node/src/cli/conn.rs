//! Connection options shared by client commands, and output helpers.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use sanxiang_proto::region as pb;

use crate::client::Client;
use crate::config::Topology;
use crate::pki::TlsMaterial;

/// Where to connect and who you are.
#[derive(Debug, Clone, Args)]
pub struct Conn {
    /// Node addresses (host:port), comma-separated; any node of the region will do.
    #[arg(long, env = "SANXIANG_ENDPOINTS", value_delimiter = ',')]
    pub endpoints: Vec<String>,
    /// Topology file; with --region, the region's node addresses are used as endpoints.
    #[arg(long, env = "SANXIANG_TOPOLOGY")]
    pub topology: Option<PathBuf>,
    /// Region to talk to (e.g. hunan/changsha/liuyang). Servers must present a node
    /// certificate of this region.
    #[arg(long, env = "SANXIANG_REGION")]
    pub region: Option<String>,
    /// CA certificate of the deployment (ca.pem).
    #[arg(long, env = "SANXIANG_CA")]
    pub ca: PathBuf,
    /// Your certificate (from `sanxiang pki issue`).
    #[arg(long, env = "SANXIANG_CERT")]
    pub cert: Option<PathBuf>,
    /// Your private key.
    #[arg(long, env = "SANXIANG_KEY")]
    pub key: Option<PathBuf>,
    /// Act as ORGAN/ROLE-NAME: use <people dir>/ORGAN/ROLE-NAME.pem and .key (e.g.
    /// --as agency-1/officer-zhang, --as bureau/supervisor-sup).
    #[arg(long = "as", env = "SANXIANG_AS")]
    pub as_person: Option<String>,
    /// Directory of person certificates for --as (pki/people/<region>).
    #[arg(long, env = "SANXIANG_PEOPLE")]
    pub people: Option<PathBuf>,
    /// Give up after this many seconds without an answer.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
}

impl Conn {
    /// Builds the client.
    pub fn client(&self) -> anyhow::Result<Client> {
        let tls = self.tls()?;
        let mut endpoints = self.endpoints.clone();
        if endpoints.is_empty() {
            endpoints = self.nodes()?.iter().map(|n| n.grpc.clone()).collect();
        }
        Ok(Client::new(
            &endpoints,
            &tls,
            self.region.as_deref(),
            Duration::from_secs(self.timeout_secs),
        )?)
    }

    /// The region's nodes from the topology.
    pub fn nodes(&self) -> anyhow::Result<Vec<crate::config::NodeSpec>> {
        let (Some(t), Some(r)) = (&self.topology, &self.region) else {
            bail!("give --endpoints, or --topology and --region");
        };
        let topo = Topology::load(t)?;
        Ok(topo.region(r)?.nodes.clone())
    }

    /// Your certificate, key and the deployment's CA.
    pub fn tls(&self) -> anyhow::Result<TlsMaterial> {
        let (cert, key) = match (&self.as_person, &self.cert, &self.key) {
            (Some(who), _, _) => {
                let dir = self
                    .people
                    .as_ref()
                    .context("--as needs --people (or SANXIANG_PEOPLE)")?;
                let ok = who.split_once('/').is_some_and(|(organ, person)| {
                    crate::domain::Organ::parse(organ).is_some()
                        && !person.is_empty()
                        && !person.contains(['/', '\\'])
                        && !person.starts_with('.')
                });
                if !ok {
                    bail!(
                        "--as {who:?}: give ORGAN/ROLE-NAME, e.g. agency-1/officer-zhang or bureau/clerk-zhang"
                    );
                }
                (
                    dir.join(format!("{who}.pem")),
                    dir.join(format!("{who}.key")),
                )
            }
            (None, Some(c), Some(k)) => (c.clone(), k.clone()),
            _ => bail!("give --cert and --key, or --as ORGAN/ROLE-NAME with --people DIR"),
        };
        TlsMaterial::load(&self.ca, &cert, &key).context("loading your certificate")
    }
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Prints a value as pretty JSON with `--json`, else as text.
pub fn print_json_or(
    v: &serde_json::Value,
    json: bool,
    text: impl FnOnce(&serde_json::Value),
) -> anyhow::Result<()> {
    if json {
        return print_json(v);
    }
    text(v);
    Ok(())
}

/// A refused write as an error (non-zero exit); with `--json` the refusal is printed first.
pub fn refused<T>(f: &pb::Refusal, json: bool) -> anyhow::Result<T> {
    if json {
        print_json(&serde_json::json!({"refused": {"rule": f.rule, "message": f.message}}))?;
    }
    bail!("拒绝 refused ({}): {}", f.rule, f.message)
}

/// Formats Unix ms as UTC+8 local time.
pub fn beijing(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600);
    match (chrono::DateTime::from_timestamp_millis(ms), tz) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => ms.to_string(),
    }
}
