//! Commands of the three systems: officers, certificates, catalog, calendar, cases.
//! Each builds a domain command, sends it through `Execute`, and prints the record id and any
//! flags — or the refusal with its rule id (non-zero exit).
use clap::Args;
use sanxiang_proto::region as pb;

use super::agency::WriteIds;
use super::conn::{print_json, refused, Conn};
use crate::domain::Command;

mod case;
mod catalog;
mod decision;
mod officer;
mod parse;
mod publication;

pub use case::{case, CaseCmd, ForumArg, OpinionArg, PartyArg, ProcedureArg, ResultArg};
pub use catalog::{calendar, catalog, CalendarCmd, CatalogCmd};
pub use officer::{cert, officer, CertCmd, DutyArg, OfficerCmd};
pub use publication::{publication, PublicationCmd};

/// Shared by every record command.
#[derive(Debug, Clone, Args)]
pub struct Common {
    #[command(flatten)]
    pub ids: WriteIds,
    #[command(flatten)]
    pub conn: Conn,
    #[arg(long)]
    pub json: bool,
}

pub(crate) async fn exec(c: &Common, command: Command) -> anyhow::Result<()> {
    let mut client = c.conn.client()?;
    let req = pb::ExecuteRequest {
        write_id: Some(c.ids.write_id()),
        command_json: serde_json::to_string(&command)?,
    };
    let r = client
        .call(|mut cl| {
            let req = req.clone();
            async move { cl.execute(req).await }
        })
        .await?;
    let (named, text) = match r.outcome {
        Some(pb::write_reply::Outcome::Record(rec)) => {
            let mut text = format!(
                "完成 ok: {} → id {} (账本叶 leaf {})",
                command.name(),
                rec.id,
                r.leaf_index
            );
            for f in &rec.flags {
                text.push_str(&format!("\n  标记 flag: {f}"));
            }
            (serde_json::json!({"id": rec.id, "flags": rec.flags}), text)
        }
        Some(pb::write_reply::Outcome::Refused(f)) => return refused(&f, c.json),
        // Accepted with nothing to name (a setting), or an agency record (closure).
        Some(pb::write_reply::Outcome::Agency(a)) => {
            let text = format!(
                "完成 ok: {} → agency {} (账本叶 leaf {})",
                command.name(),
                a.id,
                r.leaf_index
            );
            (serde_json::json!({"id": a.id}), text)
        }
        None => {
            let text = format!("完成 ok: {} (账本叶 leaf {})", command.name(), r.leaf_index);
            (serde_json::json!({}), text)
        }
    };
    if c.json {
        let mut v = named;
        v["log_index"] = r.log_index.into();
        v["leaf_index"] = r.leaf_index.into();
        v["deduplicated"] = r.deduplicated.into();
        return print_json(&v);
    }
    println!("{text}");
    Ok(())
}

/// Runs a JSON query of the region's records (`Region.Query`).
pub(crate) async fn query_value(
    conn: &Conn,
    what: &str,
    id: u64,
) -> anyhow::Result<serde_json::Value> {
    let mut client = conn.client()?;
    let req = pb::QueryRequest {
        consistency: 0,
        what: what.into(),
        id,
    };
    let r = client
        .call(|mut cl| {
            let req = req.clone();
            async move { cl.query(req).await }
        })
        .await?;
    Ok(serde_json::from_str(&r.json)?)
}

async fn query(conn: &Conn, what: &str, id: u64) -> anyhow::Result<()> {
    print_json(&query_value(conn, what, id).await?)
}
