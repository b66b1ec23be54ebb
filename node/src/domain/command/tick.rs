//! `Tick` — the leader-proposed clock heartbeat. Time-driven states are computed here so they
//! change even when nobody writes, identically on every replica. Today it prunes the dedup
//! table of clients silent for longer than [`DEDUP_TTL_MS`].
use crate::domain::command::dedup::{
    answer_ids, answers_prefix, DEDUP_ANSWERS, DEDUP_CLIENTS, DEDUP_DIGESTS, DEDUP_TTL_MS,
};
use crate::domain::command::rule::{Cx, Rule, RuleResult};
use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::supervision::notice;

/// The payload of `Command::Tick`.
pub struct Tick;

impl Rule for Tick {
    const NAME: &'static str = "tick";
    const NODE_ONLY: bool = true;
    fn apply(&self, cx: &mut Cx<'_, '_>) -> RuleResult {
        if !matches!(cx.actor, Actor::Node { .. }) {
            return Err(Refusal::new("AUTH", "只有本地区的节点可以提出 Tick").into());
        }
        let r = apply(cx.txn, cx.now)?;
        notice::escalate(cx.txn, cx.now)?;
        Ok(r)
    }
}

/// Prunes the dedup table and expires time limits.
pub fn apply(txn: &mut Txn<'_>, now: i64) -> Ruled {
    let base = txn.base();
    let mut stale = Vec::new();
    for key in DEDUP_CLIENTS.keys(base) {
        let Some((actor, client)) = split_key(&key[1..]) else {
            continue;
        };
        let k = (actor, client);
        if let Some(m) = DEDUP_CLIENTS.read(base, &k)? {
            if now.saturating_sub(m.last_seen_ms) > DEDUP_TTL_MS {
                stale.push(k);
            }
        }
    }
    // Time limits that passed while their obligation stayed open.
    if let Ok(today) = crate::domain::calendar::days::date_of(now) {
        crate::domain::enforcement::deadlines::expire(txn, today)?;
    }
    for k in stale {
        let prefix = answers_prefix(&k);
        let ids: Vec<u64> = answer_ids(base, &prefix).collect();
        for id in ids {
            DEDUP_ANSWERS.delete(txn, &(k.0.clone(), k.1.clone(), id));
            DEDUP_DIGESTS.delete(txn, &(k.0.clone(), k.1.clone(), id));
        }
        DEDUP_CLIENTS.delete(txn, &k);
    }
    Ok(CommandResult::None)
}

fn split_key(raw: &[u8]) -> Option<(String, String)> {
    let pos = raw.iter().position(|b| *b == 0)?;
    Some((
        String::from_utf8(raw[..pos].to_vec()).ok()?,
        String::from_utf8(raw[pos + 1..].to_vec()).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::envelope::Command;
    use crate::domain::command::testkit::*;
    use crate::domain::core::identity::Actor;
    use crate::domain::State;

    #[test]
    fn tick_prunes_silent_clients_only() {
        let mut s = State::default();
        let node = Actor::Node {
            region: REGION.into(),
            node: 1,
        };
        run(
            &mut s,
            &[
                env(clerk(), "old", 1, 0, Command::RegisterAgency(input("甲局"))),
                env(
                    clerk(),
                    "new",
                    1,
                    DEDUP_TTL_MS,
                    Command::RegisterAgency(input("乙局")),
                ),
                env(node, "", 0, DEDUP_TTL_MS + 10, Command::Tick),
            ],
        );
        let left: Vec<_> = DEDUP_CLIENTS
            .keys(&s)
            .map(|k| split_key(&k[1..]).unwrap().1)
            .collect();
        assert_eq!(left, ["new"]);
        assert_eq!(
            DEDUP_ANSWERS.keys(&s).count(),
            1,
            "the silent client's answers are gone"
        );
    }
}
