//! `sanxiang publication draft | release | withdraw | days | list`: publication of decisions
//! (PUB-3, PUB-4, PUB-5, LAW-6).
use chrono::NaiveDate;
use clap::Subcommand;

use super::parse::parse_kind;
use super::{exec, query, Common};
use crate::cli::conn::Conn;
use crate::domain::command::cmd;
use crate::domain::core::organ::PowerKind;
use crate::domain::Command;

#[derive(Debug, Subcommand)]
pub enum PublicationCmd {
    /// Draft the publication of a decided case; personal data are masked in what the public
    /// sees (PUB-4) and the maskings are reported.
    Draft {
        #[arg(long)]
        case: u64,
        #[arg(long)]
        content: String,
        /// Legal basis when a law provides a different time limit than the 7/20-day table.
        #[arg(long)]
        exception_basis: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Release review (发布审核) by a head of the agency who did not draft it.
    Release {
        #[arg(long)]
        id: u64,
        /// Reject instead of approving (give --reasons).
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        reasons: String,
        #[command(flatten)]
        common: Common,
    },
    /// Withdraw a published decision that was changed or revoked (LAW-6: within 3 working days).
    Withdraw {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        reason: String,
        /// Day the decision was changed or revoked, YYYY-MM-DD.
        #[arg(long)]
        changed_on: NaiveDate,
        #[command(flatten)]
        common: Common,
    },
    /// Working days to publish a kind of decision (PUB-3; default licensing/penalty 7, others 20).
    Days {
        #[arg(long, value_parser = parse_kind)]
        kind: PowerKind,
        #[arg(long)]
        days: u32,
        #[command(flatten)]
        common: Common,
    },
    /// Publications (of one case with --case), as the public sees them (JSON).
    List {
        #[arg(long, default_value_t = 0)]
        case: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn publication(c: PublicationCmd) -> anyhow::Result<()> {
    let (command, common) = match c {
        PublicationCmd::Draft {
            case,
            content,
            exception_basis,
            common,
        } => {
            let draft = Command::DraftPublication(cmd::DraftPublication {
                case_id: case,
                content,
                exception_basis,
            });
            (draft, common)
        }
        PublicationCmd::Release {
            id,
            reject,
            reasons,
            common,
        } => {
            let approve = !reject;
            let release = Command::ReleasePublication(cmd::ReleasePublication {
                id,
                approve,
                reasons,
            });
            (release, common)
        }
        PublicationCmd::Withdraw {
            id,
            reason,
            changed_on,
            common,
        } => {
            let withdraw = Command::WithdrawPublication(cmd::WithdrawPublication {
                id,
                reason,
                changed_on,
            });
            (withdraw, common)
        }
        PublicationCmd::Days { kind, days, common } => (
            Command::SetPublishDays(cmd::SetPublishDays { kind, days }),
            common,
        ),
        PublicationCmd::List { case, conn } => return query(&conn, "publications", case).await,
    };
    exec(&common, command).await
}
