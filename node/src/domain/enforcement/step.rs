//! `RecordStep` — one step of the whole-process record (REC-1, REC-2), append-only.
//! PUB-2: every acting officer holds a valid certificate on the day of the act. LAW-2: two
//! officers for investigation and inspection. REC-2: audio-video required for seizure, acts on
//! personal freedom and forced demolition — refused when missing unless an exemption approved
//! by the head is recorded (then flagged); expected for on-site acts — flagged when missing.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::ids::next_id;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::Case;
use crate::domain::enforcement::model::{
    acting_officer, load_officers, Attachment, AvExemption, CaseState, Duty, Step, StepDetail,
    StepKind, AV_LISTS, CASES, OFFICERS, STEPS,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepInput {
    /// Id of the case the step belongs to.
    pub case_id: u64,
    /// What kind of act the step records.
    pub kind: StepKind,
    /// Officer ids of those who acted: 1–10 officers of the case's agency with valid certificates
    /// (PUB-2), the signed-in officer among them; two at least where LAW-2 requires.
    pub officers: Vec<u64>,
    /// When the act happened (Unix ms).
    pub at_ms: i64,
    /// Where the act happened: 1–200 characters.
    pub place: String,
    /// The text record of the act, required for every act (REC-1): 1–20,000 characters.
    pub text: String,
    /// Files of the act (recordings, photos), by digest: at most 50.
    pub attachments: Vec<Attachment>,
    /// The act was recorded on audio-video (REC-2).
    pub audio_video: bool,
    /// Why audio-video is missing where it is required, approved by a head (REC-2); flagged.
    pub exemption: Option<AvExemption>,
    /// Id of an earlier step of this case that this one corrects (a step is never altered).
    pub corrects: Option<u64>,
    /// Service mode (of the decision), execution mode, or the reason of a closure.
    pub detail: Option<StepDetail>,
}

/// Acts may be recorded up to this long after they happened.
pub const MAX_BACKDATE_MS: i64 = 5 * 366 * 24 * 3600 * 1000;
/// And at most this far ahead of the region's clock (clock skew).
pub const MAX_AHEAD_MS: i64 = 24 * 3600 * 1000;

fn check_attachments(list: &[Attachment]) -> Result<(), Refusal> {
    if list.len() > 50 {
        return Err(Refusal::new("INPUT", "每个执法环节最多 50 个附件"));
    }
    for a in list {
        if a.sha256.len() != 64
            || !a
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Refusal::new(
                "INPUT",
                "附件的 sha256 应为 64 位小写十六进制字符",
            ));
        }
        if a.size == 0 || a.size > 1 << 40 {
            return Err(Refusal::new("INPUT", "附件大小应在 1 字节至 1 TiB 之间"));
        }
        check_text("attachment media_type", &a.media_type, 100, true)?;
    }
    Ok(())
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, s: &StepInput, now: i64) -> Ruled {
    // REC-1: a text record is mandatory for every act.
    if s.text.trim().is_empty() {
        return Err(Refusal::new("REC-1", "每项执法行为都须有文字记录").into());
    }
    check_text("text", &s.text, 20_000, true)
        .and(check_text("place", &s.place, 200, true))
        .and(check_attachments(&s.attachments))?;
    if s.at_ms > now.saturating_add(MAX_AHEAD_MS) || s.at_ms < now.saturating_sub(MAX_BACKDATE_MS) {
        return Err(Refusal::new("INPUT", "执法行为的时间晚于当前时间，或早于五年前").into());
    }
    let Some(mut case) = CASES.get(txn, &s.case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {} 的案件", s.case_id)).into());
    };
    if let Some(old) = s.corrects {
        if !case.steps.contains(&old) {
            return Err(
                Refusal::new("INPUT", format!("执法环节 {old} 不属于案件 {}", case.id)).into(),
            );
        }
    }
    let mut ids = s.officers.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 10 {
        return Err(Refusal::new(
            "INPUT",
            "执法人员（officers）：须列明 1–10 名实施该执法行为的执法人员",
        )
        .into());
    }
    if s.kind.needs_two_officers() && ids.len() < 2 {
        return Err(Refusal::new(
            "LAW-2",
            format!("{}须由两名以上执法人员实施", s.kind.label()),
        )
        .into());
    }
    let officers = load_officers(txn, &ids, case.agency_id)?;
    acting_officer(actor, &officers)?;
    let day = match date_of(s.at_ms) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    let law = crate::domain::enforcement::law::settings(txn.base())?;
    for o in &officers {
        o.check_may_act(day, &law)?;
    }
    let mut flags = av_flags(txn, s, &case, day, &law)?;
    let next = lifecycle(txn, &case, s, day, &law, &mut flags)?;
    let id = next_id(txn, "step")?;
    STEPS.put(
        txn,
        &id,
        &Step {
            id,
            case_id: case.id,
            kind: s.kind,
            officers: ids,
            at_ms: s.at_ms,
            place: s.place.clone(),
            text: s.text.clone(),
            attachments: s.attachments.clone(),
            audio_video: s.audio_video,
            exemption: s.exemption.clone(),
            corrects: s.corrects,
            detail: s.detail.clone(),
            flags: flags.clone(),
            recorded_at_ms: now,
            recorded_by: actor.label(),
        },
    )?;
    case.steps.push(id);
    match next {
        Some(state) => case.state = state,
        None => advance(txn, &mut case, s.kind)?,
    }
    CASES.put(txn, &case.id, &case)?;
    Ok(CommandResult::Record { id, flags })
}

