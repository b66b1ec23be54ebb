//! The reports of the quarter: agencies on 10 October, counties from 12 October (one returned
//! by its city and resubmitted), cities on 14 and 15 October, the late county on 20 October.
use std::time::Duration;

use super::{Plan, Seeded, Seeder, CITIES, COUNTIES, PROVINCE, QUARTER};
use crate::domain::command::cmd;
use crate::domain::supervision::report::{DraftReport, Narrative, ReportState, Unit, HELD_REPORTS};
use crate::domain::{Command, Organ, Role};

impl Seeder<'_> {
    /// 10 October: every agency reports, except one in the county where an agency is missing.
    pub(super) async fn agency_reports(
        &self,
        progress: &mut dyn FnMut(&str),
        out: &mut Seeded,
    ) -> anyhow::Result<()> {
        progress("2026-10-10 执法单位季度报告 agencies report the quarter");
        self.set(10, 10, 10).await?;
        for c in &COUNTIES {
            for a in 1..=3u64 {
                if c.plan == Plan::AgencyMissing && a == 3 {
                    out.lines.push(format!(
                        "{}城市管理和综合执法局 未报送季度报告；无法制审核人员（不足 5%）；交通运输局一名执法人员证件 09-30 到期仍在执法岗位",
                        c.name
                    ));
                    continue;
                }
                let id = self
                    .draft_report(
                        c.id,
                        Some(a),
                        "本季度严格落实行政执法三项制度，执法全过程留痕。",
                    )
                    .await?;
                self.submit(c.id, Some(a), id).await?;
            }
        }
        Ok(())
    }

    /// 12 October: the counties but the late one report to their cities; 13 October: the
    /// cities accept them, except 长沙市, which returns 宁乡市's.
    pub(super) async fn county_reports(
        &self,
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<()> {
        progress("2026-10-12 县级报告 counties report to their cities; 长沙市 returns 宁乡市's");
        self.set(10, 12, 10).await?;
        let mut county_reports = Vec::new();
        for c in COUNTIES.iter().filter(|c| c.plan != Plan::Late) {
            let id = self
                .draft_report(c.id, None, "全县（市）汇总本季度三项制度执行情况。")
                .await?;
            self.submit(c.id, None, id).await?;
            county_reports.push(c);
        }
        for c in &county_reports {
            self.held(c.city, c.id, 1, "submitted").await?;
        }
        self.set(10, 13, 10).await?;
        for c in &county_reports {
            let (accept, reasons) = if c.plan == Plan::Returned {
                (false, "附件不全：缺少执法数据统计表，请补充后重新报送")
            } else {
                (true, "")
            };
            self.run(
                c.city,
                Organ::Bureau,
                Role::Head,
                "zhou",
                Command::JudgeReport(cmd::JudgeReport {
                    unit: Unit {
                        region: c.id.into(),
                        agency: None,
                    },
                    period: QUARTER.into(),
                    accept,
                    reasons: reasons.into(),
                }),
            )
            .await?;
        }
        Ok(())
    }

    /// 14 October: the returned county redrafts and resubmits its report (version 2, still on
    /// time), and its city accepts it.
    pub(super) async fn resubmit_returned(&self, out: &mut Seeded) -> anyhow::Result<()> {
        self.set(10, 14, 10).await?;
        for c in COUNTIES.iter().filter(|c| c.plan == Plan::Returned) {
            // The return reached the county (it is what allows a new version).
            let unit = Unit {
                region: c.id.into(),
                agency: None,
            };
            let key = (unit.key(), QUARTER.to_string());
            self.net
                .wait(
                    c.id,
                    "the return of its report",
                    Duration::from_secs(60),
                    |ctx| {
                        ctx.sm.read(|st| {
                            let id = crate::domain::supervision::report::REPORT_LATEST
                                .read(&st.domain, &key)
                                .ok()??;
                            let r = crate::domain::supervision::report::REPORTS
                                .read(&st.domain, &id)
                                .ok()??;
                            matches!(r.state, ReportState::Returned { .. }).then_some(())
                        })
                    },
                )
                .await?;
            let id = self
                .draft_report(
                    c.id,
                    None,
                    "全县（市）汇总本季度三项制度执行情况，已补充执法数据统计表。",
                )
                .await?;
            self.submit(c.id, None, id).await?;
            self.held(c.city, c.id, 2, "submitted").await?;
            self.run(
                c.city,
                Organ::Bureau,
                Role::Head,
                "zhou",
                Command::JudgeReport(cmd::JudgeReport {
                    unit,
                    period: QUARTER.into(),
                    accept: true,
                    reasons: String::new(),
                }),
            )
            .await?;
            out.lines.push(format!(
                "{}：季度报告被长沙市退回（附件不全），10-14 重新报送第 2 版，仍按时",
                c.name
            ));
        }
        Ok(())
    }

    /// 14 and 15 October: the cities report to the province.
    pub(super) async fn city_reports(&self, progress: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
        progress("2026-10-14 市级报告 cities report to the province");
        for (i, city) in CITIES.iter().enumerate() {
            self.set(10, 14 + i as u32, 15).await?;
            let id = self
                .draft_report(city, None, "全市汇总本季度三项制度执行情况。")
                .await?;
            self.submit(city, None, id).await?;
            // Received before the clock moves on: on time at the province too.
            self.held(PROVINCE, city, 1, "submitted").await?;
        }
        Ok(())
    }

    /// 20 October: the late county reports, five days after the deadline.
    pub(super) async fn late_report(
        &self,
        progress: &mut dyn FnMut(&str),
        out: &mut Seeded,
    ) -> anyhow::Result<()> {
        progress("2026-10-20 醴陵市逾期报送 醴陵市 reports late");
        self.set(10, 20, 10).await?;
        for c in COUNTIES.iter().filter(|c| c.plan == Plan::Late) {
            let id = self
                .draft_report(c.id, None, "全市汇总本季度三项制度执行情况。")
                .await?;
            self.submit(c.id, None, id).await?;
            out.lines.push(format!(
                "{}：季度报告 10-20 报送，逾期（截止 10-15）",
                c.name
            ));
        }
        Ok(())
    }

    /// Drafts the quarter's report of an agency, or with no agency the region's own.
    async fn draft_report(&self, r: &str, agency: Option<u64>, done: &str) -> anyhow::Result<u64> {
        self.run(
            r,
            agency.map_or(Organ::Bureau, Organ::Agency),
            Role::Clerk,
            "clerk",
            Command::DraftReport(DraftReport {
                agency,
                period: QUARTER.into(),
                narrative: Narrative {
                    done: done.into(),
                    results: "行政执法公示、全过程记录、重大执法决定法制审核制度全面落实。".into(),
                    problems: "个别案件公示不够及时；基层法制审核力量不足。".into(),
                    measures: "开展案卷评查，加强法制审核人员培训。".into(),
                    suggestions: "建议上级统一音像记录设备配备标准。".into(),
                },
                attachments: vec![],
                copies_to: if agency.is_none() {
                    vec!["本级人民政府办公室".into()]
                } else {
                    vec![]
                },
            }),
        )
        .await
    }

    /// Submits a draft as the head of the reporting organ.
    async fn submit(&self, r: &str, agency: Option<u64>, id: u64) -> anyhow::Result<()> {
        self.run(
            r,
            agency.map_or(Organ::Bureau, Organ::Agency),
            Role::Head,
            "zhao",
            Command::SubmitReport(cmd::SubmitReport { id }),
        )
        .await
        .map(|_| ())
    }

    /// Waits until `region` holds the report of `unit` for the quarter in `state`.
    async fn held(
        &self,
        region: &str,
        unit: &str,
        version: u32,
        state: &str,
    ) -> anyhow::Result<()> {
        let key = (unit.to_string(), QUARTER.to_string());
        self.net
            .wait(
                region,
                &format!("{unit} report v{version} {state}"),
                Duration::from_secs(60),
                |ctx| {
                    ctx.sm.read(|s| {
                        HELD_REPORTS
                            .read(&s.domain, &key)
                            .ok()
                            .flatten()
                            .filter(|h| {
                                h.report.version == version && h.report.state.as_str() == state
                            })
                            .map(|_| ())
                    })
                },
            )
            .await
    }
}
