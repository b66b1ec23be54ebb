//! Enforcement certificates (PUB-2): issued, checked yearly (年审), suspended, reinstated and
//! revoked by the judicial administration — never by the agency itself.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::{
    judicial_administration, CertStatus, Certificate, CERT_NUMBERS, OFFICERS,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IssueCertificate {
    /// Id of the officer; a certificate the officer already holds is replaced.
    pub officer_id: u64,
    /// The certificate number: 1–40 characters, held by no other officer.
    pub number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Enforcement area (执法区域/领域): 1–100 characters.
    pub area: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CertAction {
    /// Annual check of `year`; a failed check suspends the certificate.
    AnnualCheck {
        /// The year checked: already begun, and within the certificate's validity.
        year: i32,
        /// Whether it passed; a failed check suspends the certificate.
        passed: bool,
        /// A note on the check, at most 500 characters; part of the suspension reason when failed.
        note: String,
    },
    /// Suspend the certificate (暂扣): its officer may not act until it is reinstated.
    Suspend {
        /// Why: 1–500 characters.
        reason: String,
    },
    /// Lift a suspension: the certificate is valid again.
    Reinstate,
    /// Revoke the certificate (注销), for good: the officer needs a newly issued one.
    Revoke {
        /// Why: 1–500 characters.
        reason: String,
    },
}

pub fn issue(txn: &mut Txn<'_>, actor: &Actor, c: &IssueCertificate) -> Ruled {
    judicial_administration(actor)?;
    if let Err(r) =
        check_text("number", &c.number, 40, true).and(check_text("area", &c.area, 100, true))
    {
        return Err(r.into());
    }
    if c.valid_until <= c.valid_from
        || c.valid_from.year() < 2000
        || (c.valid_until - c.valid_from).num_days() > 10 * 366
    {
        return Err(Refusal::new(
            "INPUT",
            "有效期应自 2000 年以后开始，截止日期晚于起始日期，且最长 10 年",
        )
        .into());
    }
    let Some(mut officer) = OFFICERS.get(txn, &c.officer_id)? else {
        return Err(
            Refusal::new("INPUT", format!("没有编号为 {} 的执法人员", c.officer_id)).into(),
        );
    };
    if let Some(holder) = CERT_NUMBERS.get(txn, &c.number)? {
        if holder != officer.id {
            return Err(Refusal::new(
                "INPUT",
                format!("执法证号 {} 已由执法人员 {holder} 持有", c.number),
            )
            .into());
        }
    }
    if let Some(old) = &officer.certificate {
        CERT_NUMBERS.delete(txn, &old.number);
    }
    officer.certificate = Some(Certificate {
        number: c.number.clone(),
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        area: c.area.clone(),
        status: CertStatus::Valid,
        checked_years: vec![],
    });
    CERT_NUMBERS.put(txn, &c.number, &officer.id)?;
    OFFICERS.put(txn, &officer.id, &officer)?;
    Ok(CommandResult::Record {
        id: officer.id,
        flags: vec![],
    })
}

pub fn change(
    txn: &mut Txn<'_>,
    actor: &Actor,
    officer_id: u64,
    action: &CertAction,
    now: i64,
) -> Ruled {
    judicial_administration(actor)?;
    let Some(mut officer) = OFFICERS.get(txn, &officer_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {officer_id} 的执法人员")).into());
    };
    let Some(cert) = officer.certificate.as_mut() else {
        return Err(Refusal::new("PUB-2", format!("执法人员 {officer_id} 没有执法证")).into());
    };
    if matches!(cert.status, CertStatus::Revoked { .. }) {
        return Err(Refusal::new(
            "PUB-2",
            format!("执法证 {} 已注销，请重新签发执法证", cert.number),
        )
        .into());
    }
    let reason_ok = |r: &str| check_text("reason", r, 500, true);
    match action {
        CertAction::AnnualCheck { year, passed, note } => {
            check_text("note", note, 500, false)?;
            let this_year = crate::domain::calendar::days::date_of(now)
                .map(|d| d.year())
                .unwrap_or(i32::MAX);
            if *year > this_year {
                return Err(Refusal::new("INPUT", format!("{year} 年度尚未到来，不能年审")).into());
            }
            if *year < cert.valid_from.year() || *year > cert.valid_until.year() {
                return Err(Refusal::new("INPUT", format!("{year} 年不在执法证有效期内")).into());
            }
            if *passed {
                if !cert.checked_years.contains(year) {
                    cert.checked_years.push(*year);
                    cert.checked_years.sort();
                }
            } else {
                cert.status = CertStatus::Suspended {
                    reason: format!("{year} 年审未通过: {note}"),
                };
            }
        }
        CertAction::Suspend { reason } => {
            reason_ok(reason)?;
            cert.status = CertStatus::Suspended {
                reason: reason.clone(),
            };
        }
        CertAction::Reinstate => cert.status = CertStatus::Valid,
        CertAction::Revoke { reason } => {
            reason_ok(reason)?;
            cert.status = CertStatus::Revoked {
                reason: reason.clone(),
            };
        }
    }
    OFFICERS.put(txn, &officer.id, &officer)?;
    Ok(CommandResult::Record {
        id: officer.id,
        flags: vec![],
    })
}
