//! The provisional calendar of a year whose holiday notice is not loaded yet: weekends, and the
//! statutory holidays of the national regulation (全国年节及纪念日放假办法, as revised in
//! 2024): New Year's Day (1 Jan), the Spring Festival (the lunar New Year's Eve and the 1st to
//! 3rd of the first lunar month), Qingming (the solar term), Labour Day (1–2 May), the Dragon
//! Boat Festival (5th of the 5th lunar month), Mid-Autumn (15th of the 8th lunar month) and
//! National Day (1–3 Oct). The State Council's notice adds bridging days and make-up working
//! days (调休) that cannot be foreseen; a time limit counted on this calendar is marked
//! provisional and counted again when the notice is loaded. Pure: the lunar dates come from
//! tables, never from a clock.
use std::collections::BTreeSet;

use chinese_lunisolar_calendar::LunisolarDate;
use chrono::{Datelike, Duration, NaiveDate};

use super::days::{YearCalendar, YearSource};

/// Years the provisional calendar covers.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The Gregorian date of a day of the lunar year that starts in `year`.
fn lunar(year: i32, month: u8, day: u8) -> Option<NaiveDate> {
    let y = u16::try_from(year).ok()?;
    LunisolarDate::from_ymd(y, month, false, day)
        .ok()
        .map(|d| d.to_naive_date())
}

/// Qingming, the solar term Pure Brightness (清明), 4 or 5 April in this century
/// (the usual formula: ⌊Y·0.2422 + 4.81⌋ − ⌊Y/4⌋, Y the year within the century).
fn qingming(year: i32) -> Option<NaiveDate> {
    let y = f64::from(year.rem_euclid(100));
    let day = (y * 0.2422 + 4.81).floor() as i64 - i64::from(year.rem_euclid(100) / 4);
    NaiveDate::from_ymd_opt(year, 4, u32::try_from(day).ok()?)
}

/// The statutory holidays of `year` that fall on a weekday or a weekend alike.
pub fn statutory(year: i32) -> Option<BTreeSet<NaiveDate>> {
    if !YEARS.contains(&year) {
        return None;
    }
    let mut days = BTreeSet::new();
    for (m, d) in [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)] {
        days.insert(NaiveDate::from_ymd_opt(year, m, d)?);
    }
    let new_year = lunar(year, 1, 1)?;
    days.insert(new_year.checked_sub_signed(Duration::days(1))?);
    for i in 0..3 {
        days.insert(new_year.checked_add_signed(Duration::days(i))?);
    }
    days.insert(qingming(year)?);
    days.insert(lunar(year, 5, 5)?);
    days.insert(lunar(year, 8, 15)?);
    Some(days.into_iter().filter(|d| d.year() == year).collect())
}

/// The provisional calendar of `year`.
pub fn provisional(year: i32) -> Option<YearCalendar> {
    Some(YearCalendar {
        year,
        holidays: statutory(year)?,
        workdays: BTreeSet::new(),
        source: format!("暂按《全国年节及纪念日放假办法》计算（{year} 年节假日安排通知尚未载入）"),
    })
}

/// The years between `from` and `to` (inclusive, either order) that `src` has no notice for:
/// a time limit counted across them is provisional.
pub fn missing_years(src: &dyn YearSource, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
    let (a, b) = if from <= to { (from, to) } else { (to, from) };
    (a.year()..=b.year())
        .filter(|y| src.year(*y).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_statutory_holidays_match_the_notices_of_known_years() {
        // Every statutory day of 2025 and 2026 (the regulation as revised applies from 2025)
        // is a day off in the State Council's notice.
        for y in 2025..=2026 {
            let notice = crate::domain::calendar::days::shipped(y).unwrap();
            for day in statutory(y).unwrap() {
                assert!(
                    notice.holidays.contains(&day),
                    "{day} is off in {y}'s notice"
                );
            }
        }
        let s = statutory(2026).unwrap();
        assert_eq!(s.len(), 13);
        // Spring Festival 2026: eve 16 Feb, 17–19 Feb; Qingming 5 Apr; Dragon Boat 19 Jun;
        // Mid-Autumn 25 Sep.
        for day in [
            d(2026, 2, 16),
            d(2026, 2, 19),
            d(2026, 4, 5),
            d(2026, 6, 19),
            d(2026, 9, 25),
        ] {
            assert!(s.contains(&day), "{day}");
        }
    }

    #[test]
    fn the_lunar_holidays_of_2027_are_computed() {
        let s = statutory(2027).unwrap();
        // The lunar New Year of 2027 is 6 February; Qingming 5 April; Dragon Boat 9 June;
        // Mid-Autumn 15 September.
        for day in [
            d(2027, 1, 1),
            d(2027, 2, 5),
            d(2027, 2, 6),
            d(2027, 2, 8),
            d(2027, 4, 5),
            d(2027, 5, 2),
            d(2027, 6, 9),
            d(2027, 9, 15),
            d(2027, 10, 3),
        ] {
            assert!(s.contains(&day), "{day}");
        }
        assert_eq!(s.len(), 13);
        assert!(statutory(1999).is_none() && statutory(2101).is_none());
        provisional(2027).unwrap().validate().unwrap();
    }
}
