//! Every key space of the replicated state, in one table: its prefix byte, key and value
//! types, and the module that owns it. A prefix is never reused — two spaces sharing a byte
//! would read each other's values, and a state written by an older release would decode as
//! the wrong type — so a space that is retired keeps its byte in [`RETIRED`]. The domain's
//! tests check every `Space` constant against this table.

/// The prefix byte of each key space, by the name of its `Space` constant.
pub mod prefix {
    /// `domain::calendar::load::CALENDAR`
    pub const CALENDAR: u8 = b'y';
    /// `domain::command::dedup::DEDUP_ANSWERS`
    pub const DEDUP_ANSWERS: u8 = b'r';
    /// `domain::command::dedup::DEDUP_DIGESTS`
    pub const DEDUP_DIGESTS: u8 = b'0';
    /// `domain::command::dedup::DEDUP_CLIENTS`
    pub const DEDUP_CLIENTS: u8 = b'q';
    /// `domain::command::members::MEMBERS`
    pub const MEMBERS: u8 = b'1';
    /// `domain::core::ids::IDS`
    pub const IDS: u8 = b'i';
    /// `domain::core::state::META`
    pub const META: u8 = b'm';
    /// `domain::enforcement::catalog::CATALOG`
    pub const CATALOG: u8 = b'g';
    /// `domain::enforcement::deadlines::DEADLINES`
    pub const DEADLINES: u8 = b'd';
    /// `domain::enforcement::deadlines::PROVISIONAL`
    pub const PROVISIONAL: u8 = b'Z';
    /// `domain::enforcement::publication::DAY_SETTINGS`
    pub const DAY_SETTINGS: u8 = b'x';
    /// `domain::enforcement::publication::PUBLICATIONS`
    pub const PUBLICATIONS: u8 = b'u';
    /// `domain::enforcement::publication::PUBLISH_DAYS`
    pub const PUBLISH_DAYS: u8 = b'p';
    /// `domain::enforcement::model::AV_LISTS`
    pub const AV_LISTS: u8 = b'v';
    /// `domain::enforcement::model::CASES`
    pub const CASES: u8 = b'k';
    /// `domain::enforcement::model::CERT_NUMBERS`
    pub const CERT_NUMBERS: u8 = b'c';
    /// `domain::enforcement::law::LAW_SETTINGS`
    pub const LAW_SETTINGS: u8 = b'X';
    /// `domain::enforcement::law::QUORUMS`
    pub const QUORUMS: u8 = b'Y';
    /// `domain::enforcement::sanction::DOC_NUMBERS`
    pub const DOC_NUMBERS: u8 = b'W';
    /// `domain::enforcement::model::OFFICERS`
    pub const OFFICERS: u8 = b'o';
    /// `domain::enforcement::model::REVIEW_BEFORE_RIGHTS_NOTICE`
    pub const REVIEW_BEFORE_RIGHTS_NOTICE: u8 = b'w';
    /// `domain::enforcement::model::STEPS`
    pub const STEPS: u8 = b's';
    /// `domain::federation::downlink::DOWN_LINKS`
    pub const DOWN_LINKS: u8 = b'F';
    /// `domain::federation::downlink::DOWN_OUT`
    pub const DOWN_OUT: u8 = b'E';
    /// `domain::federation::downlink::DOWN_SEEN`
    pub const DOWN_SEEN: u8 = b'I';
    /// `domain::federation::downlink::RECEIVED`
    pub const RECEIVED: u8 = b'G';
    /// `domain::federation::downlink::SENT_DOWN`
    pub const SENT_DOWN: u8 = b'H';
    /// `domain::federation::downlink::DOWN_SEALS`
    pub const DOWN_SEALS: u8 = b'T';
    /// `domain::federation::held::ALERTS`
    pub const ALERTS: u8 = b'A';
    /// `domain::federation::held::HELD_HEADS`
    pub const HELD_HEADS: u8 = b't';
    /// `domain::federation::held::HEAD_PINS`
    pub const HEAD_PINS: u8 = b'V';
    /// `domain::federation::held::HELD_ITEMS`
    pub const HELD_ITEMS: u8 = b'f';
    /// `domain::federation::held::LAST_SUMMARY`
    pub const LAST_SUMMARY: u8 = b'S';
    /// `domain::federation::held::LINKS`
    pub const LINKS: u8 = b'l';
    /// `domain::federation::held::LINK_DIGESTS`
    pub const LINK_DIGESTS: u8 = b'D';
    /// `domain::federation::lost::LOST_LINKS`
    pub const LOST_LINKS: u8 = b'2';
    /// `domain::federation::held::ORIGINS`
    pub const ORIGINS: u8 = b'e';
    /// `domain::federation::outbox::OUTBOX`
    pub const OUTBOX: u8 = b'b';
    /// `domain::federation::outbox::UP_PENDING`
    pub const UP_PENDING: u8 = b'j';
    /// `domain::federation::tree_head::HEADS`
    pub const HEADS: u8 = b'h';
    /// `domain::registry::AGENCIES`
    pub const AGENCIES: u8 = b'a';
    /// `domain::registry::AGENCY_NAMES`
    pub const AGENCY_NAMES: u8 = b'n';
    /// `domain::supervision::held::HELD_AGENCIES`
    pub const HELD_AGENCIES: u8 = b'B';
    /// `domain::supervision::held::HELD_PUBLICATIONS`
    pub const HELD_PUBLICATIONS: u8 = b'C';
    /// `domain::supervision::held::HELD_SUMMARIES`
    pub const HELD_SUMMARIES: u8 = b'J';
    /// `domain::supervision::notice::INBOX`
    pub const INBOX: u8 = b'M';
    /// `domain::supervision::notice::NOTICES`
    pub const NOTICES: u8 = b'N';
    /// `domain::supervision::notice::OPEN_NOTICES`
    pub const OPEN_NOTICES: u8 = b'U';
    /// `domain::supervision::report::DUE_RULE`
    pub const DUE_RULE: u8 = b'Q';
    /// `domain::supervision::report::HELD_REPORTS`
    pub const HELD_REPORTS: u8 = b'K';
    /// `domain::supervision::report::PERIODS`
    pub const PERIODS: u8 = b'P';
    /// `domain::supervision::report::REPORTS`
    pub const REPORTS: u8 = b'R';
    /// `domain::supervision::report::REPORT_LATEST`
    pub const REPORT_LATEST: u8 = b'L';
    /// `domain::supervision::summary::COUNTERS`
    pub const COUNTERS: u8 = b'z';
    /// `domain::supervision::summary::OVERDUE_CASES`
    pub const OVERDUE_CASES: u8 = b'O';
}

