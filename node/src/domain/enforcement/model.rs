//! Records of the three systems kept by a region: officers and their enforcement certificates
//! (PUB-2), cases (案件), whole-process record steps (REC-1, REC-2), legal reviews (REV-*) and
//! decisions. Commands are one per file (`cmd_*.rs`); this module holds the types, key spaces and
//! the shared checks every step uses.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::keys::prefix;
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Refusal;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::state::{DomainError, Space, Txn};

/// What an officer may do in an agency.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Duty {
    /// Enforcement officer (执法人员).
    Enforcement,
    /// Legal reviewer (法制审核人员).
    Reviewer,
    /// Head of the agency (负责人).
    Head,
}

/// Status of an enforcement certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CertStatus {
    Valid,
    Suspended { reason: String },
    Revoked { reason: String },
}

/// An enforcement certificate (执法证), issued and checked yearly by the judicial administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Certificate {
    pub number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Enforcement area (执法区域/领域).
    pub area: String,
    pub status: CertStatus,
    /// Years whose annual check (年审) passed.
    pub checked_years: Vec<i32>,
}

/// An officer of an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Officer {
    pub id: u64,
    pub agency_id: u64,
    pub name: String,
    /// The user name of the officer's person certificate (`sanxiang pki issue --name`), which
    /// links a signed-in person to this officer.
    pub user: String,
    pub duties: Vec<Duty>,
    /// Holds the national legal professional qualification (REV-6).
    pub legal_qualification: bool,
    pub certificate: Option<Certificate>,
}

impl Officer {
    /// PUB-2: may this officer act on `date`? Returns the refusal naming why not: no
    /// certificate, suspended, revoked, out of validity, or the annual check of the previous
    /// year missing past the deadline `law` sets.
    pub fn check_may_act(
        &self,
        date: NaiveDate,
        law: &crate::domain::enforcement::law::LawSettings,
    ) -> Result<(), Refusal> {
        let Some(c) = &self.certificate else {
            return Err(Refusal::new(
                "PUB-2",
                format!("执法人员 {}（{}）没有执法证", self.id, self.name),
            ));
        };
        match &c.status {
            CertStatus::Valid => {}
            CertStatus::Suspended { reason } => {
                return Err(Refusal::new(
                    "PUB-2",
                    format!(
                        "执法证 {}（执法人员 {}）已被暂扣：{reason}",
                        c.number, self.name
                    ),
                ))
            }
            CertStatus::Revoked { reason } => {
                return Err(Refusal::new(
                    "PUB-2",
                    format!(
                        "执法证 {}（执法人员 {}）已被注销：{reason}",
                        c.number, self.name
                    ),
                ))
            }
        }
        if date < c.valid_from || date > c.valid_until {
            return Err(Refusal::new(
                "PUB-2",
                format!(
                    "执法证 {}（执法人员 {}）的有效期为 {}–{}，{date} 不在有效期内",
                    c.number, self.name, c.valid_from, c.valid_until
                ),
            ));
        }
        if crate::domain::enforcement::law::misses_annual_check(law, c, date) {
            let by = law
                .annual_check_deadline(chrono::Datelike::year(&date))
                .map(|d| d.to_string())
                .unwrap_or_default();
            return Err(Refusal::new(
                "PUB-2",
                format!(
                    "执法人员 {}（{}）的执法证 {} 未通过 {} 年度年审（截止 {by}），暂不得执法",
                    self.id,
                    self.name,
                    c.number,
                    chrono::Datelike::year(&date) - 1
                ),
            ));
        }
        Ok(())
    }
}

/// Case procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Procedure {
    /// 简易程序 (LAW-1).
    Summary,
    /// 一般程序.
    General,
}

/// Natural or legal person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum PartyKind {
    /// A natural person (自然人); summary procedure up to 200 yuan by default (LAW-1).
    Natural,
    /// A legal person or other organisation (法人或其他组织); summary procedure up to 3,000 yuan (LAW-1).
    Legal,
}

/// The party of a case. ID number, phone and address are private (REC-4, PUB-4); a legal
/// person's unified social credit code is public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Party {
    /// Natural or legal person; a natural person has no credit code.
    pub kind: PartyKind,
    /// The party's name: 1–100 characters.
    pub name: String,
    /// Resident ID number (居民身份证号码), checked when given; private (REC-4, PUB-4).
    pub id_number: String,
    /// Phone number, at most 30 characters; private (REC-4, PUB-4).
    pub phone: String,
    /// Address, at most 200 characters; private (REC-4, PUB-4).
    pub address: String,
    /// Unified social credit code (统一社会信用代码), checked when given; public (PUB-4).
    pub credit_code: String,
}

