//! `sanxiang catalog set | show` (the major-decision catalog, REV-2) and `sanxiang calendar
//! show | load` (the official working-day calendar).
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;

use super::parse::parse_kind;
use super::{exec, query, Common};
use crate::cli::conn::Conn;
use crate::domain::calendar::days::YearCalendar;
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::catalog::CatalogRule;
use crate::domain::Command;

#[derive(Debug, Subcommand)]
pub enum CatalogCmd {
    /// Set the rule for a kind of decision (REV-2).
    Set {
        /// The agency whose catalog this is (default: the region's rule for every agency).
        #[arg(long)]
        agency: Option<u64>,
        /// First day in force, YYYY-MM-DD (default: today in UTC+8).
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long, value_parser = parse_kind)]
        kind: PowerKind,
        /// Major from this amount (yuan).
        #[arg(long)]
        min_yuan: Option<u64>,
        /// Lower bound set by the sector's superior department (yuan).
        #[arg(long)]
        bound_yuan: Option<u64>,
        /// Every general-procedure penalty is reviewed.
        #[arg(long)]
        every_general_penalty: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Show the rules in force (JSON).
    Show {
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// Show a year's official calendar (JSON).
    Show {
        #[arg(long)]
        year: u64,
        #[command(flatten)]
        conn: Conn,
    },
    /// Load a year's notice from a JSON file: {"year":2027,"holidays":["2027-01-01",…],
    /// "workdays":[…],"source":"国办发明电〔2026〕N号"} (head or supervisor). Until a year is
    /// loaded, time limits in it are counted on the statutory holidays and marked
    /// provisional; loading counts them again.
    Load {
        #[arg(long)]
        file: PathBuf,
        /// Also send the notice to every region below (from the topology), so one load at
        /// the province serves the whole province.
        #[arg(long)]
        down: bool,
        #[command(flatten)]
        common: Common,
    },
}

pub async fn catalog(c: CatalogCmd) -> anyhow::Result<()> {
    match c {
        CatalogCmd::Set {
            agency,
            from,
            kind,
            min_yuan,
            bound_yuan,
            every_general_penalty,
            common,
        } => {
            let fen = |y: Option<u64>| {
                y.map(|v| v.checked_mul(100).context("amount too large"))
                    .transpose()
            };
            let rule = CatalogRule {
                agency_id: agency,
                kind,
                effective_from: from.unwrap_or_else(|| {
                    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
                }),
                min_amount_fen: fen(min_yuan)?,
                superior_bound_fen: fen(bound_yuan)?,
                every_general_penalty,
            };
            exec(&common, Command::SetCatalogRule(rule)).await
        }
        CatalogCmd::Show { conn } => query(&conn, "catalog", 0).await,
    }
}

pub async fn calendar(c: CalendarCmd) -> anyhow::Result<()> {
    match c {
        CalendarCmd::Show { year, conn } => query(&conn, "calendar", year).await,
        CalendarCmd::Load { file, down, common } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let y: YearCalendar = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a calendar year", file.display()))?;
            if let Err(e) = y.validate() {
                anyhow::bail!("{}：{e}", file.display());
            }
            let value = serde_json::to_string(&y)?;
            exec(&common, Command::LoadCalendarYear(y)).await?;
            if down {
                crate::cli::supervise::send_down_setting(
                    &common,
                    crate::domain::federation::downlink::SETTING_CALENDAR,
                    &value,
                )
                .await?;
            }
            Ok(())
        }
    }
}
