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
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;

use super::network::DemoNetwork;
use crate::domain::calendar::days::start_of;
use crate::domain::command::cmd;
use crate::domain::core::organ::{AgencyInput, PowerKind};
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::certificate::IssueCertificate;
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::model::{
    Duty, Forum, LegalResult, MajorFlags, Opinion, Party, PartyKind, Procedure, StepKind,
};
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::enforcement::step::StepInput;
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, Stage, INBOX, NOTICES};
use crate::domain::supervision::report::{DraftReport, Narrative, ReportState, Unit, HELD_REPORTS};
use crate::domain::{Command, CommandResult, Role};

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

impl Seeder<'_> {
    /// Moves the demo clock forward and lets every region's `Tick` see the new date.
    async fn set(&self, m: u32, d: u32, hour: i64) -> anyhow::Result<()> {
        crate::clock::set_demo_time(at(m, d, hour)?);
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

fn agency(name: String, powers: Vec<PowerKind>, domain: &str) -> AgencyInput {
    AgencyInput {
        name,
        powers,
        legal_basis: "《中华人民共和国行政处罚法》《中华人民共和国行政许可法》".into(),
        domain: domain.into(),
        contact: "0731-00000000".into(),
    }
}

struct Seeder<'a> {
    net: &'a DemoNetwork,
}

