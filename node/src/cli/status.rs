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

pub async fn run(a: StatusArgs) -> anyhow::Result<()> {
    let mut c = a.conn.client()?;
    let s = c
        .call(|mut cl| async move { cl.status(StatusRequest {}).await })
        .await?;
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
    Ok(())
}
