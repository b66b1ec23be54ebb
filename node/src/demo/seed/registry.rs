//! Agencies and certified officers of each county on the demo's first day, and the agency
//! merged away in August.
use chrono::{Datelike, NaiveDate};

use super::{day, County, Plan, Seeded, Seeder, COUNTIES};
use crate::domain::command::cmd;
use crate::domain::core::organ::{AgencyInput, PowerKind};
use crate::domain::enforcement::certificate::{CertAction, IssueCertificate};
use crate::domain::enforcement::model::Duty;
use crate::domain::enforcement::officer::OfficerInput;
use crate::domain::{Command, Organ, Role};

fn agency(name: String, powers: Vec<PowerKind>, domain: &str) -> AgencyInput {
    AgencyInput {
        name,
        powers,
        legal_basis: "《中华人民共和国行政处罚法》《中华人民共和国行政许可法》".into(),
        domain: domain.into(),
        contact: "0731-00000000".into(),
    }
}

impl Seeder<'_> {
    /// Agencies and officers of a county; agency 1's officers are 1 张三, 2 李四, 3 王五
    /// (reviewer), 4 赵六 (head).
    pub(super) async fn registry(&self, c: &County) -> anyhow::Result<()> {
        self.agencies(c).await?;
        self.officers(c).await
    }

    /// 1 市场监督管理局, 2 交通运输局, 3 城市管理和综合执法局, and in the county whose report is
    /// late a fourth, 粮食局 (merged away in August).
    async fn agencies(&self, c: &County) -> anyhow::Result<()> {
        let mut agencies = vec![
            agency(
                format!("{}市场监督管理局", c.name),
                vec![
                    PowerKind::Penalty,
                    PowerKind::Inspection,
                    PowerKind::Licensing,
                ],
                "市场监管",
            ),
            agency(
                format!("{}交通运输局", c.name),
                vec![PowerKind::Penalty, PowerKind::Inspection],
                "交通运输",
            ),
            agency(
                format!("{}城市管理和综合执法局", c.name),
                vec![PowerKind::Penalty, PowerKind::Coercion],
                "城市管理",
            ),
        ];
        if c.plan == Plan::Late {
            agencies.push(agency(
                format!("{}粮食局", c.name),
                vec![PowerKind::Inspection],
                "粮食流通",
            ));
        }
        for a in agencies {
            self.run(
                c.id,
                Organ::Bureau,
                Role::Clerk,
                "clerk",
                Command::RegisterAgency(a),
            )
            .await?;
        }
        Ok(())
    }

    async fn officers(&self, c: &County) -> anyhow::Result<()> {
        let r = c.id;
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

    /// 15 August: the fourth agency of the county whose report is late merges into agency 1
    /// and is no longer expected to report.
    pub(super) async fn close_merged_agency(&self, out: &mut Seeded) -> anyhow::Result<()> {
        self.set(8, 15, 10).await?;
        for c in COUNTIES.iter().filter(|c| c.plan == Plan::Late) {
            self.run(
                c.id,
                Organ::Bureau,
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
        Ok(())
    }

    /// Registers an officer and issues the certificate, valid from 2024 to `valid_until`.
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
                Organ::Bureau,
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
            Organ::Bureau,
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
        // The annual checks (年审) of the years before the demo's, within the validity.
        for year in (2024..2026).filter(|y| *y <= valid_until.year()) {
            self.run(
                region,
                Organ::Bureau,
                Role::Supervisor,
                "sup",
                Command::ChangeCertificate(cmd::ChangeCertificate {
                    officer_id: id,
                    action: CertAction::AnnualCheck {
                        year,
                        passed: true,
                        note: String::new(),
                    },
                }),
            )
            .await?;
        }
        Ok(id)
    }
}
