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
use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::ids::next_id;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::valid_region_id;
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::port::{Downlink, Downward, Upward};
use crate::domain::supervision::report::{unit_within, Unit, MAX_SECTION};

/// Most units or persons named in one notice.
pub const MAX_NAMED: usize = 200;

/// Kinds of notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDraft {
    pub kind: NoticeKind,
    pub title: String,
    pub text: String,
    pub units: Vec<Unit>,
    /// Persons named (criticism only).
    pub persons: Vec<String>,
    /// Rectification deadline.
    pub deadline: Option<NaiveDate>,
    /// The findings the notice rests on (e.g. from the qualifying list).
    pub basis: Vec<String>,
}

/// What a named unit receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDoc {
    pub issuer: String,
    pub id: u64,
    pub number: String,
    pub kind: NoticeKind,
    pub title: String,
    pub text: String,
    pub unit: Unit,
    pub persons: Vec<String>,
    pub deadline: Option<NaiveDate>,
    pub signed_by: String,
}

/// Where a named unit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stage {
    Issued,
    Delivered,
    Acknowledged,
    Rectified,
    Returned,
    Closed,
}

impl Stage {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: i64,
    pub stage: Stage,
    pub by: String,
    pub text: String,
}

/// A named unit's progress, at the issuer and at the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub doc: NoticeDoc,
    pub progress: Progress,
}

/// An answer going up to the issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub issuer: String,
    pub notice: u64,
    pub unit: Unit,
    pub stage: Stage,
    pub by: String,
    pub text: String,
}

/// Notices issued here.
pub const NOTICES: Space<u64, Notice> = Space::new(b'N');
/// Notices received by units of this region: (issuer, unit key, notice id).
pub const INBOX: Space<(String, String, u64), Inbox> = Space::new(b'M');
/// Notices with a deadline and a unit still open: id → deadline (what `Tick` looks at).
pub const OPEN_NOTICES: Space<u64, NaiveDate> = Space::new(b'U');

fn refuse<T>(rule: &str, m: impl Into<String>) -> Ruled<T> {
    Err(Refusal::new(rule, m).into())
}

fn person_with(actor: &Actor, roles: &[Role]) -> bool {
    matches!(actor, Actor::Person(p) if roles.contains(&p.role))
}

