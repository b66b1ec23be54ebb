//! Commands of the three systems: officers, certificates, catalog, calendar, cases.
//! Each builds a domain command, sends it through `Execute`, and prints the record id and any
//! flags — or the refusal with its rule id (non-zero exit).
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use sanxiang_proto::region as pb;

use super::agency::WriteIds;
use super::conn::{print_json, Conn};
use crate::client::new_client_id;
use crate::domain::calendar::days::YearCalendar;
use crate::domain::command::cmd;
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::catalog::CatalogRule;
use crate::domain::enforcement::certificate::{CertAction, IssueCertificate};
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::model::{
    Attachment, AvExemption, AvList, Duty, Forum, LegalResult, MajorFlags, Opinion, Party,
    PartyKind, Procedure, StepKind,
};
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::enforcement::step::StepInput;
use crate::domain::Command;

/// Shared by every record command.
#[derive(Debug, Clone, Args)]
pub struct Common {
    #[command(flatten)]
    pub ids: WriteIds,
    #[command(flatten)]
    pub conn: Conn,
    #[arg(long)]
    pub json: bool,
}

pub(crate) async fn exec(c: &Common, command: Command) -> anyhow::Result<()> {
    let mut client = c.conn.client()?;
    let req = pb::ExecuteRequest {
        write_id: Some(pb::WriteId {
            client_id: c.ids.client_id.clone().unwrap_or_else(new_client_id),
            request_id: c.ids.request_id,
        }),
        command_json: serde_json::to_string(&command)?,
    };
    let r = client
        .call(|mut cl| {
            let req = req.clone();
            async move { cl.execute(req).await }
        })
        .await?;
    match r.outcome {
        Some(pb::write_reply::Outcome::Record(rec)) => {
            if c.json {
                print_json(
                    &serde_json::json!({"id": rec.id, "flags": rec.flags, "log_index": r.log_index, "leaf_index": r.leaf_index, "deduplicated": r.deduplicated}),
                )?;
            } else {
                println!(
                    "完成 ok: {} → id {} (账本叶 leaf {})",
                    command.name(),
                    rec.id,
                    r.leaf_index
                );
                for f in &rec.flags {
                    println!("  标记 flag: {f}");
                }
            }
            Ok(())
        }
        Some(pb::write_reply::Outcome::Refused(f)) => {
            if c.json {
                print_json(
                    &serde_json::json!({"refused": {"rule": f.rule, "message": f.message}}),
                )?;
            }
            bail!("拒绝 refused ({}): {}", f.rule, f.message)
        }
        // Accepted with nothing to name (a setting), or an agency record (closure).
        Some(pb::write_reply::Outcome::Agency(a)) => {
            if c.json {
                print_json(
                    &serde_json::json!({"id": a.id, "log_index": r.log_index, "leaf_index": r.leaf_index, "deduplicated": r.deduplicated}),
                )?;
            } else {
                println!(
                    "完成 ok: {} → agency {} (账本叶 leaf {})",
                    command.name(),
                    a.id,
                    r.leaf_index
                );
            }
            Ok(())
        }
        None => {
            if c.json {
                print_json(
                    &serde_json::json!({"log_index": r.log_index, "leaf_index": r.leaf_index, "deduplicated": r.deduplicated}),
                )?;
            } else {
                println!("完成 ok: {} (账本叶 leaf {})", command.name(), r.leaf_index);
            }
            Ok(())
        }
    }
}

/// Runs a JSON query of the region's records (`Region.Query`).
pub(crate) async fn query_value(
    conn: &Conn,
    what: &str,
    id: u64,
) -> anyhow::Result<serde_json::Value> {
    let mut client = conn.client()?;
    let req = pb::QueryRequest {
        consistency: 0,
        what: what.into(),
        id,
    };
    let r = client
        .call(|mut cl| {
            let req = req.clone();
            async move { cl.query(req).await }
        })
        .await?;
    Ok(serde_json::from_str(&r.json)?)
}

