//! For operators, on the same HTTPS port: `/healthz` (the process answers), `/readyz` (this
//! node knows its region's leader and has applied what it wrote), and `/metrics` in the
//! Prometheus text format. `/metrics` asks for a client certificate of the deployment — a
//! node's, or a monitor's of this region — as Prometheus presents with `tls_config`.
use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use openraft::ServerState;

use super::{plain, Peer, Web};
use crate::domain::Role;
use crate::metrics::{escape, family, gauge};
use crate::pki::Identity;
use crate::raft::NodeCtx;

/// `GET /healthz`.
pub async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// `GET /readyz`: 200 while a leader is known and the Raft core runs, else 503 with why.
pub async fn readyz(State(web): State<Arc<Web>>) -> Response {
    let m = web.ctx.raft.metrics().borrow().clone();
    if let Err(e) = &m.running_state {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("raft stopped: {e}\n"),
        );
    }
    match m.current_leader {
        Some(l) => plain(StatusCode::OK, format!("ready: leader {l}\n")),
        None => plain(StatusCode::SERVICE_UNAVAILABLE, "no leader known\n"),
    }
}

/// Who may read `/metrics`: a node of the deployment, or a monitor of this region.
fn may_scrape(web: &Web, peer: &Peer) -> bool {
    let Some(der) = &peer.cert_der else {
        return false;
    };
    if web.ctx.tls.revoked.revoked(der).is_some() {
        return false;
    }
    match &peer.identity {
        Some(Identity::Node { .. }) => true,
        Some(Identity::Person { region, role, .. }) => {
            *region == web.ctx.region && *role == Role::Monitor
        }
        None => false,
    }
}

/// `GET /metrics`.
pub async fn metrics(State(web): State<Arc<Web>>, Extension(peer): Extension<Peer>) -> Response {
    if !may_scrape(&web, &peer) {
        return plain(
            StatusCode::FORBIDDEN,
            "/metrics needs a client certificate of a node, or of a monitor of this region\n",
        );
    }
    let body = render(&web.ctx);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Every family, in the text format.
pub fn render(ctx: &NodeCtx) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "sanxiang_build_info",
        "gauge",
        "The node: its version, region and id.",
    );
    let _ = writeln!(
        out,
        "sanxiang_build_info{{version=\"{}\",region=\"{}\",node=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        escape(&ctx.region),
        ctx.node_id
    );
    raft(&mut out, ctx);
    store(&mut out, ctx);
    links(&mut out, ctx);
    certificate(&mut out, ctx);
    ctx.metrics.render_counters(&mut out);
    out
}

fn raft(out: &mut String, ctx: &NodeCtx) {
    let m = ctx.raft.metrics().borrow().clone();
    let idx = |l: Option<openraft::LogId<u64>>| l.map_or(0, |l| l.index);
    gauge(
        out,
        "sanxiang_raft_term",
        "Current Raft term.",
        m.current_term,
    );
    gauge(
        out,
        "sanxiang_raft_is_leader",
        "1 while this node leads its region.",
        u8::from(m.state == ServerState::Leader),
    );
    gauge(
        out,
        "sanxiang_raft_has_leader",
        "1 while this node knows its region's leader.",
        u8::from(m.current_leader.is_some()),
    );
    if let Some(l) = m.current_leader {
        gauge(out, "sanxiang_raft_leader_id", "The leader's node id.", l);
    }
    gauge(
        out,
        "sanxiang_raft_last_log_index",
        "Index of the last log entry.",
        m.last_log_index.unwrap_or(0),
    );
    gauge(
        out,
        "sanxiang_raft_applied_index",
        "Index of the last entry applied to the state machine.",
        idx(m.last_applied),
    );
    gauge(
        out,
        "sanxiang_raft_purged_index",
        "Index of the last log entry purged after a snapshot.",
        idx(m.purged),
    );
    gauge(
        out,
        "sanxiang_raft_log_entries",
        "Entries kept in the log (last index − purged index).",
        m.last_log_index.unwrap_or(0).saturating_sub(idx(m.purged)),
    );
    gauge(
        out,
        "sanxiang_raft_snapshot_index",
        "Last log index the current snapshot covers.",
        idx(m.snapshot),
    );
    if let Some(repl) = &m.replication {
        // The leader: committed is the highest index a majority of the voters hold.
        let voters: Vec<u64> = m.membership_config.membership().voter_ids().collect();
        let mut matched: Vec<u64> = voters
            .iter()
            .map(|v| {
                if *v == ctx.node_id {
                    m.last_log_index.unwrap_or(0)
                } else {
                    repl.get(v).copied().flatten().map_or(0, |l| l.index)
                }
            })
            .collect();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        if let Some(c) = matched.get(voters.len() / 2) {
            gauge(
                out,
                "sanxiang_raft_committed_index",
                "Highest index a majority holds (the leader's view).",
                c,
            );
        }
        family(
            out,
            "sanxiang_raft_replication_matched_index",
            "gauge",
            "Last index each follower holds (the leader's view).",
        );
        for (peer, l) in repl {
            let _ = writeln!(
                out,
                "sanxiang_raft_replication_matched_index{{peer=\"{peer}\"}} {}",
                l.map_or(0, |l| l.index)
            );
        }
    }
    if let Some(ms) = m.millis_since_quorum_ack {
        gauge(
            out,
            "sanxiang_raft_quorum_ack_age_seconds",
            "Time since a quorum last acknowledged this leader.",
            ms as f64 / 1000.0,
        );
    }
}

