//! `sanxiang officer add | list` and `sanxiang cert issue | check | suspend | reinstate |
//! revoke`: officers of agencies and their enforcement certificates (PUB-2, REV-6).
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};

use super::{exec, query, Common};
use crate::cli::conn::Conn;
use crate::domain::command::cmd;
use crate::domain::enforcement::certificate::{CertAction, IssueCertificate};
use crate::domain::enforcement::model::Duty;
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::Command;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DutyArg {
    Enforcement,
    Reviewer,
    Head,
}

impl DutyArg {
    fn duty(self) -> Duty {
        match self {
            DutyArg::Enforcement => Duty::Enforcement,
            DutyArg::Reviewer => Duty::Reviewer,
            DutyArg::Head => Duty::Head,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OfficerCmd {
    /// Register an officer of an agency (clerk or head).
    Add {
        #[arg(long)]
        agency: u64,
        #[arg(long)]
        name: String,
        /// User name of the officer's person certificate (`pki issue --name`).
        #[arg(long)]
        user: String,
        #[arg(long, value_enum, value_delimiter = ',', required = true)]
        duties: Vec<DutyArg>,
        /// Holds the legal professional qualification (REV-6).
        #[arg(long)]
        legal_qualification: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List officers with their certificates (JSON).
    List {
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCmd {
    /// Issue an enforcement certificate (supervisor or head of the judicial administration).
    Issue {
        #[arg(long)]
        officer: u64,
        #[arg(long)]
        number: String,
        /// First valid day, YYYY-MM-DD.
        #[arg(long)]
        from: NaiveDate,
        /// Last valid day, YYYY-MM-DD.
        #[arg(long)]
        until: NaiveDate,
        #[arg(long)]
        area: String,
        #[command(flatten)]
        common: Common,
    },
    /// Record the annual check (年审) of a year; --failed suspends the certificate.
    Check {
        #[arg(long)]
        officer: u64,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        failed: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        common: Common,
    },
    /// Suspend a certificate.
    Suspend {
        #[arg(long)]
        officer: u64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Lift a suspension.
    Reinstate {
        #[arg(long)]
        officer: u64,
        #[command(flatten)]
        common: Common,
    },
    /// Revoke a certificate.
    Revoke {
        #[arg(long)]
        officer: u64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
}

pub async fn officer(c: OfficerCmd) -> anyhow::Result<()> {
    match c {
        OfficerCmd::Add {
            agency,
            name,
            user,
            duties,
            legal_qualification,
            common,
        } => {
            let input = OfficerInput {
                agency_id: agency,
                name,
                user,
                duties: duties.into_iter().map(DutyArg::duty).collect(),
                legal_qualification,
            };
            exec(&common, Command::RegisterOfficer(input)).await
        }
        OfficerCmd::List { conn } => query(&conn, "officers", 0).await,
    }
}

pub async fn cert(c: CertCmd) -> anyhow::Result<()> {
    let change = |officer_id, action| {
        Command::ChangeCertificate(cmd::ChangeCertificate { officer_id, action })
    };
    let (command, common) = match c {
        CertCmd::Issue {
            officer,
            number,
            from,
            until,
            area,
            common,
        } => {
            let issue = IssueCertificate {
                officer_id: officer,
                number,
                valid_from: from,
                valid_until: until,
                area,
            };
            (Command::IssueCertificate(issue), common)
        }
        CertCmd::Check {
            officer,
            year,
            failed,
            note,
            common,
        } => {
            let passed = !failed;
            let action = CertAction::AnnualCheck { year, passed, note };
            (change(officer, action), common)
        }
        CertCmd::Suspend {
            officer,
            reason,
            common,
        } => (change(officer, CertAction::Suspend { reason }), common),
        CertCmd::Reinstate { officer, common } => (change(officer, CertAction::Reinstate), common),
        CertCmd::Revoke {
            officer,
            reason,
            common,
        } => (change(officer, CertAction::Revoke { reason }), common),
    };
    exec(&common, command).await
}
