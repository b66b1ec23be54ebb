//! `sanxiang status`.
use clap::Args;
use sanxiang_proto::region::StatusRequest;

use super::conn::{beijing, print_json, Conn};

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub conn: Conn,
    #[arg(long)]
    pub json: bool,
}

/// Warn this long before a certificate ends.
pub const WARN_DAYS: i64 = 30;

/// A warning when a certificate ending at `not_after` (Unix seconds) ends within
/// [`WARN_DAYS`] of `now`, or has ended.
pub fn expiry_warning(whose: &str, not_after: i64, now: i64) -> Option<String> {
    if not_after <= 0 {
        return None;
    }
    let left = not_after - now;
    let day = chrono::DateTime::from_timestamp(not_after, 0)
        .map(|t| {
            (t + chrono::Duration::hours(8))
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default();
    if left <= 0 {
        Some(format!(
            "{whose}已于 {day} 到期：请立即续签（sanxiang pki issue --force）"
        ))
    } else if left < WARN_DAYS * 86_400 {
        Some(format!(
            "{whose}将于 {day} 到期（还剩 {} 天）：请在到期前续签",
            left / 86_400
        ))
    } else {
        None
    }
}

pub async fn run(a: StatusArgs) -> anyhow::Result<()> {
    let mut c = a.conn.client()?;
    let own_not_after = a.conn.tls().ok().and_then(|t| t.not_after()).unwrap_or(0);
    let s = c
        .call(|mut cl| async move { cl.status(StatusRequest {}).await })
        .await?;
    let now = chrono::Utc::now().timestamp();
    let warnings: Vec<String> = [
        expiry_warning(&format!("节点 {} 的证书", s.node_id), s.cert_not_after, now),
        expiry_warning("您的个人证书", own_not_after, now),
    ]
    .into_iter()
    .flatten()
    .collect();
    if a.json {
        return print_json(&serde_json::json!({
            "region": s.region,
            "node": s.node_id,
            "role": s.role,
            "leader": s.leader_id,
            "leader_addr": s.leader_addr,
            "term": s.term,
            "members": s.members.iter().map(|m| serde_json::json!({"id": m.id, "addr": m.addr, "voter": m.voter})).collect::<Vec<_>>(),
            "last_applied": s.last_applied,
            "last_log": s.last_log,
            "ledger_size": s.ledger_size,
            "ledger_root": hex::encode(&s.ledger_root),
            "clock_ms": s.clock_ms,
            "node_cert_not_after": s.cert_not_after,
            "your_cert_not_after": own_not_after,
            "warnings": warnings,
        }));
    }
    println!("区域 region:     {}", s.region);
    println!("节点 node:       {} ({})", s.node_id, s.role);
    println!(
        "领导者 leader:   {}",
        s.leader_id
            .map(|l| format!("{l} @ {}", s.leader_addr))
            .unwrap_or_else(|| "未知 unknown".into())
    );
    println!("任期 term:       {}", s.term);
    for m in &s.members {
        println!(
            "成员 member:     {} @ {}{}",
            m.id,
            m.addr,
            if m.voter { "" } else { " (learner)" }
        );
    }
    println!(
        "已应用 applied:  {}  (日志 last log {})",
        s.last_applied.map(|x| x.to_string()).unwrap_or("-".into()),
        s.last_log.map(|x| x.to_string()).unwrap_or("-".into())
    );
    println!(
        "账本 ledger:     size {}  root {}",
        s.ledger_size,
        hex::encode(&s.ledger_root)
    );
    if s.clock_ms > 0 {
        println!("时钟 clock:      {}", beijing(s.clock_ms));
    }
    for w in &warnings {
        println!("警告 warning:    {w}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_warned_of_thirty_days_before_it_ends() {
        let now = 1_800_000_000;
        assert_eq!(expiry_warning("x", now + 31 * 86_400, now), None);
        let w = expiry_warning("节点 1 的证书", now + 29 * 86_400 + 5, now).unwrap();
        assert!(w.contains("还剩 29 天"), "{w}");
        assert!(expiry_warning("x", now - 1, now).unwrap().contains("已于"));
        assert_eq!(expiry_warning("x", 0, now), None);
    }
}
