//! What an item accepted from below does at the receiving region: each kind goes to the context
//! that owns it. Federation carries the items; the indexes belong to supervision.
use crate::domain::core::state::{DomainError, Txn};
use crate::domain::federation::items::{ItemBody, UpItem};
use crate::domain::supervision::held::{
    HeldPublication, HeldSummary, HELD_AGENCIES, HELD_PUBLICATIONS, HELD_SUMMARIES,
};
use crate::domain::supervision::summary::MAX_OVERDUE_LISTED;
use crate::domain::supervision::{notice, report};

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
                overdue: overdue.iter().take(MAX_OVERDUE_LISTED).cloned().collect(),
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
        ItemBody::Report(r) => report::on_item(txn, origin, r, now),
        ItemBody::ReportJudged(j) => report::on_judgement(txn, origin, j, now),
        ItemBody::NoticeAnswer(a) => notice::on_answer(txn, region, origin, a, now),
        _ => Ok(()),
    }
}