/// Facts that make a decision major whatever the amount (REV-2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MajorFlags {
    /// Major public interest or social risk: the decision is major (REV-2).
    pub public_interest_or_social_risk: bool,
    /// Major rights of the party: major (REV-2); a penalty goes to the heads (LAW-5).
    pub major_rights: bool,
    /// Complex or several legal relations: major (REV-2); a penalty goes to the heads (LAW-5).
    pub complex_legal_relations: bool,
    /// A law requires the legal review: the decision is major (REV-2).
    pub law_requires_review: bool,
}

impl MajorFlags {
    pub fn any(&self) -> bool {
        self.public_interest_or_social_risk
            || self.major_rights
            || self.complex_legal_relations
            || self.law_requires_review
    }
}

/// Case states (DOMAIN.md "Case"), derived from its steps and reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CaseState {
    Opened,
    Investigating,
    InReview,
    /// The last review approved; a decision may be made.
    Approved,
    Returned,
    Decided,
    Transferred,
    /// The decision was served on the party (LAW-4).
    Served,
    /// The decision was carried out: paid, enforced, or the court applied to.
    Executed,
    /// The file is closed: nothing is recorded after but a correction of an earlier step.
    Archived,
    /// Closed without a decision, with the reason (e.g. no violation found).
    Closed,
}

impl CaseState {
    /// The state in Chinese.
    pub fn label(self) -> &'static str {
        use CaseState as S;
        match self {
            S::Opened => "已立案",
            S::Investigating => "调查中",
            S::InReview => "法制审核中",
            S::Approved => "审核通过",
            S::Returned => "已退回",
            S::Decided => "已决定",
            S::Transferred => "已移送",
            S::Served => "已送达",
            S::Executed => "已执行",
            S::Archived => "已归档",
            S::Closed => "不予处理结案",
        }
    }

    /// The case's work has ended: no decision can be made, only archiving remains.
    pub fn ended(self) -> bool {
        matches!(
            self,
            CaseState::Transferred | CaseState::Closed | CaseState::Archived
        )
    }
}

/// A case (for licensing: an application).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Case {
    pub id: u64,
    pub agency_id: u64,
    pub kind: PowerKind,
    pub procedure: Procedure,
    pub party: Party,
    pub summary: String,
    /// Handling officers.
    pub handlers: Vec<u64>,
    /// Amount involved or fine proposed, in fen (分).
    pub amount_fen: u64,
    pub flags: MajorFlags,
    pub hearing_held: bool,
    pub state: CaseState,
    /// The catalog's answer at submission for review (REV-2), kept with the case.
    pub major: Option<bool>,
    /// The catalog rule in force at that submission, kept with the case.
    pub catalog_rule: Option<CatalogRule>,
    pub steps: Vec<u64>,
    pub reviews: Vec<Review>,
    pub decision: Option<Decision>,
    pub opened_at_ms: i64,
    pub opened_by: String,
    /// When the decision was first published (PUB-3).
    pub published_at_ms: Option<i64>,
    /// Time limits passed while the obligation was open (REV-8, PUB-3, LAW-3, LAW-4).
    pub overdue: Vec<String>,
    /// Reconsideration and litigation outcomes (SUP-7).
    pub legal_outcomes: Vec<LegalOutcome>,
    /// Consultations held after the reviewer disagreed (REV-1).
    pub consultations: Vec<Consultation>,
    /// LAW-3: the decision time limit as extended with the head's approval.
    pub decision_due: Option<NaiveDate>,
}

/// A consultation between the handlers and the legal reviewer after a disagreement (协商).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Consultation {
    pub participants: Vec<String>,
    pub on: NaiveDate,
    pub result: String,
    pub recorded_at_ms: i64,
    pub recorded_by: String,
}

/// The heads' collective decision (集体讨论决定): who was present and what they resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Collective {
    /// Officer ids of the heads present.
    pub heads_present: Vec<u64>,
    /// What the heads resolved: 1–2,000 characters.
    pub result: String,
    /// The minutes of the discussion (会议纪要): 1–20,000 characters.
    pub minutes: String,
}

