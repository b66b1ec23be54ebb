//! The state machine's spine: clock clamping, deduplication, authorization by region,
//! dispatch to one command's rules, and the response. Pure: same state + same envelope →
//! same writes and response on every replica.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::command::envelope::with_rule;
use crate::domain::command::envelope::{Command, Envelope, RULES_VERSION};
use crate::domain::command::rule::{Cx, Rule};
use crate::domain::core::outcome::{CommandResult, Outcome, Refusal, Response};
use crate::domain::core::outcome::{RuleError, Ruled};
use crate::domain::core::region::parent_of;
use crate::domain::core::state::{DomainError, Space, State, Txn, CLOCK, META};
use crate::domain::federation::items::{Crypto, ItemBody};
use crate::domain::federation::outbox;
use crate::domain::supervision::summary;

/// Facts about the entry being applied, identical on every replica.
#[derive(Clone, Copy)]
pub struct ApplyContext<'a> {
    /// The region whose cluster this is.
    pub region: &'a str,
    /// Raft log index of the entry.
    pub log_index: u64,
    /// Ledger leaf index the entry gets.
    pub leaf_index: u64,
    /// Signature, certificate and proof checks (pure functions).
    pub crypto: &'a dyn Crypto,
}

/// Result of applying one envelope.
#[derive(Debug)]
pub struct Applied {
    pub response: Response,
    pub writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Ledger leaves to append right after the envelope's own: the items for the parent it made.
    pub extra_leaves: Vec<Vec<u8>>,
}

/// How many recent request ids are remembered per (actor, client).
pub const DEDUP_WINDOW: u64 = 256;
/// A client silent for this long is forgotten by the dedup table (pruned on `Tick`).
pub const DEDUP_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Longest client id accepted.
pub const MAX_CLIENT_ID: usize = 64;

/// Per (actor, client): when it was last seen and how many answers are kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientMeta {
    pub last_seen_ms: i64,
    pub count: u64,
}

/// One remembered answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub outcome: Outcome,
    pub log_index: u64,
    pub leaf_index: Option<u64>,
}

/// Dedup clients: (actor label, client id) → meta.
pub const DEDUP_CLIENTS: Space<(String, String), ClientMeta> = Space::new(b'q');
/// Dedup answers: (actor label, client id, request id) → answer. One key per answer, so a write
/// touches one small value instead of rewriting the whole window.
pub const DEDUP_ANSWERS: Space<(String, String, u64), Answer> = Space::new(b'r');

/// Raw key prefix of one client's answers.
pub(crate) fn answers_prefix(key: &(String, String)) -> Vec<u8> {
    let mut p = DEDUP_CLIENTS.key(key);
    p[0] = DEDUP_ANSWERS.prefix();
    p.push(0);
    p
}

/// Request ids of one client's answers in a committed state, lowest first.
pub(crate) fn answer_ids<'a>(state: &'a State, prefix: &'a [u8]) -> impl Iterator<Item = u64> + 'a {
    state
        .range_from(prefix, prefix.to_vec())
        .filter_map(|(k, _)| {
            k.get(k.len().checked_sub(8)?..)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
        })
}

