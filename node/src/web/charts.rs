//! The dashboard's pictures, drawn on the server as SVG (no script, nothing from outside): the
//! reporting and on-time rates of the last quarters, and a ranking of the regions directly
//! below.
use maud::{html, Markup};

use super::portal::urlencode;
use crate::domain::supervision::report::parse_quarter;
use crate::view::monitor::{PeriodRates, RegionRow};

/// The `n` quarters ending with `last` (a quarter id like `2026Q3`), oldest first; none when
/// `last` is a staged period.
pub fn quarters_to(last: &str, n: usize) -> Vec<String> {
    let Some((mut y, mut q)) = parse_quarter(last) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(format!("{y}Q{q}"));
        if q == 1 {
            y -= 1;
            q = 4;
        } else {
            q -= 1;
        }
    }
    out.reverse();
    out
}

fn permille(p: Option<i64>) -> i64 {
    p.unwrap_or(0).clamp(0, 1000)
}

fn pct(p: Option<i64>) -> String {
    match p {
        Some(p) => format!("{}.{}%", p / 10, p % 10),
        None => "—".into(),
    }
}

/// Bars of the reporting rate and the on-time rate, a pair per quarter.
pub fn rates_chart(list: &[PeriodRates]) -> Markup {
    const H: i64 = 160;
    const TOP: i64 = 20;
    const LEFT: i64 = 40;
    const GROUP: i64 = 110;
    let width = LEFT + GROUP * i64::try_from(list.len()).unwrap_or(0) + 20;
    let bar = |p: Option<i64>| H * permille(p) / 1000;
    html! {
        figure.chart #rates-chart {
            figcaption { "各季度报送率（深色）与按时率（浅色）" }
            svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(H + TOP + 40) role="img"
                viewBox={ "0 0 " (width) " " (H + TOP + 40) } {
                title { "各季度报送率与按时率" }
                @for (i, y) in [0i64, 50, 100].iter().enumerate() {
                    line x1=(LEFT) x2=(width - 10) y1=(TOP + H - H * y / 100) y2=(TOP + H - H * y / 100)
                        stroke="#d9dde5" stroke-width="1" {}
                    text x=(LEFT - 6) y=(TOP + H - H * y / 100 + 4) text-anchor="end" font-size="11" fill="#5b6475" {
                        (["0", "50%", "100%"][i])
                    }
                }
                @for (i, r) in list.iter().enumerate() {
                    @let x = LEFT + 15 + GROUP * i64::try_from(i).unwrap_or(0);
                    @let a = bar(r.reporting_rate.permille);
                    @let b = bar(r.on_time_rate.permille);
                    rect x=(x) y=(TOP + H - a) width="36" height=(a) fill="#9b1b1b" {
                        title { (r.title) " 报送率 " (pct(r.reporting_rate.permille)) }
                    }
                    rect x=(x + 40) y=(TOP + H - b) width="36" height=(b) fill="#e0a3a3" {
                        title { (r.title) " 按时率 " (pct(r.on_time_rate.permille)) }
                    }
                    text x=(x + 18) y=(TOP + H - a - 4) text-anchor="middle" font-size="11" fill="#1d2330" { (pct(r.reporting_rate.permille)) }
                    text x=(x + 58) y=(TOP + H - b - 4) text-anchor="middle" font-size="11" fill="#1d2330" { (pct(r.on_time_rate.permille)) }
                    text x=(x + 38) y=(TOP + H + 18) text-anchor="middle" font-size="12" fill="#1d2330" { (r.period) }
                }
            }
        }
    }
}

/// A region's score: the mean of its reporting, on-time and publication-timeliness rates (per
/// mille), leaving out those with nothing to divide by.
pub fn score(r: &RegionRow) -> Option<i64> {
    let parts: Vec<i64> = [
        r.reporting_rate.permille,
        r.on_time_rate.permille,
        r.publication_on_time_rate.permille,
    ]
    .into_iter()
    .flatten()
    .map(|p| p.clamp(0, 1000))
    .collect();
    let n = i64::try_from(parts.len()).ok().filter(|n| *n > 0)?;
    Some(parts.iter().sum::<i64>() / n)
}

/// The regions directly below, best first; those without figures last.
pub fn ranking(below: &[RegionRow]) -> Markup {
    let mut rows: Vec<(&RegionRow, Option<i64>)> = below
        .iter()
        .filter(|r| r.depth == 1)
        .map(|r| (r, score(r)))
        .collect();
    rows.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.region.cmp(&b.region)));
    html! {
        @if !rows.is_empty() {
            div.scroll { table #ranking {
                thead { tr { th.num { "名次" } th { "地区" } th.num { "综合得分" } th.num { "报送率" } th.num { "按时率" } th.num { "公示及时率" } th { "" } } }
                tbody { @for (i, (r, s)) in rows.iter().enumerate() { tr {
                    td.num { (i + 1) }
                    td { a href={ "/dashboard?of=" (urlencode(&r.region)) } { (r.name) } }
                    td.num { (pct(*s)) }
                    td.num { (pct(r.reporting_rate.permille)) }
                    td.num { (pct(r.on_time_rate.permille)) }
                    td.num { (pct(r.publication_on_time_rate.permille)) }
                    td { svg width="120" height="12" role="img" { rect x="0" y="1" width=(120 * permille(*s) / 1000) height="10" fill="#9b1b1b" {} } }
                } } }
            } }
            p.muted { "综合得分为报送率、按时率和公示及时率的平均（没有数据的项不计）。" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::monitor::ratio;

    #[test]
    fn quarters_run_back_across_the_year() {
        assert_eq!(
            quarters_to("2026Q2", 4),
            ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
        );
        assert!(quarters_to("pilot-june", 4).is_empty());
    }

    #[test]
    fn the_score_leaves_out_what_has_no_figures_and_is_bounded() {
        let mut r = RegionRow {
            region: "hunan/a".into(),
            depth: 1,
            name: "A".into(),
            kind: String::new(),
            link: None,
            reports: Default::default(),
            reporting_rate: ratio(1, 2),
            on_time_rate: ratio(0, 0),
            agencies: 0,
            publications_on_time: 0,
            publications_late: 0,
            publications_overdue: 0,
            publication_on_time_rate: ratio(1, 1),
            reviews_overdue: 0,
            reviewer_ratio: ratio(0, 0),
            agencies_below_5_percent: vec![],
            correction_rate: ratio(0, 0),
            certificates_expired_enforcing: 0,
            certificates_unchecked_enforcing: 0,
            decisions_major_refused: 0,
            open_notices: 0,
            open_rectifications: 0,
            escalated: 0,
            silent: vec![],
        };
        assert_eq!(score(&r), Some(750));
        // A hostile summary's figures cannot push a score out of 0–100 %.
        r.reporting_rate = ratio(5, 1);
        r.publication_on_time_rate = ratio(-3, 1);
        assert_eq!(score(&r), Some(500));
        r.reporting_rate = ratio(0, 0);
        r.publication_on_time_rate = ratio(0, 0);
        assert_eq!(score(&r), None);
        let page = ranking(&[r]).into_string();
        assert!(page.contains("—"));
    }
}
