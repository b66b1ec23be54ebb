//! The official working-day calendar (工作日) and date arithmetic in UTC+8.
//!
//! Working days follow the State Council's yearly holiday notice: weekends are off unless listed
//! as make-up working days (调休上班), and listed holidays are off. The years 2024–2026 ship with
//! the code; a later year is loaded by command (replicated state) when its notice appears. Until
//! then the year is counted on its provisional calendar ([`super::provisional`]: weekends and
//! the statutory holidays), and a time limit counted so is marked provisional; outside the
//! years that calendar covers, a date is an error, never a guess.
use std::collections::BTreeSet;

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Weekday};
use serde::{Deserialize, Serialize};

/// Errors of date arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No holiday notice is loaded for this year.
    #[error("尚未载入 {0} 年的法定节假日安排：请先载入国务院办公厅当年的节假日安排通知")]
    YearNotLoaded(i32),
    /// A timestamp or date outside the supported range.
    #[error("日期超出范围：{0}")]
    OutOfRange(String),
}

/// One year's notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct YearCalendar {
    /// The year, 2000–2100; every date listed lies in it.
    pub year: i32,
    /// Days off that would otherwise be working days, and weekend days inside holiday blocks.
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days (调休上班).
    pub workdays: BTreeSet<NaiveDate>,
    /// Which notice this is, e.g. "国办发明电〔2025〕7号".
    pub source: String,
}

impl YearCalendar {
    /// Checks that every date lies in `year`, and that no date is both a holiday and a workday.
    pub fn validate(&self) -> Result<(), String> {
        if !(2000..=2100).contains(&self.year) {
            return Err(format!("年份 {} 不在 2000–2100 之间", self.year));
        }
        for d in self.holidays.iter().chain(self.workdays.iter()) {
            if d.year() != self.year {
                return Err(format!("{d} 不在 {} 年内", self.year));
            }
        }
        if let Some(d) = self.holidays.intersection(&self.workdays).next() {
            return Err(format!("{d} 同时列为放假日和工作日"));
        }
        if let Some(d) = self.workdays.iter().find(|d| !is_weekend(**d)) {
            return Err(format!("{d} 不是周末：只有周末才能列为调休上班日"));
        }
        if self.holidays.len() > 60 || self.workdays.len() > 20 {
            return Err("一年的节假日安排中日期过多".into());
        }
        Ok(())
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Where years are looked up: replicated state first, then the shipped notices.
pub trait YearSource {
    fn year(&self, year: i32) -> Option<YearCalendar>;
}

/// The notices shipped with the code.
pub struct Shipped;

impl YearSource for Shipped {
    fn year(&self, year: i32) -> Option<YearCalendar> {
        shipped(year)
    }
}

/// The calendar `d` is counted on: the year's notice, else its provisional calendar.
fn calendar_of(src: &dyn YearSource, year: i32) -> Result<YearCalendar, CalendarError> {
    src.year(year)
        .or_else(|| super::provisional::provisional(year))
        .ok_or(CalendarError::YearNotLoaded(year))
}

impl YearCalendar {
    /// Whether `d` (a day of this year) is a working day.
    fn working(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            true
        } else if self.holidays.contains(&d) {
            false
        } else {
            !is_weekend(d)
        }
    }
}

/// Walks days, looking each year's calendar up once (not once a day).
struct Walk<'a> {
    src: &'a dyn YearSource,
    year: Option<YearCalendar>,
}

impl Walk<'_> {
    fn working(&mut self, d: NaiveDate) -> Result<bool, CalendarError> {
        let y = match self.year.take() {
            Some(y) if y.year == d.year() => y,
            _ => calendar_of(self.src, d.year())?,
        };
        let w = y.working(d);
        self.year = Some(y);
        Ok(w)
    }
}

/// Whether `d` is a working day.
pub fn is_working_day(src: &dyn YearSource, d: NaiveDate) -> Result<bool, CalendarError> {
    Ok(calendar_of(src, d.year())?.working(d))
}

/// The date `n` working days after `from`; `from` itself is not counted (PUB-3, LAW-4).
pub fn add_working_days(
    src: &dyn YearSource,
    from: NaiveDate,
    n: u32,
) -> Result<NaiveDate, CalendarError> {
    let mut walk = Walk { src, year: None };
    let mut d = from;
    let mut left = n;
    // At most ~2.2 calendar days per working day even around Spring Festival; bound the walk.
    let mut steps = 0u32;
    while left > 0 {
        d = d
            .checked_add_signed(Duration::days(1))
            .ok_or_else(|| CalendarError::OutOfRange(format!("{from} 起 {n} 个工作日")))?;
        steps += 1;
        if steps > n.saturating_mul(4).saturating_add(30) {
            return Err(CalendarError::OutOfRange(format!("{from} 起 {n} 个工作日")));
        }
        if walk.working(d)? {
            left -= 1;
        }
    }
    Ok(d)
}

