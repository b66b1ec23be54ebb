//! `sanxiang agency add | update | list | import`.
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use sanxiang_proto::region as pb;

use super::conn::{beijing, print_json, refused, Conn};
use crate::client::{new_client_id, Client};

#[derive(Debug, Clone, Args)]
pub struct AgencyFields {
    /// Agency name, e.g. 浏阳市市场监督管理局.
    #[arg(long)]
    pub name: String,
    /// Kinds of power, comma-separated: licensing, penalty, coercion, inspection,
    /// expropriation, fee, confirmation, benefit, adjudication, award, other.
    #[arg(long, value_delimiter = ',', required = true)]
    pub powers: Vec<String>,
    /// Legal basis of its powers.
    #[arg(long)]
    pub legal_basis: String,
    /// Enforcement domain (sector), e.g. 市场监管.
    #[arg(long)]
    pub domain: String,
    /// Public contact (phone, address of the office).
    #[arg(long, default_value = "")]
    pub contact: String,
}

impl AgencyFields {
    fn to_pb(&self) -> pb::AgencyInput {
        pb::AgencyInput {
            name: self.name.clone(),
            powers: self.powers.clone(),
            legal_basis: self.legal_basis.clone(),
            domain: self.domain.clone(),
            contact: self.contact.clone(),
        }
    }
}

/// Dedup ids; set them to retry a write safely from a script.
#[derive(Debug, Clone, Args)]
pub struct WriteIds {
    /// Client id for deduplication (default: a new one per run).
    #[arg(long)]
    pub client_id: Option<String>,
    /// Request id for deduplication (default: 1).
    #[arg(long, default_value_t = 1)]
    pub request_id: u64,
}

