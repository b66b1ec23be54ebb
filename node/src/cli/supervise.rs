//! Supervision commands: quarterly reports (SUP-1, SUP-3), circulated notices (SUP-2) and
//! monitoring of every region below (SUP-4, SUP-5, SUP-7).
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use sanxiang_proto::region as pb;
use serde_json::Value;

use super::conn::{beijing, print_json, Conn};
use super::records::{exec, Common};
use crate::domain::command::cmd;
use crate::domain::federation::downlink::{DownBody, SETTING_PERIOD, SETTING_REPORT_DUE};
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, Stage, MAX_NAMED};
use crate::domain::supervision::report::{
    Attachment, DraftReport, DueRule, Narrative, Period, Unit,
};
use crate::domain::Command;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Draft (or redraft after a return) a report for a period. Without --agency it is the
    /// region's own report, compiled at submission from its agencies' reports and records.
    Draft {
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
    },
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Criticism,
    Commendation,
    Situation,
    Rectification,
    Handling,
}

impl KindArg {
    fn kind(self) -> NoticeKind {
        match self {
            KindArg::Criticism => NoticeKind::Criticism,
            KindArg::Commendation => NoticeKind::Commendation,
            KindArg::Situation => NoticeKind::Situation,
            KindArg::Rectification => NoticeKind::Rectification,
            KindArg::Handling => NoticeKind::Handling,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum NoticeCmd {
    /// Draft a notice naming units (supervisor or inspector).
    Draft {
        #[arg(long, value_enum)]
        kind: KindArg,
        #[arg(long)]
        title: String,
        #[arg(long)]
        text: String,
        /// A named unit, `region` or `region#agency` (repeatable).
        #[arg(long = "unit", required = true)]
        units: Vec<String>,
        /// A person named (criticism only; repeatable).
        #[arg(long = "person")]
        persons: Vec<String>,
        /// Rectification deadline.
        #[arg(long)]
        deadline: Option<NaiveDate>,
        #[command(flatten)]
        common: Common,
    },
    /// Draft a notice from the qualifying list in one step: every unit found (optionally only
    /// for the given reasons) is named, and the findings become the notice's basis and text.
    DraftFromQualifying {
        #[arg(long, value_enum)]
        kind: KindArg,
        #[arg(long)]
        title: String,
        /// Only units in this region's subtree (default: the whole subtree of the region you
        /// are connected to).
        #[arg(long = "of", default_value = "")]
        of: String,
        #[arg(long, default_value = "")]
        period: String,
        /// Only these reasons (report_missing, report_late, publication_overdue,
        /// review_overdue, reviewer_ratio_below_5_percent, certificate_expired, tamper_alert),
        /// comma-separated.
        #[arg(long, value_delimiter = ',')]
        reason: Vec<String>,
        #[arg(long)]
        deadline: Option<NaiveDate>,
        #[command(flatten)]
        common: Common,
    },
    /// Sign off a drafted notice (the organ's head): assigns the document number and issues it.
    Sign {
        #[arg(long)]
        id: u64,
        /// Document number prefix, e.g. 湘司通 → 湘司通〔2026〕1号.
        #[arg(long)]
        prefix: String,
        #[command(flatten)]
        common: Common,
    },
    /// Answer a notice received by a unit of this region: acknowledge, or submit rectification.
    Answer {
        /// The issuing region.
        #[arg(long)]
        issuer: String,
        /// The issuer's notice id.
        #[arg(long)]
        id: u64,
        /// The named unit, `region` or `region#agency`.
        #[arg(long)]
        unit: String,
        /// Submit this rectification report instead of acknowledging.
        #[arg(long)]
        rectification: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Close a unit's notice, or return its rectification with reasons (the issuer).
    Judge {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        unit: String,
        #[arg(long = "return")]
        return_reasons: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Notices issued here, with each named unit's stage, and notices received by this
    /// region's units (the inbox).
    List {
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Drill down to this region below the one you are connected to, e.g.
    /// `--of hunan/changsha/ningxiang` (default: the region you are connected to).
    #[arg(long = "of", default_value = "")]
    pub of: String,
    /// A quarter such as 2026Q3 or a staged period id (default: the last quarter).
    #[arg(long, default_value = "")]
    pub period: String,
    /// Show the units that qualify for a notice instead.
    #[arg(long)]
    pub qualifying: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Conn,
}

fn unit(s: &str) -> anyhow::Result<Unit> {
    Unit::parse(s).with_context(|| format!("{s:?} is not a unit: write region or region#agency"))
}

/// Sends a setting to every region below the connected one, one write each, with progress.
async fn send_down_setting(common: &Common, key: &str, value: &str) -> anyhow::Result<()> {
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

/// At most `max` bytes of `s`, cut at a character boundary.
fn clip(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
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

fn txt<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

fn when(v: &Value) -> String {
    v.as_i64().map(beijing).unwrap_or_else(|| "—".into())
}

/// A unit as JSON, written the way commands take it (`region` or `region#agency`).
fn unit_key(v: &Value) -> String {
    serde_json::from_value::<Unit>(v.clone())
        .map(|u| u.key())
        .unwrap_or_default()
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

/// Chinese labels for the kinds and stages as JSON names them.
fn label(name: &str) -> String {
    let kind = NoticeKind::ALL
        .into_iter()
        .find(|k| format!("{k:?}") == name)
        .map(|k| k.label());
    let stage = [
        Stage::Issued,
        Stage::Delivered,
        Stage::Acknowledged,
        Stage::Rectified,
        Stage::Returned,
        Stage::Closed,
    ]
    .into_iter()
    .find(|st| format!("{st:?}") == name)
    .map(|st| st.label());
    kind.or(stage)
        .map(|l| format!("{l} {name}"))
        .unwrap_or_else(|| name.to_string())
}

fn print_notices(v: &Value) {
    let issued = v["issued"].as_array().cloned().unwrap_or_default();
    println!("本级发出的通报 notices issued here: {}", issued.len());
    for x in &issued {
        let d = &x["draft"];
        println!(
            "  #{} {} {} 《{}》{}",
            n(x, "id"),
            x["number"].as_str().unwrap_or("（未签发 not signed off）"),
            label(txt(d, "kind")),
            txt(d, "title"),
            d["deadline"]
                .as_str()
                .map(|t| format!(" 整改期限 deadline {t}"))
                .unwrap_or_default()
        );
        if let Some(units) = x["units"].as_object() {
            for (u, p) in units {
                println!(
                    "      → {u}: {}{}",
                    label(txt(p, "stage")),
                    if p["escalated"].as_bool().unwrap_or(false) {
                        "  ⚠ 逾期督办 escalated"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    let inbox = v["inbox"].as_array().cloned().unwrap_or_default();
    println!("收到的通报 notices received: {}", inbox.len());
    for i in &inbox {
        let d = &i["doc"];
        let unit = unit_key(&d["unit"]);
        println!(
            "  {} #{} {} {} 《{}》 → {unit}: {}{}",
            txt(d, "issuer"),
            n(d, "id"),
            txt(d, "number"),
            label(txt(d, "kind")),
            txt(d, "title"),
            label(txt(&i["progress"], "stage")),
            d["deadline"]
                .as_str()
                .map(|t| format!("  整改期限 deadline {t}"))
                .unwrap_or_default()
        );
    }
}

pub async fn report(c: ReportCmd) -> anyhow::Result<()> {
    match c {
        ReportCmd::Draft {
            agency,
            period,
            done,
            results,
            problems,
            measures,
            suggestions,
            attachments,
            copies_to,
            common,
        } => {
            let attachments = attachments
                .iter()
                .map(attachment)
                .collect::<anyhow::Result<Vec<_>>>()?;
            let d = DraftReport {
                agency,
                period,
                narrative: Narrative {
                    done,
                    results,
                    problems,
                    measures,
                    suggestions,
                },
                attachments,
                copies_to,
            };
            exec(&common, Command::DraftReport(d)).await
        }
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
            exec(&common, Command::SetReportDue(rule)).await?;
            if down {
                send_down_setting(&common, SETTING_REPORT_DUE, &serde_json::to_string(&rule)?)
                    .await?;
            }
            Ok(())
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
            exec(&common, Command::DefinePeriod(p)).await?;
            if down {
                send_down_setting(&common, SETTING_PERIOD, &value).await?;
            }
            Ok(())
        }
        ReportCmd::CloseAgency {
            id,
            on,
            merged_into,
            common,
        } => {
            exec(
                &common,
                Command::CloseAgency(cmd::CloseAgency {
                    id,
                    on,
                    merged_into,
                }),
            )
            .await
        }
        ReportCmd::List { conn, json } => {
            let v = super::records::query_value(&conn, "reports", 0).await?;
            if json {
                return print_json(&v);
            }
            print_reports(&v);
            Ok(())
        }
    }
}

pub async fn notice(c: NoticeCmd) -> anyhow::Result<()> {
    match c {
        NoticeCmd::Draft {
            kind,
            title,
            text,
            units,
            persons,
            deadline,
            common,
        } => {
            let d = NoticeDraft {
                kind: kind.kind(),
                title,
                text,
                units: units
                    .iter()
                    .map(|u| unit(u))
                    .collect::<anyhow::Result<_>>()?,
                persons,
                deadline,
                basis: vec![],
            };
            exec(&common, Command::DraftNotice(d)).await
        }
        NoticeCmd::DraftFromQualifying {
            kind,
            title,
            of,
            period,
            reason,
            deadline,
            common,
        } => {
            let list = qualifying(&common.conn, &of, &period).await?;
            let list: Vec<&Value> = list
                .iter()
                .filter(|q| {
                    reason.is_empty()
                        || reason
                            .iter()
                            .any(|r| Some(r.as_str()) == q["reason"].as_str())
                })
                .collect();
            if list.is_empty() {
                bail!("没有符合条件的单位 no unit qualifies; nothing drafted");
            }
            let mut units: Vec<String> = Vec::new();
            let mut basis = Vec::new();
            for q in &list {
                let u = q["unit"].as_str().unwrap_or_default().to_string();
                if !units.contains(&u) {
                    if units.len() == MAX_NAMED {
                        bail!(
                            "{} 个单位符合条件，一份通报至多 {MAX_NAMED} 个 units qualify; narrow with --of or --reason",
                            list.len()
                        );
                    }
                    units.push(u.clone());
                }
                let line = format!(
                    "{}（{}）：{}",
                    q["name"].as_str().unwrap_or_default(),
                    u,
                    q["detail"].as_str().unwrap_or_default()
                );
                basis.push(clip(&line, 400));
            }
            basis.truncate(MAX_NAMED);
            let text = clip(
                &format!(
                    "经监测，下列单位存在以下问题，现予{}：\n{}",
                    kind.kind().label(),
                    basis.join("\n")
                ),
                60_000,
            );
            let d = NoticeDraft {
                kind: kind.kind(),
                title,
                text,
                units: units
                    .iter()
                    .map(|u| unit(u))
                    .collect::<anyhow::Result<_>>()?,
                persons: vec![],
                deadline,
                basis,
            };
            if !common.json {
                println!("通报对象 {} 个单位 units named:", units.len());
                for u in &units {
                    println!("  {u}");
                }
            }
            exec(&common, Command::DraftNotice(d)).await
        }
        NoticeCmd::Sign { id, prefix, common } => {
            exec(&common, Command::SignNotice(cmd::SignNotice { id, prefix })).await
        }
        NoticeCmd::Answer {
            issuer,
            id,
            unit: u,
            rectification,
            common,
        } => {
            let reply = match rectification {
                Some(text) => Reply::Rectification { text },
                None => Reply::Acknowledge,
            };
            let cmd = Command::AnswerNotice(cmd::AnswerNotice {
                issuer,
                id,
                unit: unit(&u)?,
                reply,
            });
            exec(&common, cmd).await
        }
        NoticeCmd::Judge {
            id,
            unit: u,
            return_reasons,
            common,
        } => {
            let cmd = Command::JudgeNotice(cmd::JudgeNotice {
                id,
                unit: unit(&u)?,
                close: return_reasons.is_none(),
                reasons: return_reasons.unwrap_or_default(),
            });
            exec(&common, cmd).await
        }
        NoticeCmd::List { conn, json } => {
            let v = super::records::query_value(&conn, "notices", 0).await?;
            if json {
                return print_json(&v);
            }
            print_notices(&v);
            Ok(())
        }
    }
}

async fn qualifying(conn: &Conn, region: &str, period: &str) -> anyhow::Result<Vec<Value>> {
    let mut client = conn.client()?;
    let req = pb::MonitorRequest {
        consistency: 0,
        region: region.into(),
        period: period.into(),
    };
    let r = client
        .call_monitor(|mut cl| {
            let req = req.clone();
            async move { cl.qualifying(req).await }
        })
        .await?;
    let v: Value = serde_json::from_str(&r.json)?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

fn pm(v: &Value) -> String {
    match v["permille"].as_i64() {
        Some(p) if p >= 0 => format!("{}.{}%", p / 10, p % 10),
        // Only a hostile or corrupt figure from below is negative.
        Some(p) => format!("{p}‰?"),
        None => "—".into(),
    }
}

fn n(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or(0)
}

fn print_row(r: &Value) {
    let link = &r["link"];
    let heard = if link.is_null() {
        "本级 self".to_string()
    } else if n(link, "last_heard_ms") == 0 {
        "从未 never".to_string()
    } else {
        beijing(n(link, "last_heard_ms"))
    };
    let verified = if link.is_null() {
        "—".to_string()
    } else if n(link, "alerts") > 0 {
        format!("⚠ 告警{}", n(link, "alerts"))
    } else if n(link, "head_size") > 0 && n(link, "unproven") == 0 {
        "已验证".to_string()
    } else {
        "未验证".to_string()
    };
    let rep = &r["reports"];
    println!(
        "{:<10} {:<26} {:<20} {:>5} {:<8} {:>5}/{:<3} {:>7} {:>7} {:>7} {:>4} {:>4} {:>7} {:>6} {:>4}",
        format!(
            "{}{}",
            "  ".repeat(n(r, "depth") as usize),
            r["name"].as_str().unwrap_or("")
        ),
        r["region"].as_str().unwrap_or(""),
        heard,
        if link.is_null() { 0 } else { n(link, "backlog") },
        verified,
        n(rep, "received"),
        n(rep, "expected"),
        pm(&r["reporting_rate"]),
        pm(&r["on_time_rate"]),
        pm(&r["publication_on_time_rate"]),
        n(r, "publications_overdue"),
        n(r, "reviews_overdue"),
        pm(&r["reviewer_ratio"]),
        pm(&r["correction_rate"]),
        n(r, "open_notices"),
    );
}

pub async fn monitor(a: MonitorArgs) -> anyhow::Result<()> {
    if a.qualifying {
        let list = qualifying(&a.conn, &a.of, &a.period).await?;
        if a.json {
            return print_json(&list);
        }
        if list.is_empty() {
            println!("没有符合通报条件的单位 no unit qualifies for a notice");
        }
        println!(
            "符合通报条件的单位 units qualifying for a notice: {}",
            list.len()
        );
        for q in &list {
            println!(
                "  {:<34} {:<30} [{}] {}",
                q["unit"].as_str().unwrap_or(""),
                q["name"].as_str().unwrap_or(""),
                q["reason"].as_str().unwrap_or(""),
                q["detail"].as_str().unwrap_or("")
            );
        }
        return Ok(());
    }
    let mut client = a.conn.client()?;
    let req = pb::MonitorRequest {
        consistency: 0,
        region: a.of.clone(),
        period: a.period.clone(),
    };
    let r = client
        .call_monitor(|mut cl| {
            let req = req.clone();
            async move { cl.view(req).await }
        })
        .await?;
    let v: Value = serde_json::from_str(&r.json)?;
    if a.json {
        return print_json(&v);
    }
    let p = &v["period"];
    println!(
        "{}（{}） — {} 报告截止 due {}；数据截至 as of {}（查看方 viewer {}）",
        v["region"]["name"].as_str().unwrap_or(""),
        v["region"]["region"].as_str().unwrap_or(""),
        p["title"].as_str().unwrap_or(""),
        p["due"].as_str().unwrap_or(""),
        beijing(n(&v, "as_of_ms")),
        v["viewer"].as_str().unwrap_or("")
    );
    println!(
        "{:<10} {:<26} {:<20} {:>5} {:<8} {:>9} {:>7} {:>7} {:>7} {:>4} {:>4} {:>7} {:>6} {:>4}",
        "名称",
        "区域 region",
        "最近联系 last heard",
        "积压",
        "树头",
        "已报/应报",
        "报告率",
        "及时率",
        "公示及时",
        "逾期公示",
        "超期审核",
        "审核人员",
        "纠错率",
        "未结通报"
    );
    print_row(&v["region"]);
    if let Some(ch) = v["below"].as_array() {
        for c in ch {
            print_row(c);
        }
    }
    let rep = &v["region"]["reports"];
    for (k, label) in [("missing", "未报送 missing"), ("late", "逾期报送 late")] {
        if let Some(list) = rep[k].as_array().filter(|l| !l.is_empty()) {
            let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
            println!("报告{label}: {}", names.join(", "));
        }
    }
    if n(rep, "to_judge") > 0 {
        println!(
            "待核 to judge: {} 份报告按时提交但逾期送达（由监督人员判定）",
            n(rep, "to_judge")
        );
    }
    if let Some(ags) = v["agencies"].as_array().filter(|l| !l.is_empty()) {
        println!("\n执法单位 agencies:");
        for ag in ags {
            println!(
                "  {:<30} {:<28} 执法{:>3} 审核{:>2} ({}) 证件过期仍执法 {} 决定{:>3} 公示及时/逾期/超期未公示 {}/{}/{} 超期审核 {} 纠错 {} 报告 {}{}",
                ag["unit"].as_str().unwrap_or(""),
                ag["name"].as_str().unwrap_or(""),
                n(ag, "officers"),
                n(ag, "reviewers"),
                pm(&ag["reviewer_ratio"]),
                n(ag, "certificates_expired_enforcing"),
                n(ag, "decisions"),
                n(ag, "publications_on_time"),
                n(ag, "publications_late"),
                n(ag, "publications_overdue"),
                n(ag, "reviews_overdue"),
                n(ag, "corrected"),
                ag["report"].as_str().unwrap_or("未报送 none"),
                ag["closed"]
                    .as_str()
                    .map(|d| format!(" 已撤销 closed {d}"))
                    .unwrap_or_default(),
            );
        }
    }
    if let Some(od) = v["overdue"].as_array().filter(|l| !l.is_empty()) {
        println!("\n超期事项 overdue cases:");
        for o in od {
            let rules: Vec<&str> = o["rules"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            println!(
                "  案件 case {:<6} 单位 agency {:<4} {:<12} {}",
                n(o, "case_id"),
                n(o, "agency_id"),
                o["kind"].as_str().unwrap_or(""),
                rules.join("; ")
            );
        }
    }
    if let Some(ns) = v["notices"].as_array().filter(|l| !l.is_empty()) {
        println!("\n未办结通报 open notices:");
        for x in ns {
            println!(
                "  {} {} 《{}》 → {}  {}{}",
                x["number"].as_str().unwrap_or(""),
                x["kind"].as_str().unwrap_or(""),
                x["title"].as_str().unwrap_or(""),
                x["unit"].as_str().unwrap_or(""),
                x["stage"].as_str().unwrap_or(""),
                if x["escalated"].as_bool().unwrap_or(false) {
                    " ⚠ 已逾期督办 escalated"
                } else {
                    ""
                }
            );
        }
    }
    match v["disagreements"].as_array() {
        Some(d) if !d.is_empty() => {
            println!("\n⚠ 复核不一致 figures that disagree:");
            for x in d {
                println!("  {}", x.as_str().unwrap_or(""));
            }
        }
        _ => println!("\n复核 recomputed from items: 一致 no disagreement"),
    }
    Ok(())
}
