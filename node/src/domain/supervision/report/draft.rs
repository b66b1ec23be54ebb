//! Drafting a report — figures filled from the records, narrative, attachments — and
//! submitting it to the bureau or the parent (SUP-1).
use super::*;
use crate::domain::supervision::port::Upward;

/// The unit's own organ reports: an agency's clerk or head for the agency, the bureau's clerk,
/// supervisor or head for the region.
pub(super) fn bureau(actor: &Actor, unit: &Unit, what: &str) -> Result<String, Refusal> {
    let allowed = match unit.agency {
        Some(a) => actor.acts_for(Organ::Agency(a), &[Role::Clerk, Role::Head]),
        None => actor.of_bureau(&[Role::Clerk, Role::Head, Role::Supervisor]),
    };
    if allowed {
        return Ok(actor.label());
    }
    Err(Refusal::new(
        "SUP-1",
        format!(
            "{} 无权{what}（{}）：由报告单位自己的登记员或负责人办理",
            actor.label(),
            unit.key()
        ),
    ))
}

pub(super) fn judge_role(actor: &Actor) -> Result<String, Refusal> {
    if actor.of_bureau(&[Role::Head, Role::Supervisor, Role::Inspector]) {
        return Ok(actor.label());
    }
    Err(Refusal::new(
        "SUP-1",
        format!(
            "{} 无权接收或退回报告：由接收报告的司法局的监督人员、行政执法监督人员或负责人办理",
            actor.label()
        ),
    ))
}

pub(super) fn text_ok(s: &str, what: &str) -> Result<(), Refusal> {
    if s.len() > MAX_SECTION {
        return Err(Refusal::new(
            "INPUT",
            format!("{what}超过 {MAX_SECTION} 字节"),
        ));
    }
    Ok(())
}

