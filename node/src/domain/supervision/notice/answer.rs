//! A unit's answers (acknowledgement, rectification), the issuer closing or returning them, and
//! escalation past the deadline.
use super::*;
use crate::domain::supervision::port::{Downlink, Downward, Upward};

/// What a unit answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Reply {
    /// Acknowledge receipt (签收), once, when the notice has been delivered.
    Acknowledge,
    /// Submit the rectification report (整改), where the notice asks for one: after acknowledging,
    /// or after a return.
    Rectification {
        /// The rectification report: 1 byte to 16 KiB.
        text: String,
    },
}

/// `AnswerNotice`: a person of the unit's region acknowledges, or submits the rectification.
#[allow(clippy::too_many_arguments)]
pub fn answer(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    issuer: &str,
    id: u64,
    unit: &Unit,
    reply: &Reply,
    now: i64,
    up: &mut Vec<Upward>,
) -> Ruled {
    // Only the organ the notice names answers it: the bureau for the region, an agency for
    // itself.
    let organ = organ_of(unit);
    let roles: &[Role] = match organ {
        Organ::Bureau => &[Role::Clerk, Role::Head, Role::Supervisor],
        Organ::Agency(_) => &[Role::Clerk, Role::Head],
    };
    if !actor.acts_for(organ, roles) {
        return refuse(
            "SUP-2",
            format!(
                "{} 无权答复发给 {} 的通报：由被通报单位（{}）的登记员或负责人答复",
                actor.label(),
                unit.key(),
                organ.label()
            ),
        );
    }
    let key = (issuer.to_string(), unit.key(), id);
    let Some(mut inbox) = INBOX.get(txn, &key)? else {
        return refuse(
            "INPUT",
            format!(
                "本地区尚未收到 {issuer} 发给 {} 的第 {id} 号通报",
                unit.key()
            ),
        );
    };
    let (stage, text) = match reply {
        Reply::Acknowledge => {
            if inbox.progress.stage != Stage::Delivered {
                return refuse(
                    "SUP-2",
                    format!(
                        "通报 {} 处于 {} 阶段：通报送达后签收一次",
                        inbox.doc.number,
                        inbox.progress.stage.as_str()
                    ),
                );
            }
            (Stage::Acknowledged, String::new())
        }
        Reply::Rectification { text } => {
            if !inbox.doc.kind.wants_rectification() {
                return refuse("SUP-2", format!("{}不要求整改", inbox.doc.kind.label()));
            }
            if !matches!(inbox.progress.stage, Stage::Acknowledged | Stage::Returned) {
                return refuse(
                    "SUP-2",
                    format!(
                        "通报 {} 处于 {} 阶段：签收后或整改被退回后才能报送整改情况",
                        inbox.doc.number,
                        inbox.progress.stage.as_str()
                    ),
                );
            }
            if text.trim().is_empty() || text.len() > MAX_SECTION {
                return refuse("INPUT", format!("整改情况报告为 1–{MAX_SECTION} 字节"));
            }
            (Stage::Rectified, text.clone())
        }
    };
    let by = actor.label();
    inbox.progress.move_to(stage, now, &by, &text);
    INBOX.put(txn, &key, &inbox)?;
    let a = Answer {
        issuer: issuer.to_string(),
        notice: id,
        unit: unit.clone(),
        stage,
        by,
        text,
    };
    if issuer == region {
        on_answer(txn, region, region, &a, now)?;
    } else {
        up.push(Upward::NoticeAnswer(Box::new(a)));
    }
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// An answer arrived (from below, proven, or from a unit of this region).
pub fn on_answer(
    txn: &mut Txn<'_>,
    region: &str,
    origin: &str,
    a: &Answer,
    at_ms: i64,
) -> Result<(), DomainError> {
    // A region answers only for its own units, and only the issuer records the answer.
    if a.issuer != region || a.unit.region != origin {
        return Ok(());
    }
    let Some(mut n) = NOTICES.get(txn, &a.notice)? else {
        return Ok(());
    };
    if let Some(p) = n.units.get_mut(&a.unit.key()) {
        let moves = matches!(
            (p.stage, a.stage),
            (Stage::Issued | Stage::Delivered, Stage::Acknowledged)
                | (
                    Stage::Issued | Stage::Delivered | Stage::Acknowledged | Stage::Returned,
                    Stage::Rectified
                )
        );
        if moves {
            p.move_to(a.stage, at_ms, &a.by, &a.text);
            NOTICES.put(txn, &a.notice, &n)?;
        }
    }
    Ok(())
}

/// `JudgeNotice`: the issuer closes a unit's notice or returns its rectification.
#[allow(clippy::too_many_arguments)]
pub fn judge(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    id: u64,
    unit: &Unit,
    close: bool,
    reasons: &str,
    now: i64,
    down: &mut dyn Downlink,
) -> Ruled {
    if !of_bureau(actor, &[Role::Supervisor, Role::Inspector, Role::Head]) {
        return refuse(
            "SUP-2",
            format!(
                "{} 无权办结或退回通报：由签发通报的司法局的监督人员、行政执法监督人员或负责人办理",
                actor.label()
            ),
        );
    }
    if !valid_region_id(&unit.region) {
        return refuse("INPUT", format!("{:?} 不是有效的地区编号", unit.region));
    }
    if !close && reasons.trim().is_empty() {
        return refuse("SUP-2", "退回整改须写明整改不到位的理由");
    }
    if reasons.len() > MAX_SECTION {
        return refuse("INPUT", "理由过长");
    }
    let Some(mut n) = NOTICES.get(txn, &id)? else {
        return refuse("INPUT", format!("没有编号为 {id} 的通报"));
    };
    let kind = n.draft.kind;
    if !close && !kind.wants_rectification() {
        return refuse(
            "SUP-2",
            format!("{}不要求整改：没有可退回的整改情况，只能办结", kind.label()),
        );
    }
    let Some(p) = n.units.get_mut(&unit.key()) else {
        return refuse("INPUT", format!("通报 {id} 没有列明 {}", unit.key()));
    };
    let ready = if kind.wants_rectification() {
        p.stage == Stage::Rectified
    } else {
        p.stage == Stage::Acknowledged
    };
    if !ready {
        return refuse(
            "SUP-2",
            format!(
                "{} 在通报 {id} 中处于 {} 阶段：收到答复后才能办结或退回",
                unit.key(),
                p.stage.as_str()
            ),
        );
    }
    let stage = if close {
        Stage::Closed
    } else {
        Stage::Returned
    };
    let by = actor.label();
    p.move_to(stage, now, &by, reasons);
    if n.units.values().all(|p| p.stage == Stage::Closed) {
        OPEN_NOTICES.delete(txn, &id);
    }
    NOTICES.put(txn, &id, &n)?;
    let judged = NoticeJudged {
        issuer: region.to_string(),
        notice: id,
        unit: unit.clone(),
        stage,
        by: by.clone(),
        reasons: reasons.to_string(),
    };
    if unit.region == region {
        on_judged(txn, &judged, now)?;
    } else {
        down.send(
            txn,
            region,
            &unit.region,
            &by,
            Downward::NoticeJudged(Box::new(judged)),
            now,
        )?;
    }
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// The issuer's decision on a unit's answer, travelling down to the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NoticeJudged {
    /// Region id of the issuing region.
    pub issuer: String,
    /// The issuer's id of the notice.
    pub notice: u64,
    /// The named unit.
    pub unit: Unit,
    /// Where the unit now stands: closed or returned.
    pub stage: Stage,
    /// Who judged it.
    pub by: String,
    /// The reasons, required for a return.
    pub reasons: String,
}

/// The issuer's decision arrived at the unit's region.
pub fn on_judged(txn: &mut Txn<'_>, j: &NoticeJudged, now: i64) -> Result<(), DomainError> {
    let key = (j.issuer.clone(), j.unit.key(), j.notice);
    if let Some(mut inbox) = INBOX.get(txn, &key)? {
        inbox.progress.move_to(j.stage, now, &j.by, &j.reasons);
        INBOX.put(txn, &key, &inbox)?;
    }
    Ok(())
}

/// On `Tick`: every unit still open past its notice's deadline is escalated (once).
pub fn escalate(txn: &mut Txn<'_>, now: i64) -> Result<u64, DomainError> {
    let Ok(today) = date_of(now) else {
        return Ok(0);
    };
    let base = txn.base();
    let mut due = Vec::new();
    for k in OPEN_NOTICES.keys(base) {
        let Some(id) = k
            .get(1..9)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
        else {
            continue;
        };
        if let Some(dl) = OPEN_NOTICES.read(base, &id)? {
            if dl < today {
                due.push(id);
            }
        }
    }
    let mut n_escalated = 0;
    for id in due {
        if let Some(mut n) = NOTICES.get(txn, &id)? {
            for p in n.units.values_mut() {
                if p.stage != Stage::Closed && !p.escalated {
                    p.escalated = true;
                    let stage = p.stage;
                    p.history.push(Event {
                        at_ms: now,
                        stage,
                        by: String::new(),
                        text: "逾期未办结，已督办升级 escalated".into(),
                    });
                    n_escalated += 1;
                }
            }
            NOTICES.put(txn, &id, &n)?;
        }
        OPEN_NOTICES.delete(txn, &id);
    }
    Ok(n_escalated)
}