fn store(out: &mut String, ctx: &NodeCtx) {
    if let Ok(bytes) = ctx.sm.disk.db().size_on_disk() {
        gauge(
            out,
            "sanxiang_store_disk_bytes",
            "Bytes of the store on disk (log, state, ledger).",
            bytes,
        );
    }
    let snap = ctx.sm.snapshot_dir.join("current.bin");
    if let Ok(meta) = std::fs::metadata(&snap) {
        gauge(
            out,
            "sanxiang_snapshot_bytes",
            "Size of the current snapshot file.",
            meta.len(),
        );
        if let Ok(age) = meta
            .modified()
            .and_then(|t| t.elapsed().map_err(std::io::Error::other))
        {
            gauge(
                out,
                "sanxiang_snapshot_age_seconds",
                "Time since the current snapshot was written.",
                age.as_secs(),
            );
        }
    }
    let size = ctx.sm.read(|s| s.frontier.size());
    gauge(
        out,
        "sanxiang_ledger_leaves",
        "Leaves of the region's ledger.",
        size,
    );
}

fn links(out: &mut String, ctx: &NodeCtx) {
    let Ok(g) = ctx
        .sm
        .read(|s| crate::view::federation::link_gauges(&s.domain))
    else {
        return;
    };
    let now = now_ms();
    let o = &g.outbox;
    gauge(
        out,
        "sanxiang_uplink_backlog",
        "Entries waiting to go to the parent.",
        o.backlog,
    );
    gauge(
        out,
        "sanxiang_uplink_pending_items",
        "Own items waiting for a signed head.",
        o.pending,
    );
    gauge(
        out,
        "sanxiang_uplink_oldest_unsent_age_seconds",
        "Age of the oldest entry the parent has not acknowledged (0: none).",
        if o.oldest_ms > 0 {
            (now - o.oldest_ms).max(0) / 1000
        } else {
            0
        },
    );
    family(
        out,
        "sanxiang_child_link_lag",
        "gauge",
        "Entries a child still has to send here.",
    );
    for (c, l) in &g.from_children {
        let _ = writeln!(
            out,
            "sanxiang_child_link_lag{{child=\"{}\"}} {}",
            escape(c),
            l.lag
        );
    }
    family(
        out,
        "sanxiang_child_link_last_heard_age_seconds",
        "gauge",
        "Time since a child was last heard from.",
    );
    for (c, l) in &g.from_children {
        let age = if l.last_heard_ms > 0 {
            (now - l.last_heard_ms).max(0) / 1000
        } else {
            0
        };
        let _ = writeln!(
            out,
            "sanxiang_child_link_last_heard_age_seconds{{child=\"{}\"}} {age}",
            escape(c)
        );
    }
    family(
        out,
        "sanxiang_downlink_backlog",
        "gauge",
        "Items to a child it has not acknowledged.",
    );
    for (c, l) in &g.to_children {
        let _ = writeln!(
            out,
            "sanxiang_downlink_backlog{{child=\"{}\"}} {}",
            escape(c),
            l.backlog
        );
    }
    gauge(
        out,
        "sanxiang_federation_alerts",
        "Federation alerts raised here (tampering, gaps, lost links).",
        g.alerts,
    );
}

fn certificate(out: &mut String, ctx: &NodeCtx) {
    let Some(not_after) = ctx.tls.not_after() else {
        return;
    };
    gauge(
        out,
        "sanxiang_certificate_expiry_timestamp_seconds",
        "When this node's certificate ends (Unix time).",
        not_after,
    );
    gauge(
        out,
        "sanxiang_certificate_remaining_seconds",
        "Time until this node's certificate ends (negative: ended); / 86400 for days.",
        not_after - now_ms() / 1000,
    );
}