/// REC-2: whole-process audio-video where the agency's list (or the default) requires it, or
/// an exemption approved by a head; the flags the step carries.
fn av_flags(
    txn: &Txn<'_>,
    s: &StepInput,
    case: &Case,
    day: NaiveDate,
    law: &crate::domain::enforcement::law::LawSettings,
) -> Ruled<Vec<String>> {
    let mut flags = Vec::new();
    let list = AV_LISTS.get(txn, &case.agency_id)?;
    let required = list
        .as_ref()
        .map(|l| l.required.contains(&s.kind))
        .unwrap_or(s.kind.av_required());
    let expected = list
        .as_ref()
        .map(|l| l.expected.contains(&s.kind))
        .unwrap_or(s.kind.av_expected());
    if !s.audio_video {
        if required {
            let Some(ex) = &s.exemption else {
                return Err(Refusal::new(
                    "REC-2",
                    format!(
                        "{}须全程音像记录：请进行音像记录，或记录经负责人批准的免录事由",
                        s.kind.label()
                    ),
                )
                .into());
            };
            check_text("exemption.reason", &ex.reason, 500, true)?;
            let head = OFFICERS.get(txn, &ex.approved_by)?;
            let approved = head.as_ref().is_some_and(|h| {
                h.agency_id == case.agency_id
                    && h.duties.contains(&Duty::Head)
                    && h.check_may_act(day, law).is_ok()
            });
            if !approved {
                return Err(Refusal::new(
                    "REC-2",
                    "免予音像记录须经本执法机关持有效执法证的负责人批准",
                )
                .into());
            }
            flags.push(format!(
                "REC-2：未进行音像记录，已经执法人员 {} 批准免录：{}",
                ex.approved_by, ex.reason
            ));
        } else if expected {
            flags.push("REC-2：应当音像记录但未记录".to_string());
        }
    }
    Ok(flags)
}

/// Where a step moves its case.
fn advance(txn: &Txn<'_>, case: &mut Case, kind: StepKind) -> Ruled<()> {
    match (case.state, kind) {
        (
            CaseState::Opened,
            StepKind::Investigation | StepKind::Inspection | StepKind::EvidenceCollection,
        ) => case.state = CaseState::Investigating,
        // A hearing after a review sends the case back to review.
        (CaseState::InReview | CaseState::Approved, StepKind::Hearing) => {
            case.state = CaseState::Returned;
            case.hearing_held = true;
        }
        (_, StepKind::Hearing) => case.hearing_held = true,
        // Market regulation's order: the rights notice after a review leads to a re-review.
        (CaseState::InReview | CaseState::Approved, StepKind::RightsNotice)
            if crate::domain::enforcement::model::REVIEW_BEFORE_RIGHTS_NOTICE
                .get(txn, &case.agency_id)?
                .unwrap_or(false) =>
        {
            case.state = CaseState::Returned;
        }
        _ => {}
    }
    Ok(())
}

