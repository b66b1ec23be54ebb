//! `sanxiang federation status`: the uplink as one region sees it — its own outbox to the
//! parent (backlog, age of the oldest entry), the links from its direct children, every origin
//! below it (items held, in order or not, last signed head), and tamper alerts.
use clap::{Args, Subcommand};
use serde_json::Value;

use super::conn::{beijing, print_json_or, Conn};
use crate::domain::command::cmd;

#[derive(Debug, Subcommand)]
pub enum FederationCmd {
    /// Backlog to the parent, links from children, origins below, tamper alerts.
    ///
    /// Exit status 0 even when alerts exist; scripts read `--json` (`alerts`, `outbox.backlog`,
    /// `links.<child>.lag`, `origins.<region>.items`).
    Status(StatusArgs),
    /// Address an item to a region below this one (as an inspector, supervisor or head). It
    /// travels down hop by hop, is applied once by every region on the path, and a receipt
    /// comes back when the addressee has it (see `status --json`, `down.sent`).
    #[command(subcommand)]
    SendDown(SendDownCmd),
    /// Resume a child's link after this region lost entries the child had already pruned
    /// (this region was restored from a backup; `status` shows the alert `link_lost`). The
    /// lost entries are recorded as lost and the child's later entries are accepted again.
    /// Only the bureau's head or supervisor, and only while a loss is recorded.
    Rebaseline {
        /// The direct child region whose link was lost, e.g. hunan/changsha/liuyang.
        #[arg(long)]
        child: String,
        #[command(flatten)]
        common: super::records::Common,
    },
}