/// Every agency's figures for a period, from the records, in one pass over cases and
/// publications.
pub fn figures_by_agency(
    state: &State,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<u64, BTreeMap<String, i64>>, DomainError> {
    let within = |ms: i64| date_of(ms).is_ok_and(|d| d >= start && d <= end);
    let mut all: BTreeMap<u64, BTreeMap<String, i64>> = BTreeMap::new();
    let mut bump = |agency: u64, k: &str| {
        *all.entry(agency)
            .or_default()
            .entry(k.to_string())
            .or_insert(0) += 1
    };
    for c in crate::domain::enforcement::model::CASES.scan_from(state, &0) {
        let c = c?;
        let a = c.agency_id;
        if within(c.opened_at_ms) {
            bump(a, "cases_opened");
        }
        if c.decision.as_ref().is_some_and(|d| within(d.decided_at_ms)) {
            bump(a, "decisions");
            if c.major == Some(true) {
                bump(a, "major_decisions");
            }
            if c.reviews.iter().any(|r| r.opinion.is_some()) {
                bump(a, "reviewed_decisions");
            }
        }
        for o in &c.legal_outcomes {
            if o.on >= start && o.on <= end {
                bump(a, "challenged");
                if o.result.corrects() {
                    bump(a, "corrected");
                }
            }
        }
        if !c.overdue.is_empty() {
            bump(a, "overdue_now");
        }
    }
    for p in PUBLICATIONS.scan_from(state, &0) {
        let p = p?;
        match p.state {
            PubState::Published { at_ms, on_time } | PubState::Withdrawn { at_ms, on_time, .. }
                if within(at_ms) =>
            {
                bump(
                    p.agency_id,
                    if on_time {
                        "published_on_time"
                    } else {
                        "published_late"
                    },
                );
            }
            _ => {}
        }
    }
    Ok(all)
}

/// Whether an agency exists and is active at the end of `end` (not closed or merged by then).
pub fn agency_active(a: &crate::domain::core::organ::Agency, end: NaiveDate) -> bool {
    let created = date_of(a.created_at_ms).is_ok_and(|d| d <= end);
    created && a.closed.as_ref().is_none_or(|c| c.on > end)
}

/// `DraftReport`: creates or replaces the draft of a unit's report for a period; a returned
/// report is redrafted as a new version.
pub fn draft(txn: &mut Txn<'_>, actor: &Actor, region: &str, input: &DraftReport) -> Ruled {
    let unit = Unit {
        region: region.to_string(),
        agency: input.agency,
    };
    let by = bureau(actor, &unit, "起草报告")?;
    let n = &input.narrative;
    for (s, what) in [
        (&n.done, "工作开展情况"),
        (&n.results, "取得成效"),
        (&n.problems, "存在问题及原因"),
        (&n.measures, "下一步措施"),
        (&n.suggestions, "意见建议"),
    ] {
        text_ok(s, what)?;
    }
    if input.attachments.len() > MAX_ATTACHMENTS
        || input.attachments.iter().any(|a| {
            a.name.trim().is_empty()
                || a.name.len() > 200
                || a.sha256.len() != 64
                || !a.sha256.bytes().all(|b| b.is_ascii_hexdigit())
        })
    {
        return Err(Refusal::new(
            "INPUT",
            format!("附件最多 {MAX_ATTACHMENTS} 个，每个附件的名称为 1–200 字节，SHA-256 为 64 位十六进制字符"),
        ).into());
    }
    if input.copies_to.len() > MAX_COPIES
        || input
            .copies_to
            .iter()
            .any(|c| c.trim().is_empty() || c.len() > 200)
    {
        return Err(Refusal::new(
            "INPUT",
            format!("抄送单位最多 {MAX_COPIES} 个，每个名称为 1–200 字节"),
        )
        .into());
    }
    let period = period(txn.base(), &input.period)?;
    let unit = Unit {
        region: region.to_string(),
        agency: input.agency,
    };
    if let Some(a) = input.agency {
        match AGENCIES.get(txn, &a)? {
            Some(ag) if agency_active(&ag, period.end) => {}
            Some(_) => {
                return Err(Refusal::new(
                    "SUP-1",
                    format!(
                        "执法机关 {a} 在 {} 期末不在册（已撤销或尚未登记），不报送该期间的报告",
                        period.id
                    ),
                )
                .into())
            }
            None => return Err(Refusal::new("INPUT", format!("没有编号为 {a} 的执法机关")).into()),
        }
    }
    let key = (unit.key(), period.id.clone());
    let latest = match REPORT_LATEST.get(txn, &key)? {
        Some(id) => REPORTS.get(txn, &id)?,
        None => None,
    };
    let (id, version) = match &latest {
        Some(r) if r.state == ReportState::Draft => (r.id, r.version),
        Some(r) if matches!(r.state, ReportState::Returned { .. }) => {
            (next_id(txn, "report")?, r.version + 1)
        }
        Some(r) => {
            return Err(Refusal::new(
                "SUP-1",
                format!(
                    "{} 的 {} 报告第 {} 版已是 {} 状态：只有被退回后才能起草新的版本",
                    unit.key(),
                    period.id,
                    r.version,
                    r.state.as_str()
                ),
            )
            .into())
        }
        None => (next_id(txn, "report")?, 1),
    };
    let report = Report {
        id,
        unit,
        period: period.id.clone(),
        version,
        due: period.due,
        figures: BTreeMap::new(),
        narrative: input.narrative.clone(),
        attachments: input.attachments.clone(),
        copies_to: input.copies_to.clone(),
        compiled_from: Vec::new(),
        state: ReportState::Draft,
        drafted_by: by,
        submitted_ms: None,
        submitted_by: None,
        judged_ms: None,
        judged_by: None,
    };
    REPORTS.put(txn, &id, &report)?;
    REPORT_LATEST.put(txn, &key, &id)?;
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// What a draft carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DraftReport {
    /// The agency reporting, or `None` for the region's own (compiled) report.
    pub agency: Option<u64>,
    /// The period: a quarter such as 2026Q3, or a staged period's id.
    pub period: String,
    /// The narrative sections (SUP-1).
    pub narrative: Narrative,
    /// Attachments, by name and digest: at most 32.
    pub attachments: Vec<Attachment>,
    /// Same-level government recipients of a copy: at most 16, each 1–200 bytes.
    pub copies_to: Vec<String>,
}

/// `SubmitReport`: figures are filled from the records at submission; an agency's report goes
/// to its bureau (this region), the region's report to the parent (as an item).
pub fn submit(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    id: u64,
    now: i64,
    up: &mut Vec<Upward>,
) -> Ruled {
    let Some(mut r) = REPORTS.get(txn, &id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的报告")).into());
    };
    let by = bureau(actor, &r.unit, "报送报告")?;
    if r.state != ReportState::Draft {
        return Err(Refusal::new(
            "SUP-1",
            format!("报告 {id} 处于 {} 状态，不是草稿", r.state.as_str()),
        )
        .into());
    }
    if r.unit.agency.is_none() && parent_of(region).is_none() {
        return Err(Refusal::new("SUP-1", "本地区没有上级地区，无处报送报告").into());
    }
    if r.narrative.done.trim().is_empty() {
        return Err(Refusal::new("SUP-1", "报送前须填写报告的“工作开展情况”（done）").into());
    }
    let period = period(txn.base(), &r.period)?;
    let mut figures = figures_by_agency(txn.base(), period.start, period.end)?;
    match r.unit.agency {
        Some(a) => r.figures = figures.remove(&a).unwrap_or_default(),
        None => {
            // The region's report: its own figures over every agency, and the agency reports
            // it compiles.
            let mut total: BTreeMap<String, i64> = BTreeMap::new();
            let mut compiled = Vec::new();
            for a in AGENCIES.scan_from(txn.base(), &0) {
                let a = a?;
                if !agency_active(&a, period.end) {
                    continue;
                }
                for (k, v) in figures.remove(&a.id).unwrap_or_default() {
                    *total.entry(k).or_insert(0) += v;
                }
                let unit = Unit {
                    region: region.to_string(),
                    agency: Some(a.id),
                };
                if let Some(rid) = REPORT_LATEST.get(txn, &(unit.key(), r.period.clone()))? {
                    if let Some(ar) = REPORTS.get(txn, &rid)? {
                        if matches!(ar.state, ReportState::Submitted | ReportState::Accepted) {
                            compiled.push((a.id, ar.version));
                        }
                    }
                }
            }
            r.figures = total;
            r.compiled_from = compiled;
        }
    }
    r.state = ReportState::Submitted;
    r.submitted_ms = Some(now);
    r.submitted_by = Some(by);
    r.due = period.due;
    REPORTS.put(txn, &id, &r)?;
    let flags = if r.submitted_on_time() {
        vec![]
    } else {
        vec![format!("SUP-1：逾期报送（截止 {}）", r.due)]
    };
    up.push(Upward::Report(Box::new(r)));
    Ok(CommandResult::Record { id, flags })
}