/// Runs one envelope against the state.
pub fn apply_envelope(
    state: &State,
    ctx: &ApplyContext<'_>,
    env: &Envelope,
) -> Result<Applied, DomainError> {
    let mut txn = Txn::new(state);
    let clock = META.get(&txn, CLOCK)?.unwrap_or(i64::MIN);
    let now = env.time_ms.max(clock);
    let response = |outcome: Outcome, dedup: bool| Response {
        outcome,
        log_index: ctx.log_index,
        leaf_index: Some(ctx.leaf_index),
        deduplicated: dedup,
    };

    // Deduplication comes first: a retry returns the first answer and changes nothing.
    let dedup_key = (!env.client_id.is_empty()).then(|| (env.actor.label(), env.client_id.clone()));
    let mut meta = None;
    if let Some(key) = &dedup_key {
        if env.client_id.len() > MAX_CLIENT_ID
            || !env.client_id.bytes().all(|b| b.is_ascii_graphic())
        {
            return refused_only(
                txn,
                now,
                clock,
                response(
                    Outcome::Refused(Refusal::new(
                        "INPUT",
                        format!("client id must be 1–{MAX_CLIENT_ID} printable ASCII characters"),
                    )),
                    false,
                ),
            );
        }
        let answer_key = (key.0.clone(), key.1.clone(), env.request_id);
        if let Some(a) = DEDUP_ANSWERS.get(&txn, &answer_key)? {
            return Ok(Applied {
                response: Response {
                    outcome: a.outcome,
                    log_index: a.log_index,
                    leaf_index: a.leaf_index,
                    deduplicated: true,
                },
                writes: BTreeMap::new(),
                extra_leaves: Vec::new(),
            });
        }
        let m = DEDUP_CLIENTS.get(&txn, key)?.unwrap_or_default();
        let prefix = answers_prefix(key);
        let lowest = answer_ids(state, &prefix).next();
        if m.count >= DEDUP_WINDOW && lowest.is_some_and(|l| env.request_id < l) {
            return refused_only(
                txn,
                now,
                clock,
                response(
                    Outcome::Refused(Refusal::new(
                        "DEDUP",
                        format!(
                            "request id {} is older than the {DEDUP_WINDOW} remembered for this client; use a new request id",
                            env.request_id
                        ),
                    )),
                    false,
                ),
            );
        }
        meta = Some((m, lowest));
    }

    let mut extra_leaves = Vec::new();
    let outcome = match decide(&mut txn, ctx, env, now) {
        Ok((result, writes, mut up)) => {
            // The status summary moves with the records the command wrote, and what the parent
            // must see of them becomes items for the uplink.
            let counters = summary::update(state, &writes)?;
            let mut bodies = outbox::items_for_writes(state, &writes)?;
            bodies.append(&mut up);
            // The summary goes up on Tick when it changed, and at once on a significant change:
            // something became (or stopped being) overdue.
            let overdue = summary::COUNTERS.key("region/overdue");
            let significant = counters.keys().any(|k| k.starts_with(&overdue));
            txn.merge(writes);
            txn.merge(counters);
            if parent_of(ctx.region).is_some()
                && (significant || matches!(env.command, Command::Tick))
            {
                bodies.extend(outbox::summary_item(&mut txn, now)?);
            }
            extra_leaves =
                outbox::queue_own(&mut txn, ctx.region, ctx.leaf_index + 1, bodies, now)?;
            Outcome::Ok(result)
        }
        Err(RuleError::Refused(refusal)) => Outcome::Refused(refusal),
        Err(RuleError::Fault(e)) => return Err(e),
    };

    if now != clock {
        META.put(&mut txn, CLOCK, &now)?;
    }
    if let (Some(key), Some((mut m, lowest))) = (dedup_key, meta) {
        m.last_seen_ms = now;
        m.count += 1;
        let answer = Answer {
            outcome: outcome.clone(),
            log_index: ctx.log_index,
            leaf_index: Some(ctx.leaf_index),
        };
        DEDUP_ANSWERS.put(
            &mut txn,
            &(key.0.clone(), key.1.clone(), env.request_id),
            &answer,
        )?;
        if m.count > DEDUP_WINDOW {
            if let Some(victim) = lowest {
                DEDUP_ANSWERS.delete(&mut txn, &(key.0.clone(), key.1.clone(), victim));
                m.count -= 1;
            }
        }
        DEDUP_CLIENTS.put(&mut txn, &key, &m)?;
    }
    Ok(Applied {
        response: response(outcome, false),
        writes: txn.into_writes(),
        extra_leaves,
    })
}

/// A refusal before any rule ran: only the clock moves.
fn refused_only(
    mut txn: Txn<'_>,
    now: i64,
    clock: i64,
    response: Response,
) -> Result<Applied, DomainError> {
    if now != clock {
        META.put(&mut txn, CLOCK, &now)?;
    }
    Ok(Applied {
        response,
        writes: txn.into_writes(),
        extra_leaves: Vec::new(),
    })
}

/// What an accepted command wrote, with its result and its items for the parent.
type Decision = (
    CommandResult,
    BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    Vec<ItemBody>,
);

