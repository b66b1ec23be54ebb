//! `sanxiang notice …`: circulated notices (通报, SUP-2) — draft (by hand or from the
//! qualifying list), sign off, answer, close or return, list.
use anyhow::bail;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;

use super::monitor::qualifying;
use super::{n, txt, unit, unit_key};
use crate::cli::conn::{print_json_or, Conn};
use crate::cli::records::{exec, query_value, Common};
use crate::domain::command::cmd;
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, Stage, MAX_NAMED};
use crate::domain::supervision::report::Unit;
use crate::domain::Command;

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
    DraftFromQualifying(FromQualifyingArgs),
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

/// `notice draft-from-qualifying`.
#[derive(Debug, Args)]
pub struct FromQualifyingArgs {
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
}

pub async fn notice(c: NoticeCmd) -> anyhow::Result<()> {
    match c {
        NoticeCmd::Draft {
            kind,
            title,
            text,
            units: named,
            persons,
            deadline,
            common,
        } => {
            let d = NoticeDraft {
                kind: kind.kind(),
                title,
                text,
                units: units(&named)?,
                persons,
                deadline,
                basis: vec![],
            };
            exec(&common, Command::DraftNotice(d)).await
        }
        NoticeCmd::DraftFromQualifying(a) => draft_from_qualifying(a).await,
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
        NoticeCmd::List { conn, json } => print_json_or(
            &query_value(&conn, "notices", 0).await?,
            json,
            print_notices,
        ),
    }
}

fn units(named: &[String]) -> anyhow::Result<Vec<Unit>> {
    named.iter().map(|u| unit(u)).collect()
}

async fn draft_from_qualifying(a: FromQualifyingArgs) -> anyhow::Result<()> {
    let list = qualifying(&a.common.conn, &a.of, &a.period).await?;
    let list: Vec<&Value> = list
        .iter()
        .filter(|q| {
            a.reason.is_empty()
                || a.reason
                    .iter()
                    .any(|r| Some(r.as_str()) == q["reason"].as_str())
        })
        .collect();
    if list.is_empty() {
        bail!("没有符合条件的单位 no unit qualifies; nothing drafted");
    }
    let (named, basis) = findings(&list)?;
    let text = clip(
        &format!(
            "经监测，下列单位存在以下问题，现予{}：\n{}",
            a.kind.kind().label(),
            basis.join("\n")
        ),
        60_000,
    );
    let d = NoticeDraft {
        kind: a.kind.kind(),
        title: a.title,
        text,
        units: units(&named)?,
        persons: vec![],
        deadline: a.deadline,
        basis,
    };
    if !a.common.json {
        println!("通报对象 {} 个单位 units named:", named.len());
        for u in &named {
            println!("  {u}");
        }
    }
    exec(&a.common, Command::DraftNotice(d)).await
}

/// The units named by qualifying findings (each once, at most [`MAX_NAMED`]) and a line of
/// basis per finding (at most [`MAX_NAMED`] lines).
fn findings(list: &[&Value]) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut units: Vec<String> = Vec::new();
    let mut basis = Vec::new();
    for q in list {
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
    Ok((units, basis))
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn clip(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Chinese labels for the kinds and stages as JSON names them.
fn label(name: &str) -> String {
    let kind = NoticeKind::ALL
        .into_iter()
        .find(|k| format!("{k:?}") == name)
        .map(|k| k.label());
    let stage = Stage::ALL
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
