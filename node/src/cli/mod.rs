//! The `sanxiang` command line: one file per command family.
use clap::{Parser, Subcommand};

pub mod agency;
pub mod cluster;
pub mod conn;
pub mod federation;
pub mod ledger;
pub mod pki;
pub mod records;
pub mod serve;
pub mod status;
pub mod supervise;
pub mod web;

/// Sanxiang (三项): supervision network for the three systems of administrative law enforcement.
#[derive(Debug, Parser)]
#[command(name = "sanxiang", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Top,
}

#[derive(Debug, Subcommand)]
pub enum Top {
    /// Run one Raft member of a region's cluster.
    Serve(serve::ServeArgs),
    /// Make and inspect certificates: the deployment CA, nodes and persons.
    #[command(subcommand)]
    Pki(pki::PkiCmd),
    /// Show a node's view of its region: role, leader, term, members, ledger.
    Status(status::StatusArgs),
    /// The members of a region's cluster: list, add, remove or replace a node.
    ///
    /// Membership changes while the region writes (`replace-node --help`: replacing a dead
    /// machine, step by step). For an operator on a machine of the region, with its node
    /// certificate.
    #[command(subcommand)]
    Cluster(cluster::ClusterCmd),
    /// The agency registry (PUB-1): register, update and list enforcement agencies.
    #[command(subcommand)]
    Agency(agency::AgencyCmd),
    /// The region's tamper-evident ledger (REC-3): root, proofs, verification.
    #[command(subcommand)]
    Ledger(ledger::LedgerCmd),
    /// Officers of agencies (PUB-2, REV-6).
    #[command(subcommand)]
    Officer(records::OfficerCmd),
    /// Enforcement certificates: issue, annual check, suspend, reinstate, revoke (PUB-2).
    #[command(subcommand)]
    Cert(records::CertCmd),
    /// The major-decision catalog (REV-2).
    #[command(subcommand)]
    Catalog(records::CatalogCmd),
    /// The official working-day calendar.
    #[command(subcommand)]
    Calendar(records::CalendarCmd),
    /// Cases: open, record steps, legal review, decision (REC-*, REV-*, LAW-*).
    #[command(subcommand)]
    Case(records::CaseCmd),
    /// Publication of decisions: draft, release review, withdraw (PUB-3, PUB-4, PUB-5, LAW-6).
    #[command(subcommand)]
    Publication(records::PublicationCmd),
    /// The uplink to the parent region and what arrived from below: backlog, marks, alerts.
    #[command(subcommand)]
    Federation(federation::FederationCmd),
    /// Quarterly and staged progress reports (SUP-1, SUP-3): draft, submit, accept or return.
    #[command(subcommand)]
    Report(supervise::ReportCmd),
    /// Circulated notices (通报, SUP-2): draft, sign off, answer, close or return.
    #[command(subcommand)]
    Notice(supervise::NoticeCmd),
    /// Monitor this region and every region below it: links, reporting and on-time rates,
    /// publications, reviews, notices; drill down with --of REGION; --qualifying lists the units
    /// that qualify for a notice.
    Monitor(supervise::MonitorArgs),
    /// The web pages: a one-time sign-in link for a browser without your certificate.
    #[command(subcommand)]
    Web(web::WebCmd),
    /// Start the demo network: 7 regions × 3 nodes in this process, seeded with a quarter.
    Demo(crate::demo::DemoArgs),
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let res = match cli.command {
        Top::Serve(a) => serve::run(a).await,
        Top::Pki(c) => pki::run(c),
        Top::Status(a) => status::run(a).await,
        Top::Cluster(c) => cluster::run(c).await,
        Top::Agency(c) => agency::run(c).await,
        Top::Ledger(c) => ledger::run(c).await,
        Top::Demo(a) => crate::demo::run(a).await,
        Top::Web(c) => web::run(c).await,
        Top::Federation(c) => federation::run(c).await,
        Top::Officer(c) => records::officer(c).await,
        Top::Cert(c) => records::cert(c).await,
        Top::Catalog(c) => records::catalog(c).await,
        Top::Calendar(c) => records::calendar(c).await,
        Top::Case(c) => records::case(c).await,
        Top::Publication(c) => records::publication(c).await,
        Top::Report(c) => supervise::report(c).await,
        Top::Notice(c) => supervise::notice(c).await,
        Top::Monitor(a) => supervise::monitor(a).await,
    };
    match res {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    /// Clap's own consistency checks: no two arguments of one command share a name (a
    /// flattened connection's --region and a command's own would collide).
    #[test]
    fn command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