impl Seeder<'_> {
    async fn run(&self, region: &str, role: Role, user: &str, c: Command) -> anyhow::Result<u64> {
        Ok(id_of(self.net.exec(region, role, user, c).await?))
    }

    async fn officer(
        &self,
        region: &str,
        agency_id: u64,
        (name, user): (&str, &str),
        duties: Vec<Duty>,
        qualified: bool,
        valid_until: NaiveDate,
    ) -> anyhow::Result<u64> {
        let id = self
            .run(
                region,
                Role::Clerk,
                "clerk",
                Command::RegisterOfficer(OfficerInput {
                    agency_id,
                    name: name.into(),
                    user: user.into(),
                    duties,
                    legal_qualification: qualified,
                }),
            )
            .await?;
        self.run(
            region,
            Role::Supervisor,
            "sup",
            Command::IssueCertificate(IssueCertificate {
                officer_id: id,
                number: format!("43{:04}{:06}", region.len(), id * 7 + agency_id),
                valid_from: day(2024, 1, 1)?,
                valid_until,
                area: "行政区域内".into(),
            }),
        )
        .await?;
        Ok(id)
    }

    /// Agencies and officers of a county; agency 1's officers are 1 张三, 2 李四, 3 王五
    /// (reviewer), 4 赵六 (head).
    async fn registry(&self, c: &County) -> anyhow::Result<()> {
        let r = c.id;
        self.run(
            r,
            Role::Clerk,
            "clerk",
            Command::RegisterAgency(agency(
                format!("{}市场监督管理局", c.name),
                vec![
                    PowerKind::Penalty,
                    PowerKind::Inspection,
                    PowerKind::Licensing,
                ],
                "市场监管",
            )),
        )
        .await?;
        self.run(
            r,
            Role::Clerk,
            "clerk",
            Command::RegisterAgency(agency(
                format!("{}交通运输局", c.name),
                vec![PowerKind::Penalty, PowerKind::Inspection],
                "交通运输",
            )),
        )
        .await?;
        self.run(
            r,
            Role::Clerk,
            "clerk",
            Command::RegisterAgency(agency(
                format!("{}城市管理和综合执法局", c.name),
                vec![PowerKind::Penalty, PowerKind::Coercion],
                "城市管理",
            )),
        )
        .await?;
        if c.plan == Plan::Late {
            self.run(
                r,
                Role::Clerk,
                "clerk",
                Command::RegisterAgency(agency(
                    format!("{}粮食局", c.name),
                    vec![PowerKind::Inspection],
                    "粮食流通",
                )),
            )
            .await?;
        }
        let until = day(2028, 12, 31)?;
        self.officer(
            r,
            1,
            ("张三", "zhang"),
            vec![Duty::Enforcement],
            false,
            until,
        )
        .await?;
        self.officer(r, 1, ("李四", "li"), vec![Duty::Enforcement], false, until)
            .await?;
        self.officer(r, 1, ("王五", "wang"), vec![Duty::Reviewer], true, until)
            .await?;
        self.officer(
            r,
            1,
            ("赵六", "zhao"),
            vec![Duty::Head, Duty::Enforcement],
            false,
            until,
        )
        .await?;
        for a in [2u64, 3] {
            self.officer(
                r,
                a,
                ("陈明", &format!("chen{a}")),
                vec![Duty::Enforcement],
                false,
                until,
            )
            .await?;
            self.officer(
                r,
                a,
                ("周强", &format!("zhou{a}")),
                vec![Duty::Enforcement],
                false,
                // 攸县交通运输局's 周强: certificate ended 30 September, still on duty.
                if c.plan == Plan::AgencyMissing && a == 2 {
                    day(2026, 9, 30)?
                } else {
                    until
                },
            )
            .await?;
            if !(c.plan == Plan::AgencyMissing && a == 3) {
                self.officer(
                    r,
                    a,
                    ("吴静", &format!("wu{a}")),
                    vec![Duty::Reviewer],
                    true,
                    until,
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn open(&self, r: &str, party: &str, summary: &str, yuan: u64) -> anyhow::Result<u64> {
        let case = self
            .run(
                r,
                Role::Officer,
                "zhang",
                Command::OpenCase(OpenCaseInput {
                    agency_id: 1,
                    kind: PowerKind::Penalty,
                    procedure: Procedure::General,
                    party: Party {
                        kind: PartyKind::Legal,
                        name: party.into(),
                        id_number: String::new(),
                        phone: "13800000000".into(),
                        address: "某街道某路1号".into(),
                        credit_code: String::new(),
                    },
                    summary: summary.into(),
                    handlers: vec![1, 2],
                    amount_fen: yuan * 100,
                    flags: MajorFlags::default(),
                }),
            )
            .await?;
        let now = crate::clock::now_ms();
        for (kind, text) in [
            (
                StepKind::Investigation,
                "现场检查，制作现场笔录，全程音像记录。",
            ),
            (
                StepKind::RightsNotice,
                "告知拟作出处罚的事实、理由、依据及陈述申辩、听证权利。",
            ),
        ] {
            self.run(
                r,
                Role::Officer,
                "zhang",
                Command::RecordStep(StepInput {
                    case_id: case,
                    kind,
                    officers: vec![1, 2],
                    at_ms: now - 3_600_000,
                    place: "当事人经营场所".into(),
                    text: text.into(),
                    attachments: vec![],
                    audio_video: true,
                    exemption: None,
                    corrects: None,
                }),
            )
            .await?;
        }
        Ok(case)
    }

    async fn decide(&self, r: &str, case: u64, text: &str, major: bool) -> anyhow::Result<()> {
        self.run(
            r,
            Role::Head,
            "zhao",
            Command::Decide(DecideInput {
                case_id: case,
                deciders: vec![4],
                text: text.into(),
                reasons_evidence: "现场笔录、音像记录、询问笔录证明违法事实".into(),
                reasons_basis: "《中华人民共和国食品安全法》第一百二十四条".into(),
                reasons_discretion: "依据裁量基准，综合违法情节确定".into(),
                collective_minutes: major.then(|| "局务会议集体讨论决定（纪要第12号）".into()),
            }),
        )
        .await?;
        // Served on the party the same day (LAW-4).
        self.run(
            r,
            Role::Officer,
            "zhang",
            Command::RecordStep(StepInput {
                case_id: case,
                kind: StepKind::Service,
                officers: vec![1, 2],
                at_ms: crate::clock::now_ms() - 60_000,
                place: "当事人经营场所".into(),
                text: "直接送达行政处罚决定书，当事人签收。".into(),
                attachments: vec![],
                audio_video: true,
                exemption: None,
                corrects: None,
            }),
        )
        .await
        .map(|_| ())
    }

    async fn publish(&self, r: &str, case: u64, content: &str) -> anyhow::Result<()> {
        let id = self
            .run(
                r,
                Role::Officer,
                "zhang",
                Command::DraftPublication(cmd::DraftPublication {
                    case_id: case,
                    content: content.into(),
                    exception_basis: None,
                }),
            )
            .await?;
        self.run(
            r,
            Role::Head,
            "zhao",
            Command::ReleasePublication(cmd::ReleasePublication {
                id,
                approve: true,
                reasons: String::new(),
            }),
        )
        .await
        .map(|_| ())
    }

    async fn review(&self, r: &str, case: u64, opinion: Opinion, why: &str) -> anyhow::Result<()> {
        self.run(
            r,
            Role::Officer,
            "zhang",
            Command::SubmitReview(cmd::SubmitReview {
                case_id: case,
                materials: "立案审批表、现场笔录、询问笔录、证据照片、音像记录".into(),
            }),
        )
        .await?;
        let mut checklist = [true; 10];
        if opinion != Opinion::Approve {
            checklist[3] = false;
        }
        self.run(
            r,
            Role::Reviewer,
            "wang",
            Command::ReviewOpinion(cmd::ReviewOpinion {
                case_id: case,
                checklist,
                opinion,
                reasons: why.into(),
            }),
        )
        .await
        .map(|_| ())
    }

    async fn draft_report(&self, r: &str, agency: Option<u64>, done: &str) -> anyhow::Result<u64> {
        self.run(
            r,
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

    async fn submit(&self, r: &str, id: u64) -> anyhow::Result<()> {
        self.run(
            r,
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

/// Records the quarter. The caller returns the clock to the present afterwards, whatever
/// happens here.
pub async fn seed(net: &DemoNetwork, progress: &mut dyn FnMut(&str)) -> anyhow::Result<Seeded> {
    let s = Seeder { net };
    let mut out = Seeded::default();
    progress("2026-07-01 执法单位与执法人员 agencies and certified officers");
    for c in &COUNTIES {
        s.registry(c).await?;
    }
    progress(
        "2026-07-06 立案、调查、告知 cases opened; a major case's review asks for a supplement",
    );
    s.set(7, 6, 10).await?;
    let mut cases = Vec::new();
    for c in &COUNTIES {
        let a = s
            .open(
                c.id,
                &format!("{}某某商贸有限公司", c.name),
                "销售超过保质期的食品",
                5_000,
            )
            .await?;
        let b = s
            .open(
                c.id,
                &format!("{}某某餐饮店", c.name),
                "未按规定公示食品经营许可证",
                2_000,
            )
            .await?;
        let m = s
            .open(
                c.id,
                &format!("{}某某食品厂", c.name),
                "生产不符合食品安全标准的食品",
                300_000,
            )
            .await?;
        s.decide(c.id, a, "罚款人民币五千元", false).await?;
        s.decide(c.id, b, "罚款人民币两千元", false).await?;
        s.review(
            c.id,
            m,
            Opinion::Supplement,
            "缺少原料进货查验记录，请补充证据",
        )
        .await?;
        cases.push((a, b, m));
    }
    progress("2026-07-08 公示、补充材料后审核通过并集体讨论决定 published on time; the major case decided");
    s.set(7, 8, 10).await?;
    for (c, (a, _, m)) in COUNTIES.iter().zip(&cases) {
        s.publish(
            c.id,
            *a,
            &format!(
                "{}某某商贸有限公司销售超过保质期的食品，罚款人民币五千元。",
                c.name
            ),
        )
        .await?;
        s.review(c.id, *m, Opinion::Approve, "").await?;
        s.decide(c.id, *m, "没收违法所得，罚款人民币三十万元", true)
            .await?;
        if c.plan == Plan::Returned {
            let d = s
                .open(
                    c.id,
                    &format!("{}某某超市", c.name),
                    "经营标签不符合规定的预包装食品",
                    3_000,
                )
                .await?;
            s.decide(c.id, d, "罚款人民币三千元", false).await?;
        }
    }
    s.set(7, 13, 10).await?;
    for (c, (_, _, m)) in COUNTIES.iter().zip(&cases) {
        s.publish(
            c.id,
            *m,
            &format!(
                "{}某某食品厂生产不符合食品安全标准的食品，没收违法所得并罚款人民币三十万元。",
                c.name
            ),
        )
        .await?;
    }
    progress("2026-07-20 一件决定逾期公示 one decision per county published late");
    s.set(7, 20, 10).await?;
    for (c, (_, b, _)) in COUNTIES.iter().zip(&cases) {
        s.publish(
            c.id,
            *b,
            &format!(
                "{}某某餐饮店未按规定公示食品经营许可证，罚款人民币两千元。",
                c.name
            ),
        )
        .await?;
    }
    s.set(8, 15, 10).await?;
    for c in COUNTIES.iter().filter(|c| c.plan == Plan::Late) {
        s.run(
            c.id,
            Role::Clerk,
            "clerk",
            Command::CloseAgency(cmd::CloseAgency {
                id: 4,
                on: day(2026, 8, 15)?,
                merged_into: Some(1),
            }),
        )
        .await?;
        out.lines.push(format!(
            "{}粮食局 2026-08-15 并入市场监督管理局，不再应报",
            c.name
        ));
    }
    s.set(9, 10, 10).await?;
    for (c, (a, _, _)) in COUNTIES.iter().zip(&cases) {
        if c.plan == Plan::OnTime {
            s.run(
                c.id,
                Role::Clerk,
                "clerk",
                Command::RecordLegalOutcome(cmd::RecordLegalOutcome {
                    case_id: *a,
                    forum: Forum::Reconsideration,
                    result: LegalResult::Changed,
                    on: day(2026, 9, 10)?,
                    reference: format!("{}人民政府行政复议决定书〔2026〕15号", c.name),
                }),
            )
            .await?;
            out.lines.push(format!(
                "{}：一件处罚决定经行政复议变更（被纠错率）",
                c.name
            ));
        }
    }
    progress("2026-10-10 执法单位季度报告 agencies report the quarter");
    s.set(10, 10, 10).await?;
    for c in &COUNTIES {
        for a in 1..=3u64 {
            if c.plan == Plan::AgencyMissing && a == 3 {
                out.lines.push(format!(
                    "{}城市管理和综合执法局 未报送季度报告；无法制审核人员（不足 5%）；交通运输局一名执法人员证件 09-30 到期仍在执法岗位",
                    c.name
                ));
                continue;
            }
            let id = s
                .draft_report(
                    c.id,
                    Some(a),
                    "本季度严格落实行政执法三项制度，执法全过程留痕。",
                )
                .await?;
            s.submit(c.id, id).await?;
        }
    }
    progress("2026-10-12 县级报告 counties report to their cities; 长沙市 returns 宁乡市's");
    s.set(10, 12, 10).await?;
    let mut county_reports = Vec::new();
    for c in COUNTIES.iter().filter(|c| c.plan != Plan::Late) {
        let id = s
            .draft_report(c.id, None, "全县（市）汇总本季度三项制度执行情况。")
            .await?;
        s.submit(c.id, id).await?;
        county_reports.push(c);
    }
    for c in &county_reports {
        s.held(c.city, c.id, 1, "submitted").await?;
    }
    s.set(10, 13, 10).await?;
    for c in &county_reports {
        let (accept, reasons) = if c.plan == Plan::Returned {
            (false, "附件不全：缺少执法数据统计表，请补充后重新报送")
        } else {
            (true, "")
        };
        s.run(
            c.city,
            Role::Head,
            "zhao",
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
    s.set(10, 14, 10).await?;
    for c in county_reports.iter().filter(|c| c.plan == Plan::Returned) {
        // The return reached the county (it is what allows a new version).
        let unit = Unit {
            region: c.id.into(),
            agency: None,
        };
        let key = (unit.key(), QUARTER.to_string());
        net.wait(
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
        let id = s
            .draft_report(
                c.id,
                None,
                "全县（市）汇总本季度三项制度执行情况，已补充执法数据统计表。",
            )
            .await?;
        s.submit(c.id, id).await?;
        s.held(c.city, c.id, 2, "submitted").await?;
        s.run(
            c.city,
            Role::Head,
            "zhao",
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
    progress("2026-10-14 市级报告 cities report to the province");
    for (i, city) in CITIES.iter().enumerate() {
        s.set(10, 14 + i as u32, 15).await?;
        let id = s
            .draft_report(city, None, "全市汇总本季度三项制度执行情况。")
            .await?;
        s.submit(city, id).await?;
        // Received before the clock moves on: on time at the province too.
        s.held(PROVINCE, city, 1, "submitted").await?;
    }
    progress("2026-10-20 醴陵市逾期报送 醴陵市 reports late");
    s.set(10, 20, 10).await?;
    for c in COUNTIES.iter().filter(|c| c.plan == Plan::Late) {
        let id = s
            .draft_report(c.id, None, "全市汇总本季度三项制度执行情况。")
            .await?;
        s.submit(c.id, id).await?;
        out.lines.push(format!(
            "{}：季度报告 10-20 报送，逾期（截止 10-15）",
            c.name
        ));
    }
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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let mut behind = Vec::new();
        for r in net.regions().into_iter().filter(|r| r != PROVINCE) {
            let own = net.ctx(&r)?.sm.read(|st| {
                crate::domain::federation::ingest::LAST_SUMMARY
                    .read(&st.domain, "last")
                    .ok()
                    .flatten()
            });
            let held = net.ctx(PROVINCE)?.sm.read(|st| {
                crate::domain::supervision::held::HELD_SUMMARIES
                    .read(&st.domain, &r)
                    .ok()
                    .flatten()
                    .map(|h| h.counters)
            });
            if own.is_none() || own != held {
                behind.push(r);
            }
        }
        if behind.is_empty() {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("the province does not hold the latest summary of {behind:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let want = seeded.received as usize;
    net.wait(
        PROVINCE,
        "every report of the quarter",
        Duration::from_secs(120),
        |ctx| {
            ctx.sm.read(|st| {
                let n = HELD_REPORTS
                    .scan_from(&st.domain, &(String::new(), String::new()))
                    .filter_map(Result::ok)
                    .filter(|h| h.report.period == QUARTER && h.report.state != ReportState::Draft)
                    .count();
                (n >= want).then_some(())
            })
        },
    )
    .await?;
    let late = COUNTIES
        .iter()
        .find(|c| c.plan == Plan::Late)
        .context("no late county")?;
    progress("省司法厅通报醴陵市 the province issues a criticism to the late county");
    let today = crate::domain::calendar::days::date_of(crate::clock::now_ms())?;
    let id = s
        .run(
            PROVINCE,
            Role::Supervisor,
            "sup",
            Command::DraftNotice(NoticeDraft {
                kind: NoticeKind::Criticism,
                title: format!("关于{}2026年第三季度行政执法工作报告逾期报送的通报", late.name),
                text: format!(
                    "{}未按规定时限报送2026年第三季度推行行政执法三项制度工作进展情况报告（截止2026年10月15日，实际10月20日报送）。现予通报批评，请于收到后十五个工作日内整改并报送整改情况。",
                    late.name
                ),
                units: vec![Unit {
                    region: late.id.into(),
                    agency: None,
                }],
                persons: vec![],
                deadline: today.checked_add_signed(chrono::Duration::days(30)),
                basis: vec![format!("{}：{QUARTER} 报告逾期报送", late.name)],
            }),
        )
        .await?;
    s.run(
        PROVINCE,
        Role::Head,
        "zhao",
        Command::SignNotice(cmd::SignNotice {
            id,
            prefix: "湘司通".into(),
        }),
    )
    .await?;
    let key = (PROVINCE.to_string(), late.id.to_string(), id);
    net.wait(
        late.id,
        "the notice delivered",
        Duration::from_secs(60),
        |ctx| {
            ctx.sm
                .read(|st| INBOX.read(&st.domain, &key).ok().flatten().map(|_| ()))
        },
    )
    .await?;
    s.run(
        late.id,
        Role::Clerk,
        "clerk",
        Command::AnswerNotice(cmd::AnswerNotice {
            issuer: PROVINCE.into(),
            id,
            unit: Unit {
                region: late.id.into(),
                agency: None,
            },
            reply: Reply::Acknowledge,
        }),
    )
    .await?;
    let number = net
        .wait(
            PROVINCE,
            "the acknowledgement",
            Duration::from_secs(60),
            |ctx| {
                ctx.sm.read(|st| {
                    let n = NOTICES.read(&st.domain, &id).ok()??;
                    let acked = n
                        .units
                        .get(late.id)
                        .is_some_and(|p| p.stage == Stage::Acknowledged);
                    acked.then(|| n.number.clone().unwrap_or_default())
                })
            },
        )
        .await?;
    progress(&format!(
        "{number} 已送达并由{}签收，省级显示已签收 delivered, acknowledged, shown at the province",
        late.name
    ));
    Ok(())
}
