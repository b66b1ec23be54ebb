//! Pure rules of the product: no I/O, no clock, no randomness. Time arrives in the envelope.
//!
//! - [`envelope`]: what is committed — actor, dedup ids, leader time, rules version, command.
//! - [`state`]: the replicated key/value state and its typed key spaces; a write-set transaction.
//! - [`apply`]: the state machine's spine — dedup, clock clamping, dispatch, refusals.
//! - one file per command: [`register_agency`], [`update_agency`], [`tick`], and the `cmd_*`
//!   files of the three systems (officers, certificates, catalog, cases, steps, review, decision).
//! - [`enforcement`]: officers, certificates, cases, steps, reviews — types and shared checks.
//! - [`calendar`]: official working days in UTC+8; [`redact`]: PUB-4 masking.
//! - [`summary`]: the region's status summary, counters moved by every accepted command.
//! - [`agency`]: the agency record (PUB-1) and input validation.
//! - [`federation`]: own items for the parent, outbox, and ingest of a child's items with
//!   marks, deduplication and tamper checks; [`tree_head`]: signed tree heads;
//!   [`downlink`]: items addressed to regions below, exactly once per hop, receipts back up.
//! - [`report`]: quarterly and staged reports and their rates; [`notice`]: circulated notices
//!   and their answers; [`held`]: what a region keeps of its subtree for monitoring.
pub mod agency;
pub mod apply;
pub mod calendar;
pub mod cmd_calendar;
pub mod cmd_case;
pub mod cmd_catalog;
pub mod cmd_certificate;
pub mod cmd_decide;
pub mod cmd_officer;
pub mod cmd_outcome;
pub mod cmd_publication;
pub mod cmd_review;
pub mod cmd_step;
pub mod deadlines;
pub mod downlink;
pub mod enforcement;
#[cfg(test)]
mod enforcement_tests;
pub mod envelope;
pub mod federation;
pub mod held;
pub mod notice;
pub mod redact;
pub mod register_agency;
pub mod report;
pub mod state;
pub mod summary;
#[cfg(test)]
mod supervision_tests;
pub mod tick;
pub mod tree_head;
pub mod update_agency;

pub use agency::{Agency, AgencyInput, PowerKind};
pub use apply::{apply_envelope, Applied, ApplyContext};
pub use envelope::{
    Actor, Command, CommandResult, Envelope, Outcome, Person, Refusal, Response, Role,
    RULES_VERSION,
};
pub use state::{DomainError, State, Txn};

#[cfg(test)]
mod key_spaces {
    /// Every typed key space has its own prefix byte: two spaces sharing one would read each
    /// other's values.
    #[test]
    fn prefixes_are_distinct() {
        use super::*;
        let prefixes = [
            ("META", state::META.prefix()),
            ("AGENCIES", agency::AGENCIES.prefix()),
            ("AGENCY_NAMES", agency::AGENCY_NAMES.prefix()),
            ("DEDUP_CLIENTS", apply::DEDUP_CLIENTS.prefix()),
            ("DEDUP_ANSWERS", apply::DEDUP_ANSWERS.prefix()),
            ("OFFICERS", enforcement::OFFICERS.prefix()),
            ("CERT_NUMBERS", enforcement::CERT_NUMBERS.prefix()),
            ("CASES", enforcement::CASES.prefix()),
            ("STEPS", enforcement::STEPS.prefix()),
            ("IDS", enforcement::IDS.prefix()),
            ("AV_LISTS", enforcement::AV_LISTS.prefix()),
            (
                "REVIEW_BEFORE_RIGHTS_NOTICE",
                enforcement::REVIEW_BEFORE_RIGHTS_NOTICE.prefix(),
            ),
            ("CALENDAR", cmd_calendar::CALENDAR.prefix()),
            ("CATALOG", cmd_catalog::CATALOG.prefix()),
            ("PUBLISH_DAYS", cmd_publication::PUBLISH_DAYS.prefix()),
            ("DAY_SETTINGS", cmd_publication::DAY_SETTINGS.prefix()),
            ("PUBLICATIONS", cmd_publication::PUBLICATIONS.prefix()),
            ("DEADLINES", deadlines::DEADLINES.prefix()),
            ("COUNTERS", summary::COUNTERS.prefix()),
            ("HEADS", tree_head::HEADS.prefix()),
            ("UP_PENDING", federation::UP_PENDING.prefix()),
            ("OUTBOX", federation::OUTBOX.prefix()),
            ("LINKS", federation::LINKS.prefix()),
            ("ORIGINS", federation::ORIGINS.prefix()),
            ("HELD_ITEMS", federation::HELD_ITEMS.prefix()),
            ("HELD_HEADS", federation::HELD_HEADS.prefix()),
            ("ALERTS", federation::ALERTS.prefix()),
            ("LINK_DIGESTS", federation::LINK_DIGESTS.prefix()),
            ("LAST_SUMMARY", federation::LAST_SUMMARY.prefix()),
            ("DOWN_OUT", downlink::DOWN_OUT.prefix()),
            ("DOWN_LINKS", downlink::DOWN_LINKS.prefix()),
            ("RECEIVED", downlink::RECEIVED.prefix()),
            ("SENT_DOWN", downlink::SENT_DOWN.prefix()),
            ("DOWN_SEEN", downlink::DOWN_SEEN.prefix()),
            ("OVERDUE_CASES", summary::OVERDUE_CASES.prefix()),
            ("HELD_SUMMARIES", held::HELD_SUMMARIES.prefix()),
            ("HELD_AGENCIES", held::HELD_AGENCIES.prefix()),
            ("HELD_PUBLICATIONS", held::HELD_PUBLICATIONS.prefix()),
            ("PERIODS", report::PERIODS.prefix()),
            ("DUE_RULE", report::DUE_RULE.prefix()),
            ("REPORTS", report::REPORTS.prefix()),
            ("REPORT_LATEST", report::REPORT_LATEST.prefix()),
            ("HELD_REPORTS", report::HELD_REPORTS.prefix()),
            ("NOTICES", notice::NOTICES.prefix()),
            ("INBOX", notice::INBOX.prefix()),
            ("OPEN_NOTICES", notice::OPEN_NOTICES.prefix()),
        ];
        let mut seen = std::collections::BTreeMap::new();
        for (name, p) in prefixes {
            if let Some(other) = seen.insert(p, name) {
                panic!("{name} and {other} share prefix {:?}", p as char);
            }
        }
    }
}
