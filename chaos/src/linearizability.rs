//! Linearizability of a register history (Wing & Gong's search with Lowe's memoisation, as
//! Porcupine does it).
//!
//! A history is a set of operations, each with the time it was invoked and, if it answered,
//! the time it answered. An operation without an answer (a timeout, a crash: "unknown") may
//! have taken effect at any moment after its invocation, or never. The history is
//! linearizable when every answered operation can be placed at one instant between its
//! invocation and its answer, in an order a single register would produce.
//!
//! Keys are independent registers, so each key is checked alone (P-compositionality); each
//! check stops after `budget` search steps and says [`Verdict::Unknown`] rather than hang.
use std::collections::{BTreeMap, HashSet};

/// What an operation did to a register of integers (`None`: never written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Write(i64),
    /// A read, with the value it returned.
    Read(Option<i64>),
    /// Compare-and-set from `from` to `to`; `ok` is what it answered.
    Cas {
        from: i64,
        to: i64,
        ok: bool,
    },
}

/// One operation of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub key: String,
    pub op: Op,
    /// When it was invoked (any monotonic unit).
    pub invoked: u64,
    /// When it answered; `None` when the outcome is unknown.
    pub answered: Option<u64>,
}

/// The answer for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Linearizable,
    /// No order explains the answers; the operations of the shortest failing prefix.
    Violation(String),
    /// The search ran out of budget.
    Unknown {
        steps: u64,
    },
}

/// Applies `op` to `state`: the new state, or `None` when `op`'s answer is impossible there.
fn step(state: Option<i64>, op: Op) -> Option<Option<i64>> {
    match op {
        Op::Write(v) => Some(Some(v)),
        Op::Read(v) => (v == state).then_some(state),
        Op::Cas { from, to, ok: true } => (state == Some(from)).then_some(Some(to)),
        Op::Cas {
            from, ok: false, ..
        } => (state != Some(from)).then_some(state),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Call,
    Return,
}

/// Checks every key of `history`; keys in order.
pub fn check(history: &[Event], budget: u64) -> BTreeMap<String, Verdict> {
    let mut by_key: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in history {
        by_key.entry(e.key.as_str()).or_default().push(e);
    }
    by_key
        .into_iter()
        .map(|(k, evs)| (k.to_string(), check_key(&evs, budget)))
        .collect()
}

/// Checks one register's operations.
pub fn check_key(events: &[&Event], budget: u64) -> Verdict {
    // A read whose answer is unknown constrains nothing.
    let ops: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| !(e.answered.is_none() && matches!(e.op, Op::Read(_))))
        .collect();
    let n = ops.len();
    // Entries in time order; at equal times a call comes first (the operations overlap).
    let mut entries: Vec<(u64, u8, usize, Kind)> = Vec::with_capacity(2 * n);
    for (i, e) in ops.iter().enumerate() {
        entries.push((e.invoked, 0, i, Kind::Call));
        if let Some(a) = e.answered {
            entries.push((a.max(e.invoked), 1, i, Kind::Return));
        }
    }
    entries.sort_by_key(|(t, order, i, _)| (*t, *order, *i));
    // A doubly linked list over the entries; node 0 is the head sentinel.
    let m = entries.len();
    // Node j (1..=m) is entries[j - 1]; m + 1 is the end.
    let mut next: Vec<usize> = (1..=m + 1).collect();
    let mut prev: Vec<usize> = (0..=m).map(|i| i.saturating_sub(1)).collect();
    let end = m + 1;
    let mut call_node = vec![0usize; n];
    let mut ret_node = vec![None; n];
    for (j, (_, _, i, k)) in entries.iter().enumerate() {
        match k {
            Kind::Call => call_node[*i] = j + 1,
            Kind::Return => ret_node[*i] = Some(j + 1),
        }
    }
    let unlink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, j: usize| {
        let (p, q) = (prev[j], next[j]);
        next[p] = q;
        if q <= m {
            prev[q] = p;
        }
    };
    let relink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, j: usize| {
        let (p, q) = (prev[j], next[j]);
        next[p] = j;
        if q <= m {
            prev[q] = j;
        }
    };
    let words = n.div_ceil(64).max(1);
    let mut linearized = vec![0u64; words];
    let mut cache: HashSet<(Vec<u64>, Option<i64>)> = HashSet::new();
    let mut state: Option<i64> = None;
    let mut stack: Vec<(usize, Option<i64>)> = Vec::new();
    let mut left = ret_node.iter().filter(|r| r.is_some()).count();
    let mut deepest = 0usize;
    let mut steps = 0u64;
    let mut cur = next[0];
    loop {
        if left == 0 {
            return Verdict::Linearizable;
        }
        steps += 1;
        if steps > budget {
            return Verdict::Unknown { steps };
        }
        let backtrack = if cur == end {
            true
        } else {
            let (_, _, i, kind) = entries[cur - 1];
            match kind {
                Kind::Call => {
                    let mut tried = false;
                    if let Some(s2) = step(state, ops[i].op) {
                        let mut bits = linearized.clone();
                        bits[i / 64] |= 1 << (i % 64);
                        if cache.insert((bits.clone(), s2)) {
                            tried = true;
                            stack.push((i, state));
                            deepest = deepest.max(stack.len());
                            state = s2;
                            linearized = bits;
                            unlink(&mut next, &mut prev, call_node[i]);
                            if let Some(r) = ret_node[i] {
                                unlink(&mut next, &mut prev, r);
                                left -= 1;
                            }
                            cur = next[0];
                        }
                    }
                    if !tried {
                        cur = next[cur];
                    }
                    false
                }
                // An answered operation not yet placed: what was chosen before must change.
                Kind::Return => true,
            }
        };
        if backtrack {
            let Some((i, before)) = stack.pop() else {
                return Verdict::Violation(describe(&ops, &entries, cur, end));
            };
            state = before;
            linearized[i / 64] &= !(1 << (i % 64));
            if let Some(r) = ret_node[i] {
                relink(&mut next, &mut prev, r);
                left += 1;
            }
            relink(&mut next, &mut prev, call_node[i]);
            cur = next[call_node[i]];
        }
    }
}

