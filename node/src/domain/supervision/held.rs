//! What a region keeps of its subtree, by kind, as items arrive from below (SUP-4, SUP-5): the
//! latest status summary of every region, its agencies and its publications' public state, the
//! reports of its units, and answers to this region's notices. Monitoring reads these indexes;
//! the items themselves stay in the held-item log.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::core::organ::Agency;
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::federation::items::{ItemBody, UpItem};

/// The latest proven summary of a region below.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HeldSummary {
    pub counters: BTreeMap<String, i64>,
    pub overdue: Vec<crate::domain::supervision::summary::OverdueCase>,
    pub backlog: u64,
    /// The origin's clock when it made the summary.
    pub time_ms: i64,
}

/// A publication's public state, as last reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldPublication {
    pub agency_id: u64,
    pub case_id: u64,
    pub state: String,
    /// `Some(on_time)` once published or withdrawn.
    pub on_time: Option<bool>,
    pub due: String,
}

pub const HELD_SUMMARIES: Space<str, HeldSummary> = Space::new(b'J');
pub const HELD_AGENCIES: Space<(String, u64), Agency> = Space::new(b'B');
pub const HELD_PUBLICATIONS: Space<(String, u64), HeldPublication> = Space::new(b'C');

/// Indexes an item that arrived from below, if it was proven against a signed head of its
/// origin (an unproven item stays in the held log, flagged, with its alert, and changes
/// nothing here).
pub fn on_item(
    txn: &mut Txn<'_>,
    region: &str,
    item: &UpItem,
    proven: bool,
    now: i64,
) -> Result<(), DomainError> {
    if !proven {
        return Ok(());
    }
    let origin = item.origin.as_str();
    match &item.body {
        ItemBody::Summary {
            counters,
            overdue,
            backlog,
        } => HELD_SUMMARIES.put(
            txn,
            origin,
            &HeldSummary {
                counters: counters.clone(),
                overdue: overdue
                    .iter()
                    .take(crate::domain::federation::outbox::MAX_OVERDUE_LISTED)
                    .cloned()
                    .collect(),
                backlog: *backlog,
                time_ms: item.time_ms,
            },
        ),
        ItemBody::Agency(a) => HELD_AGENCIES.put(txn, &(origin.to_string(), a.id), a),
        ItemBody::Publication {
            id,
            case_id,
            agency_id,
            state,
            on_time,
            due,
            ..
        } => HELD_PUBLICATIONS.put(
            txn,
            &(origin.to_string(), *id),
            &HeldPublication {
                agency_id: *agency_id,
                case_id: *case_id,
                state: state.clone(),
                on_time: *on_time,
                due: due.clone(),
            },
        ),
        ItemBody::Report(r) => crate::domain::supervision::report::on_item(txn, origin, r, now),
        ItemBody::ReportJudged(j) => {
            crate::domain::supervision::report::on_judgement(txn, origin, j, now)
        }
        ItemBody::NoticeAnswer(a) => {
            crate::domain::supervision::notice::on_answer(txn, region, origin, a, now)
        }
        _ => Ok(()),
    }
}