/// Kinds of process step (REC-1, REC-2).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum StepKind {
    /// Initiation (立案).
    Initiation,
    /// Investigation (调查): two officers at least (LAW-2).
    Investigation,
    /// Inspection (检查): two officers at least (LAW-2); audio-video expected by default (REC-2).
    Inspection,
    /// Evidence collection (取证): two officers at least (LAW-2); audio-video expected by default.
    EvidenceCollection,
    /// On-site enforcement (现场执法): audio-video expected by default (REC-2).
    OnSite,
    /// Seizure or detention of property (查封、扣押).
    Seizure,
    /// Acts touching personal freedom (限制人身自由).
    RestrictionOfFreedom,
    /// Forced demolition (强制拆除): audio-video required by default (REC-2).
    ForcedDemolition,
    /// Telling the party the reasons, basis and its rights (告知); a penalty's decision needs it.
    RightsNotice,
    /// Hearing (听证): the decision becomes major (REV-2); after a review the case is returned.
    Hearing,
    /// Service (送达); once the case is decided, with `detail.service` it serves the decision.
    Service,
    /// Execution (执行); once the case is decided, with `detail.execution`, after the service.
    Execution,
    /// Archiving (归档) of a served, executed, closed or transferred case; only corrections after.
    Archiving,
    /// Any other act (其他).
    Other,
    /// Closing the case without a decision, with its reason.
    Closure,
}

/// How a decision was served (送达方式, LAW-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ServiceMode {
    /// 直接送达
    Direct,
    /// 留置送达
    LeftAtResidence,
    /// 邮寄送达
    Post,
    /// 公告送达
    PublicNotice,
    /// 电子送达
    Electronic,
}

/// How a decision was carried out (执行).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ExecutionMode {
    /// 当事人自觉履行（缴纳罚款）
    Paid,
    /// 行政机关强制执行
    Enforced,
    /// 申请人民法院强制执行
    CourtApplication,
}

/// What a step of the end of the case records besides its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum StepDetail {
    /// Service of the decision (送达): `mode` is how it was served (LAW-4).
    Service { mode: ServiceMode },
    /// Execution of the decision (执行): `mode` is how it was carried out.
    Execution { mode: ExecutionMode },
    /// Closing without a decision (不予处理结案): `reason` says why, 1–500 characters.
    Closure { reason: String },
}

impl StepKind {
    /// The kind of step in Chinese.
    pub fn label(self) -> &'static str {
        use StepKind as K;
        match self {
            K::Initiation => "立案",
            K::Investigation => "调查",
            K::Inspection => "检查",
            K::EvidenceCollection => "取证",
            K::OnSite => "现场执法",
            K::Seizure => "查封扣押",
            K::RestrictionOfFreedom => "限制人身自由",
            K::ForcedDemolition => "强制拆除",
            K::RightsNotice => "告知",
            K::Hearing => "听证",
            K::Service => "送达",
            K::Execution => "执行",
            K::Archiving => "归档",
            K::Other => "其他",
            K::Closure => "不予处理结案",
        }
    }

    /// REC-2 defaults from the seeds: audio-video required.
    pub fn av_required(self) -> bool {
        matches!(
            self,
            StepKind::Seizure | StepKind::RestrictionOfFreedom | StepKind::ForcedDemolition
        )
    }

    /// REC-2 defaults: audio-video expected (missing is flagged, not refused).
    pub fn av_expected(self) -> bool {
        matches!(
            self,
            StepKind::OnSite
                | StepKind::Inspection
                | StepKind::EvidenceCollection
                | StepKind::Hearing
                | StepKind::Service
        )
    }

    /// LAW-2: two officers at least.
    pub fn needs_two_officers(self) -> bool {
        matches!(
            self,
            StepKind::Investigation
                | StepKind::Inspection
                | StepKind::EvidenceCollection
                | StepKind::Seizure
        )
    }
}

/// Reference to an attachment stored outside the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Attachment {
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Size in bytes: 1 byte to 1 TiB.
    pub size: u64,
    /// Media type, e.g. video/mp4: 1–100 characters.
    pub media_type: String,
}

/// Why audio-video is missing where required, approved by the head (REC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AvExemption {
    /// Why audio-video is missing, e.g. a device failure: 1–500 characters.
    pub reason: String,
    /// Officer id of the head who approved.
    pub approved_by: u64,
}