#[derive(Debug, Subcommand)]
pub enum SendDownCmd {
    /// A circulated notice (通报) with its document number (文号).
    Notice {
        /// The addressee region, e.g. hunan/changsha/liuyang.
        #[arg(long)]
        to: String,
        /// Document number, e.g. 湘司通〔2026〕12号.
        #[arg(long)]
        number: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        common: super::records::Common,
    },
    /// Certificates revoked by a superior, by serial number.
    Revocation {
        #[arg(long)]
        to: String,
        /// Serial numbers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        serials: Vec<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: super::records::Common,
    },
    /// A setting pushed by a superior (name and value).
    Setting {
        #[arg(long)]
        to: String,
        /// The setting's name (`--key` is your private key).
        #[arg(long)]
        name: String,
        #[arg(long)]
        value: String,
        #[command(flatten)]
        common: super::records::Common,
    },
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub conn: Conn,
    /// Flag the backlog when its oldest entry is older than this many seconds.
    #[arg(long, default_value_t = 900)]
    pub alert_after_secs: u64,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(c: FederationCmd) -> anyhow::Result<()> {
    match c {
        FederationCmd::Status(a) => status(a).await,
        FederationCmd::SendDown(c) => send_down(c).await,
        FederationCmd::Rebaseline { child, common } => {
            super::records::exec(
                &common,
                crate::domain::Command::RebaselineLink(cmd::RebaselineLink { link: child }),
            )
            .await
        }
    }
}

async fn send_down(c: SendDownCmd) -> anyhow::Result<()> {
    use crate::domain::federation::downlink::DownBody;
    let (to, body, common) = match c {
        SendDownCmd::Notice {
            to,
            number,
            title,
            text,
            common,
        } => (
            to,
            DownBody::Notice {
                number,
                title,
                text,
            },
            common,
        ),
        SendDownCmd::Revocation {
            to,
            serials,
            reason,
            common,
        } => (to, DownBody::Revocation { serials, reason }, common),
        SendDownCmd::Setting {
            to,
            name,
            value,
            common,
        } => (to, DownBody::Setting { key: name, value }, common),
    };
    super::records::exec(
        &common,
        crate::domain::Command::SendDown(cmd::SendDown { to, body }),
    )
    .await
}

fn u(v: &Value, k: &str) -> u64 {
    v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

async fn status(a: StatusArgs) -> anyhow::Result<()> {
    let mut v = super::records::query_value(&a.conn, "federation", 0).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let oldest = i(&v["outbox"], "oldest_ms");
    let age_ms = if oldest > 0 { (now - oldest).max(0) } else { 0 };
    let backlog_alert = age_ms as u64 > a.alert_after_secs * 1000;
    v["outbox"]["age_ms"] = age_ms.into();
    v["outbox"]["backlog_alert"] = backlog_alert.into();
    print_json_or(&v, a.json, |v| {
        print_outbox(
            &v["outbox"],
            age_ms,
            backlog_alert.then_some(a.alert_after_secs),
        );
        print_links(v);
        print_origins(v);
        print_down(v);
        print_alerts(v);
    })
}

/// The outbox to the parent; `alert_after_secs` is given when its oldest entry is older.
fn print_outbox(o: &Value, age_ms: i64, alert_after_secs: Option<u64>) {
    println!(
        "上报队列 outbox to parent: 待发 {} 条 waiting (已确认 acked {} / 已排 queued {}), 待签名 {} 条 awaiting a signed head",
        u(o, "backlog"),
        u(o, "acked"),
        u(o, "tail"),
        u(o, "pending")
    );
    if u(o, "backlog") > 0 {
        println!(
            "  最早一条 oldest: {} 秒前 s ago{}",
            age_ms / 1000,
            alert_after_secs
                .map(|s| format!("  ⚠ 超过告警阈值 older than {s} s"))
                .unwrap_or_default()
        );
    }
}

fn print_links(v: &Value) {
    let Some(links) = v["links"].as_object().filter(|m| !m.is_empty()) else {
        return;
    };
    println!("下级链路 links from children:");
    println!(
        "  {:<32} {:>8} {:>6} {:>8}  最近联系 last heard",
        "区域 region", "mark", "lag", "dup"
    );
    for (name, l) in links {
        println!(
            "  {:<32} {:>8} {:>6} {:>8}  {}",
            name,
            u(l, "mark"),
            u(l, "lag"),
            u(l, "duplicates"),
            beijing(i(l, "last_heard_ms"))
        );
        if let Some(lost) = l.get("lost").filter(|x| x.is_object()) {
            println!(
                "    ！已丢失 lost: 第 {}–{} 条（本地区只保存到 {}）；上行已停止，须执行 sanxiang federation rebaseline --child {name}",
                u(lost, "mark") + 1,
                u(lost, "pruned_through"),
                u(lost, "mark")
            );
        }
    }
}

fn print_origins(v: &Value) {
    let Some(origins) = v["origins"].as_object().filter(|m| !m.is_empty()) else {
        return;
    };
    println!("下级来源 origins below:");
    println!(
        "  {:<32} {:>8} {:>8} {:>6} {:>10} {:>9}  最近联系 last heard",
        "区域 region", "items", "last seq", "连续", "head size", "unproven"
    );
    for (name, x) in origins {
        println!(
            "  {:<32} {:>8} {:>8} {:>6} {:>10} {:>9}  {}",
            name,
            u(x, "items"),
            u(x, "last_item_seq"),
            if x["contiguous"].as_bool().unwrap_or(false) {
                "是"
            } else {
                "否 NO"
            },
            u(x, "head_size"),
            u(x, "unproven"),
            beijing(i(x, "last_heard_ms"))
        );
    }
}

/// Items sent down from here, and items received from above.
fn print_down(v: &Value) {
    if let Some(sent) = v["down"]["sent"].as_array().filter(|a| !a.is_empty()) {
        println!("下发 sent down:");
        for s in sent {
            let delivered = match s["delivered_ms"].as_i64() {
                Some(ms) => format!("已送达 delivered {}", beijing(ms)),
                None if s["altered"].as_bool().unwrap_or(false) => {
                    "⚠ 送达内容被篡改 received altered".to_string()
                }
                None => "在途 on the way".to_string(),
            };
            println!(
                "  #{} → {}  {}  ({})",
                u(s, "seq"),
                s["to"].as_str().unwrap_or(""),
                serde_json::to_string(&s["body"]).unwrap_or_default(),
                delivered
            );
        }
    }
    if let Some(rec) = v["down"]["received"].as_array().filter(|a| !a.is_empty()) {
        println!("上级下发 received from above:");
        for r in rec {
            println!(
                "  {} #{} → {}{}  {}",
                r["issuer"].as_str().unwrap_or(""),
                u(r, "seq"),
                r["to"].as_str().unwrap_or(""),
                if r["delivered_here"].as_bool().unwrap_or(false) {
                    " (本级 here)"
                } else {
                    " (途经 passing through)"
                },
                serde_json::to_string(&r["body"]).unwrap_or_default()
            );
        }
    }
}

fn print_alerts(v: &Value) {
    match v["alerts"].as_array() {
        Some(alerts) if !alerts.is_empty() => {
            println!("⚠ 篡改告警 tamper alerts: {}", alerts.len());
            for al in alerts {
                println!(
                    "  [{}] {} 发现 detected at {}: {} ×{} — {}",
                    al["kind"].as_str().unwrap_or(""),
                    al["subject"].as_str().unwrap_or(""),
                    al["detected_by"].as_str().unwrap_or(""),
                    beijing(i(al, "first_ms")),
                    u(al, "count"),
                    al["message"].as_str().unwrap_or("")
                );
            }
        }
        _ => println!("篡改告警 tamper alerts: 无 none"),
    }
}
