//! Reporting periods: quarters by name (`2026Q3`), staged periods defined by a bureau, and
//! when reports are due (SUP-1, SUP-3).
use super::*;

/// Unix ms at which the day after `due` starts in UTC+8.
pub fn deadline_ms(due: NaiveDate) -> Option<i64> {
    start_of(due.checked_add_signed(Duration::days(1))?).ok()
}

/// `2026Q3` → (2026, 3).
pub fn parse_quarter(id: &str) -> Option<(i32, u32)> {
    let (y, q) = id.split_once('Q')?;
    if y.len() != 4 || q.len() != 1 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let q: u32 = q.parse().ok()?;
    ((2000..=2100).contains(&y) && (1..=4).contains(&q)).then_some((y, q))
}

/// First and last day of a quarter.
pub fn quarter_bounds(year: i32, q: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, 3 * q - 2, 1)?;
    let next = if q == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, 3 * q + 1, 1)?
    };
    Some((start, next.pred_opt()?))
}

/// The quarter containing `today`, e.g. 2026-11-24 → `2026Q4`.
pub fn quarter_of(today: NaiveDate) -> String {
    format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1)
}

/// The quarter before the one containing `today`, e.g. 2026-11-24 → `2026Q3`.
pub fn previous_quarter(today: NaiveDate) -> String {
    let q = (today.month() - 1) / 3 + 1;
    if q == 1 {
        format!("{}Q4", today.year() - 1)
    } else {
        format!("{}Q{}", today.year(), q - 1)
    }
}

/// Resolves a period id against the state: a quarter with the configured due rule, or a staged
/// period defined here.
pub fn period(state: &State, id: &str) -> Ruled<Period> {
    if let Some((y, q)) = parse_quarter(id) {
        let Some((start, end)) = quarter_bounds(y, q) else {
            return Err(Refusal::new("INPUT", format!("没有 {id} 这个季度")).into());
        };
        let rule = DUE_RULE.read(state, "quarterly")?.unwrap_or(DEFAULT_DUE);
        let due = if rule.working {
            match add_working_days(&StateYears(state), end, rule.days) {
                Ok(d) => d,
                Err(e) => {
                    return Err(Refusal::new(
                        "SUP-1",
                        format!("计算 {id} 的报送截止日期需要法定节假日安排：{e}"),
                    )
                    .into())
                }
            }
        } else {
            match end.checked_add_signed(Duration::days(i64::from(rule.days))) {
                Some(d) => d,
                None => return Err(Refusal::new("INPUT", "报送截止日期超出范围").into()),
            }
        };
        return Ok(Period {
            id: id.to_string(),
            title: format!("{y}年第{q}季度"),
            start,
            end,
            due,
        });
    }
    match PERIODS.read(state, id)? {
        Some(p) => Ok(p),
        None => Err(Refusal::new(
            "SUP-3",
            format!("没有报告期间 {id:?}：季度写作 2026Q3 这样的形式，阶段性报告须先设定报告期间"),
        )
        .into()),
    }
}

/// `SetReportDue`: the due rule of quarterly reports (province-wide when sent down as a setting).
pub fn set_due(txn: &mut Txn<'_>, actor: &Actor, rule: DueRule) -> Ruled {
    if !actor.of_bureau(&[Role::Head, Role::Supervisor]) && !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("SUP-1", "只有监督人员或负责人可以设定报告的报送期限").into());
    }
    if rule.days == 0 || rule.days > 90 {
        return Err(Refusal::new("INPUT", "报告应在季度结束后 1–90 日内报送").into());
    }
    DUE_RULE.put(txn, "quarterly", &rule)?;
    Ok(CommandResult::None)
}

/// `DefinePeriod`: a staged or dated report (SUP-3).
pub fn define_period(txn: &mut Txn<'_>, actor: &Actor, p: &Period) -> Ruled {
    if !actor.of_bureau(&[Role::Head, Role::Supervisor]) && !matches!(actor, Actor::Node { .. }) {
        return Err(Refusal::new("SUP-3", "只有监督人员或负责人可以设定报告期间").into());
    }
    let id_ok = !p.id.is_empty()
        && p.id.len() <= 40
        && p.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok || parse_quarter(&p.id).is_some() {
        return Err(Refusal::new(
            "INPUT",
            "阶段性报告期间的编号为 1–40 个字母、数字、“-”或“_”，且不能是季度编号",
        )
        .into());
    }
    if p.title.trim().is_empty() || p.start > p.end || p.due < p.end {
        return Err(Refusal::new(
            "INPUT",
            "报告期间须有标题，开始日期不晚于结束日期，报送截止日期不早于结束日期",
        )
        .into());
    }
    text_ok(&p.title, "标题")?;
    if PERIODS.get(txn, &p.id)?.is_some() {
        return Err(Refusal::new(
            "CONFLICT",
            format!("报告期间 {} 已经设定，可能已有报告引用，不能重新设定", p.id),
        )
        .into());
    }
    PERIODS.put(txn, &p.id, p)?;
    Ok(CommandResult::None)
}