/// One recorded step; append-only (a correction is a new step pointing at the old).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    pub id: u64,
    pub case_id: u64,
    pub kind: StepKind,
    pub officers: Vec<u64>,
    pub at_ms: i64,
    pub place: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub audio_video: bool,
    pub exemption: Option<AvExemption>,
    pub corrects: Option<u64>,
    /// Service mode, execution mode or closure reason, for those steps.
    pub detail: Option<StepDetail>,
    /// Flags raised (e.g. "REC-2：应当音像记录但未记录").
    pub flags: Vec<String>,
    pub recorded_at_ms: i64,
    pub recorded_by: String,
}

/// Review opinion (REV-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Opinion {
    /// Approve (同意): every REV-3 point satisfied; the case may be decided.
    Approve,
    /// Modify (变更): the case is returned to be revised and resubmitted.
    Modify,
    /// Correct (纠正): the case is returned to be corrected and resubmitted.
    Correct,
    /// Supplement (补充材料): the case is returned for more materials.
    Supplement,
    /// Transfer (移送), e.g. a suspected crime: the case is transferred; only its archiving follows.
    Transfer,
}

/// One round of legal review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Review {
    pub submitted_at_ms: i64,
    pub submitted_by: String,
    pub materials: String,
    /// The amount involved or proposed when submitted, fen: what the review saw.
    pub proposed_fen: u64,
    pub reviewer: Option<u64>,
    /// The ten REV-3 points, in order.
    pub checklist: Option<[bool; 10]>,
    pub opinion: Option<Opinion>,
    pub reasons: String,
    pub decided_at_ms: Option<i64>,
    /// Opinions of legal advisers, public-sector lawyers or experts consulted (REV-5).
    pub expert_opinions: Vec<String>,
}

/// Outcome of administrative reconsideration or litigation (SUP-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Forum {
    /// Administrative reconsideration (行政复议) by the reconsideration organ (复议机关).
    Reconsideration,
    /// Administrative litigation (行政诉讼) in a people's court (人民法院).
    Litigation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum LegalResult {
    /// The decision was upheld (维持).
    Upheld,
    /// Changed (变更): counts against the correction rate (SUP-7); its publication must be withdrawn.
    Changed,
    /// Revoked (撤销): counts against the correction rate (SUP-7); its publication must be withdrawn.
    Revoked,
    /// Found unlawful (确认违法): counts against the correction rate; publication must be withdrawn.
    FoundUnlawful,
}

