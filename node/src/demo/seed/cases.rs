//! The cases of the quarter: opened on 6 July, decided and published on time or late, one
//! decision changed on reconsideration on 10 September.
use super::{day, Plan, Seeded, Seeder, COUNTIES};
use crate::domain::command::cmd;
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::model::{
    Collective, Forum, LegalResult, MajorFlags, Opinion, Party, PartyKind, Procedure, ServiceMode,
    StepDetail, StepKind,
};
use crate::domain::enforcement::sanction::{Penalty, PenaltyKind};
use crate::domain::enforcement::step::StepInput;
use crate::domain::{Command, Organ, Role};

/// A county's cases: (published on time, published late, major), in the order of `COUNTIES`.
pub(super) type Cases = Vec<(u64, u64, u64)>;

impl Seeder<'_> {
    /// 6 July: three cases per county; the two small ones are decided, the major one's review
    /// asks for a supplement.
    pub(super) async fn open_cases(&self, progress: &mut dyn FnMut(&str)) -> anyhow::Result<Cases> {
        progress(
            "2026-07-06 立案、调查、告知 cases opened; a major case's review asks for a supplement",
        );
        self.set(7, 6, 10).await?;
        let mut cases = Vec::new();
        for c in &COUNTIES {
            let a = self
                .open(
                    c.id,
                    &format!("{}某某商贸有限公司", c.name),
                    "销售超过保质期的食品",
                    5_000,
                )
                .await?;
            let b = self
                .open(
                    c.id,
                    &format!("{}某某餐饮店", c.name),
                    "未按规定公示食品经营许可证",
                    2_000,
                )
                .await?;
            let m = self
                .open(
                    c.id,
                    &format!("{}某某食品厂", c.name),
                    "生产不符合食品安全标准的食品",
                    300_000,
                )
                .await?;
            self.decide(c.id, a, "罚款人民币五千元", fine(5_000), false)
                .await?;
            self.decide(c.id, b, "罚款人民币两千元", fine(2_000), false)
                .await?;
            self.review(
                c.id,
                m,
                Opinion::Supplement,
                "缺少原料进货查验记录，请补充证据",
            )
            .await?;
            cases.push((a, b, m));
        }
        Ok(cases)
    }

    /// 8 July: the first case published on time, the major case approved and decided (and in
    /// the county whose report is returned, a case that is never published); 13 July: the
    /// major case published; 20 July: the second case published late.
    pub(super) async fn publish_and_decide(
        &self,
        cases: &Cases,
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<()> {
        progress("2026-07-08 公示、补充材料后审核通过并集体讨论决定 published on time; the major case decided");
        self.set(7, 8, 10).await?;
        for (c, (a, _, m)) in COUNTIES.iter().zip(cases) {
            self.publish(
                c.id,
                *a,
                &format!(
                    "{}某某商贸有限公司销售超过保质期的食品，罚款人民币五千元。",
                    c.name
                ),
            )
            .await?;
            self.review(c.id, *m, Opinion::Approve, "").await?;
            let mut penalties = fine(280_000);
            penalties.push(Penalty {
                kind: PenaltyKind::Confiscation,
                amount_fen: 20_000 * 100,
                detail: "没收违法所得".into(),
            });
            self.decide(
                c.id,
                *m,
                "没收违法所得人民币两万元，罚款人民币二十八万元",
                penalties,
                true,
            )
            .await?;
            if c.plan == Plan::Returned {
                let d = self
                    .open(
                        c.id,
                        &format!("{}某某超市", c.name),
                        "经营标签不符合规定的预包装食品",
                        3_000,
                    )
                    .await?;
                self.decide(c.id, d, "罚款人民币三千元", fine(3_000), false)
                    .await?;
            }
        }
        self.set(7, 13, 10).await?;
        for (c, (_, _, m)) in COUNTIES.iter().zip(cases) {
            self.publish(
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
        self.set(7, 20, 10).await?;
        for (c, (_, b, _)) in COUNTIES.iter().zip(cases) {
            self.publish(
                c.id,
                *b,
                &format!(
                    "{}某某餐饮店未按规定公示食品经营许可证，罚款人民币两千元。",
                    c.name
                ),
            )
            .await?;
        }
        Ok(())
    }

    /// 10 September: in the county where everything is on time, the first case's decision is
    /// changed on reconsideration (SUP-7).
    pub(super) async fn reconsider(&self, cases: &Cases, out: &mut Seeded) -> anyhow::Result<()> {
        self.set(9, 10, 10).await?;
        for (c, (a, _, _)) in COUNTIES.iter().zip(cases) {
            if c.plan == Plan::OnTime {
                self.run(
                    c.id,
                    Organ::Bureau,
                    Role::Clerk,
                    "clerk",
                    Command::RecordLegalOutcome(cmd::RecordLegalOutcome {
                        case_id: *a,
                        forum: Forum::Reconsideration,
                        result: LegalResult::Changed,
                        on: day(2026, 9, 10)?,
                        reference: format!("{}人民政府行政复议决定书〔2026〕15号", c.name),
                        deciding_organ: format!("{}人民政府", c.name),
                    }),
                )
                .await?;
                out.lines.push(format!(
                    "{}：一件处罚决定经行政复议变更（被纠错率）",
                    c.name
                ));
            }
        }
        Ok(())
    }

    /// Opens a general-procedure penalty case of agency 1 (handlers 张三 and 李四), with an
    /// investigation and a rights notice recorded an hour before now.
    async fn open(&self, r: &str, party: &str, summary: &str, yuan: u64) -> anyhow::Result<u64> {
        let case = self
            .run(
                r,
                Organ::Agency(1),
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
        let now = self.net.clock().now_ms();
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
                Organ::Agency(1),
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
                    detail: None,
                }),
            )
            .await?;
        }
        Ok(case)
    }

    /// Decides a case (as 赵六) with its penalties and document number, `major` with the heads'
    /// collective discussion, and serves it directly.
    async fn decide(
        &self,
        r: &str,
        case: u64,
        text: &str,
        penalties: Vec<Penalty>,
        major: bool,
    ) -> anyhow::Result<()> {
        self.run(
            r,
            Organ::Agency(1),
            Role::Head,
            "zhao",
            Command::Decide(DecideInput {
                case_id: case,
                deciders: vec![4],
                document_number: format!("市监罚〔2026〕{case}号"),
                penalties,
                licence: None,
                text: text.into(),
                reasons_evidence: "现场笔录、音像记录、询问笔录证明违法事实".into(),
                reasons_basis: "《中华人民共和国食品安全法》第一百二十四条".into(),
                reasons_discretion: "依据裁量基准，综合违法情节确定".into(),
                collective: major.then(|| Collective {
                    heads_present: vec![4],
                    result: "同意法制审核意见，依法作出行政处罚决定".into(),
                    minutes: "局务会议集体讨论决定（纪要第12号）".into(),
                }),
            }),
        )
        .await?;
        // Served on the party the same day (LAW-4).
        self.run(
            r,
            Organ::Agency(1),
            Role::Officer,
            "zhang",
            Command::RecordStep(StepInput {
                case_id: case,
                kind: StepKind::Service,
                officers: vec![1, 2],
                at_ms: self.net.clock().now_ms() - 60_000,
                place: "当事人经营场所".into(),
                text: "直接送达行政处罚决定书，当事人签收。".into(),
                attachments: vec![],
                audio_video: true,
                exemption: None,
                corrects: None,
                detail: Some(StepDetail::Service {
                    mode: ServiceMode::Direct,
                }),
            }),
        )
        .await
        .map(|_| ())
    }

    /// Drafts the publication of a decided case and releases it.
    async fn publish(&self, r: &str, case: u64, content: &str) -> anyhow::Result<()> {
        let id = self
            .run(
                r,
                Organ::Agency(1),
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
            Organ::Agency(1),
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

    /// Submits a case for legal review and records the opinion of 王五; an opinion other than
    /// approval leaves point 4 of the checklist unsatisfied.
    async fn review(&self, r: &str, case: u64, opinion: Opinion, why: &str) -> anyhow::Result<()> {
        self.run(
            r,
            Organ::Agency(1),
            Role::Officer,
            "zhang",
            Command::SubmitReview(cmd::SubmitReview {
                case_id: case,
                materials: "立案审批表、现场笔录、询问笔录、证据照片、音像记录".into(),
                proposed_fen: 0,
            }),
        )
        .await?;
        let mut checklist = [true; 10];
        if opinion != Opinion::Approve {
            checklist[3] = false;
        }
        self.run(
            r,
            Organ::Agency(1),
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
}

/// A fine of `yuan`.
fn fine(yuan: u64) -> Vec<Penalty> {
    vec![Penalty {
        kind: PenaltyKind::Fine,
        amount_fen: yuan * 100,
        detail: String::new(),
    }]
}
