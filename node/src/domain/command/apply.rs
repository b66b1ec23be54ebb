//! The state machine's spine: clock clamping, deduplication, authorization by region,
//! dispatch to one command's rules, and the response. Pure: same state + same envelope →
//! same writes and response on every replica.
use std::collections::BTreeMap;

use crate::domain::command::dedup::{self, Answer, Gate};
use crate::domain::command::envelope::with_rule;
use crate::domain::command::envelope::{Command, Envelope, RULES_VERSION};
use crate::domain::command::rule::{refusal_counters_of, Cx, Rule};
use crate::domain::core::outcome::{CommandResult, Outcome, Refusal, Response};
use crate::domain::core::outcome::{RuleError, Ruled};
use crate::domain::core::region::parent_of;
use crate::domain::core::state::{DomainError, State, Txn, CLOCK, META};
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
    /// A `Tick` that changed nothing but the replicated clock, or an acknowledgement that
    /// pruned an outbox: no record, and no ledger leaf (an idle region's ledger stays as it is).
    pub quiet: bool,
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
    let response = |outcome: Outcome| Response {
        outcome,
        log_index: ctx.log_index,
        leaf_index: Some(ctx.leaf_index),
        deduplicated: false,
    };
    // Deduplication comes first: a retry returns the first answer and changes nothing.
    let new = match dedup::gate(state, &txn, env)? {
        Gate::Retry(response) => {
            return Ok(Applied {
                response,
                writes: BTreeMap::new(),
                extra_leaves: Vec::new(),
                quiet: false,
            })
        }
        Gate::Refused(refusal) => {
            return refused_only(txn, now, clock, response(Outcome::Refused(refusal)))
        }
        Gate::Open => None,
        Gate::New(request) => Some(request),
    };
    let mut extra_leaves = Vec::new();
    let outcome = match decide(&mut txn, ctx, env, now) {
        Ok((result, writes, up)) => {
            extra_leaves = carry(state, &mut txn, ctx, env, writes, up, now)?;
            Outcome::Ok(result)
        }
        Err(RuleError::Refused(refusal)) => {
            count_refusal(&mut txn, env, &refusal)?;
            Outcome::Refused(refusal)
        }
        Err(RuleError::Fault(e)) => return Err(e),
    };
    if now != clock {
        META.put(&mut txn, CLOCK, &now)?;
    }
    if let Some(request) = new {
        let answer = Answer {
            outcome: outcome.clone(),
            log_index: ctx.log_index,
            leaf_index: Some(ctx.leaf_index),
        };
        let digest = dedup::command_digest(env)?;
        dedup::remember(&mut txn, request, env.request_id, digest, answer, now)?;
    }
    let writes = txn.into_writes();
    // Transport bookkeeping is no record either: the acknowledgements that prune the outboxes
    // (were they leaves, each acknowledged head would grow the ledger, call for a new head,
    // whose acknowledgement would grow it again, for ever).
    let bookkeeping = match env.command {
        Command::Tick => {
            let clock_key = META.key(CLOCK);
            writes.keys().all(|k| *k == clock_key)
        }
        Command::UplinkAcked(_) | Command::DownAcked(_) => true,
        // Which node ids held the region's data: the cluster's bookkeeping, not a record.
        Command::RecordMember(_) => true,
        _ => false,
    };
    let quiet = bookkeeping && matches!(outcome, Outcome::Ok(_)) && extra_leaves.is_empty();
    let mut response = response(outcome);
    if quiet {
        response.leaf_index = None;
    }
    Ok(Applied {
        response,
        writes,
        extra_leaves,
        quiet,
    })
}

/// Merges an accepted command's writes with the status summary they move, and queues what the
/// parent must see of them as own items; returns those items' ledger leaves.
fn carry(
    state: &State,
    txn: &mut Txn<'_>,
    ctx: &ApplyContext<'_>,
    env: &Envelope,
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    mut up: Vec<ItemBody>,
    now: i64,
) -> Result<Vec<Vec<u8>>, DomainError> {
    let counters = summary::update(state, &writes)?;
    let mut bodies = outbox::items_for_writes(state, &writes)?;
    bodies.append(&mut up);
    // The summary goes up on Tick when it changed, and at once on a significant change:
    // something became (or stopped being) overdue.
    let overdue = summary::COUNTERS.key("region/overdue");
    let significant = counters.keys().any(|k| k.starts_with(&overdue));
    txn.merge(writes);
    txn.merge(counters);
    if parent_of(ctx.region).is_some() && (significant || matches!(env.command, Command::Tick)) {
        bodies.extend(outbox::summary_item(txn, now)?);
    }
    outbox::queue_own(txn, ctx.region, ctx.leaf_index + 1, bodies, now)
}

/// The counters a refusal moves, as the command names them ([`Rule::refusal_counters`]): a
/// refusal changes no record, only these (as the clock and the dedup table move); the summary
/// carries them up on the next `Tick`.
fn count_refusal(txn: &mut Txn<'_>, env: &Envelope, refusal: &Refusal) -> Result<(), DomainError> {
    let names = with_rule!(&env.command, c => refusal_counters_of(c, txn, refusal))?;
    for name in names {
        let n = summary::COUNTERS.get(txn, &name)?.unwrap_or(0);
        summary::COUNTERS.put(txn, &name, &(n + 1))?;
    }
    Ok(())
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
        quiet: false,
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
    // Every entry is applied by the rules it was written for; this release has only its own.
    if env.rules_version != RULES_VERSION {
        return Err(Refusal::new(
            "RULES",
            format!(
                "该命令按第 {} 版规则提交，本地区执行第 {RULES_VERSION} 版规则",
                env.rules_version
            ),
        )
        .into());
    }
    if env.actor.region() != ctx.region {
        return Err(Refusal::new(
            "AUTH",
            format!(
                "{} 属于地区 {}，不属于地区 {}",
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
    use crate::domain::command::dedup::{DEDUP_ANSWERS, DEDUP_WINDOW};
    use crate::domain::command::testkit::*;
    use crate::domain::core::identity::Actor;
    use crate::domain::core::identity::{Organ, Person, Role};

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
        // The same ids with another command: refused, naming the first request; nothing
        // changes but the clock, and the first answer still answers a true retry.
        let other = env(
            clerk(),
            "c1",
            7,
            1001,
            Command::RegisterAgency(input("宁乡市市场监督管理局")),
        );
        let before = s.clone();
        let r2 = run(&mut s, &[other, e]);
        match &r2[0].outcome {
            Outcome::Refused(f) => {
                assert_eq!(f.rule, "REPLAY");
                assert!(f.message.contains("请求编号 7"), "{}", f.message);
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(AGENCIES.keys(&s).count(), 1);
        assert_eq!(s.len(), before.len());
        assert_eq!(
            DEDUP_ANSWERS.keys(&s).count(),
            DEDUP_ANSWERS.keys(&before).count()
        );
        assert_eq!(r2[1].outcome, r[0].outcome);
        assert!(r2[1].deduplicated);
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
            organ: Organ::Agency(1),
            role: Role::Officer,
            user: "li".into(),
        });
        let foreign = Actor::Person(Person {
            region: "hunan/zhuzhou/liling".into(),
            organ: Organ::Bureau,
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
                Command::RegisterAgency(input(&format!("局{}", DEDUP_WINDOW + 1))),
            )],
        );
        assert!(r[0].deduplicated, "{r:?}");
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