/// A short exact description of where the search failed.
fn describe(ops: &[&Event], entries: &[(u64, u8, usize, Kind)], cur: usize, end: usize) -> String {
    if cur == end {
        return "no order of the answered operations is possible".into();
    }
    let (_, _, i, _) = entries[cur - 1];
    let e = ops[i];
    format!(
        "{:?} on key {:?} (invoked {}, answered {:?}) cannot be placed after the operations that completed before it",
        e.op, e.key, e.invoked, e.answered
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(op: Op, invoked: u64, answered: Option<u64>) -> Event {
        Event {
            key: "k".into(),
            op,
            invoked,
            answered,
        }
    }

    fn verdict(h: &[Event]) -> Verdict {
        check(h, 1_000_000).remove("k").unwrap()
    }

    #[test]
    fn sequential_and_concurrent_histories_that_are_fine() {
        use Op::*;
        assert_eq!(
            verdict(&[
                ev(Read(None), 0, Some(1)),
                ev(Write(1), 2, Some(3)),
                ev(Read(Some(1)), 4, Some(5)),
            ]),
            Verdict::Linearizable
        );
        // A read overlapping a write may see either value.
        for seen in [Some(1), Some(2)] {
            assert_eq!(
                verdict(&[
                    ev(Write(1), 0, Some(1)),
                    ev(Write(2), 2, Some(6)),
                    ev(Read(seen), 3, Some(5)),
                ]),
                Verdict::Linearizable,
                "{seen:?}"
            );
        }
        // A write that never answered may have happened, or not.
        for seen in [Some(1), Some(9)] {
            assert_eq!(
                verdict(&[
                    ev(Write(1), 0, Some(1)),
                    ev(Write(9), 2, None),
                    ev(Read(seen), 5, Some(6)),
                ]),
                Verdict::Linearizable
            );
        }
        assert_eq!(
            verdict(&[
                ev(Write(1), 0, Some(1)),
                ev(
                    Cas {
                        from: 1,
                        to: 2,
                        ok: true
                    },
                    2,
                    Some(3)
                ),
                ev(
                    Cas {
                        from: 1,
                        to: 3,
                        ok: false
                    },
                    4,
                    Some(5)
                ),
                ev(Read(Some(2)), 6, Some(7)),
            ]),
            Verdict::Linearizable
        );
    }

    #[test]
    fn histories_no_register_could_produce_are_violations() {
        use Op::*;
        // A value never written.
        assert!(matches!(
            verdict(&[ev(Write(1), 0, Some(1)), ev(Read(Some(7)), 2, Some(3))]),
            Verdict::Violation(_)
        ));
        // A stale read after the new value was acknowledged and read.
        assert!(matches!(
            verdict(&[
                ev(Write(1), 0, Some(1)),
                ev(Write(2), 2, Some(3)),
                ev(Read(Some(2)), 4, Some(5)),
                ev(Read(Some(1)), 6, Some(7)),
            ]),
            Verdict::Violation(_)
        ));
        // An acknowledged write lost: read back the initial state afterwards.
        assert!(matches!(
            verdict(&[ev(Write(5), 0, Some(1)), ev(Read(None), 2, Some(3))]),
            Verdict::Violation(_)
        ));
        // Two successful CAS from the same value.
        assert!(matches!(
            verdict(&[
                ev(Write(0), 0, Some(1)),
                ev(
                    Cas {
                        from: 0,
                        to: 1,
                        ok: true
                    },
                    2,
                    Some(4)
                ),
                ev(
                    Cas {
                        from: 0,
                        to: 2,
                        ok: true
                    },
                    3,
                    Some(5)
                ),
            ]),
            Verdict::Violation(_)
        ));
    }

    /// Histories produced by a real register, with operations overlapping at random, are
    /// linearizable; changing one read's value to one never written makes them not.
    #[test]
    fn generated_histories_from_a_real_register() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..200 {
            let mut state: Option<i64> = None;
            let mut h = Vec::new();
            let mut t = 0u64;
            for i in 0..12 {
                // The effect happens at `t`; invocation and answer spread around it.
                t += 10;
                let op = if rand(2) == 0 {
                    state = Some(i);
                    Op::Write(i)
                } else {
                    Op::Read(state)
                };
                let invoked = t - rand(15).min(9);
                let answered = if matches!(op, Op::Write(_)) && rand(8) == 0 {
                    None
                } else {
                    Some(t + rand(15).min(9))
                };
                h.push(ev(op, invoked, answered));
            }
            assert_eq!(verdict(&h), Verdict::Linearizable, "round {round}: {h:?}");
            if let Some(r) = h
                .iter_mut()
                .find(|e| matches!(e.op, Op::Read(_)) && e.answered.is_some())
            {
                r.op = Op::Read(Some(1_000));
                assert!(
                    matches!(verdict(&h), Verdict::Violation(_)),
                    "round {round}: {h:?}"
                );
            }
        }
    }

    #[test]
    fn keys_are_checked_alone_and_the_budget_answers_unknown() {
        use Op::*;
        let mut h = vec![
            Event {
                key: "a".into(),
                op: Write(1),
                invoked: 0,
                answered: Some(1),
            },
            Event {
                key: "b".into(),
                op: Read(Some(1)),
                invoked: 2,
                answered: Some(3),
            },
        ];
        let v = check(&h, 1_000);
        assert_eq!(v["a"], Verdict::Linearizable);
        assert!(
            matches!(v["b"], Verdict::Violation(_)),
            "keys do not share values"
        );
        // Many overlapping writes and a read nobody wrote: the search is large; a tiny budget
        // says unknown instead of searching on.
        h.clear();
        for i in 0..12 {
            h.push(ev(Write(i), 0, Some(100)));
        }
        h.push(ev(Read(Some(99)), 101, Some(102)));
        assert!(matches!(check(&h, 50)["k"], Verdict::Unknown { .. }));
        assert!(matches!(check(&h, 10_000_000)["k"], Verdict::Violation(_)));
    }
}
