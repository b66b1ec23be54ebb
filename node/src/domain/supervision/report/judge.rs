//! Judging a report (accepted or returned), and what arrives of reports from below.
use super::*;
use crate::domain::supervision::port::{Downlink, Downward, Upward};

/// `JudgeReport`: the receiving bureau accepts or returns (with reasons) an agency's report of
/// this region, or a direct child region's report (the decision travels down to it).
#[allow(clippy::too_many_arguments)]
pub fn judge(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    unit: &Unit,
    period_id: &str,
    accept: bool,
    reasons: &str,
    now: i64,
    up: &mut Vec<Upward>,
    down: &mut dyn Downlink,
) -> Ruled {
    let by = judge_role(actor)?;
    if !valid_region_id(&unit.region) {
        return Err(Refusal::new("INPUT", format!("{:?} 不是有效的地区编号", unit.region)).into());
    }
    if !accept && reasons.trim().is_empty() {
        return Err(Refusal::new("SUP-1", "退回报告须写明理由").into());
    }
    text_ok(reasons, "退回理由")?;
    let key = (unit.key(), period_id.to_string());
    let state = if accept {
        ReportState::Accepted
    } else {
        ReportState::Returned {
            reasons: reasons.to_string(),
        }
    };
    if unit.region == region && unit.agency.is_some() {
        let Some(id) = REPORT_LATEST.get(txn, &key)? else {
            return Err(
                Refusal::new("INPUT", format!("没有 {} 的 {period_id} 报告", unit.key())).into(),
            );
        };
        let Some(mut r) = REPORTS.get(txn, &id)? else {
            return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的报告")).into());
        };
        if r.state != ReportState::Submitted {
            return Err(Refusal::new(
                "SUP-1",
                format!("报告 {id} 处于 {} 状态，不是已报送状态", r.state.as_str()),
            )
            .into());
        }
        r.state = state;
        r.judged_ms = Some(now);
        r.judged_by = Some(by);
        REPORTS.put(txn, &id, &r)?;
        up.push(Upward::Report(Box::new(r)));
        return Ok(CommandResult::Record { id, flags: vec![] });
    }
    if unit.agency.is_some() || parent_of(&unit.region) != Some(region) {
        return Err(Refusal::new(
            "SUP-1",
            format!(
                "{} 不向 {region} 报送报告：司法局只接收或退回本级执法机关和直接下级地区的报告",
                unit.key()
            ),
        )
        .into());
    }
    let Some(mut held) = HELD_REPORTS.get(txn, &key)? else {
        return Err(Refusal::new(
            "INPUT",
            format!("尚未收到 {} 的 {period_id} 报告", unit.key()),
        )
        .into());
    };
    if held.report.state != ReportState::Submitted {
        return Err(Refusal::new(
            "SUP-1",
            format!(
                "{} 的 {period_id} 报告处于 {} 状态，不是已报送状态",
                unit.key(),
                held.report.state.as_str()
            ),
        )
        .into());
    }
    held.report.state = state;
    held.report.judged_ms = Some(now);
    held.report.judged_by = Some(by.clone());
    let version = held.report.version;
    HELD_REPORTS.put(txn, &key, &held)?;
    let body = Downward::ReportJudged {
        period: period_id.to_string(),
        version,
        accepted: accept,
        reasons: reasons.to_string(),
    };
    let seq = down.send(txn, region, &unit.region, &by, body, now)?;
    // Levels above learn the judgement from the judge itself.
    up.push(Upward::ReportJudged(Box::new(Judgement {
        unit: unit.clone(),
        period: period_id.to_string(),
        version,
        accepted: accept,
        reasons: reasons.to_string(),
        by,
    })));
    Ok(CommandResult::Record {
        id: seq,
        flags: vec![],
    })
}

/// The parent's decision arrived here (this region is the addressee): the report's state
/// follows it, if it is still the version judged.
#[allow(clippy::too_many_arguments)]
pub fn on_judged(
    txn: &mut Txn<'_>,
    region: &str,
    period_id: &str,
    version: u32,
    accepted: bool,
    reasons: &str,
    by: &str,
    now: i64,
) -> Result<(), DomainError> {
    let unit = Unit {
        region: region.to_string(),
        agency: None,
    };
    let Some(id) = REPORT_LATEST.get(txn, &(unit.key(), period_id.to_string()))? else {
        return Ok(());
    };
    let Some(mut r) = REPORTS.get(txn, &id)? else {
        return Ok(());
    };
    if r.version != version || r.state != ReportState::Submitted {
        return Ok(());
    }
    r.state = if accepted {
        ReportState::Accepted
    } else {
        ReportState::Returned {
            reasons: reasons.to_string(),
        }
    };
    r.judged_ms = Some(now);
    r.judged_by = Some(by.to_string());
    REPORTS.put(txn, &id, &r)
}

/// A parent's judgement of a child region's report, as the parent states it (an item of the
/// parent's, so levels above the judge learn it from the judge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Judgement {
    pub unit: Unit,
    pub period: String,
    pub version: u32,
    pub accepted: bool,
    pub reasons: String,
    pub by: String,
}

/// A judgement arrived from below (proven): it counts only from the judge, the report's
/// region's parent.
pub fn on_judgement(
    txn: &mut Txn<'_>,
    origin: &str,
    j: &Judgement,
    now: i64,
) -> Result<(), DomainError> {
    if j.unit.agency.is_some() || parent_of(&j.unit.region) != Some(origin) {
        return Ok(());
    }
    let key = (j.unit.key(), j.period.clone());
    let Some(mut h) = HELD_REPORTS.get(txn, &key)? else {
        return Ok(());
    };
    if h.report.version != j.version || h.report.state != ReportState::Submitted {
        return Ok(());
    }
    h.report.state = if j.accepted {
        ReportState::Accepted
    } else {
        ReportState::Returned {
            reasons: j.reasons.clone(),
        }
    };
    h.report.judged_ms = Some(now);
    h.report.judged_by = Some(j.by.clone());
    HELD_REPORTS.put(txn, &key, &h)
}

/// A report item arrived from below, proven. A region speaks for its own units only; for its
/// own (region) report it states submissions, never judgements — those come from its parent.
/// The first receipt of a version is kept: that is when the report reached this level.
pub fn on_item(txn: &mut Txn<'_>, origin: &str, r: &Report, now: i64) -> Result<(), DomainError> {
    if r.unit.region != origin {
        return Ok(());
    }
    if r.unit.agency.is_none() && r.state != ReportState::Submitted {
        return Ok(());
    }
    let key = (r.unit.key(), r.period.clone());
    let mut received_ms = now;
    if let Some(h) = HELD_REPORTS.get(txn, &key)? {
        if h.report.version > r.version {
            return Ok(());
        }
        if h.report.version == r.version {
            // A repeat, or a region report already judged here: what is held stands.
            if r.unit.agency.is_none() || h.report.state == r.state {
                return Ok(());
            }
            received_ms = h.received_ms;
        }
    }
    HELD_REPORTS.put(
        txn,
        &key,
        &HeldReport {
            origin: origin.to_string(),
            report: r.clone(),
            received_ms,
        },
    )
}
