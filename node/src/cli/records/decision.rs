//! `sanxiang case decide | consult | extend | quorum` and `sanxiang law`: the decision with its
//! content and document number, the REV-1 path after a disagreement, the LAW-3 extension, and
//! the national-law settings.
use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::Common;
use crate::domain::command::cmd;
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::law::LawSettings;
use crate::domain::enforcement::model::Collective;
use crate::domain::enforcement::sanction::{LicenceOutcome, Penalty, PenaltyKind};
use crate::domain::Command;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LicenceArg {
    /// 准予许可
    Granted,
    /// 不予许可
    Refused,
    /// 部分准予
    Partly,
}

/// `case decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    #[arg(long)]
    case: u64,
    /// Officer ids of the deciders (a head among them in the general procedure).
    #[arg(long, value_delimiter = ',', required = true)]
    deciders: Vec<u64>,
    /// 文号, e.g. 浏市监罚〔2026〕12号 (unique in the agency; the year is the decision's).
    #[arg(long)]
    doc_number: String,
    /// A penalty: KIND, KIND:YUAN, KIND:DETAIL or KIND:YUAN:DETAIL; repeat for several.
    /// Kinds: warning, fine, confiscation, licence, restriction, detention, other — e.g.
    /// --penalty fine:20000 --penalty licence:吊销食品经营许可证.
    #[arg(long, value_parser = parse_penalty)]
    penalty: Vec<Penalty>,
    /// A licensing decision's outcome.
    #[arg(long, value_enum)]
    licence: Option<LicenceArg>,
    #[arg(long)]
    text: String,
    #[arg(long, default_value = "")]
    evidence: String,
    #[arg(long, default_value = "")]
    basis: String,
    #[arg(long, default_value = "")]
    discretion: String,
    /// Officer ids of the heads present at the collective decision (集体讨论).
    #[arg(long, value_delimiter = ',')]
    collective_heads: Vec<u64>,
    /// What the heads resolved.
    #[arg(long)]
    collective_result: Option<String>,
    /// The minutes of the discussion (会议纪要).
    #[arg(long)]
    minutes: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

/// `case consult`: the consultation after the reviewer disagreed.
#[derive(Debug, Args)]
pub struct ConsultArgs {
    #[arg(long)]
    case: u64,
    /// Who took part, comma-separated names.
    #[arg(long, value_delimiter = ',', required = true)]
    participants: Vec<String>,
    /// Day of the consultation, YYYY-MM-DD.
    #[arg(long)]
    on: NaiveDate,
    #[arg(long)]
    result: String,
    #[command(flatten)]
    pub common: Common,
}

/// `case extend`: a head extends the LAW-3 decision time limit.
#[derive(Debug, Args)]
pub struct ExtendArgs {
    #[arg(long)]
    case: u64,
    #[arg(long)]
    days: u32,
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    pub common: Common,
}

/// `case law`: the national-law numbers of the deployment. Each option defaults to the
/// Administrative Penalty Law's number; give the ones to change.
#[derive(Debug, Args)]
pub struct LawArgs {
    /// LAW-1: largest summary-procedure fine on a citizen, yuan.
    #[arg(long, default_value_t = 200)]
    summary_natural_yuan: u64,
    /// LAW-1: on an organisation, yuan.
    #[arg(long, default_value_t = 3000)]
    summary_legal_yuan: u64,
    /// LAW-3: days from filing to the decision.
    #[arg(long, default_value_t = 90)]
    decision_days: u32,
    /// LAW-3: most days a head may extend by.
    #[arg(long, default_value_t = 30)]
    max_extension_days: u32,
    /// LAW-4: working days to serve the decision.
    #[arg(long, default_value_t = 7)]
    service_days: u32,
    /// LAW-5: a penalty from this amount (yuan) goes to collective discussion.
    #[arg(long, default_value_t = 100_000)]
    serious_yuan: u64,
    /// LAW-6: working days to withdraw a publication.
    #[arg(long, default_value_t = 3)]
    withdrawal_days: u32,
    /// PUB-2: the previous year's annual check is passed by this day, MM-DD.
    #[arg(long, default_value = "03-31")]
    annual_check_by: String,
    #[command(flatten)]
    pub common: Common,
}