fn ended(m: impl Into<String>) -> Ruled<Option<CaseState>> {
    Err(Refusal::new("REC-1", m).into())
}

/// The end of the case (DOMAIN "Case"): served (with the mode; LAW-4 counts from the
/// decision), executed, archived, or closed without a decision with its reason. An archived
/// case takes nothing but a correction of an earlier step; a closed or transferred one only
/// its archiving. Returns the state the step moves the case to.
fn lifecycle(
    txn: &Txn<'_>,
    case: &Case,
    s: &StepInput,
    day: NaiveDate,
    law: &crate::domain::enforcement::law::LawSettings,
    flags: &mut Vec<String>,
) -> Ruled<Option<CaseState>> {
    if s.corrects.is_some() {
        return Ok(None);
    }
    let decided = case.decision.is_some();
    match case.state {
        CaseState::Archived => {
            return ended(format!(
                "案件 {} 已归档：只能更正此前的环节记录（写明所更正的环节）",
                case.id
            ))
        }
        CaseState::Closed | CaseState::Transferred if s.kind != StepKind::Archiving => {
            return ended(format!(
                "案件 {} 已{}，只能归档",
                case.id,
                if case.state == CaseState::Closed {
                    "结案（不予处理）"
                } else {
                    "移送"
                }
            ))
        }
        _ => {}
    }
    let input = |m: &str| -> Ruled<Option<CaseState>> { Err(Refusal::new("INPUT", m).into()) };
    match (s.kind, &s.detail) {
        (StepKind::Service, Some(StepDetail::Service { .. })) if !decided => {
            input("尚未作出决定，没有可送达的决定书")
        }
        (StepKind::Service, Some(StepDetail::Service { .. })) => {
            let decided_on = case
                .decision
                .as_ref()
                .and_then(|d| crate::domain::calendar::days::date_of(d.decided_at_ms).ok());
            if let Some(on) = decided_on {
                let years = crate::domain::calendar::load::StateYears(txn.base());
                if let Ok(due) =
                    crate::domain::calendar::days::add_working_days(&years, on, law.service_days)
                {
                    if day > due {
                        flags.push(format!("LAW-4：逾期送达（截止 {due}）"));
                    }
                }
            }
            Ok(Some(match case.state {
                CaseState::Decided => CaseState::Served,
                other => other,
            }))
        }
        (StepKind::Service, None) if decided => {
            input("送达决定书须写明送达方式（直接、留置、邮寄、公告、电子）")
        }
        (StepKind::Execution, Some(StepDetail::Execution { .. })) => match case.state {
            CaseState::Served | CaseState::Executed => Ok(Some(CaseState::Executed)),
            _ => input("决定送达后才能执行"),
        },
        (StepKind::Execution, None) if decided => {
            input("执行须写明执行方式（自觉履行、强制执行、申请法院强制执行）")
        }
        (StepKind::Closure, Some(StepDetail::Closure { reason })) => {
            check_text("reason", reason, 500, true)?;
            if decided {
                return input("已作出决定的案件不能不予处理结案");
            }
            Ok(Some(CaseState::Closed))
        }
        (StepKind::Closure, _) => input("不予处理结案须写明理由"),
        (StepKind::Archiving, None) => match case.state {
            CaseState::Served
            | CaseState::Executed
            | CaseState::Closed
            | CaseState::Transferred => Ok(Some(CaseState::Archived)),
            CaseState::Decided => input("决定尚未送达，不能归档"),
            _ => input("案件尚未办结（作出决定并送达、移送或不予处理），不能归档"),
        },
        (_, Some(_)) => input("只有送达、执行和不予处理结案的环节写送达方式、执行方式或理由"),
        _ => Ok(None),
    }
}
