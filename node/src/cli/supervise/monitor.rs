//! `sanxiang monitor`: this region and every region below it — links, reporting and on-time
//! rates, publications, reviews, notices (SUP-4, SUP-5, SUP-7); `--qualifying` lists the units
//! that qualify for a notice.
use clap::Args;
use sanxiang_proto::region as pb;
use serde_json::Value;

use super::n;
use crate::cli::conn::{beijing, print_json, print_json_or, Conn};

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

/// Asks the monitor service for the view of `region` in `period`, or with `qualifying` for the
/// units that qualify for a notice.
async fn ask(conn: &Conn, region: &str, period: &str, qualifying: bool) -> anyhow::Result<Value> {
    let mut client = conn.client()?;
    let req = pb::MonitorRequest {
        consistency: 0,
        region: region.into(),
        period: period.into(),
    };
    let json = client
        .call_monitor(|mut cl| {
            let req = req.clone();
            async move {
                if qualifying {
                    cl.qualifying(req).await.map(|r| r.map(|q| q.json))
                } else {
                    cl.view(req).await.map(|r| r.map(|v| v.json))
                }
            }
        })
        .await?;
    Ok(serde_json::from_str(&json)?)
}

/// The units of `region`'s subtree that qualify for a notice in `period`.
pub(super) async fn qualifying(
    conn: &Conn,
    region: &str,
    period: &str,
) -> anyhow::Result<Vec<Value>> {
    let v = ask(conn, region, period, true).await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

pub async fn monitor(a: MonitorArgs) -> anyhow::Result<()> {
    if a.qualifying {
        let list = qualifying(&a.conn, &a.of, &a.period).await?;
        if a.json {
            return print_json(&list);
        }
        print_qualifying(&list);
        return Ok(());
    }
    let v = ask(&a.conn, &a.of, &a.period, false).await?;
    print_json_or(&v, a.json, |v| {
        print_table(v);
        print_missing_and_late(&v["region"]["reports"]);
        print_agencies(v);
        print_unchecked(v);
        print_overdue(v);
        print_open_notices(v);
        print_disagreements(v);
    })
}

fn print_qualifying(list: &[Value]) {
    if list.is_empty() {
        println!("没有符合通报条件的单位 no unit qualifies for a notice");
    }
    println!(
        "符合通报条件的单位 units qualifying for a notice: {}",
        list.len()
    );
    for q in list {
        println!(
            "  {:<34} {:<30} [{}] {}",
            q["unit"].as_str().unwrap_or(""),
            q["name"].as_str().unwrap_or(""),
            q["reason"].as_str().unwrap_or(""),
            q["detail"].as_str().unwrap_or("")
        );
    }
}

fn pm(v: &Value) -> String {
    match v["permille"].as_i64() {
        Some(p) if p >= 0 => format!("{}.{}%", p / 10, p % 10),
        // Only a hostile or corrupt figure from below is negative.
        Some(p) => format!("{p}‰?"),
        None => "—".into(),
    }
}

/// The heading, and a row for the region and each region below it.
fn print_table(v: &Value) {
    let p = &v["period"];
    println!(
        "{}（{}） — {} 报告截止 due {}；数据截至 as of {}（查看方 viewer {}）",
        v["region"]["name"].as_str().unwrap_or(""),
        v["region"]["region"].as_str().unwrap_or(""),
        p["title"].as_str().unwrap_or(""),
        p["due"].as_str().unwrap_or(""),
        beijing(n(v, "as_of_ms")),
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

/// Units whose reports are missing or late, and reports for the supervisors to judge.
fn print_missing_and_late(rep: &Value) {
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
}

fn print_agencies(v: &Value) {
    let Some(ags) = v["agencies"].as_array().filter(|l| !l.is_empty()) else {
        return;
    };
    println!("\n执法单位 agencies:");
    for ag in ags {
        println!(
            "  {:<30} {:<28} 执法{:>3} 审核{:>2} ({}) 证件过期仍执法 {} 未年审 {} 决定{:>3} 重大决定被拒 {} 公示及时/逾期/超期未公示 {}/{}/{} 超期审核 {} 纠错 {} 报告 {}{}",
            ag["unit"].as_str().unwrap_or(""),
            ag["name"].as_str().unwrap_or(""),
            n(ag, "officers"),
            n(ag, "reviewers"),
            pm(&ag["reviewer_ratio"]),
            n(ag, "certificates_expired_enforcing"),
            n(ag, "certificates_unchecked_enforcing"),
            n(ag, "decisions"),
            n(ag, "decisions_major_refused"),
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

/// PUB-2: the officers who may not act until last year's annual check is recorded.
fn print_unchecked(v: &Value) {
    let Some(list) = v["unchecked_officers"].as_array().filter(|l| !l.is_empty()) else {
        return;
    };
    println!("\n未通过上年度年审、暂不得执法 officers without last year's annual check:");
    for o in list {
        println!(
            "  执法人员 {:<5} {:<8} 单位 agency {:<4} 证号 {:<16} 缺 {} 年度年审",
            n(o, "officer_id"),
            o["name"].as_str().unwrap_or(""),
            n(o, "agency_id"),
            o["certificate"].as_str().unwrap_or(""),
            n(o, "year"),
        );
    }
}

fn print_overdue(v: &Value) {
    let Some(od) = v["overdue"].as_array().filter(|l| !l.is_empty()) else {
        return;
    };
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

fn print_open_notices(v: &Value) {
    let Some(ns) = v["notices"].as_array().filter(|l| !l.is_empty()) else {
        return;
    };
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

fn print_disagreements(v: &Value) {
    match v["disagreements"].as_array() {
        Some(d) if !d.is_empty() => {
            println!("\n⚠ 复核不一致 figures that disagree:");
            for x in d {
                println!("  {}", x.as_str().unwrap_or(""));
            }
        }
        _ => println!("\n复核 recomputed from items: 一致 no disagreement"),
    }
}
