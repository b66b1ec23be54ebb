//! A command is a payload that applies itself: each implements [`Rule`] with its name, whether
//! only a node proposes it, and its rules, in the file of [`super::rules`] for its context.
use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::state::Txn;
use crate::domain::federation::items::{Crypto, ItemBody};
use crate::domain::supervision::port::Upward;

/// What a command's rules see: the nested write set, who acts, where and when, and where the
/// items it produces for the levels above go, in order.
pub struct Cx<'a, 't> {
    pub txn: &'a mut Txn<'t>,
    pub actor: &'a Actor,
    /// The region whose cluster this is.
    pub region: &'a str,
    /// The replicated clock, never behind the last applied entry.
    pub now: i64,
    pub crypto: &'a dyn Crypto,
    /// Federation's own items for the parent (alerts, receipts).
    pub up: &'a mut Vec<ItemBody>,
    /// Supervision's own items for the levels above.
    pub sup_up: &'a mut Vec<Upward>,
}

/// Accepted with a result, or why not: a refusal by a rule, or a fault of the state itself.
pub type RuleResult = Ruled;

/// One command of the state machine.
pub trait Rule {
    /// Short name for logs (and the recorded-envelope table).
    const NAME: &'static str;
    /// Only a node of the region proposes it, never a person through the API.
    const NODE_ONLY: bool = false;
    /// Runs the command's rules against the nested write set.
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult;

    /// The status-summary counters a refusal of this command moves (most move none: a
    /// refusal changes nothing). Read against the state before the command.
    fn refusal_counters(
        &self,
        _txn: &Txn<'_>,
        _refusal: &crate::domain::core::outcome::Refusal,
    ) -> Result<Vec<String>, crate::domain::core::state::DomainError> {
        Ok(Vec::new())
    }
}

/// The name of a command's payload type.
pub fn name_of<R: Rule>(_: &R) -> &'static str {
    R::NAME
}

/// [`Rule::refusal_counters`] of a command's payload.
pub fn refusal_counters_of<R: Rule>(
    r: &R,
    txn: &Txn<'_>,
    refusal: &crate::domain::core::outcome::Refusal,
) -> Result<Vec<String>, crate::domain::core::state::DomainError> {
    r.refusal_counters(txn, refusal)
}

/// Whether a command's payload type is proposed only by nodes.
pub fn node_only<R: Rule>(_: &R) -> bool {
    R::NODE_ONLY
}