/// Parses `KIND[:YUAN][:DETAIL]`.
pub(super) fn parse_penalty(s: &str) -> Result<Penalty, String> {
    let mut parts = s.splitn(3, ':');
    let kind_s = parts.next().unwrap_or("");
    let kind = PenaltyKind::parse(kind_s).ok_or_else(|| {
        format!(
            "unknown penalty {kind_s:?}; use one of: {}",
            PenaltyKind::ALL.map(|k| k.as_str()).join(", ")
        )
    })?;
    let (amount_fen, detail) = match (parts.next(), parts.next()) {
        (None, _) => (0, String::new()),
        (Some(a), rest) if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) => {
            let yuan: u64 = a.parse().map_err(|_| format!("{a:?} is not an amount"))?;
            let fen = yuan
                .checked_mul(100)
                .ok_or_else(|| format!("{a} yuan is too large"))?;
            (fen, rest.unwrap_or("").to_string())
        }
        (Some(""), Some(d)) => (0, d.to_string()),
        (Some(d), None) => (0, d.to_string()),
        (Some(a), Some(_)) => return Err(format!("{a:?} is not an amount in yuan")),
    };
    Ok(Penalty {
        kind,
        amount_fen,
        detail,
    })
}

pub(super) fn decide(a: DecideArgs) -> anyhow::Result<(Command, Common)> {
    let collective = match (a.collective_heads.is_empty(), a.collective_result, a.minutes) {
        (true, None, None) => None,
        (false, Some(result), Some(minutes)) => Some(Collective {
            heads_present: a.collective_heads,
            result,
            minutes,
        }),
        _ => bail!("a collective decision gives --collective-heads, --collective-result and --minutes together"),
    };
    let input = DecideInput {
        case_id: a.case,
        deciders: a.deciders,
        document_number: a.doc_number,
        penalties: a.penalty,
        licence: a.licence.map(|l| match l {
            LicenceArg::Granted => LicenceOutcome::Granted,
            LicenceArg::Refused => LicenceOutcome::Refused,
            LicenceArg::Partly => LicenceOutcome::Partly,
        }),
        text: a.text,
        reasons_evidence: a.evidence,
        reasons_basis: a.basis,
        reasons_discretion: a.discretion,
        collective,
    };
    Ok((Command::Decide(input), a.common))
}

pub(super) fn consult(a: ConsultArgs) -> (Command, Common) {
    let c = cmd::RecordConsultation {
        case_id: a.case,
        participants: a.participants,
        on: a.on,
        result: a.result,
    };
    (Command::RecordConsultation(c), a.common)
}

pub(super) fn extend(a: ExtendArgs) -> (Command, Common) {
    let c = cmd::ExtendDecisionLimit {
        case_id: a.case,
        days: a.days,
        reason: a.reason,
    };
    (Command::ExtendDecisionLimit(c), a.common)
}

pub(super) fn law(a: LawArgs) -> anyhow::Result<(Command, Common)> {
    let (m, d) = a
        .annual_check_by
        .split_once('-')
        .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
        .context("--annual-check-by is MM-DD, e.g. 03-31")?;
    let fen = |yuan: u64| yuan.checked_mul(100).context("amount too large");
    let s = LawSettings {
        summary_natural_fen: fen(a.summary_natural_yuan)?,
        summary_legal_fen: fen(a.summary_legal_yuan)?,
        decision_days: a.decision_days,
        max_extension_days: a.max_extension_days,
        service_days: a.service_days,
        serious_fen: fen(a.serious_yuan)?,
        withdrawal_days: a.withdrawal_days,
        annual_check_by: (m, d),
    };
    Ok((Command::SetLawSettings(s), a.common))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_parse_and_bad_ones_are_explained() {
        let p = parse_penalty("fine:20000").unwrap();
        assert_eq!(
            (p.kind, p.amount_fen, p.detail.as_str()),
            (PenaltyKind::Fine, 2_000_000, "")
        );
        let p = parse_penalty("licence:吊销食品经营许可证").unwrap();
        assert_eq!((p.kind, p.amount_fen), (PenaltyKind::Licence, 0));
        assert_eq!(p.detail, "吊销食品经营许可证");
        let p = parse_penalty("confiscation:500:没收违法所得").unwrap();
        assert_eq!((p.amount_fen, p.detail.as_str()), (50_000, "没收违法所得"));
        assert_eq!(parse_penalty("warning").unwrap().kind, PenaltyKind::Warning);
        assert!(parse_penalty("fine:99999999999999999999").is_err());
        assert!(parse_penalty("caning:10").unwrap_err().contains("warning"));
        assert!(parse_penalty("fine:1x:y").is_err());
    }
}