async fn query(conn: &Conn, what: &str, id: u64) -> anyhow::Result<()> {
    print_json(&query_value(conn, what, id).await?)
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DutyArg {
    Enforcement,
    Reviewer,
    Head,
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
    /// "workdays":[…],"source":"国办发明电〔2026〕N号"} (head or supervisor).
    Load {
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProcedureArg {
    Summary,
    General,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PartyArg {
    Natural,
    Legal,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ForumArg {
    Reconsideration,
    Litigation,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResultArg {
    Upheld,
    Changed,
    Revoked,
    FoundUnlawful,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OpinionArg {
    Approve,
    Modify,
    Correct,
    Supplement,
    Transfer,
}

fn parse_kind(s: &str) -> Result<PowerKind, String> {
    PowerKind::parse(s).ok_or_else(|| {
        format!(
            "unknown kind {s:?}; use one of: {}",
            PowerKind::ALL.map(|k| k.as_str()).join(", ")
        )
    })
}

fn parse_step(s: &str) -> Result<StepKind, String> {
    let kinds = [
        ("initiation", StepKind::Initiation),
        ("investigation", StepKind::Investigation),
        ("inspection", StepKind::Inspection),
        ("evidence", StepKind::EvidenceCollection),
        ("on-site", StepKind::OnSite),
        ("seizure", StepKind::Seizure),
        ("restriction-of-freedom", StepKind::RestrictionOfFreedom),
        ("forced-demolition", StepKind::ForcedDemolition),
        ("rights-notice", StepKind::RightsNotice),
        ("hearing", StepKind::Hearing),
        ("service", StepKind::Service),
        ("execution", StepKind::Execution),
        ("archiving", StepKind::Archiving),
        ("other", StepKind::Other),
    ];
    kinds
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            format!(
                "unknown step {s:?}; use one of: {}",
                kinds.map(|(n, _)| n).join(", ")
            )
        })
}

fn parse_time(s: &str) -> Result<i64, String> {
    if s == "now" {
        return Ok(chrono::Utc::now().timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("{s:?} is not a time like 2025-10-09T10:00:00+08:00 or now: {e}"))
}

fn parse_attachment(s: &str) -> Result<Attachment, String> {
    let mut it = s.splitn(3, ':');
    match (it.next(), it.next(), it.next()) {
        (Some(h), Some(size), Some(t)) => Ok(Attachment {
            sha256: h.to_string(),
            size: size
                .parse()
                .map_err(|_| format!("attachment size {size:?} is not a number"))?,
            media_type: t.to_string(),
        }),
        _ => Err("attachment is SHA256:SIZE:MEDIA-TYPE".into()),
    }
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a case; the signed-in officer must be one of the handlers.
    Open {
        #[arg(long)]
        agency: u64,
        #[arg(long, value_parser = parse_kind)]
        kind: PowerKind,
        #[arg(long, value_enum, default_value = "general")]
        procedure: ProcedureArg,
        #[arg(long, value_enum)]
        party_kind: PartyArg,
        #[arg(long)]
        party_name: String,
        #[arg(long, default_value = "")]
        party_id_number: String,
        #[arg(long, default_value = "")]
        party_phone: String,
        #[arg(long, default_value = "")]
        party_address: String,
        #[arg(long, default_value = "")]
        credit_code: String,
        #[arg(long)]
        summary: String,
        #[arg(long, value_delimiter = ',', required = true)]
        handlers: Vec<u64>,
        /// Amount involved or fine proposed, yuan.
        #[arg(long, default_value_t = 0)]
        amount_yuan: u64,
        /// Major public interest or social risk (REV-2).
        #[arg(long)]
        public_interest: bool,
        /// Major rights of a party.
        #[arg(long)]
        major_rights: bool,
        /// Complex or several legal relations.
        #[arg(long)]
        complex: bool,
        /// A law requires legal review.
        #[arg(long)]
        law_requires_review: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Record a process step (REC-1, REC-2).
    Step {
        #[arg(long)]
        case: u64,
        /// initiation, investigation, inspection, evidence, on-site, seizure,
        /// restriction-of-freedom, forced-demolition, rights-notice, hearing, service,
        /// execution, archiving, other.
        #[arg(long, value_parser = parse_step)]
        kind: StepKind,
        #[arg(long, value_delimiter = ',', required = true)]
        officers: Vec<u64>,
        /// When the act happened (RFC 3339) or "now".
        #[arg(long, default_value = "now", value_parser = parse_time)]
        at: i64,
        #[arg(long)]
        place: String,
        #[arg(long)]
        text: String,
        /// Audio-video of the act is recorded and attached.
        #[arg(long)]
        av: bool,
        /// Why audio-video is missing (with --exemption-by).
        #[arg(long)]
        exemption_reason: Option<String>,
        /// Officer id of the head who approved the exemption.
        #[arg(long)]
        exemption_by: Option<u64>,
        /// SHA256:SIZE:MEDIA-TYPE, repeatable.
        #[arg(long, value_parser = parse_attachment)]
        attachment: Vec<Attachment>,
        /// Id of the step this one corrects.
        #[arg(long)]
        corrects: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
    /// Submit the case for legal review (a handler).
    Submit {
        #[arg(long)]
        case: u64,
        #[arg(long)]
        materials: String,
        #[command(flatten)]
        common: Common,
    },
    /// Record the review opinion (a reviewer who is not a handler).
    Review {
        #[arg(long)]
        case: u64,
        #[arg(long, value_enum)]
        opinion: OpinionArg,
        /// REV-3 points (1–10) NOT satisfied, comma-separated.
        #[arg(long, value_delimiter = ',')]
        failed_points: Vec<usize>,
        #[arg(long, default_value = "")]
        reasons: String,
        #[command(flatten)]
        common: Common,
    },
    /// Make the decision (REV-1 gate; reasons per REC-6).
    Decide {
        #[arg(long)]
        case: u64,
        #[arg(long, value_delimiter = ',', required = true)]
        deciders: Vec<u64>,
        #[arg(long)]
        text: String,
        #[arg(long, default_value = "")]
        evidence: String,
        #[arg(long, default_value = "")]
        basis: String,
        #[arg(long, default_value = "")]
        discretion: String,
        #[arg(long)]
        collective_minutes: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Show a case (JSON; private party data only for officers, reviewers and heads).
    Show {
        #[arg(long)]
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
    /// List cases (JSON).
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Record a reconsideration or lawsuit outcome (SUP-7); clerk or head of the region.
    Outcome {
        #[arg(long)]
        case: u64,
        #[arg(long, value_enum)]
        forum: ForumArg,
        #[arg(long, value_enum)]
        result: ResultArg,
        /// Day of the outcome, YYYY-MM-DD.
        #[arg(long)]
        on: NaiveDate,
        /// Document number of the outcome.
        #[arg(long)]
        reference: String,
        #[command(flatten)]
        common: Common,
    },
    /// Attach an adviser's, public-sector lawyer's or expert's opinion to the review (REV-5).
    ExpertOpinion {
        #[arg(long)]
        case: u64,
        /// Who gave it, e.g. 法律顾问.
        #[arg(long)]
        source: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        common: Common,
    },
    /// Set an agency's audio-video item list (REC-2), replacing the seeds' defaults.
    AvList {
        #[arg(long)]
        agency: u64,
        /// Step kinds where audio-video is required (comma-separated).
        #[arg(long, value_parser = parse_step, value_delimiter = ',')]
        required: Vec<StepKind>,
        /// Step kinds where audio-video is expected.
        #[arg(long, value_parser = parse_step, value_delimiter = ',')]
        expected: Vec<StepKind>,
        #[command(flatten)]
        common: Common,
    },
    /// An agency's step order: --review-first puts the legal review before the rights notice
    /// (market regulation); without it the rights notice comes first (the default).
    StepOrder {
        #[arg(long)]
        agency: u64,
        #[arg(long)]
        review_first: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Working days allowed for a legal review (REV-8; default 5).
    ReviewDays {
        #[arg(long)]
        days: u32,
        #[command(flatten)]
        common: Common,
    },
    /// The region's status summary: counters kept by every accepted command (JSON).
    Summary {
        #[command(flatten)]
        conn: Conn,
    },
    /// The steps of a case (JSON).
    Steps {
        #[arg(long)]
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

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
    match c {
        PublicationCmd::Draft {
            case,
            content,
            exception_basis,
            common,
        } => {
            exec(
                &common,
                Command::DraftPublication(cmd::DraftPublication {
                    case_id: case,
                    content,
                    exception_basis,
                }),
            )
            .await
        }
        PublicationCmd::Release {
            id,
            reject,
            reasons,
            common,
        } => {
            exec(
                &common,
                Command::ReleasePublication(cmd::ReleasePublication {
                    id,
                    approve: !reject,
                    reasons,
                }),
            )
            .await
        }
        PublicationCmd::Withdraw {
            id,
            reason,
            changed_on,
            common,
        } => {
            exec(
                &common,
                Command::WithdrawPublication(cmd::WithdrawPublication {
                    id,
                    reason,
                    changed_on,
                }),
            )
            .await
        }
        PublicationCmd::Days { kind, days, common } => {
            exec(
                &common,
                Command::SetPublishDays(cmd::SetPublishDays { kind, days }),
            )
            .await
        }
        PublicationCmd::List { case, conn } => query(&conn, "publications", case).await,
    }
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
            let duties = duties
                .into_iter()
                .map(|d| match d {
                    DutyArg::Enforcement => Duty::Enforcement,
                    DutyArg::Reviewer => Duty::Reviewer,
                    DutyArg::Head => Duty::Head,
                })
                .collect();
            exec(
                &common,
                Command::RegisterOfficer(OfficerInput {
                    agency_id: agency,
                    name,
                    user,
                    duties,
                    legal_qualification,
                }),
            )
            .await
        }
        OfficerCmd::List { conn } => query(&conn, "officers", 0).await,
    }
}

pub async fn cert(c: CertCmd) -> anyhow::Result<()> {
    match c {
        CertCmd::Issue {
            officer,
            number,
            from,
            until,
            area,
            common,
        } => {
            exec(
                &common,
                Command::IssueCertificate(IssueCertificate {
                    officer_id: officer,
                    number,
                    valid_from: from,
                    valid_until: until,
                    area,
                }),
            )
            .await
        }
        CertCmd::Check {
            officer,
            year,
            failed,
            note,
            common,
        } => {
            exec(
                &common,
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: officer,
                    action: CertAction::AnnualCheck {
                        year,
                        passed: !failed,
                        note,
                    },
                }),
            )
            .await
        }
        CertCmd::Suspend {
            officer,
            reason,
            common,
        } => {
            exec(
                &common,
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: officer,
                    action: CertAction::Suspend { reason },
                }),
            )
            .await
        }
        CertCmd::Reinstate { officer, common } => {
            exec(
                &common,
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: officer,
                    action: CertAction::Reinstate,
                }),
            )
            .await
        }
        CertCmd::Revoke {
            officer,
            reason,
            common,
        } => {
            exec(
                &common,
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: officer,
                    action: CertAction::Revoke { reason },
                }),
            )
            .await
        }
    }
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
            exec(
                &common,
                Command::SetCatalogRule(CatalogRule {
                    agency_id: agency,
                    kind,
                    effective_from: from.unwrap_or_else(|| {
                        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
                    }),
                    min_amount_fen: fen(min_yuan)?,
                    superior_bound_fen: fen(bound_yuan)?,
                    every_general_penalty,
                }),
            )
            .await
        }
        CatalogCmd::Show { conn } => query(&conn, "catalog", 0).await,
    }
}

