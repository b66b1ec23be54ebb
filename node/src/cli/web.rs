//! `sanxiang web login`: a one-time sign-in link for the web pages, made by a node for the
//! certificate this command presents over mutual TLS (for a person whose browser holds no
//! certificate).
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::conn::{print_json, Conn};

#[derive(Debug, Subcommand)]
pub enum WebCmd {
    /// Print a one-time sign-in link (valid 5 minutes, usable once) for your certificate; open
    /// it in a browser. The link signs in on the node that made it.
    Login(LoginArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The node whose web address to use (default: the first of the region with one).
    #[arg(long)]
    node: Option<u64>,
    #[command(flatten)]
    conn: Conn,
    #[arg(long)]
    json: bool,
}

pub async fn run(c: WebCmd) -> anyhow::Result<()> {
    match c {
        WebCmd::Login(a) => login(a).await,
    }
}

async fn login(a: LoginArgs) -> anyhow::Result<()> {
    let tls = a.conn.tls()?;
    let region = a
        .conn
        .region
        .clone()
        .context("give --region (or SANXIANG_REGION)")?;
    let nodes = a.conn.nodes()?;
    let node = nodes
        .iter()
        .filter(|n| !n.http.is_empty())
        .find(|n| a.node.is_none_or(|id| id == n.id))
        .with_context(|| format!("no node of {region} has a web address in the topology"))?;
    let addr: std::net::SocketAddr = node
        .http
        .parse()
        .with_context(|| format!("web address {:?} is not host:port", node.http))?;
    let v = crate::web::client::request_link(
        &tls,
        &region,
        addr,
        Duration::from_secs(a.conn.timeout_secs),
    )
    .await?;
    let url = v["url"].as_str().context("no url in the answer")?;
    if a.json {
        return print_json(&v);
    }
    println!("一次性登录链接（5 分钟内有效，只能使用一次）:\n{url}");
    Ok(())
}
