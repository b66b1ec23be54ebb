//! Circulated notices (通报) and rectification orders (SUP-2, SUP-9; DOMAIN "Circulated notice").
//!
//! A supervisor or inspector drafts; the organ's head signs off (签发), which assigns the
//! document number (文号) and issues the notice to every named unit. A unit in this region gets
//! it at once; a unit below gets it over the downlink, hop by hop, and its delivery receipt
//! comes back up. The unit acknowledges and, where the notice asks for it, submits its
//! rectification; each answer goes up as an item to the issuer, which closes or returns it.
//! A `Tick` past the rectification deadline escalates every unit still open.
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::ids::next_id;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::valid_region_id;
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::report::{unit_within, Unit, MAX_SECTION};

mod answer;
mod issue;
pub use self::answer::*;
pub use self::issue::*;

/// Most units or persons named in one notice.
pub const MAX_NAMED: usize = 200;

/// Kinds of notice.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum NoticeKind {
    /// 通报批评
    Criticism,
    /// 通报表扬
    Commendation,
    /// 情况通报
    Situation,
    /// 整改通知: an order to rectify.
    Rectification,
    /// 督办通知: an order to handle a matter.
    Handling,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::Criticism,
        NoticeKind::Commendation,
        NoticeKind::Situation,
        NoticeKind::Rectification,
        NoticeKind::Handling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Criticism => "criticism",
            NoticeKind::Commendation => "commendation",
            NoticeKind::Situation => "situation",
            NoticeKind::Rectification => "rectification",
            NoticeKind::Handling => "handling",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Criticism => "通报批评",
            NoticeKind::Commendation => "通报表扬",
            NoticeKind::Situation => "情况通报",
            NoticeKind::Rectification => "整改通知",
            NoticeKind::Handling => "督办通知",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether units answer with a rectification (otherwise an acknowledgement closes it).
    pub fn wants_rectification(self) -> bool {
        matches!(
            self,
            NoticeKind::Criticism | NoticeKind::Rectification | NoticeKind::Handling
        )
    }
}

/// What a supervisor drafts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NoticeDraft {
    /// The kind of notice; criticism, rectification and handling notices ask for a rectification.
    pub kind: NoticeKind,
    /// The title: required, at most 400 bytes.
    pub title: String,
    /// The text: required, at most 64 KiB (bytes).
    pub text: String,
    /// The units named, 1–200, each once: an agency of this region, or a region below or one of its
    /// agencies (SUP-2).
    pub units: Vec<Unit>,
    /// Persons named (criticism only).
    pub persons: Vec<String>,
    /// Rectification deadline.
    pub deadline: Option<NaiveDate>,
    /// The findings the notice rests on (e.g. from the qualifying list).
    pub basis: Vec<String>,
}

/// What a named unit receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NoticeDoc {
    /// Region id of the issuing region.
    pub issuer: String,
    /// The issuer's id of the notice.
    pub id: u64,
    /// Document number (文号) assigned at sign-off.
    pub number: String,
    /// The kind of notice.
    pub kind: NoticeKind,
    /// The title.
    pub title: String,
    /// The text.
    pub text: String,
    /// The named unit this copy is for.
    pub unit: Unit,
    /// Persons named (criticism only).
    pub persons: Vec<String>,
    pub deadline: Option<NaiveDate>,
    /// Who signed it off (签发).
    pub signed_by: String,
}

/// Where a named unit stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Stage {
    /// Signed off and issued (已签发), on its way to the unit.
    Issued,
    /// Delivered to the unit (已送达).
    Delivered,
    /// Acknowledged by the unit (已签收).
    Acknowledged,
    /// The unit submitted its rectification (已报送整改).
    Rectified,
    /// The issuer returned the rectification (整改退回); the unit submits again.
    Returned,
    /// Closed by the issuer (已办结).
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Issued,
        Stage::Delivered,
        Stage::Acknowledged,
        Stage::Rectified,
        Stage::Returned,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Issued => "issued",
            Stage::Delivered => "delivered",
            Stage::Acknowledged => "acknowledged",
            Stage::Rectified => "rectification_submitted",
            Stage::Returned => "returned",
            Stage::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Issued => "已签发",
            Stage::Delivered => "已送达",
            Stage::Acknowledged => "已签收",
            Stage::Rectified => "已报送整改",
            Stage::Returned => "整改退回",
            Stage::Closed => "已办结",
        }
    }
}

/// One event in a unit's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Event {
    pub at_ms: i64,
    pub stage: Stage,
    pub by: String,
    pub text: String,
}

/// A named unit's progress, at the issuer and at the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Progress {
    pub stage: Stage,
    pub escalated: bool,
    pub history: Vec<Event>,
}

impl Progress {
    fn move_to(&mut self, stage: Stage, at_ms: i64, by: &str, text: &str) {
        self.stage = stage;
        self.history.push(Event {
            at_ms,
            stage,
            by: by.to_string(),
            text: text.to_string(),
        });
    }
}

/// A notice issued by this region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Notice {
    pub id: u64,
    pub issuer: String,
    pub draft: NoticeDraft,
    pub drafted_by: String,
    pub drafted_ms: i64,
    pub number: Option<String>,
    pub signed_by: Option<String>,
    pub signed_ms: Option<i64>,
    /// By unit key.
    pub units: BTreeMap<String, Progress>,
}

impl Notice {
    pub fn doc(&self, unit: &Unit) -> NoticeDoc {
        NoticeDoc {
            issuer: self.issuer.clone(),
            id: self.id,
            number: self.number.clone().unwrap_or_default(),
            kind: self.draft.kind,
            title: self.draft.title.clone(),
            text: self.draft.text.clone(),
            unit: unit.clone(),
            persons: self.draft.persons.clone(),
            deadline: self.draft.deadline,
            signed_by: self.signed_by.clone().unwrap_or_default(),
        }
    }
}

/// A notice received by a unit of this region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inbox {
    pub doc: NoticeDoc,
    pub progress: Progress,
}

/// An answer going up to the issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Answer {
    pub issuer: String,
    pub notice: u64,
    pub unit: Unit,
    pub stage: Stage,
    pub by: String,
    pub text: String,
}

/// Notices issued here.
pub const NOTICES: Space<u64, Notice> = Space::new(prefix::NOTICES);

/// Notices received by units of this region: (issuer, unit key, notice id).
pub const INBOX: Space<(String, String, u64), Inbox> = Space::new(prefix::INBOX);

/// Notices with a deadline and a unit still open: id → deadline (what `Tick` looks at).
pub const OPEN_NOTICES: Space<u64, NaiveDate> = Space::new(prefix::OPEN_NOTICES);

fn refuse<T>(rule: &str, m: impl Into<String>) -> Ruled<T> {
    Err(Refusal::new(rule, m).into())
}

/// A person of this region's judicial bureau with one of `roles`: notices are the bureau's
/// instrument, never an agency's.
fn of_bureau(actor: &Actor, roles: &[Role]) -> bool {
    actor.of_bureau(roles)
}

/// The organ a unit is: the region's bureau, or one of its agencies.
pub fn organ_of(unit: &Unit) -> Organ {
    match unit.agency {
        Some(a) => Organ::Agency(a),
        None => Organ::Bureau,
    }
}