impl LegalResult {
    /// Counts against the correction rate (被纠错率).
    pub fn corrects(self) -> bool {
        !matches!(self, LegalResult::Upheld)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LegalOutcome {
    pub forum: Forum,
    pub result: LegalResult,
    pub on: NaiveDate,
    /// The document number of the reconsideration decision or judgment.
    pub reference: String,
    /// The organ that decided: the reconsideration organ or the court (复议机关 / 人民法院).
    pub deciding_organ: String,
}

/// An agency's audio-video item list (REC-2), replacing the seeds' defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AvList {
    /// Id of the agency (set by its own head).
    pub agency_id: u64,
    /// Step kinds whose audio-video is required: missing, refused unless exempted (REC-2).
    pub required: Vec<StepKind>,
    /// Step kinds whose audio-video is expected: missing, flagged; none of them also required.
    pub expected: Vec<StepKind>,
}

pub const AV_LISTS: Space<u64, AvList> = Space::new(prefix::AV_LISTS);

/// Per agency: the legal review comes before the rights notice (market regulation's order).
/// Default: the party is notified of its rights first, then the case goes to review.
pub const REVIEW_BEFORE_RIGHTS_NOTICE: Space<u64, bool> =
    Space::new(prefix::REVIEW_BEFORE_RIGHTS_NOTICE);

/// Whether a case has a step of this kind.
pub fn has_step(txn: &Txn<'_>, case: &Case, kind: StepKind) -> Result<bool, DomainError> {
    for s in &case.steps {
        if STEPS.get(txn, s)?.is_some_and(|st| st.kind == kind) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The decision (REV-1, REC-6, REV-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Decision {
    pub decided_by: Vec<u64>,
    /// 文号, unique per agency.
    pub document_number: String,
    /// For a penalty: what was imposed (art. 9).
    pub penalties: Vec<crate::domain::enforcement::sanction::Penalty>,
    /// For licensing: granted, refused or partly.
    pub licence: Option<crate::domain::enforcement::sanction::LicenceOutcome>,
    /// Fines and confiscations decided, fen.
    pub amount_fen: u64,
    pub text: String,
    pub reasons_evidence: String,
    pub reasons_basis: String,
    pub reasons_discretion: String,
    pub collective: Option<Collective>,
    pub decided_at_ms: i64,
    /// Publication deadline (PUB-3): decision day + 7 or 20 working days, day itself not counted.
    pub publish_by: NaiveDate,
}

pub const OFFICERS: Space<u64, Officer> = Space::new(prefix::OFFICERS);

pub const CERT_NUMBERS: Space<str, u64> = Space::new(prefix::CERT_NUMBERS);

pub const CASES: Space<u64, Case> = Space::new(prefix::CASES);

pub const STEPS: Space<u64, Step> = Space::new(prefix::STEPS);

/// The judicial administration (not the agency) issues and checks certificates (PUB-2): a
/// supervisor or the head of the region's judicial bureau.
pub fn judicial_administration(actor: &Actor) -> Result<(), Refusal> {
    if actor.of_bureau(&[Role::Supervisor, Role::Head]) {
        return Ok(());
    }
    Err(Refusal::new(
        "PUB-2",
        format!(
            "{} 无权管理执法证件：执法证由司法行政机关（司法局的监督人员或负责人）签发、年审、暂扣和注销",
            actor.label()
        ),
    ))
}

/// The officer record of the signed-in person, who must act for the officers' agency and be
/// among `officers` (the actor is one of the acting officers; nobody acts in another's name).
pub fn acting_officer(actor: &Actor, officers: &[Officer]) -> Result<u64, Refusal> {
    let Actor::Person(p) = actor else {
        return Err(Refusal::new("AUTH", "执法行为只能由已登录的执法人员记录"));
    };
    officers
        .iter()
        .find(|o| o.user == p.user && p.organ == Organ::Agency(o.agency_id))
        .map(|o| o.id)
        .ok_or_else(|| {
            Refusal::new(
                "AUTH",
                format!("{} 不是实施该执法行为的执法人员", actor.label()),
            )
        })
}

/// The officer record of the signed-in person in `agency_id`: the person acts for that agency
/// and an officer of it has the certificate's user name.
pub fn member_officer(
    txn: &Txn<'_>,
    actor: &Actor,
    agency_id: u64,
) -> Result<Option<Officer>, DomainError> {
    match actor.person() {
        Some(p) if p.organ == Organ::Agency(agency_id) => officer_by_user(txn, agency_id, &p.user),
        _ => Ok(None),
    }
}

/// The officer of an agency whose person certificate has this user name.
pub fn officer_by_user(
    txn: &Txn<'_>,
    agency_id: u64,
    user: &str,
) -> Result<Option<Officer>, DomainError> {
    for o in OFFICERS.scan_from(txn.base(), &0) {
        let o = o?;
        if o.agency_id == agency_id && o.user == user {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

/// Loads officers by id; unknown ids and officers of another agency are refused.
pub fn load_officers(txn: &Txn<'_>, ids: &[u64], agency_id: u64) -> Ruled<Vec<Officer>> {
    let mut out = Vec::new();
    for id in ids {
        match OFFICERS.get(txn, id)? {
            Some(o) if o.agency_id == agency_id => out.push(o),
            Some(o) => {
                return Err(Refusal::new(
                    "INPUT",
                    format!(
                        "执法人员 {id}（{}）属于执法机关 {}，不属于执法机关 {agency_id}",
                        o.name, o.agency_id
                    ),
                )
                .into())
            }
            None => return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的执法人员")).into()),
        }
    }
    Ok(out)
}

/// Largest amount accepted, in fen: 100 billion yuan.
pub const MAX_AMOUNT_FEN: u64 = 10_000_000_000_000;

/// A rule of the major-decision catalog (REV-2): from which amount a decision of a kind is
/// major, for one agency or the whole region, from a day on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CatalogRule {
    /// The agency whose catalog this is; `None`: the region's rule for every agency.
    pub agency_id: Option<u64>,
    /// The kind of decision the rule applies to.
    pub kind: PowerKind,
    /// First day the rule is in force.
    pub effective_from: NaiveDate,
    /// Amount (fen) from which a decision of this kind is major; `None`: never by amount.
    pub min_amount_fen: Option<u64>,
    /// Lower bound set by the sector's superior department; the threshold may not exceed it.
    pub superior_bound_fen: Option<u64>,
    /// Every penalty except summary procedure is reviewed (003).
    pub every_general_penalty: bool,
}