/// Working days strictly after `from` up to and including `to` (0 when `to` ≤ `from`).
pub fn working_days_between(
    src: &dyn YearSource,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<u32, CalendarError> {
    let mut walk = Walk { src, year: None };
    let mut n = 0u32;
    let mut d = from;
    while d < to {
        d = d
            .checked_add_signed(Duration::days(1))
            .ok_or_else(|| CalendarError::OutOfRange(format!("{from}..{to}")))?;
        if walk.working(d)? {
            n += 1;
        }
        if n > 100_000 {
            return Err(CalendarError::OutOfRange(format!("{from}..{to}")));
        }
    }
    Ok(n)
}

/// The calendar date in China (UTC+8) of a Unix-ms timestamp.
pub fn date_of(ms: i64) -> Result<NaiveDate, CalendarError> {
    let tz =
        FixedOffset::east_opt(8 * 3600).ok_or_else(|| CalendarError::OutOfRange("UTC+8".into()))?;
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.date_naive())
        .ok_or_else(|| CalendarError::OutOfRange(format!("timestamp {ms}")))
}

/// Unix ms of the start of a date in UTC+8.
pub fn start_of(d: NaiveDate) -> Result<i64, CalendarError> {
    let tz =
        FixedOffset::east_opt(8 * 3600).ok_or_else(|| CalendarError::OutOfRange("UTC+8".into()))?;
    let t = d
        .and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).single())
        .ok_or_else(|| CalendarError::OutOfRange(d.to_string()))?;
    Ok(t.timestamp_millis())
}

fn days(list: &[(u32, u32, u32, u32)], year: i32) -> BTreeSet<NaiveDate> {
    // (month, first day, month, last day) ranges.
    let mut out = BTreeSet::new();
    for &(m1, d1, m2, d2) in list {
        let (Some(mut d), Some(end)) = (
            NaiveDate::from_ymd_opt(year, m1, d1),
            NaiveDate::from_ymd_opt(year, m2, d2),
        ) else {
            continue;
        };
        while d <= end {
            out.insert(d);
            d = match d.succ_opt() {
                Some(x) => x,
                None => break,
            };
        }
    }
    out
}