/// One key space as the table describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpace {
    /// Name of the `Space` constant.
    pub name: &'static str,
    pub prefix: u8,
    /// Key and value types, without module paths.
    pub key: &'static str,
    pub value: &'static str,
    /// The module (under `domain`) that owns the space.
    pub owner: &'static str,
}

/// Every key space in use, by owner.
pub const SPACES: &[KeySpace] = &[
    KeySpace {
        name: "CALENDAR",
        prefix: prefix::CALENDAR,
        key: "u64",
        value: "YearCalendar",
        owner: "calendar::load",
    },
    KeySpace {
        name: "MEMBERS",
        prefix: prefix::MEMBERS,
        key: "u64",
        value: "MemberRecord",
        owner: "command::members",
    },
    KeySpace {
        name: "DEDUP_ANSWERS",
        prefix: prefix::DEDUP_ANSWERS,
        key: "(String, String, u64)",
        value: "Answer",
        owner: "command::dedup",
    },
    KeySpace {
        name: "DEDUP_DIGESTS",
        prefix: prefix::DEDUP_DIGESTS,
        key: "(String, String, u64)",
        value: "[u8; 32]",
        owner: "command::dedup",
    },
    KeySpace {
        name: "DEDUP_CLIENTS",
        prefix: prefix::DEDUP_CLIENTS,
        key: "(String, String)",
        value: "ClientMeta",
        owner: "command::dedup",
    },
    KeySpace {
        name: "IDS",
        prefix: prefix::IDS,
        key: "str",
        value: "u64",
        owner: "core::ids",
    },
    KeySpace {
        name: "META",
        prefix: prefix::META,
        key: "str",
        value: "i64",
        owner: "core::state",
    },
    KeySpace {
        name: "CATALOG",
        prefix: prefix::CATALOG,
        key: "str",
        value: "CatalogRule",
        owner: "enforcement::catalog",
    },
    KeySpace {
        name: "DEADLINES",
        prefix: prefix::DEADLINES,
        key: "str",
        value: "Deadline",
        owner: "enforcement::deadlines",
    },
    KeySpace {
        name: "PROVISIONAL",
        prefix: prefix::PROVISIONAL,
        key: "str",
        value: "Counted",
        owner: "enforcement::deadlines",
    },
    KeySpace {
        name: "DAY_SETTINGS",
        prefix: prefix::DAY_SETTINGS,
        key: "str",
        value: "u32",
        owner: "enforcement::publication",
    },
    KeySpace {
        name: "PUBLICATIONS",
        prefix: prefix::PUBLICATIONS,
        key: "u64",
        value: "Publication",
        owner: "enforcement::publication",
    },
    KeySpace {
        name: "PUBLISH_DAYS",
        prefix: prefix::PUBLISH_DAYS,
        key: "str",
        value: "u32",
        owner: "enforcement::publication",
    },
    KeySpace {
        name: "AV_LISTS",
        prefix: prefix::AV_LISTS,
        key: "u64",
        value: "AvList",
        owner: "enforcement::model",
    },
    KeySpace {
        name: "LAW_SETTINGS",
        prefix: prefix::LAW_SETTINGS,
        key: "str",
        value: "LawSettings",
        owner: "enforcement::law",
    },
    KeySpace {
        name: "QUORUMS",
        prefix: prefix::QUORUMS,
        key: "u64",
        value: "u32",
        owner: "enforcement::law",
    },
    KeySpace {
        name: "DOC_NUMBERS",
        prefix: prefix::DOC_NUMBERS,
        key: "(u64, String)",
        value: "u64",
        owner: "enforcement::sanction",
    },
    KeySpace {
        name: "CASES",
        prefix: prefix::CASES,
        key: "u64",
        value: "Case",
        owner: "enforcement::model",
    },
    KeySpace {
        name: "CERT_NUMBERS",
        prefix: prefix::CERT_NUMBERS,
        key: "str",
        value: "u64",
        owner: "enforcement::model",
    },
    KeySpace {
        name: "OFFICERS",
        prefix: prefix::OFFICERS,
        key: "u64",
        value: "Officer",
        owner: "enforcement::model",
    },
    KeySpace {
        name: "REVIEW_BEFORE_RIGHTS_NOTICE",
        prefix: prefix::REVIEW_BEFORE_RIGHTS_NOTICE,
        key: "u64",
        value: "bool",
        owner: "enforcement::model",
    },
    KeySpace {
        name: "STEPS",
        prefix: prefix::STEPS,
        key: "u64",
        value: "Step",
        owner: "enforcement::model",
    },
    KeySpace {
        name: "DOWN_LINKS",
        prefix: prefix::DOWN_LINKS,
        key: "str",
        value: "DownLink",
        owner: "federation::downlink",
    },
    KeySpace {
        name: "DOWN_OUT",
        prefix: prefix::DOWN_OUT,
        key: "(String, u64)",
        value: "DownOut",
        owner: "federation::downlink",
    },
    KeySpace {
        name: "DOWN_SEEN",
        prefix: prefix::DOWN_SEEN,
        key: "u64",
        value: "[u8; 32]",
        owner: "federation::downlink",
    },
    KeySpace {
        name: "RECEIVED",
        prefix: prefix::RECEIVED,
        key: "(String, u64)",
        value: "Received",
        owner: "federation::downlink",
    },
    KeySpace {
        name: "SENT_DOWN",
        prefix: prefix::SENT_DOWN,
        key: "u64",
        value: "SentDown",
        owner: "federation::downlink",
    },
    KeySpace {
        name: "DOWN_SEALS",
        prefix: prefix::DOWN_SEALS,
        key: "(String, u64)",
        value: "DownSeal",
        owner: "federation::downlink",
    },
    KeySpace {
        name: "ALERTS",
        prefix: prefix::ALERTS,
        key: "(String, String)",
        value: "Alert",
        owner: "federation::held",
    },
    KeySpace {
        name: "HELD_HEADS",
        prefix: prefix::HELD_HEADS,
        key: "(String, u64)",
        value: "HeldHead",
        owner: "federation::held",
    },
    KeySpace {
        name: "HEAD_PINS",
        prefix: prefix::HEAD_PINS,
        key: "(String, u64)",
        value: "u8",
        owner: "federation::held",
    },
    KeySpace {
        name: "HELD_ITEMS",
        prefix: prefix::HELD_ITEMS,
        key: "(String, u64)",
        value: "HeldItem",
        owner: "federation::held",
    },
    KeySpace {
        name: "LAST_SUMMARY",
        prefix: prefix::LAST_SUMMARY,
        key: "str",
        value: "BTreeMap<String, i64>",
        owner: "federation::held",
    },
    KeySpace {
        name: "LINKS",
        prefix: prefix::LINKS,
        key: "str",
        value: "LinkState",
        owner: "federation::held",
    },
    KeySpace {
        name: "LOST_LINKS",
        prefix: prefix::LOST_LINKS,
        key: "str",
        value: "LostLink",
        owner: "federation::lost",
    },
    KeySpace {
        name: "LINK_DIGESTS",
        prefix: prefix::LINK_DIGESTS,
        key: "(String, u64)",
        value: "[u8; 32]",
        owner: "federation::held",
    },
    KeySpace {
        name: "ORIGINS",
        prefix: prefix::ORIGINS,
        key: "str",
        value: "OriginState",
        owner: "federation::held",
    },
    KeySpace {
        name: "OUTBOX",
        prefix: prefix::OUTBOX,
        key: "u64",
        value: "OutEntry",
        owner: "federation::outbox",
    },
    KeySpace {
        name: "UP_PENDING",
        prefix: prefix::UP_PENDING,
        key: "u64",
        value: "PendingItem",
        owner: "federation::outbox",
    },
    KeySpace {
        name: "HEADS",
        prefix: prefix::HEADS,
        key: "u64",
        value: "SignedHead",
        owner: "federation::tree_head",
    },
    KeySpace {
        name: "AGENCIES",
        prefix: prefix::AGENCIES,
        key: "u64",
        value: "Agency",
        owner: "registry",
    },
    KeySpace {
        name: "AGENCY_NAMES",
        prefix: prefix::AGENCY_NAMES,
        key: "str",
        value: "u64",
        owner: "registry",
    },
    KeySpace {
        name: "HELD_AGENCIES",
        prefix: prefix::HELD_AGENCIES,
        key: "(String, u64)",
        value: "Agency",
        owner: "supervision::held",
    },
    KeySpace {
        name: "HELD_PUBLICATIONS",
        prefix: prefix::HELD_PUBLICATIONS,
        key: "(String, u64)",
        value: "HeldPublication",
        owner: "supervision::held",
    },
    KeySpace {
        name: "HELD_SUMMARIES",
        prefix: prefix::HELD_SUMMARIES,
        key: "str",
        value: "HeldSummary",
        owner: "supervision::held",
    },
    KeySpace {
        name: "INBOX",
        prefix: prefix::INBOX,
        key: "(String, String, u64)",
        value: "Inbox",
        owner: "supervision::notice",
    },
    KeySpace {
        name: "NOTICES",
        prefix: prefix::NOTICES,
        key: "u64",
        value: "Notice",
        owner: "supervision::notice",
    },
    KeySpace {
        name: "OPEN_NOTICES",
        prefix: prefix::OPEN_NOTICES,
        key: "u64",
        value: "NaiveDate",
        owner: "supervision::notice",
    },
    KeySpace {
        name: "DUE_RULE",
        prefix: prefix::DUE_RULE,
        key: "str",
        value: "DueRule",
        owner: "supervision::report",
    },
    KeySpace {
        name: "HELD_REPORTS",
        prefix: prefix::HELD_REPORTS,
        key: "(String, String)",
        value: "HeldReport",
        owner: "supervision::report",
    },
    KeySpace {
        name: "PERIODS",
        prefix: prefix::PERIODS,
        key: "str",
        value: "Period",
        owner: "supervision::report",
    },
    KeySpace {
        name: "REPORTS",
        prefix: prefix::REPORTS,
        key: "u64",
        value: "Report",
        owner: "supervision::report",
    },
    KeySpace {
        name: "REPORT_LATEST",
        prefix: prefix::REPORT_LATEST,
        key: "(String, String)",
        value: "u64",
        owner: "supervision::report",
    },
    KeySpace {
        name: "COUNTERS",
        prefix: prefix::COUNTERS,
        key: "str",
        value: "i64",
        owner: "supervision::summary",
    },
    KeySpace {
        name: "OVERDUE_CASES",
        prefix: prefix::OVERDUE_CASES,
        key: "u64",
        value: "OverdueCase",
        owner: "supervision::summary",
    },
];

/// Prefixes once used and retired: never to be given to a new space. (None so far.)
pub const RETIRED: &[(u8, &str)] = &[];
