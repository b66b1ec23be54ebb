//! Enforcement agencies (行政执法机关), the first public list of PUB-1.
use serde::{Deserialize, Serialize};

use crate::domain::core::refusal::Refusal;

/// Kinds of enforcement power an agency holds (REQUIREMENTS glossary).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum PowerKind {
    /// Administrative licensing (行政许可): a case is an application, decided with a licence
    /// outcome; published within 7 working days unless set otherwise (PUB-3).
    Licensing,
    /// Administrative penalty (行政处罚): the only kind with the summary procedure (LAW-1) and
    /// the decision time limit (LAW-3); published within 7 working days unless set (PUB-3).
    Penalty,
    /// Administrative coercion (行政强制); major from 50,000 yuan under the default catalog (REV-2).
    Coercion,
    /// Administrative inspection (行政检查).
    Inspection,
    /// Administrative expropriation and requisition (行政征收征用); always major under the
    /// default catalog (REV-2).
    Expropriation,
    /// Administrative fees (行政收费).
    Fee,
    /// Administrative confirmation (行政确认).
    Confirmation,
    /// Administrative benefits (行政给付).
    Benefit,
    /// Administrative adjudication (行政裁决).
    Adjudication,
    /// Administrative awards (行政奖励).
    Award,
    /// Any other kind of enforcement power (其他).
    Other,
}

impl PowerKind {
    pub const ALL: [PowerKind; 11] = [
        PowerKind::Licensing,
        PowerKind::Penalty,
        PowerKind::Coercion,
        PowerKind::Inspection,
        PowerKind::Expropriation,
        PowerKind::Fee,
        PowerKind::Confirmation,
        PowerKind::Benefit,
        PowerKind::Adjudication,
        PowerKind::Award,
        PowerKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PowerKind::Licensing => "licensing",
            PowerKind::Penalty => "penalty",
            PowerKind::Coercion => "coercion",
            PowerKind::Inspection => "inspection",
            PowerKind::Expropriation => "expropriation",
            PowerKind::Fee => "fee",
            PowerKind::Confirmation => "confirmation",
            PowerKind::Benefit => "benefit",
            PowerKind::Adjudication => "adjudication",
            PowerKind::Award => "award",
            PowerKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<PowerKind> {
        PowerKind::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What a client submits for an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AgencyInput {
    /// The agency's name, e.g. 浏阳市市场监督管理局: 1–100 characters, unique in the region.
    /// Like every text field here, without leading or trailing spaces.
    pub name: String,
    /// The kinds of enforcement power it holds (its powers list, PUB-1): at least one, each once.
    pub powers: Vec<PowerKind>,
    /// The legal basis of its powers (PUB-1): 1–4,000 characters.
    pub legal_basis: String,
    /// Its enforcement domain (sector), e.g. 市场监管: 1–100 characters.
    pub domain: String,
    /// Public contact (phone, address of the office): at most 200 characters, may be empty.
    pub contact: String,
}

/// A registered agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Agency {
    pub id: u64,
    pub name: String,
    pub powers: Vec<PowerKind>,
    pub legal_basis: String,
    pub domain: String,
    pub contact: String,
    pub version: u64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub created_by: String,
    /// Closed or merged into another agency: from this day it is no longer expected to report.
    pub closed: Option<Closure>,
}

/// An agency's closure (撤销) or merger (合并).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Closure {
    pub on: chrono::NaiveDate,
    pub merged_into: Option<u64>,
    pub by: String,
}

/// Limits on agency fields, in characters.
pub const MAX_NAME: usize = 100;

pub const MAX_LEGAL_BASIS: usize = 4000;

pub const MAX_DOMAIN: usize = 100;

pub const MAX_CONTACT: usize = 200;

fn check_text(field: &str, v: &str, max: usize, required: bool) -> Result<(), Refusal> {
    super::text::check_text(field, v, max, required)?;
    if v != v.trim() {
        return Err(Refusal::new("INPUT", format!("{field} 的开头或结尾有空格")));
    }
    Ok(())
}

impl AgencyInput {
    /// Checks every field; the first problem is refused with its field named.
    pub fn validate(&self) -> Result<(), Refusal> {
        check_text("name", &self.name, MAX_NAME, true)?;
        check_text("legal_basis", &self.legal_basis, MAX_LEGAL_BASIS, true)?;
        check_text("domain", &self.domain, MAX_DOMAIN, true)?;
        check_text("contact", &self.contact, MAX_CONTACT, false)?;
        if self.powers.is_empty() {
            return Err(Refusal::new(
                "INPUT",
                "执法职权（powers）：至少列明一种执法职权",
            ));
        }
        let mut sorted = self.powers.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.powers.len() {
            return Err(Refusal::new(
                "INPUT",
                "执法职权（powers）：同一种职权列了两次",
            ));
        }
        Ok(())
    }
}