fn single(list: &[(u32, u32)], year: i32) -> BTreeSet<NaiveDate> {
    list.iter()
        .filter_map(|&(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .collect()
}

/// The State Council notices for 2024, 2025 and 2026.
pub fn shipped(year: i32) -> Option<YearCalendar> {
    type Ranges = &'static [(u32, u32, u32, u32)];
    type Days = &'static [(u32, u32)];
    let (holidays, workdays, source): (Ranges, Days, &str) = match year {
        2024 => (
            &[
                (1, 1, 1, 1),
                (2, 10, 2, 17),
                (4, 4, 4, 6),
                (5, 1, 5, 5),
                (6, 8, 6, 10),
                (9, 15, 9, 17),
                (10, 1, 10, 7),
            ],
            &[
                (2, 4),
                (2, 18),
                (4, 7),
                (4, 28),
                (5, 11),
                (9, 14),
                (9, 29),
                (10, 12),
            ],
            "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）",
        ),
        2025 => (
            &[
                (1, 1, 1, 1),
                (1, 28, 2, 4),
                (4, 4, 4, 6),
                (5, 1, 5, 5),
                (5, 31, 6, 2),
                (10, 1, 10, 8),
            ],
            &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
            "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
        ),
        2026 => (
            &[
                (1, 1, 1, 3),
                (2, 15, 2, 23),
                (4, 4, 4, 6),
                (5, 1, 5, 5),
                (6, 19, 6, 21),
                (9, 25, 9, 27),
                (10, 1, 10, 7),
            ],
            &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
            "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)",
        ),
        _ => return None,
    };
    Some(YearCalendar {
        year,
        holidays: days(holidays, year),
        workdays: single(workdays, year),
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn shipped_years_are_valid() {
        for y in 2024..=2026 {
            shipped(y).unwrap().validate().unwrap();
        }
    }

    #[test]
    fn pub_3_penalty_decided_2025_09_30_is_due_2025_10_16() {
        // 1–8 October off, 11 October (Saturday) a working day; the decision day is not counted.
        assert_eq!(
            add_working_days(&Shipped, d(2025, 9, 30), 7).unwrap(),
            d(2025, 10, 16)
        );
    }

    #[test]
    fn pub_3_national_day_2025_twenty_working_days() {
        // 30 Sep +20: 9, 10, 11 Oct (Sat, working) → 3; 13–17 → 8; 20–24 → 13; 27–31 → 18;
        // 3 Nov → 19; 4 Nov → 20.
        assert_eq!(
            add_working_days(&Shipped, d(2025, 9, 30), 20).unwrap(),
            d(2025, 11, 4)
        );
    }

    #[test]
    fn make_up_sundays_count_2025() {
        // 28 Sep 2025 (Sunday) is a working day: decided Fri 26 Sep, 1 working day → 28 Sep.
        assert_eq!(
            add_working_days(&Shipped, d(2025, 9, 26), 1).unwrap(),
            d(2025, 9, 28)
        );
        assert_eq!(
            add_working_days(&Shipped, d(2025, 9, 26), 2).unwrap(),
            d(2025, 9, 29)
        );
        assert_eq!(
            add_working_days(&Shipped, d(2025, 9, 26), 3).unwrap(),
            d(2025, 9, 30)
        );
        assert_eq!(
            add_working_days(&Shipped, d(2025, 9, 26), 4).unwrap(),
            d(2025, 10, 9)
        );
    }

    #[test]
    fn pub_3_spring_festival_2026() {
        // Decided Thu 12 Feb 2026: 13 Feb (Fri) 1, 14 Feb (Sat, working) 2, 15–23 off,
        // 24 (Tue) 3, 25 4, 26 5, 27 6, 28 Feb (Sat, working) 7.
        assert_eq!(
            add_working_days(&Shipped, d(2026, 2, 12), 7).unwrap(),
            d(2026, 2, 28)
        );
        assert_eq!(
            add_working_days(&Shipped, d(2026, 2, 12), 8).unwrap(),
            d(2026, 3, 2)
        );
    }

    #[test]
    fn pub_3_national_day_2026() {
        // Decided Fri 18 Sep 2026: 20 Sep (Sun, working) 1, 21–24 (5), 25–27 off, 28–30 (8),
        // 1–7 Oct off, 8 (9), 9 (10), 10 Oct (Sat, working) 11.
        assert_eq!(
            add_working_days(&Shipped, d(2026, 9, 18), 1).unwrap(),
            d(2026, 9, 20)
        );
        assert_eq!(
            add_working_days(&Shipped, d(2026, 9, 18), 7).unwrap(),
            d(2026, 9, 29)
        );
        assert_eq!(
            add_working_days(&Shipped, d(2026, 9, 18), 11).unwrap(),
            d(2026, 10, 10)
        );
        // 30 Sep +7: 8, 9, 10 (Sat, working), 12, 13, 14, 15 Oct.
        assert_eq!(
            add_working_days(&Shipped, d(2026, 9, 30), 7).unwrap(),
            d(2026, 10, 15)
        );
    }

    #[test]
    fn law_6_withdrawal_three_working_days_over_new_year_2026() {
        // Decided Wed 31 Dec 2025: 1–3 Jan off, 4 Jan (Sun) working, 5, 6.
        assert_eq!(
            add_working_days(&Shipped, d(2025, 12, 31), 3).unwrap(),
            d(2026, 1, 6)
        );
    }

    #[test]
    fn a_year_without_its_notice_is_counted_on_the_statutory_holidays() {
        // Mon 28 Dec 2026: 29, 30, 31 Dec; 1 Jan 2027 is New Year's Day, 2–3 Jan a weekend;
        // 4, 5, 6, 7 Jan.
        assert_eq!(
            add_working_days(&Shipped, d(2026, 12, 28), 7),
            Ok(d(2027, 1, 7))
        );
        assert_eq!(
            crate::domain::calendar::provisional::missing_years(
                &Shipped,
                d(2026, 12, 28),
                d(2027, 1, 7)
            ),
            vec![2027]
        );
        // Outside the years the provisional calendar covers: an error, not a guess.
        assert_eq!(
            is_working_day(&Shipped, d(2101, 6, 1)),
            Err(CalendarError::YearNotLoaded(2101))
        );
    }

    #[test]
    fn counting_between_dates() {
        assert_eq!(
            working_days_between(&Shipped, d(2025, 9, 30), d(2025, 10, 16)).unwrap(),
            7
        );
        assert_eq!(
            working_days_between(&Shipped, d(2025, 10, 16), d(2025, 9, 30)).unwrap(),
            0
        );
    }

    #[test]
    fn dates_in_utc_plus_8() {
        // 2025-09-30T16:30:00Z is 2025-10-01 00:30 in Beijing.
        let ms = chrono::DateTime::parse_from_rfc3339("2025-09-30T16:30:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(date_of(ms).unwrap(), d(2025, 10, 1));
        assert_eq!(
            date_of(start_of(d(2025, 10, 1)).unwrap()).unwrap(),
            d(2025, 10, 1)
        );
        assert!(date_of(i64::MAX).is_err());
    }

    #[test]
    fn invalid_notices_refused() {
        let mut y = shipped(2026).unwrap();
        y.workdays.insert(d(2026, 3, 4)); // a Wednesday
        assert!(y.validate().is_err());
        let mut y = shipped(2026).unwrap();
        y.holidays.insert(d(2025, 3, 4));
        assert!(y.validate().is_err());
        let mut y = shipped(2026).unwrap();
        y.holidays.insert(d(2026, 1, 4));
        assert!(y.validate().is_err());
    }
}