pub async fn calendar(c: CalendarCmd) -> anyhow::Result<()> {
    match c {
        CalendarCmd::Show { year, conn } => query(&conn, "calendar", year).await,
        CalendarCmd::Load { file, common } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let y: YearCalendar = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a calendar year", file.display()))?;
            exec(&common, Command::LoadCalendarYear(y)).await
        }
    }
}

pub async fn case(c: CaseCmd) -> anyhow::Result<()> {
    match c {
        CaseCmd::Open {
            agency,
            kind,
            procedure,
            party_kind,
            party_name,
            party_id_number,
            party_phone,
            party_address,
            credit_code,
            summary,
            handlers,
            amount_yuan,
            public_interest,
            major_rights,
            complex,
            law_requires_review,
            common,
        } => {
            let input = OpenCaseInput {
                agency_id: agency,
                kind,
                procedure: match procedure {
                    ProcedureArg::Summary => Procedure::Summary,
                    ProcedureArg::General => Procedure::General,
                },
                party: Party {
                    kind: match party_kind {
                        PartyArg::Natural => PartyKind::Natural,
                        PartyArg::Legal => PartyKind::Legal,
                    },
                    name: party_name,
                    id_number: party_id_number,
                    phone: party_phone,
                    address: party_address,
                    credit_code,
                },
                summary,
                handlers,
                amount_fen: amount_yuan.checked_mul(100).context("amount too large")?,
                flags: MajorFlags {
                    public_interest_or_social_risk: public_interest,
                    major_rights,
                    complex_legal_relations: complex,
                    law_requires_review,
                },
            };
            exec(&common, Command::OpenCase(input)).await
        }
        CaseCmd::Step {
            case,
            kind,
            officers,
            at,
            place,
            text,
            av,
            exemption_reason,
            exemption_by,
            attachment,
            corrects,
            common,
        } => {
            let exemption = match (exemption_reason, exemption_by) {
                (Some(reason), Some(approved_by)) => Some(AvExemption {
                    reason,
                    approved_by,
                }),
                (None, None) => None,
                _ => bail!("give both --exemption-reason and --exemption-by"),
            };
            exec(
                &common,
                Command::RecordStep(StepInput {
                    case_id: case,
                    kind,
                    officers,
                    at_ms: at,
                    place,
                    text,
                    attachments: attachment,
                    audio_video: av,
                    exemption,
                    corrects,
                }),
            )
            .await
        }
        CaseCmd::Submit {
            case,
            materials,
            common,
        } => {
            exec(
                &common,
                Command::SubmitReview(cmd::SubmitReview {
                    case_id: case,
                    materials,
                }),
            )
            .await
        }
        CaseCmd::Review {
            case,
            opinion,
            failed_points,
            reasons,
            common,
        } => {
            let mut checklist = [true; 10];
            for p in failed_points {
                if !(1..=10).contains(&p) {
                    bail!("REV-3 points are numbered 1–10, not {p}");
                }
                checklist[p - 1] = false;
            }
            let opinion = match opinion {
                OpinionArg::Approve => Opinion::Approve,
                OpinionArg::Modify => Opinion::Modify,
                OpinionArg::Correct => Opinion::Correct,
                OpinionArg::Supplement => Opinion::Supplement,
                OpinionArg::Transfer => Opinion::Transfer,
            };
            exec(
                &common,
                Command::ReviewOpinion(cmd::ReviewOpinion {
                    case_id: case,
                    checklist,
                    opinion,
                    reasons,
                }),
            )
            .await
        }
        CaseCmd::Decide {
            case,
            deciders,
            text,
            evidence,
            basis,
            discretion,
            collective_minutes,
            common,
        } => {
            exec(
                &common,
                Command::Decide(DecideInput {
                    case_id: case,
                    deciders,
                    text,
                    reasons_evidence: evidence,
                    reasons_basis: basis,
                    reasons_discretion: discretion,
                    collective_minutes,
                }),
            )
            .await
        }
        CaseCmd::Show { id, conn } => query(&conn, "case", id).await,
        CaseCmd::List { conn } => query(&conn, "cases", 0).await,
        CaseCmd::Summary { conn } => query(&conn, "summary", 0).await,
        CaseCmd::Outcome {
            case,
            forum,
            result,
            on,
            reference,
            common,
        } => {
            let forum = match forum {
                ForumArg::Reconsideration => Forum::Reconsideration,
                ForumArg::Litigation => Forum::Litigation,
            };
            let result = match result {
                ResultArg::Upheld => LegalResult::Upheld,
                ResultArg::Changed => LegalResult::Changed,
                ResultArg::Revoked => LegalResult::Revoked,
                ResultArg::FoundUnlawful => LegalResult::FoundUnlawful,
            };
            exec(
                &common,
                Command::RecordLegalOutcome(cmd::RecordLegalOutcome {
                    case_id: case,
                    forum,
                    result,
                    on,
                    reference,
                }),
            )
            .await
        }
        CaseCmd::ExpertOpinion {
            case,
            source,
            text,
            common,
        } => {
            exec(
                &common,
                Command::AddExpertOpinion(cmd::AddExpertOpinion {
                    case_id: case,
                    source,
                    text,
                }),
            )
            .await
        }
        CaseCmd::AvList {
            agency,
            required,
            expected,
            common,
        } => {
            exec(
                &common,
                Command::SetAvList(AvList {
                    agency_id: agency,
                    required,
                    expected,
                }),
            )
            .await
        }
        CaseCmd::StepOrder {
            agency,
            review_first,
            common,
        } => {
            exec(
                &common,
                Command::SetStepOrder(cmd::SetStepOrder {
                    agency_id: agency,
                    review_before_rights_notice: review_first,
                }),
            )
            .await
        }
        CaseCmd::ReviewDays { days, common } => {
            exec(&common, Command::SetReviewDays(cmd::SetReviewDays { days })).await
        }
        CaseCmd::Steps { id, conn } => query(&conn, "steps", id).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_parsers_refuse_bad_input() {
        assert!(parse_kind("penalty").is_ok());
        assert!(parse_kind("taxation").unwrap_err().contains("licensing"));
        assert!(parse_step("seizure").is_ok());
        assert!(parse_step("arrest").is_err());
        assert!(parse_time("2025-10-09T10:00:00+08:00").is_ok());
        assert!(parse_time("yesterday").is_err());
        assert!(parse_attachment("ab:12:video/mp4").is_ok());
        assert!(parse_attachment("ab:twelve:video/mp4").is_err());
        assert!(parse_attachment("ab").is_err());
    }
}
