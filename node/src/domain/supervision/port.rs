//! What supervision sends to the regions above and below it. Supervision never names the
//! federation context: it hands these to the command layer, which carries them through
//! federation (items up, downlink items down), in the order they were produced.
use crate::domain::core::outcome::Ruled;
use crate::domain::core::state::Txn;
use crate::domain::supervision::notice::{Answer, NoticeDoc, NoticeJudged};
use crate::domain::supervision::report::{Judgement, Report};

/// An own item for the levels above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upward {
    /// A unit's report as submitted or judged (SUP-1, SUP-3).
    Report(Box<Report>),
    /// This region accepted or returned a direct child's report (SUP-1).
    ReportJudged(Box<Judgement>),
    /// A unit's answer to a notice: acknowledgement or rectification (SUP-2).
    NoticeAnswer(Box<Answer>),
}

/// An item for a unit of a region below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Downward {
    /// A signed-off notice for one named unit (SUP-2).
    IssuedNotice(Box<NoticeDoc>),
    /// The issuer closed or returned a unit's answer.
    NoticeJudged(Box<NoticeJudged>),
    /// The parent accepted or returned this region's report.
    ReportJudged {
        period: String,
        version: u32,
        accepted: bool,
        reasons: String,
    },
}

/// Sends items down to the regions below, hop by hop.
pub trait Downlink {
    /// Queues `item` from `region`, signed off by `by`, for `to` (a region below); returns its
    /// downlink sequence number, or a refusal when `to` is not below `region`.
    fn send(
        &mut self,
        txn: &mut Txn<'_>,
        region: &str,
        to: &str,
        by: &str,
        item: Downward,
        now: i64,
    ) -> Ruled<u64>;
}
