//! `sanxiang case …`: open a case, record its steps, legal review, decision, outcomes, and the
//! agency settings that govern them (REC-*, REV-*, LAW-*, SUP-7).
use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::decision::{self, ConsultArgs, DecideArgs, ExtendArgs, LawArgs};
use super::parse::{parse_attachment, parse_kind, parse_step, parse_time};
use super::{exec, query, Common};
use crate::cli::conn::Conn;
use crate::domain::command::cmd;
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::model::{
    Attachment, AvExemption, AvList, ExecutionMode, Forum, LegalResult, MajorFlags, Opinion, Party,
    PartyKind, Procedure, ServiceMode, StepDetail, StepKind,
};
use crate::domain::enforcement::step::StepInput;
use crate::domain::Command;

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
pub enum ServiceArg {
    /// 直接送达
    Direct,
    /// 留置送达
    LeftAtResidence,
    /// 邮寄送达
    Post,
    /// 公告送达
    PublicNotice,
    /// 电子送达
    Electronic,
}

impl ServiceArg {
    fn mode(self) -> ServiceMode {
        match self {
            ServiceArg::Direct => ServiceMode::Direct,
            ServiceArg::LeftAtResidence => ServiceMode::LeftAtResidence,
            ServiceArg::Post => ServiceMode::Post,
            ServiceArg::PublicNotice => ServiceMode::PublicNotice,
            ServiceArg::Electronic => ServiceMode::Electronic,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExecutionArg {
    /// 当事人自觉履行
    Paid,
    /// 行政机关强制执行
    Enforced,
    /// 申请人民法院强制执行
    Court,
}

impl ExecutionArg {
    fn mode(self) -> ExecutionMode {
        match self {
            ExecutionArg::Paid => ExecutionMode::Paid,
            ExecutionArg::Enforced => ExecutionMode::Enforced,
            ExecutionArg::Court => ExecutionMode::CourtApplication,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OpinionArg {
    Approve,
    Modify,
    Correct,
    Supplement,
    Transfer,
}

impl OpinionArg {
    fn opinion(self) -> Opinion {
        match self {
            OpinionArg::Approve => Opinion::Approve,
            OpinionArg::Modify => Opinion::Modify,
            OpinionArg::Correct => Opinion::Correct,
            OpinionArg::Supplement => Opinion::Supplement,
            OpinionArg::Transfer => Opinion::Transfer,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a case; the signed-in officer must be one of the handlers.
    Open(OpenArgs),
    /// Record a process step (REC-1, REC-2).
    Step(StepArgs),
    /// Submit the case for legal review (a handler).
    Submit {
        #[arg(long)]
        case: u64,
        #[arg(long)]
        materials: String,
        /// The amount of the decision proposed for review, yuan (default: the case's amount);
        /// a decision above it goes back to review.
        #[arg(long, default_value_t = 0)]
        proposed_yuan: u64,
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
    /// Make the decision: its penalties or licensing outcome, its document number (文号), the
    /// reasons (REC-6); the REV-1 gate and LAW-1, LAW-5 judge what is decided.
    Decide(DecideArgs),
    /// Record the consultation after the reviewer disagreed (REV-1; a handler or a head).
    Consult(ConsultArgs),
    /// Extend the LAW-3 decision time limit (a head of the agency).
    Extend(ExtendArgs),
    /// An agency's quorum of heads for a collective decision (the agency's head; default 3,
    /// or all heads when fewer).
    Quorum {
        #[arg(long)]
        agency: u64,
        #[arg(long)]
        heads: u32,
        #[command(flatten)]
        common: Common,
    },
    /// The national-law numbers of the deployment (LAW-1…LAW-6, the annual check deadline);
    /// the bureau's head or a supervisor.
    Law(LawArgs),
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
    Outcome(OutcomeArgs),
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

/// `case open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
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
}

/// `case step`.
#[derive(Debug, Args)]
pub struct StepArgs {
    #[arg(long)]
    case: u64,
    /// initiation, investigation, inspection, evidence, on-site, seizure,
    /// restriction-of-freedom, forced-demolition, rights-notice, hearing, service,
    /// execution, archiving, closure (closing without a decision), other.
    #[arg(long, value_parser = parse_step)]
    kind: StepKind,
    /// For the service of the decision: direct, left-at-residence, post, public-notice,
    /// electronic.
    #[arg(long, value_enum)]
    service_mode: Option<ServiceArg>,
    /// For its execution: paid, enforced, court.
    #[arg(long, value_enum)]
    execution: Option<ExecutionArg>,
    /// For a closure without a decision: why.
    #[arg(long)]
    reason: Option<String>,
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
}

/// `case outcome`.
#[derive(Debug, Args)]
pub struct OutcomeArgs {
    #[arg(long)]
    case: u64,
    #[arg(long, value_enum)]
    forum: ForumArg,
    #[arg(long, value_enum)]
    result: ResultArg,
    /// Day of the outcome, YYYY-MM-DD.
    #[arg(long)]
    on: NaiveDate,
    /// Document number of the outcome (复议决定书或判决书文号).
    #[arg(long)]
    reference: String,
    /// The organ that decided: the reconsideration organ or the court, e.g. 浏阳市人民政府.
    #[arg(long)]
    deciding_organ: String,
    #[command(flatten)]
    common: Common,
}

pub async fn case(c: CaseCmd) -> anyhow::Result<()> {
    let (command, common) = match c {
        CaseCmd::Open(a) => open(a)?,
        CaseCmd::Step(a) => step(a)?,
        CaseCmd::Submit {
            case,
            materials,
            proposed_yuan,
            common,
        } => {
            let submit = cmd::SubmitReview {
                case_id: case,
                materials,
                proposed_fen: proposed_yuan.checked_mul(100).context("amount too large")?,
            };
            (Command::SubmitReview(submit), common)
        }
        CaseCmd::Review {
            case,
            opinion,
            failed_points,
            reasons,
            common,
        } => {
            let review = Command::ReviewOpinion(cmd::ReviewOpinion {
                case_id: case,
                checklist: checklist(&failed_points)?,
                opinion: opinion.opinion(),
                reasons,
            });
            (review, common)
        }
        CaseCmd::Decide(a) => decision::decide(a)?,
        CaseCmd::Consult(a) => decision::consult(a),
        CaseCmd::Extend(a) => decision::extend(a),
        CaseCmd::Law(a) => decision::law(a)?,
        CaseCmd::Quorum {
            agency,
            heads,
            common,
        } => {
            let q = cmd::SetQuorum {
                agency_id: agency,
                heads,
            };
            (Command::SetQuorum(q), common)
        }
        CaseCmd::Outcome(a) => outcome(a),
        CaseCmd::ExpertOpinion {
            case,
            source,
            text,
            common,
        } => {
            let case_id = case;
            (
                Command::AddExpertOpinion(cmd::AddExpertOpinion {
                    case_id,
                    source,
                    text,
                }),
                common,
            )
        }
        CaseCmd::AvList {
            agency,
            required,
            expected,
            common,
        } => {
            let list = AvList {
                agency_id: agency,
                required,
                expected,
            };
            (Command::SetAvList(list), common)
        }
        CaseCmd::StepOrder {
            agency,
            review_first,
            common,
        } => {
            let order = Command::SetStepOrder(cmd::SetStepOrder {
                agency_id: agency,
                review_before_rights_notice: review_first,
            });
            (order, common)
        }
        CaseCmd::ReviewDays { days, common } => {
            (Command::SetReviewDays(cmd::SetReviewDays { days }), common)
        }
        CaseCmd::Show { id, conn } => return query(&conn, "case", id).await,
        CaseCmd::List { conn } => return query(&conn, "cases", 0).await,
        CaseCmd::Summary { conn } => return query(&conn, "summary", 0).await,
        CaseCmd::Steps { id, conn } => return query(&conn, "steps", id).await,
    };
    exec(&common, command).await
}

fn open(a: OpenArgs) -> anyhow::Result<(Command, Common)> {
    let input = OpenCaseInput {
        agency_id: a.agency,
        kind: a.kind,
        procedure: match a.procedure {
            ProcedureArg::Summary => Procedure::Summary,
            ProcedureArg::General => Procedure::General,
        },
        party: Party {
            kind: match a.party_kind {
                PartyArg::Natural => PartyKind::Natural,
                PartyArg::Legal => PartyKind::Legal,
            },
            name: a.party_name,
            id_number: a.party_id_number,
            phone: a.party_phone,
            address: a.party_address,
            credit_code: a.credit_code,
        },
        summary: a.summary,
        handlers: a.handlers,
        amount_fen: a.amount_yuan.checked_mul(100).context("amount too large")?,
        flags: MajorFlags {
            public_interest_or_social_risk: a.public_interest,
            major_rights: a.major_rights,
            complex_legal_relations: a.complex,
            law_requires_review: a.law_requires_review,
        },
    };
    Ok((Command::OpenCase(input), a.common))
}

fn step(a: StepArgs) -> anyhow::Result<(Command, Common)> {
    let exemption = match (a.exemption_reason, a.exemption_by) {
        (Some(reason), Some(approved_by)) => Some(AvExemption {
            reason,
            approved_by,
        }),
        (None, None) => None,
        _ => bail!("give both --exemption-reason and --exemption-by"),
    };
    let detail = match (a.service_mode, a.execution, a.reason) {
        (None, None, None) => None,
        (Some(m), None, None) => Some(StepDetail::Service { mode: m.mode() }),
        (None, Some(e), None) => Some(StepDetail::Execution { mode: e.mode() }),
        (None, None, Some(reason)) => Some(StepDetail::Closure { reason }),
        _ => bail!("give one of --service-mode, --execution, --reason"),
    };
    let input = StepInput {
        case_id: a.case,
        kind: a.kind,
        officers: a.officers,
        at_ms: a.at,
        place: a.place,
        text: a.text,
        attachments: a.attachment,
        audio_video: a.av,
        exemption,
        corrects: a.corrects,
        detail,
    };
    Ok((Command::RecordStep(input), a.common))
}

/// The REV-3 checklist with the points given as not satisfied (numbered 1–10) unticked.
fn checklist(failed_points: &[usize]) -> anyhow::Result<[bool; 10]> {
    let mut checklist = [true; 10];
    for &p in failed_points {
        if !(1..=10).contains(&p) {
            bail!("REV-3 points are numbered 1–10, not {p}");
        }
        checklist[p - 1] = false;
    }
    Ok(checklist)
}

fn outcome(a: OutcomeArgs) -> (Command, Common) {
    let forum = match a.forum {
        ForumArg::Reconsideration => Forum::Reconsideration,
        ForumArg::Litigation => Forum::Litigation,
    };
    let result = match a.result {
        ResultArg::Upheld => LegalResult::Upheld,
        ResultArg::Changed => LegalResult::Changed,
        ResultArg::Revoked => LegalResult::Revoked,
        ResultArg::FoundUnlawful => LegalResult::FoundUnlawful,
    };
    let outcome = Command::RecordLegalOutcome(cmd::RecordLegalOutcome {
        case_id: a.case,
        forum,
        result,
        on: a.on,
        reference: a.reference,
        deciding_organ: a.deciding_organ,
    });
    (outcome, a.common)
}