/// `DraftNotice`.
pub fn draft(txn: &mut Txn<'_>, actor: &Actor, region: &str, d: &NoticeDraft, now: i64) -> Ruled {
    if !person_with(actor, &[Role::Supervisor, Role::Inspector]) {
        return refuse(
            "SUP-2",
            format!(
                "{} may not draft a notice: a supervisor or inspector of the judicial administration does",
                actor.label()
            ),
        );
    }
    if d.title.trim().is_empty() || d.text.trim().is_empty() {
        return refuse("SUP-2", "a notice needs a title and a text");
    }
    if d.title.len() > 400 || d.text.len() > MAX_SECTION * 4 {
        return refuse("INPUT", "the title or text is too long");
    }
    if d.units.is_empty() || d.units.len() > MAX_NAMED || d.persons.len() > MAX_NAMED {
        return refuse(
            "SUP-2",
            format!("a notice names 1–{MAX_NAMED} units and at most {MAX_NAMED} persons"),
        );
    }
    if !d.persons.is_empty() && d.kind != NoticeKind::Criticism {
        return refuse("SUP-2", "persons are named only in a criticism (通报批评)");
    }
    if d.persons
        .iter()
        .chain(d.basis.iter())
        .any(|p| p.trim().is_empty() || p.len() > 400)
        || d.basis.len() > MAX_NAMED
    {
        return refuse("INPUT", "names and findings are 1–400 bytes each");
    }
    let mut seen = std::collections::BTreeSet::new();
    for u in &d.units {
        if !valid_region_id(&u.region) {
            return refuse("INPUT", format!("{:?} is not a region id", u.region));
        }
        if !unit_within(region, u) || (u.region == region && u.agency.is_none()) {
            return refuse(
                "SUP-2",
                format!(
                    "{} is not a unit below {region}: a judicial administration notices its own agencies and the regions below it",
                    u.key()
                ),
            );
        }
        if u.region == region {
            if let Some(a) = u.agency {
                if AGENCIES.get(txn, &a)?.is_none() {
                    return refuse("INPUT", format!("no agency {a} in {region}"));
                }
            }
        }
        if !seen.insert(u.key()) {
            return refuse("INPUT", format!("{} is named twice", u.key()));
        }
    }
    if let (Some(dl), Ok(today)) = (d.deadline, date_of(now)) {
        if dl < today {
            return refuse("INPUT", format!("the deadline {dl} has already passed"));
        }
    }
    let id = next_id(txn, "notice")?;
    NOTICES.put(
        txn,
        &id,
        &Notice {
            id,
            issuer: region.to_string(),
            draft: d.clone(),
            drafted_by: actor.label(),
            drafted_ms: now,
            number: None,
            signed_by: None,
            signed_ms: None,
            units: BTreeMap::new(),
        },
    )?;
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// `SignNotice`: the organ's head signs off; the number is assigned and the notice issued.
pub fn sign(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    id: u64,
    prefix: &str,
    now: i64,
    down: &mut dyn Downlink,
) -> Ruled {
    if !person_with(actor, &[Role::Head]) {
        return refuse(
            "SUP-2",
            format!(
                "{} may not sign off a notice (签发): only the organ's head does",
                actor.label()
            ),
        );
    }
    if prefix.trim().is_empty() || prefix.chars().count() > 12 {
        return refuse(
            "INPUT",
            "the document number prefix is 1–12 characters, e.g. 湘司通",
        );
    }
    let Some(mut n) = NOTICES.get(txn, &id)? else {
        return refuse("INPUT", format!("no notice {id}"));
    };
    if n.number.is_some() {
        return refuse(
            "SUP-2",
            format!(
                "notice {id} was already signed off as {}",
                n.number.clone().unwrap_or_default()
            ),
        );
    }
    if let (Some(dl), Ok(today)) = (n.draft.deadline, date_of(now)) {
        if dl < today {
            return refuse(
                "SUP-2",
                format!("the deadline {dl} passed before sign-off; draft the notice again with a new deadline"),
            );
        }
    }
    let year = date_of(now).map(|d| d.year()).unwrap_or(1970);
    let k = next_id(txn, &format!("notice-number/{prefix}/{year}"))?;
    let number = format!("{prefix}〔{year}〕{k}号");
    let by = actor.label();
    n.number = Some(number.clone());
    n.signed_by = Some(by.clone());
    n.signed_ms = Some(now);
    for u in n.draft.units.clone() {
        let mut p = Progress {
            stage: Stage::Issued,
            escalated: false,
            history: Vec::new(),
        };
        p.move_to(Stage::Issued, now, &by, &number);
        if u.region == region {
            // A unit of this region: delivered at once.
            p.move_to(Stage::Delivered, now, &by, "");
            INBOX.put(
                txn,
                &(region.to_string(), u.key(), id),
                &Inbox {
                    doc: n.doc(&u),
                    progress: p.clone(),
                },
            )?;
        } else {
            down.send(
                txn,
                region,
                &u.region,
                &by,
                Downward::IssuedNotice(Box::new(n.doc(&u))),
                now,
            )?;
        }
        n.units.insert(u.key(), p);
    }
    if let Some(dl) = n.draft.deadline {
        OPEN_NOTICES.put(txn, &id, &dl)?;
    }
    NOTICES.put(txn, &id, &n)?;
    Ok(CommandResult::Record {
        id,
        flags: vec![number],
    })
}

/// A notice arrived here over the downlink for a unit of this region.
pub fn on_delivered(txn: &mut Txn<'_>, doc: &NoticeDoc, now: i64) -> Result<(), DomainError> {
    let key = (doc.issuer.clone(), doc.unit.key(), doc.id);
    if INBOX.get(txn, &key)?.is_some() {
        return Ok(());
    }
    let mut p = Progress {
        stage: Stage::Delivered,
        escalated: false,
        history: Vec::new(),
    };
    p.move_to(Stage::Delivered, now, &doc.issuer, &doc.number);
    INBOX.put(
        txn,
        &key,
        &Inbox {
            doc: doc.clone(),
            progress: p,
        },
    )
}

/// The receipt of a notice sent down came back.
pub fn on_receipt(txn: &mut Txn<'_>, doc: &NoticeDoc, at_ms: i64) -> Result<(), DomainError> {
    let Some(mut n) = NOTICES.get(txn, &doc.id)? else {
        return Ok(());
    };
    if let Some(p) = n.units.get_mut(&doc.unit.key()) {
        if p.stage == Stage::Issued {
            p.move_to(Stage::Delivered, at_ms, &doc.unit.region, "");
            NOTICES.put(txn, &doc.id, &n)?;
        }
    }
    Ok(())
}

/// What a unit answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Acknowledge,
    Rectification { text: String },
}

