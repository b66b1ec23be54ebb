//! The key-space table ([`crate::domain::core::keys`]) against the `Space` constants in use:
//! every space listed once, under its own prefix, with its key and value types and owner; no
//! prefix used twice or taken from a retired space.
use std::collections::BTreeMap;

use crate::domain::core::keys::{RETIRED, SPACES};
use crate::domain::core::state::{KeyCodec, Space};

/// A type's name without module paths: `(alloc::string::String, u64)` → `(String, u64)`.
fn short(name: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for ch in name.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == ':' {
            word.push(ch);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(ch);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(""));
    out
}

fn live<K: KeyCodec + ?Sized, V: serde::Serialize + serde::de::DeserializeOwned>(
    path: &'static str,
    space: &Space<K, V>,
) -> (String, (u8, String, String, String)) {
    let (owner, name) = path.rsplit_once("::").unwrap_or(("", path));
    let owner = owner.trim_start_matches("crate::domain::").to_string();
    (
        name.to_string(),
        (
            space.prefix(),
            short(std::any::type_name::<K>()),
            short(std::any::type_name::<V>()),
            owner,
        ),
    )
}

macro_rules! spaces {
    ($($p:path),* $(,)?) => {
        vec![$(live(stringify!($p), &$p)),*]
    };
}

#[test]
fn the_table_lists_every_space_in_use_with_its_prefix_and_types() {
    let live: BTreeMap<String, (u8, String, String, String)> = spaces![
        crate::domain::calendar::load::CALENDAR,
        crate::domain::command::dedup::DEDUP_ANSWERS,
        crate::domain::command::dedup::DEDUP_DIGESTS,
        crate::domain::command::dedup::DEDUP_CLIENTS,
        crate::domain::command::members::MEMBERS,
        crate::domain::core::ids::IDS,
        crate::domain::core::state::META,
        crate::domain::enforcement::catalog::CATALOG,
        crate::domain::enforcement::law::LAW_SETTINGS,
        crate::domain::enforcement::law::QUORUMS,
        crate::domain::enforcement::sanction::DOC_NUMBERS,
        crate::domain::enforcement::deadlines::DEADLINES,
        crate::domain::enforcement::deadlines::PROVISIONAL,
        crate::domain::enforcement::publication::DAY_SETTINGS,
        crate::domain::enforcement::publication::PUBLICATIONS,
        crate::domain::enforcement::publication::PUBLISH_DAYS,
        crate::domain::enforcement::model::AV_LISTS,
        crate::domain::enforcement::model::CASES,
        crate::domain::enforcement::model::CERT_NUMBERS,
        crate::domain::enforcement::model::OFFICERS,
        crate::domain::enforcement::model::REVIEW_BEFORE_RIGHTS_NOTICE,
        crate::domain::enforcement::model::STEPS,
        crate::domain::federation::downlink::DOWN_LINKS,
        crate::domain::federation::downlink::DOWN_OUT,
        crate::domain::federation::downlink::DOWN_SEEN,
        crate::domain::federation::downlink::RECEIVED,
        crate::domain::federation::downlink::SENT_DOWN,
        crate::domain::federation::downlink::DOWN_SEALS,
        crate::domain::federation::held::ALERTS,
        crate::domain::federation::held::HELD_HEADS,
        crate::domain::federation::held::HEAD_PINS,
        crate::domain::federation::lost::LOST_LINKS,
        crate::domain::federation::held::HELD_ITEMS,
        crate::domain::federation::held::LAST_SUMMARY,
        crate::domain::federation::held::LINKS,
        crate::domain::federation::held::LINK_DIGESTS,
        crate::domain::federation::held::ORIGINS,
        crate::domain::federation::outbox::OUTBOX,
        crate::domain::federation::outbox::UP_PENDING,
        crate::domain::federation::tree_head::HEADS,
        crate::domain::registry::AGENCIES,
        crate::domain::registry::AGENCY_NAMES,
        crate::domain::supervision::held::HELD_AGENCIES,
        crate::domain::supervision::held::HELD_PUBLICATIONS,
        crate::domain::supervision::held::HELD_SUMMARIES,
        crate::domain::supervision::notice::INBOX,
        crate::domain::supervision::notice::NOTICES,
        crate::domain::supervision::notice::OPEN_NOTICES,
        crate::domain::supervision::report::DUE_RULE,
        crate::domain::supervision::report::HELD_REPORTS,
        crate::domain::supervision::report::PERIODS,
        crate::domain::supervision::report::REPORTS,
        crate::domain::supervision::report::REPORT_LATEST,
        crate::domain::supervision::summary::COUNTERS,
        crate::domain::supervision::summary::OVERDUE_CASES,
    ]
    .into_iter()
    .map(|(n, d)| (n.replace(' ', ""), d))
    .collect();
    let table: BTreeMap<String, (u8, String, String, String)> = SPACES
        .iter()
        .map(|s| {
            let d = (s.prefix, s.key.into(), s.value.into(), s.owner.into());
            (s.name.to_string(), d)
        })
        .collect();
    assert_eq!(
        live.len(),
        SPACES.len(),
        "a space is listed twice in the table"
    );
    assert_eq!(live, table);
}

#[test]
fn no_prefix_is_used_twice_or_reused_after_retirement() {
    let mut seen = BTreeMap::new();
    for (p, name) in SPACES
        .iter()
        .map(|s| (s.prefix, s.name))
        .chain(RETIRED.iter().copied())
    {
        if let Some(other) = seen.insert(p, name) {
            panic!("{name} and {other} share prefix {:?}", p as char);
        }
    }
}

#[test]
fn short_type_names() {
    assert_eq!(short("(alloc::string::String, u64)"), "(String, u64)");
    assert_eq!(
        short("alloc::collections::btree::map::BTreeMap<alloc::string::String, i64>"),
        "BTreeMap<String, i64>"
    );
    assert_eq!(short("[u8; 32]"), "[u8; 32]");
}
