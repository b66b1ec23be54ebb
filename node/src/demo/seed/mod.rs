//! The demo's records: the third quarter of 2026 in four counties, recorded at its own dates
//! (the demo clock runs from 1 July to 20 October, then returns to the present).
//!
//! Every county: three agencies with certified officers; cases of the quarter — one published
//! on time, one published late, one major case whose legal review first asked for a
//! supplement; agency reports and the county's report. Differences that make the monitor
//! worth reading:
//! - 浏阳市: everything on time; one decision changed on reconsideration (SUP-7).
//! - 宁乡市: its report is returned by 长沙市 and resubmitted (version 2, still on time); one
//!   decision is never published and goes overdue.
//! - 醴陵市: a fourth agency merged away in August (not expected to report); the county's report
//!   is late.
//! - 攸县: one agency never reports, and has no legal reviewer (ratio under 5 %).
//!
//! Then, in the present, the province issues a criticism to 醴陵市 for its late report, and
//! 醴陵市 acknowledges it.
use anyhow::Context;
use chrono::NaiveDate;

use super::network::DemoNetwork;
use crate::domain::calendar::days::start_of;
use crate::domain::{Command, CommandResult, Organ, Role};

mod cases;
mod present;
mod registry;
mod reports;

/// The quarter the demo records.
pub const QUARTER: &str = "2026Q3";
const PROVINCE: &str = "hunan";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    OnTime,
    Returned,
    Late,
    AgencyMissing,
}

struct County {
    id: &'static str,
    city: &'static str,
    name: &'static str,
    plan: Plan,
}

const COUNTIES: [County; 4] = [
    County {
        id: "hunan/changsha/liuyang",
        city: "hunan/changsha",
        name: "浏阳市",
        plan: Plan::OnTime,
    },
    County {
        id: "hunan/changsha/ningxiang",
        city: "hunan/changsha",
        name: "宁乡市",
        plan: Plan::Returned,
    },
    County {
        id: "hunan/zhuzhou/liling",
        city: "hunan/zhuzhou",
        name: "醴陵市",
        plan: Plan::Late,
    },
    County {
        id: "hunan/zhuzhou/youxian",
        city: "hunan/zhuzhou",
        name: "攸县",
        plan: Plan::AgencyMissing,
    },
];

const CITIES: [&str; 2] = ["hunan/changsha", "hunan/zhuzhou"];

/// What was seeded, for the banner and for checking the monitor against it.
#[derive(Debug, Default)]
pub struct Seeded {
    /// Units expected to report for the quarter, and how many were received and on time.
    pub expected: u64,
    pub received: u64,
    pub on_time: u64,
    pub lines: Vec<String>,
}

impl Seeded {
    pub fn describe(&self) -> String {
        let mut out = format!(
            "\n已写入 seeded {QUARTER}: 应报 expected {} 份, 已报 received {}, 按时 on time {} (报告率 {:.1}%, 及时率 {:.1}%)\n",
            self.expected,
            self.received,
            self.on_time,
            self.received as f64 * 100.0 / self.expected.max(1) as f64,
            self.on_time as f64 * 100.0 / self.expected.max(1) as f64
        );
        for l in &self.lines {
            out.push_str(&format!("  - {l}\n"));
        }
        out
    }
}

fn day(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("{y}-{m}-{d}"))
}

/// Unix ms of a Beijing date and hour.
fn at(m: u32, d: u32, hour: i64) -> anyhow::Result<i64> {
    Ok(start_of(day(2026, m, d)?)? + hour * 3_600_000)
}

/// Where the demo clock starts: 1 July 2026, 09:00 Beijing.
pub fn start_ms() -> anyhow::Result<i64> {
    at(7, 1, 9)
}

struct Seeder<'a> {
    net: &'a DemoNetwork,
}

impl Seeder<'_> {
    async fn run(
        &self,
        region: &str,
        organ: Organ,
        role: Role,
        user: &str,
        c: Command,
    ) -> anyhow::Result<u64> {
        Ok(id_of(self.net.exec(region, organ, role, user, c).await?))
    }

    /// Moves the demo clock forward and lets every region's `Tick` see the new date.
    async fn set(&self, m: u32, d: u32, hour: i64) -> anyhow::Result<()> {
        self.net.clock().set(at(m, d, hour)?);
        self.net.tick_all().await
    }
}

fn id_of(r: CommandResult) -> u64 {
    match r {
        CommandResult::Record { id, .. } => id,
        CommandResult::Agency(a) => a.id,
        _ => 0,
    }
}

/// Records the quarter. The caller returns the clock to the present afterwards, whatever
/// happens here.
pub async fn seed(net: &DemoNetwork, progress: &mut dyn FnMut(&str)) -> anyhow::Result<Seeded> {
    let s = Seeder { net };
    let mut out = Seeded::default();
    progress("2026-07-01 执法单位与执法人员 agencies and certified officers");
    for c in &COUNTIES {
        s.registry(c).await?;
    }
    let cases = s.open_cases(progress).await?;
    s.publish_and_decide(&cases, progress).await?;
    s.close_merged_agency(&mut out).await?;
    s.reconsider(&cases, &mut out).await?;
    s.agency_reports(progress, &mut out).await?;
    s.county_reports(progress).await?;
    s.resubmit_returned(&mut out).await?;
    s.city_reports(progress).await?;
    s.late_report(progress, &mut out).await?;
    // Agencies: 3 per county (the merged one is not expected); every county and city reports.
    out.expected = 3 * 4 + 4 + 2;
    out.received = out.expected - 1;
    out.on_time = out.received - 1;
    out.lines.push(
        "宁乡市一件决定（某某超市）始终未公示，逾期；各县均有一件决定逾期公示（07-20）".into(),
    );
    Ok(out)
}

/// In the present: waits until the province holds every report, then the province issues a
/// criticism to the late county, which acknowledges it.
pub async fn finish(
    net: &DemoNetwork,
    seeded: &Seeded,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let s = Seeder { net };
    // The present: deadlines that passed while the demo clock ran are flagged, and every
    // region's summary goes up.
    net.tick_all().await?;
    progress("等待省级收齐 waiting for the province to hold every report and summary");
    s.province_holds_all(seeded.received as usize).await?;
    let late = COUNTIES
        .iter()
        .find(|c| c.plan == Plan::Late)
        .context("no late county")?;
    progress("省司法厅通报醴陵市 the province issues a criticism to the late county");
    let id = s.criticize(late).await?;
    let number = s.acknowledge(late, id).await?;
    progress(&format!(
        "{number} 已送达并由{}签收，省级显示已签收 delivered, acknowledged, shown at the province",
        late.name
    ));
    Ok(())
}