impl WriteIds {
    /// The write id: the given client id (or a new one) and request id.
    pub fn write_id(&self) -> pb::WriteId {
        pb::WriteId {
            client_id: self.client_id.clone().unwrap_or_else(new_client_id),
            request_id: self.request_id,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AgencyCmd {
    /// Register an agency (clerk or head of the region).
    Add {
        #[command(flatten)]
        fields: AgencyFields,
        #[command(flatten)]
        ids: WriteIds,
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
    /// Update an agency's data.
    Update {
        /// Agency id.
        #[arg(long)]
        id: u64,
        /// Refuse unless the agency is at this version.
        #[arg(long)]
        expected_version: Option<u64>,
        #[command(flatten)]
        fields: AgencyFields,
        #[command(flatten)]
        ids: WriteIds,
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
    /// List the region's agencies.
    List {
        /// Read this node's state without confirming with the leader.
        #[arg(long)]
        stale: bool,
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
    /// Register many agencies from a JSON-lines file ({"name":…, "powers":[…],
    /// "legal_basis":…, "domain":…, "contact":…} per line), showing progress.
    Import {
        /// The file.
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        ids: WriteIds,
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
}

fn agency_json(a: &pb::Agency) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "name": a.name, "powers": a.powers, "legal_basis": a.legal_basis,
        "domain": a.domain, "contact": a.contact, "version": a.version,
        "created_at": beijing(a.created_at_ms), "updated_at": beijing(a.updated_at_ms),
        "created_by": a.created_by,
    })
}

/// Prints a write reply; a refusal is an error (non-zero exit).
fn report(r: &pb::WriteReply, json: bool) -> anyhow::Result<()> {
    match &r.outcome {
        Some(pb::write_reply::Outcome::Agency(a)) => {
            if json {
                print_json(&serde_json::json!({
                    "agency": agency_json(a), "log_index": r.log_index,
                    "leaf_index": r.leaf_index, "deduplicated": r.deduplicated,
                }))
            } else {
                println!(
                    "已登记 agency {} 「{}」 (版本 {}, 账本叶 leaf {}{})",
                    a.id,
                    a.name,
                    a.version,
                    r.leaf_index,
                    if r.deduplicated {
                        ", 重复请求 retried"
                    } else {
                        ""
                    }
                );
                Ok(())
            }
        }
        Some(pb::write_reply::Outcome::Refused(f)) => refused(f, json),
        _ => bail!("unexpected reply"),
    }
}

async fn register(
    c: &mut Client,
    input: pb::AgencyInput,
    client_id: &str,
    request_id: u64,
) -> anyhow::Result<pb::WriteReply> {
    let req = pb::RegisterAgencyRequest {
        write_id: Some(pb::WriteId {
            client_id: client_id.to_string(),
            request_id,
        }),
        agency: Some(input),
    };
    Ok(c.call(|mut cl| {
        let req = req.clone();
        async move { cl.register_agency(req).await }
    })
    .await?)
}

#[derive(serde::Deserialize)]
struct ImportLine {
    name: String,
    powers: Vec<String>,
    legal_basis: String,
    domain: String,
    #[serde(default)]
    contact: String,
}

pub async fn run(c: AgencyCmd) -> anyhow::Result<()> {
    match c {
        AgencyCmd::Add {
            fields,
            ids,
            conn,
            json,
        } => {
            let mut client = conn.client()?;
            let cid = ids.client_id.unwrap_or_else(new_client_id);
            let r = register(&mut client, fields.to_pb(), &cid, ids.request_id).await?;
            report(&r, json)
        }
        AgencyCmd::Update {
            id,
            expected_version,
            fields,
            ids,
            conn,
            json,
        } => {
            let mut client = conn.client()?;
            let req = pb::UpdateAgencyRequest {
                write_id: Some(ids.write_id()),
                id,
                agency: Some(fields.to_pb()),
                expected_version,
            };
            let r = client
                .call(|mut cl| {
                    let req = req.clone();
                    async move { cl.update_agency(req).await }
                })
                .await?;
            report(&r, json)
        }
        AgencyCmd::List { stale, conn, json } => list(&conn, stale, json).await,
        AgencyCmd::Import {
            file,
            ids,
            conn,
            json,
        } => import(&file, ids, &conn, json).await,
    }
}

/// `agency list`: every page of the registry.
async fn list(conn: &Conn, stale: bool, json: bool) -> anyhow::Result<()> {
    let mut client = conn.client()?;
    let consistency = if stale {
        pb::Consistency::Stale
    } else {
        pb::Consistency::Linearizable
    } as i32;
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let req = pb::ListAgenciesRequest {
            consistency,
            after_id: after,
            limit: 0,
        };
        let page = client
            .call(|mut cl| async move { cl.list_agencies(req).await })
            .await?;
        let n = page.agencies.len();
        if let Some(last) = page.agencies.last() {
            after = last.id;
        }
        all.extend(page.agencies);
        if n == 0 || all.len() as u64 >= page.total {
            break;
        }
    }
    if json {
        return print_json(&all.iter().map(agency_json).collect::<Vec<_>>());
    }
    println!(
        "{:>6}  {:<30}  {:<12}  权力 powers",
        "id", "名称 name", "领域 domain"
    );
    for a in &all {
        println!(
            "{:>6}  {:<30}  {:<12}  {}",
            a.id,
            a.name,
            a.domain,
            a.powers.join(",")
        );
    }
    println!("共 {} 个执法机关 agencies", all.len());
    Ok(())
}

/// The agencies of a JSON-lines file; blank lines are skipped.
fn read_import(file: &Path) -> anyhow::Result<Vec<ImportLine>> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut lines = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}: line {}", file.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: ImportLine = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {} is not a valid agency", file.display(), i + 1))?;
        lines.push(l);
    }
    Ok(lines)
}

/// `agency import`: one registration per line, request ids counting up from --request-id.
async fn import(file: &Path, ids: WriteIds, conn: &Conn, json: bool) -> anyhow::Result<()> {
    let lines = read_import(file)?;
    let mut client = conn.client()?;
    let cid = ids.client_id.unwrap_or_else(new_client_id);
    let (mut ok, mut refused) = (0u64, Vec::new());
    let total = lines.len();
    for (i, l) in lines.into_iter().enumerate() {
        let input = pb::AgencyInput {
            name: l.name,
            powers: l.powers,
            legal_basis: l.legal_basis,
            domain: l.domain,
            contact: l.contact,
        };
        let r = register(&mut client, input, &cid, ids.request_id + i as u64).await?;
        match r.outcome {
            Some(pb::write_reply::Outcome::Agency(_)) => ok += 1,
            Some(pb::write_reply::Outcome::Refused(f)) => {
                refused.push(format!("line {}: {}: {}", i + 1, f.rule, f.message))
            }
            _ => refused.push(format!("line {}: unexpected reply", i + 1)),
        }
        if !json && ((i + 1) % 100 == 0 || i + 1 == total) {
            eprintln!("  进度 progress {}/{}", i + 1, total);
        }
    }
    if json {
        print_json(&serde_json::json!({"registered": ok, "refused": refused, "client_id": cid}))?;
    } else {
        println!(
            "已登记 {ok} 个，拒绝 {} 个 (client id {cid})",
            refused.len()
        );
        for r in &refused {
            println!("  {r}");
        }
    }
    if !refused.is_empty() {
        bail!("{} lines refused", refused.len());
    }
    Ok(())
}