/// Checks envelope-level rules, then runs the command's own rules in a nested write set so a
/// refusal leaves no trace.
fn decide(txn: &mut Txn<'_>, ctx: &ApplyContext<'_>, env: &Envelope, now: i64) -> Ruled<Decision> {
    if env.rules_version == 0 || env.rules_version > RULES_VERSION {
        return Err(Refusal::new(
            "RULES",
            format!(
                "envelope asks for rules version {}, this region applies {RULES_VERSION}",
                env.rules_version
            ),
        )
        .into());
    }
    if env.actor.region() != ctx.region {
        return Err(Refusal::new(
            "AUTH",
            format!(
                "{} belongs to region {}, not {}",
                env.actor.label(),
                env.actor.region(),
                ctx.region
            ),
        )
        .into());
    }
    let mut inner = Txn::new(txn.base());
    let mut up = Vec::new();
    // Supervision's own items for the levels above, carried as federation items in order.
    let mut sup_up = Vec::new();
    let mut cx = Cx {
        txn: &mut inner,
        actor: &env.actor,
        region: ctx.region,
        now,
        crypto: ctx.crypto,
        up: &mut up,
        sup_up: &mut sup_up,
    };
    let result = with_rule!(&env.command, c => c.apply(&mut cx))?;
    up.extend(sup_up.into_iter().map(ItemBody::from));
    Ok((result, inner.into_writes(), up))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::testkit::*;
    use crate::domain::core::identity::Actor;
    use crate::domain::core::identity::{Person, Role};

    use crate::domain::registry::AGENCIES;

    #[test]
    fn retry_returns_first_answer_and_creates_nothing() {
        let mut s = State::default();
        let e = env(
            clerk(),
            "c1",
            7,
            1000,
            Command::RegisterAgency(input("浏阳市市场监督管理局")),
        );
        let r = run(&mut s, &[e.clone(), e.clone()]);
        assert!(matches!(
            r[0].outcome,
            Outcome::Ok(CommandResult::Agency(_))
        ));
        assert!(!r[0].deduplicated);
        assert_eq!(r[1].outcome, r[0].outcome);
        assert!(r[1].deduplicated);
        assert_eq!(r[1].log_index, r[0].log_index);
        assert_eq!(AGENCIES.keys(&s).count(), 1);
    }

    #[test]
    fn clock_never_goes_backwards() {
        let mut s = State::default();
        run(
            &mut s,
            &[
                env(
                    clerk(),
                    "c",
                    1,
                    5000,
                    Command::RegisterAgency(input("甲局")),
                ),
                env(
                    clerk(),
                    "c",
                    2,
                    3000,
                    Command::RegisterAgency(input("乙局")),
                ),
            ],
        );
        let b = AGENCIES.read(&s, &2).unwrap().unwrap();
        assert_eq!(b.created_at_ms, 5000, "clamped to the earlier time");
        assert_eq!(META.read(&s, CLOCK).unwrap(), Some(5000));
    }

    #[test]
    fn refusals_change_no_domain_table() {
        let mut s = State::default();
        run(
            &mut s,
            &[env(
                clerk(),
                "c",
                1,
                10,
                Command::RegisterAgency(input("甲局")),
            )],
        );
        let before: Vec<_> = AGENCIES.keys(&s).cloned().collect();
        let officer = Actor::Person(Person {
            region: REGION.into(),
            role: Role::Officer,
            user: "li".into(),
        });
        let foreign = Actor::Person(Person {
            region: "hunan/zhuzhou/liling".into(),
            role: Role::Clerk,
            user: "wang".into(),
        });
        let mut bad_version = env(clerk(), "c", 9, 10, Command::RegisterAgency(input("丙局")));
        bad_version.rules_version = 99;
        let r = run(
            &mut s,
            &[
                env(officer, "c", 2, 10, Command::RegisterAgency(input("乙局"))),
                env(foreign, "c", 3, 10, Command::RegisterAgency(input("乙局"))),
                env(clerk(), "c", 4, 10, Command::RegisterAgency(input("甲局"))),
                env(clerk(), "c", 5, 10, Command::RegisterAgency(input(""))),
                env(clerk(), "c", 6, 10, Command::Tick),
                env(
                    clerk(),
                    "bad id with spaces",
                    7,
                    10,
                    Command::RegisterAgency(input("丁局")),
                ),
                bad_version,
            ],
        );
        let rules: Vec<_> = r
            .iter()
            .map(|x| match &x.outcome {
                Outcome::Refused(f) => f.rule.clone(),
                other => panic!("expected refusal, got {other:?}"),
            })
            .collect();
        assert_eq!(
            rules,
            ["PUB-1", "AUTH", "INPUT", "INPUT", "AUTH", "INPUT", "RULES"]
        );
        let after: Vec<_> = AGENCIES.keys(&s).cloned().collect();
        assert_eq!(before, after);
    }

    #[test]
    fn dedup_window_refuses_ids_older_than_remembered() {
        let mut s = State::default();
        let envs: Vec<_> = (1..=(DEDUP_WINDOW + 1))
            .map(|i| {
                env(
                    clerk(),
                    "c",
                    i,
                    10,
                    Command::RegisterAgency(input(&format!("局{i}"))),
                )
            })
            .collect();
        run(&mut s, &envs);
        let r = run(
            &mut s,
            &[env(
                clerk(),
                "c",
                1,
                10,
                Command::RegisterAgency(input("局1")),
            )],
        );
        match &r[0].outcome {
            Outcome::Refused(f) => assert_eq!(f.rule, "DEDUP"),
            o => panic!("{o:?}"),
        }
        assert_eq!(AGENCIES.keys(&s).count() as u64, DEDUP_WINDOW + 1);
        assert_eq!(
            DEDUP_ANSWERS.keys(&s).count() as u64,
            DEDUP_WINDOW,
            "window stays bounded"
        );
        // The newest ids are still answered from the table.
        let r = run(
            &mut s,
            &[env(
                clerk(),
                "c",
                DEDUP_WINDOW + 1,
                10,
                Command::RegisterAgency(input("x")),
            )],
        );
        assert!(r[0].deduplicated);
    }

    #[test]
    fn replay_gives_identical_state() {
        let envs: Vec<_> = (1..=50u64)
            .map(|i| {
                env(
                    clerk(),
                    "c",
                    i,
                    i as i64 * 7,
                    Command::RegisterAgency(input(&format!("局{i}"))),
                )
            })
            .collect();
        let mut a = State::default();
        let mut b = State::default();
        run(&mut a, &envs);
        run(&mut b, &envs);
        assert_eq!(a.digest(), b.digest());
        assert_eq!(a, b);
    }
}
