//! In the present, after the quarter: the province holds every report and summary, issues a
//! criticism to the late county, and sees it acknowledged.
use std::time::Duration;

use super::{County, Seeder, PROVINCE, QUARTER};
use crate::domain::command::cmd;
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, Stage, INBOX, NOTICES};
use crate::domain::supervision::report::{ReportState, Unit, HELD_REPORTS};
use crate::domain::{Command, Organ, Role};

impl Seeder<'_> {
    /// Waits until the province holds the latest summary of every region below it and `want`
    /// reports of the quarter.
    pub(super) async fn province_holds_all(&self, want: usize) -> anyhow::Result<()> {
        let net = self.net;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let mut behind = Vec::new();
            for r in net.regions().into_iter().filter(|r| r != PROVINCE) {
                let own = net.ctx(&r)?.sm.read(|st| {
                    crate::domain::federation::held::LAST_SUMMARY
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
        net.wait(
            PROVINCE,
            "every report of the quarter",
            Duration::from_secs(120),
            |ctx| {
                ctx.sm.read(|st| {
                    let n = HELD_REPORTS
                        .scan_from(&st.domain, &(String::new(), String::new()))
                        .filter_map(Result::ok)
                        .filter(|h| {
                            h.report.period == QUARTER && h.report.state != ReportState::Draft
                        })
                        .count();
                    (n >= want).then_some(())
                })
            },
        )
        .await
    }

    /// The province drafts a criticism of the late county's report and signs it off; returns
    /// the notice's id.
    pub(super) async fn criticize(&self, late: &County) -> anyhow::Result<u64> {
        let today = crate::domain::calendar::days::date_of(self.net.clock().now_ms())?;
        let id = self
            .run(
                PROVINCE,
                Organ::Bureau, Role::Supervisor,
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
        self.run(
            PROVINCE,
            Organ::Bureau,
            Role::Head,
            "zhou",
            Command::SignNotice(cmd::SignNotice {
                id,
                prefix: "湘司通".into(),
            }),
        )
        .await?;
        Ok(id)
    }

    /// Waits for notice `id` to reach the late county, which acknowledges it, then for the
    /// province to see the acknowledgement; returns the notice's document number.
    pub(super) async fn acknowledge(&self, late: &County, id: u64) -> anyhow::Result<String> {
        let key = (PROVINCE.to_string(), late.id.to_string(), id);
        self.net
            .wait(
                late.id,
                "the notice delivered",
                Duration::from_secs(60),
                |ctx| {
                    ctx.sm
                        .read(|st| INBOX.read(&st.domain, &key).ok().flatten().map(|_| ()))
                },
            )
            .await?;
        self.run(
            late.id,
            Organ::Bureau,
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
        self.net
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
            .await
    }
}
