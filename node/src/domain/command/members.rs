//! `RecordMember` — the region's own record of its cluster's members (ARCHITECTURE "Identity":
//! a replacement machine gets a new node id).
//!
//! The leader records a node as **caught up** the first time it sees that node hold the
//! region's log (a matched log id), itself included, and as **retired** once the node has
//! left the membership. A node whose data directory is empty and whose id is recorded here
//! must not start under that id: with its vote and its log gone it could vote twice in one
//! term and lose writes that were acknowledged. The node asks its peers before it serves Raft
//! and refuses to start (`members::gate`). A retired id is never used again.
//!
//! Like the acknowledgements that prune the outboxes, the record is cluster bookkeeping, not a
//! record of the region's business: accepted, it gets no ledger leaf. The time kept is the
//! replicated clock.
use serde::{Deserialize, Serialize};

use crate::domain::command::rule::{Cx, Rule, RuleResult};
use crate::domain::core::identity::Actor;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::{DomainError, Space, State};

/// What the region knows of each node id it ever had, by node id.
pub const MEMBERS: Space<u64, MemberRecord> = Space::new(prefix::MEMBERS);

/// One node id of the region's cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemberRecord {
    pub node: u64,
    /// When (replicated clock, Unix ms) the leader first saw the node hold the region's log.
    pub caught_up_ms: Option<i64>,
    /// When the node left the membership; the id is never used again.
    pub retired_ms: Option<i64>,
}

impl MemberRecord {
    /// The node held the region's data once, or left the region: a node with an empty data
    /// directory may not start under this id.
    pub fn bars_a_fresh_start(&self) -> bool {
        self.caught_up_ms.is_some() || self.retired_ms.is_some()
    }
}

/// What is recorded of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum MemberEvent {
    /// The leader saw the node hold the region's log for the first time.
    CaughtUp,
    /// The node left the membership.
    Retired,
}

/// The payload of `Command::RecordMember`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordMember {
    pub node: u64,
    pub event: MemberEvent,
}

impl Rule for RecordMember {
    const NAME: &'static str = "record_member";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        if !matches!(cx.actor, Actor::Node { .. }) {
            return Err(Refusal::new("AUTH", "只有本地区的节点可以记录集群成员").into());
        }
        if self.node == 0 {
            return Err(Refusal::new("MEMBER", "节点编号 0 无效").into());
        }
        let mut r = MEMBERS.get(cx.txn, &self.node)?.unwrap_or(MemberRecord {
            node: self.node,
            caught_up_ms: None,
            retired_ms: None,
        });
        let slot = match self.event {
            MemberEvent::CaughtUp => &mut r.caught_up_ms,
            MemberEvent::Retired => &mut r.retired_ms,
        };
        // Recorded once: a repeat (two leaders' views, a retried proposal) changes nothing.
        if slot.is_some() {
            return Ok(CommandResult::None);
        }
        *slot = Some(cx.now);
        MEMBERS.put(cx.txn, &self.node, &r)?;
        Ok(CommandResult::None)
    }
}

/// Every node id the region recorded, by id.
pub fn records(state: &State) -> Result<Vec<MemberRecord>, DomainError> {
    MEMBERS.scan_from(state, &0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::envelope::Command;
    use crate::domain::command::testkit::*;
    use crate::domain::core::outcome::Outcome;

    fn node_env(node: u64, event: MemberEvent, t: i64) -> crate::domain::Envelope {
        let leader = Actor::Node {
            region: REGION.into(),
            node: 1,
        };
        env(
            leader,
            "",
            0,
            t,
            Command::RecordMember(RecordMember { node, event }),
        )
    }

    #[test]
    fn caught_up_and_retired_are_recorded_once_without_a_ledger_leaf() {
        let mut s = State::default();
        let r = run(
            &mut s,
            &[
                node_env(2, MemberEvent::CaughtUp, 1000),
                node_env(2, MemberEvent::CaughtUp, 2000),
                node_env(2, MemberEvent::Retired, 3000),
                node_env(3, MemberEvent::Retired, 4000),
            ],
        );
        assert!(
            r.iter().all(|r| matches!(r.outcome, Outcome::Ok(_))),
            "{r:?}"
        );
        assert!(
            r.iter().all(|r| r.leaf_index.is_none()),
            "bookkeeping, no ledger leaf: {r:?}"
        );
        let all = records(&s).unwrap();
        assert_eq!(
            all,
            vec![
                MemberRecord {
                    node: 2,
                    caught_up_ms: Some(1000),
                    retired_ms: Some(3000)
                },
                MemberRecord {
                    node: 3,
                    caught_up_ms: None,
                    retired_ms: Some(4000)
                },
            ]
        );
        assert!(all.iter().all(MemberRecord::bars_a_fresh_start));
    }

    #[test]
    fn only_a_node_records_members() {
        let mut s = State::default();
        let e = env(
            clerk(),
            "c",
            1,
            1000,
            Command::RecordMember(RecordMember {
                node: 2,
                event: MemberEvent::Retired,
            }),
        );
        let r = run(&mut s, &[e]).remove(0);
        assert!(
            matches!(&r.outcome, Outcome::Refused(f) if f.rule == "AUTH"),
            "{r:?}"
        );
        assert!(records(&s).unwrap().is_empty());
        let r = run(&mut s, &[node_env(0, MemberEvent::CaughtUp, 1000)]).remove(0);
        assert!(matches!(&r.outcome, Outcome::Refused(f) if f.rule == "MEMBER"));
    }
}