/// `AnswerNotice`: a person of the unit's region acknowledges, or submits the rectification.
#[allow(clippy::too_many_arguments)]
pub fn answer(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    issuer: &str,
    id: u64,
    unit: &Unit,
    reply: &Reply,
    now: i64,
    up: &mut Vec<Upward>,
) -> Ruled {
    if !person_with(actor, &[Role::Clerk, Role::Head, Role::Supervisor]) {
        return refuse(
            "SUP-2",
            format!(
                "{} may not answer a notice: a clerk, supervisor or head of the unit does",
                actor.label()
            ),
        );
    }
    let key = (issuer.to_string(), unit.key(), id);
    let Some(mut inbox) = INBOX.get(txn, &key)? else {
        return refuse(
            "INPUT",
            format!(
                "no notice {id} of {issuer} for {} has arrived here",
                unit.key()
            ),
        );
    };
    let (stage, text) = match reply {
        Reply::Acknowledge => {
            if inbox.progress.stage != Stage::Delivered {
                return refuse(
                    "SUP-2",
                    format!(
                        "notice {} is {}; it is acknowledged once, on delivery",
                        inbox.doc.number,
                        inbox.progress.stage.as_str()
                    ),
                );
            }
            (Stage::Acknowledged, String::new())
        }
        Reply::Rectification { text } => {
            if !inbox.doc.kind.wants_rectification() {
                return refuse(
                    "SUP-2",
                    format!("a {} asks for no rectification", inbox.doc.kind.label()),
                );
            }
            if !matches!(inbox.progress.stage, Stage::Acknowledged | Stage::Returned) {
                return refuse(
                    "SUP-2",
                    format!(
                        "notice {} is {}; a rectification follows the acknowledgement or a return",
                        inbox.doc.number,
                        inbox.progress.stage.as_str()
                    ),
                );
            }
            if text.trim().is_empty() || text.len() > MAX_SECTION {
                return refuse(
                    "INPUT",
                    format!("a rectification report is 1–{MAX_SECTION} bytes"),
                );
            }
            (Stage::Rectified, text.clone())
        }
    };
    let by = actor.label();
    inbox.progress.move_to(stage, now, &by, &text);
    INBOX.put(txn, &key, &inbox)?;
    let a = Answer {
        issuer: issuer.to_string(),
        notice: id,
        unit: unit.clone(),
        stage,
        by,
        text,
    };
    if issuer == region {
        on_answer(txn, region, region, &a, now)?;
    } else {
        up.push(Upward::NoticeAnswer(Box::new(a)));
    }
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// An answer arrived (from below, proven, or from a unit of this region).
pub fn on_answer(
    txn: &mut Txn<'_>,
    region: &str,
    origin: &str,
    a: &Answer,
    at_ms: i64,
) -> Result<(), DomainError> {
    // A region answers only for its own units, and only the issuer records the answer.
    if a.issuer != region || a.unit.region != origin {
        return Ok(());
    }
    let Some(mut n) = NOTICES.get(txn, &a.notice)? else {
        return Ok(());
    };
    if let Some(p) = n.units.get_mut(&a.unit.key()) {
        let moves = matches!(
            (p.stage, a.stage),
            (Stage::Issued | Stage::Delivered, Stage::Acknowledged)
                | (
                    Stage::Issued | Stage::Delivered | Stage::Acknowledged | Stage::Returned,
                    Stage::Rectified
                )
        );
        if moves {
            p.move_to(a.stage, at_ms, &a.by, &a.text);
            NOTICES.put(txn, &a.notice, &n)?;
        }
    }
    Ok(())
}

/// `JudgeNotice`: the issuer closes a unit's notice or returns its rectification.
#[allow(clippy::too_many_arguments)]
pub fn judge(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    id: u64,
    unit: &Unit,
    close: bool,
    reasons: &str,
    now: i64,
    down: &mut dyn Downlink,
) -> Ruled {
    if !person_with(actor, &[Role::Supervisor, Role::Inspector, Role::Head]) {
        return refuse(
            "SUP-2",
            format!(
                "{} may not close or return a notice: a supervisor, inspector or head does",
                actor.label()
            ),
        );
    }
    if !valid_region_id(&unit.region) {
        return refuse("INPUT", format!("{:?} is not a region id", unit.region));
    }
    if !close && reasons.trim().is_empty() {
        return refuse(
            "SUP-2",
            "a return states why the rectification is insufficient",
        );
    }
    if reasons.len() > MAX_SECTION {
        return refuse("INPUT", "the reasons are too long");
    }
    let Some(mut n) = NOTICES.get(txn, &id)? else {
        return refuse("INPUT", format!("no notice {id}"));
    };
    let kind = n.draft.kind;
    if !close && !kind.wants_rectification() {
        return refuse(
            "SUP-2",
            format!(
                "a {} asks for no rectification: there is nothing to return, only to close",
                kind.label()
            ),
        );
    }
    let Some(p) = n.units.get_mut(&unit.key()) else {
        return refuse("INPUT", format!("notice {id} does not name {}", unit.key()));
    };
    let ready = if kind.wants_rectification() {
        p.stage == Stage::Rectified
    } else {
        p.stage == Stage::Acknowledged
    };
    if !ready {
        return refuse(
            "SUP-2",
            format!(
                "{} is {} on notice {id}; it is closed or returned once its answer is in",
                unit.key(),
                p.stage.as_str()
            ),
        );
    }
    let stage = if close {
        Stage::Closed
    } else {
        Stage::Returned
    };
    let by = actor.label();
    p.move_to(stage, now, &by, reasons);
    if n.units.values().all(|p| p.stage == Stage::Closed) {
        OPEN_NOTICES.delete(txn, &id);
    }
    NOTICES.put(txn, &id, &n)?;
    let judged = NoticeJudged {
        issuer: region.to_string(),
        notice: id,
        unit: unit.clone(),
        stage,
        by: by.clone(),
        reasons: reasons.to_string(),
    };
    if unit.region == region {
        on_judged(txn, &judged, now)?;
    } else {
        down.send(
            txn,
            region,
            &unit.region,
            &by,
            Downward::NoticeJudged(Box::new(judged)),
            now,
        )?;
    }
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// The issuer's decision on a unit's answer, travelling down to the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeJudged {
    pub issuer: String,
    pub notice: u64,
    pub unit: Unit,
    pub stage: Stage,
    pub by: String,
    pub reasons: String,
}

/// The issuer's decision arrived at the unit's region.
pub fn on_judged(txn: &mut Txn<'_>, j: &NoticeJudged, now: i64) -> Result<(), DomainError> {
    let key = (j.issuer.clone(), j.unit.key(), j.notice);
    if let Some(mut inbox) = INBOX.get(txn, &key)? {
        inbox.progress.move_to(j.stage, now, &j.by, &j.reasons);
        INBOX.put(txn, &key, &inbox)?;
    }
    Ok(())
}

/// On `Tick`: every unit still open past its notice's deadline is escalated (once).
pub fn escalate(txn: &mut Txn<'_>, now: i64) -> Result<u64, DomainError> {
    let Ok(today) = date_of(now) else {
        return Ok(0);
    };
    let base = txn.base();
    let mut due = Vec::new();
    for k in OPEN_NOTICES.keys(base) {
        let Some(id) = k
            .get(1..9)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
        else {
            continue;
        };
        if let Some(dl) = OPEN_NOTICES.read(base, &id)? {
            if dl < today {
                due.push(id);
            }
        }
    }
    let mut n_escalated = 0;
    for id in due {
        if let Some(mut n) = NOTICES.get(txn, &id)? {
            for p in n.units.values_mut() {
                if p.stage != Stage::Closed && !p.escalated {
                    p.escalated = true;
                    let stage = p.stage;
                    p.history.push(Event {
                        at_ms: now,
                        stage,
                        by: String::new(),
                        text: "逾期未办结，已督办升级 escalated".into(),
                    });
                    n_escalated += 1;
                }
            }
            NOTICES.put(txn, &id, &n)?;
        }
        OPEN_NOTICES.delete(txn, &id);
    }
    Ok(n_escalated)
}
