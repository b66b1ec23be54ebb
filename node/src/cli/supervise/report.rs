//! `sanxiang report …`: quarterly and staged progress reports (SUP-1, SUP-3) — draft, submit,
//! accept or return, due rules and periods (here and pushed down), closing agencies.
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde_json::Value;

use super::{n, txt, unit, unit_key, when};
use crate::cli::conn::{print_json_or, Conn};
use crate::cli::records::{exec, query_value, Common};
use crate::domain::command::cmd;
use crate::domain::federation::downlink::{DownBody, SETTING_PERIOD, SETTING_REPORT_DUE};
use crate::domain::supervision::report::{Attachment, DraftReport, DueRule, Narrative, Period};
use crate::domain::Command;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Draft (or redraft after a return) a report for a period. Without --agency it is the
    /// region's own report, compiled at submission from its agencies' reports and records.
    Draft(DraftArgs),
    /// Submit a draft: figures are filled from the records at this moment.
    Submit {
        #[arg(long)]
        id: u64,
        #[command(flatten)]
        common: Common,
    },
    /// Accept a report, or return it with reasons (an agency's of this region, or a direct
    /// child region's).
    Judge {
        /// `region` or `region#agency`.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        period: String,
        /// Return with these reasons instead of accepting.
        #[arg(long = "return")]
        return_reasons: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// When quarterly reports are due: N calendar (or --working) days after quarter end.
    Due {
        #[arg(long)]
        days: u32,
        #[arg(long)]
        working: bool,
        /// Also send the rule to every region below (from the topology), so one definition
        /// governs the whole subtree.
        #[arg(long)]
        down: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Define a staged or dated report (SUP-3), e.g. a pilot's June progress report.
    Period {
        #[arg(long)]
        id: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        start: NaiveDate,
        #[arg(long)]
        end: NaiveDate,
        #[arg(long)]
        due: NaiveDate,
        /// Also send the period to every region below (from the topology).
        #[arg(long)]
        down: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Close an agency (or merge it into another) from a day: it is no longer expected to report.
    CloseAgency {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        on: NaiveDate,
        #[arg(long)]
        merged_into: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
    /// Reports of this region's units and those received from below.
    List {
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
}

/// `report draft`.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The reporting agency's id; omit for the region's (judicial bureau's) report.
    #[arg(long)]
    agency: Option<u64>,
    /// A quarter such as 2026Q3, or a staged period id.
    #[arg(long)]
    period: String,
    /// 主要做法 What was done.
    #[arg(long)]
    done: String,
    /// 取得成效 Results.
    #[arg(long, default_value = "")]
    results: String,
    /// 存在问题及原因 Problems and their causes.
    #[arg(long, default_value = "")]
    problems: String,
    /// 下一步措施 Measures.
    #[arg(long, default_value = "")]
    measures: String,
    /// 意见建议 Suggestions.
    #[arg(long, default_value = "")]
    suggestions: String,
    /// An attachment file (repeatable); it is kept by name and SHA-256.
    #[arg(long = "attach")]
    attachments: Vec<PathBuf>,
    /// A same-level government recipient of a copy (repeatable).
    #[arg(long = "copy-to")]
    copies_to: Vec<String>,
    #[command(flatten)]
    common: Common,
}

pub async fn report(c: ReportCmd) -> anyhow::Result<()> {
    match c {
        ReportCmd::Draft(a) => draft(a).await,
        ReportCmd::Submit { id, common } => {
            exec(&common, Command::SubmitReport(cmd::SubmitReport { id })).await
        }
        ReportCmd::Judge {
            unit: u,
            period,
            return_reasons,
            common,
        } => {
            let cmd = Command::JudgeReport(cmd::JudgeReport {
                unit: unit(&u)?,
                period,
                accept: return_reasons.is_none(),
                reasons: return_reasons.unwrap_or_default(),
            });
            exec(&common, cmd).await
        }
        ReportCmd::Due {
            days,
            working,
            down,
            common,
        } => {
            let rule = DueRule { days, working };
            let value = serde_json::to_string(&rule)?;
            let cmd = Command::SetReportDue(rule);
            set_rule(&common, cmd, down, SETTING_REPORT_DUE, &value).await
        }
        ReportCmd::Period {
            id,
            title,
            start,
            end,
            due,
            down,
            common,
        } => {
            let p = Period {
                id,
                title,
                start,
                end,
                due,
            };
            let value = serde_json::to_string(&p)?;
            set_rule(
                &common,
                Command::DefinePeriod(p),
                down,
                SETTING_PERIOD,
                &value,
            )
            .await
        }
        ReportCmd::CloseAgency {
            id,
            on,
            merged_into,
            common,
        } => {
            let cmd = Command::CloseAgency(cmd::CloseAgency {
                id,
                on,
                merged_into,
            });
            exec(&common, cmd).await
        }
        ReportCmd::List { conn, json } => print_json_or(
            &query_value(&conn, "reports", 0).await?,
            json,
            print_reports,
        ),
    }
}

async fn draft(a: DraftArgs) -> anyhow::Result<()> {
    let attachments = a
        .attachments
        .iter()
        .map(attachment)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let d = DraftReport {
        agency: a.agency,
        period: a.period,
        narrative: Narrative {
            done: a.done,
            results: a.results,
            problems: a.problems,
            measures: a.measures,
            suggestions: a.suggestions,
        },
        attachments,
        copies_to: a.copies_to,
    };
    exec(&a.common, Command::DraftReport(d)).await
}

fn attachment(p: &PathBuf) -> anyhow::Result<Attachment> {
    let bytes = std::fs::read(p).with_context(|| format!("reading attachment {}", p.display()))?;
    let d = ring::digest::digest(&ring::digest::SHA256, &bytes);
    Ok(Attachment {
        name: p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: hex::encode(d.as_ref()),
        bytes: bytes.len() as u64,
    })
}

/// Sets a rule here and, with `down`, sends it as the setting `key` to every region below.
async fn set_rule(
    common: &Common,
    command: Command,
    down: bool,
    key: &str,
    value: &str,
) -> anyhow::Result<()> {
    exec(common, command).await?;
    if down {
        send_down_setting(common, key, value).await?;
    }
    Ok(())
}

/// Sends a setting to every region below the connected one, one write each, with progress.
pub async fn send_down_setting(common: &Common, key: &str, value: &str) -> anyhow::Result<()> {
    let (Some(path), Some(region)) = (&common.conn.topology, &common.conn.region) else {
        bail!("--down needs --topology and --region (or SANXIANG_TOPOLOGY and SANXIANG_REGION)");
    };
    let topology = crate::config::Topology::load(path)?;
    let below: Vec<String> = topology
        .regions()
        .filter(|r| r.id != *region && crate::domain::core::region::in_subtree(&r.id, region))
        .map(|r| r.id.clone())
        .collect();
    if below.is_empty() {
        bail!("{region} has no region below it in {}", path.display());
    }
    for (i, to) in below.iter().enumerate() {
        let mut c = common.clone();
        c.ids.request_id = common.ids.request_id + 1 + i as u64;
        if !common.json {
            eprintln!("下发 sending down {}/{}: {to}", i + 1, below.len());
        }
        let body = DownBody::Setting {
            key: key.to_string(),
            value: value.to_string(),
        };
        exec(
            &c,
            Command::SendDown(cmd::SendDown {
                to: to.clone(),
                body,
            }),
        )
        .await?;
    }
    Ok(())
}

fn print_reports(v: &Value) {
    let line = |r: &Value| {
        let unit = unit_key(&r["unit"]);
        let state = match r["state"].as_str() {
            Some(x) => x.to_string(),
            None => r["state"]
                .as_object()
                .and_then(|o| o.iter().next())
                .map(|(k, v)| format!("{k}: {}", txt(v, "reasons")))
                .unwrap_or_default(),
        };
        format!(
            "#{:<4} {:<32} {:<8} v{} {:<28} 报送 submitted {}  截止 due {}",
            n(r, "id"),
            unit,
            txt(r, "period"),
            n(r, "version"),
            state,
            when(&r["submitted_ms"]),
            txt(r, "due")
        )
    };
    let own = v["own"].as_array().cloned().unwrap_or_default();
    println!(
        "本级及所属单位的报告 reports of this region's units: {}",
        own.len()
    );
    for r in &own {
        println!("  {}", line(r));
    }
    let got = v["received"].as_array().cloned().unwrap_or_default();
    println!("收到的下级报告 received from below: {}", got.len());
    for h in &got {
        println!(
            "  {}  收到 received {}{}{}",
            line(&h["report"]),
            when(&h["received_ms"]),
            if h["on_time"].as_bool().unwrap_or(false) {
                ""
            } else {
                "  逾期 late"
            },
            if h["to_judge"].as_bool().unwrap_or(false) {
                "  待核 to judge"
            } else {
                ""
            }
        );
    }
}
