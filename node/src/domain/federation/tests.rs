//! Federation tests: links, origins, heads and items, from below and from above.
use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::CommandResult;
use crate::domain::core::outcome::IngestReport;
use crate::domain::core::outcome::Refusal;
use crate::domain::core::outcome::Split;
use crate::domain::core::region::in_subtree;
use crate::domain::core::region::parent_of;
use crate::domain::core::state::State;
use crate::domain::core::state::Txn;
use crate::domain::federation::held::ALERTS;
use crate::domain::federation::held::HELD_ITEMS;
use crate::domain::federation::held::ORIGINS;
use crate::domain::federation::ingest::IngestInput;
use crate::domain::federation::items::Alert;
use crate::domain::federation::items::AlertKind;
use crate::domain::federation::items::Carried;
use crate::domain::federation::items::CheckError;
use crate::domain::federation::items::Crypto;
use crate::domain::federation::items::Hash;
use crate::domain::federation::items::ItemBody;
use crate::domain::federation::items::SignedHead;
use crate::domain::federation::items::TreeHead;
use crate::domain::federation::items::UpItem;
use crate::domain::federation::items::EPOCH;
use crate::domain::federation::items::MAX_INGEST_ITEMS;
use crate::domain::federation::outbox::outbox_from;
use crate::domain::federation::outbox::outbox_stats;
use crate::domain::federation::outbox::push_out;
use crate::domain::federation::outbox::resolve;
use crate::domain::federation::outbox::OutBody;
use crate::domain::federation::outbox::UP_PENDING;
use crate::domain::federation::{ingest, outbox};
use crate::ledger::tree::tests::MemNodes;
use crate::ledger::{self, Frontier};

const CITY: &str = "p/c";
const COUNTY: &str = "p/c/a";

/// The real hashing and proofs; a head "verifies" unless its signature is `bad` (no CA
/// is needed for these tests).
struct TestCrypto;
impl Crypto for TestCrypto {
    fn leaf_hash(&self, data: &[u8]) -> Hash {
        ledger::LedgerCrypto::default().leaf_hash(data)
    }
    fn verify_head(&self, head: &SignedHead, _at: i64) -> Result<(), CheckError> {
        (head.signature != b"bad")
            .then_some(())
            .ok_or(CheckError::new("bad signature"))
    }
    fn verify_seal(
        &self,
        seal: &crate::domain::federation::items::Seal<'_>,
    ) -> Result<(), CheckError> {
        (seal.signature != b"bad")
            .then_some(())
            .ok_or(CheckError::new("bad seal"))
    }
    fn verify_inclusion(
        &self,
        i: u64,
        n: u64,
        l: &Hash,
        p: &[Hash],
        r: &Hash,
    ) -> Result<(), CheckError> {
        ledger::LedgerCrypto::default().verify_inclusion(i, n, l, p, r)
    }
    fn verify_consistency(
        &self,
        a: u64,
        b: u64,
        ra: &Hash,
        rb: &Hash,
        p: &[Hash],
    ) -> Result<(), CheckError> {
        ledger::LedgerCrypto::default().verify_consistency(a, b, ra, rb, p)
    }
}

/// A county ledger: leaves and stored nodes.
#[derive(Default)]
struct Ledger {
    nodes: MemNodes,
    frontier: Frontier,
}

impl Ledger {
    fn append(&mut self, data: &[u8]) -> u64 {
        let i = self.frontier.size();
        for (level, index, h) in self.frontier.append(ledger::leaf_hash(data)) {
            self.nodes.0.insert((level, index), h);
        }
        i
    }
    fn head(&self, size: u64, prev: u64) -> Carried {
        let root = ledger::root_at(&self.nodes, size).unwrap();
        let proof = if prev == 0 {
            vec![]
        } else {
            ledger::consistency_proof(&self.nodes, prev, size).unwrap()
        };
        Carried::Head {
            head: SignedHead {
                head: TreeHead {
                    region: COUNTY.into(),
                    size,
                    root,
                    time_ms: 1,
                },
                signer: 1,
                cert_der: vec![],
                signature: vec![1],
            },
            prev_size: prev,
            proof,
        }
    }
    fn item(&mut self, seq: u64, name: &str) -> (u64, Vec<u8>) {
        let bytes = UpItem {
            origin: COUNTY.into(),
            epoch: EPOCH,
            seq,
            time_ms: 1,
            body: ItemBody::Summary {
                counters: [(name.to_string(), 1)].into_iter().collect(),
                overdue: vec![],
                backlog: 0,
            },
        }
        .leaf_bytes()
        .unwrap();
        (self.append(&bytes), bytes)
    }
    fn carried(&self, (leaf, bytes): &(u64, Vec<u8>), head_size: u64) -> Carried {
        Carried::Item {
            bytes: bytes.clone(),
            leaf_index: *leaf,
            head_size,
            proof: ledger::inclusion_proof(&self.nodes, *leaf, head_size).unwrap(),
        }
    }
}

fn node() -> Actor {
    Actor::Node {
        region: CITY.into(),
        node: 1,
    }
}

/// Ingests entries at the city from link `COUNTY`; returns the report or refusal.
fn ingest_at(
    state: &mut State,
    first_seq: u64,
    entries: Vec<Carried>,
    actor: &Actor,
) -> Result<IngestReport, Refusal> {
    let mut txn = Txn::new(state);
    let mut up = Vec::new();
    let input = IngestInput {
        link: COUNTY.into(),
        first_seq,
        entries,
        tail: 0,
        oldest_ms: 0,
    };
    let r = ingest::ingest(&mut txn, actor, CITY, &input, &TestCrypto, 5, &mut up)
        .split()
        .unwrap();
    let writes = txn.into_writes();
    match r {
        Ok(CommandResult::Ingested(rep)) => {
            state.apply_writes(&writes);
            Ok(rep)
        }
        Ok(other) => panic!("{other:?}"),
        Err(f) => {
            assert!(writes.is_empty(), "a refusal writes nothing");
            Err(f)
        }
    }
}

fn kinds(state: &State) -> Vec<AlertKind> {
    ALERTS
        .keys(state)
        .filter_map(|k| bincode::deserialize::<Alert>(state.get_raw(k)?).ok())
        .map(|a| a.kind)
        .collect()
}

#[test]
fn heads_and_items_are_checked_and_held_and_forwarded() {
    let mut l = Ledger::default();
    l.append(b"cmd0");
    let i1 = l.item(1, "a");
    l.append(b"cmd2");
    let i2 = l.item(2, "b");
    let h4 = l.head(4, 0);
    l.append(b"cmd4");
    let i3 = l.item(3, "c");
    let h6 = l.head(6, 4);
    let mut s = State::default();
    let rep = ingest_at(
        &mut s,
        1,
        vec![
            h4,
            l.carried(&i1, 4),
            l.carried(&i2, 4),
            h6,
            l.carried(&i3, 6),
        ],
        &node(),
    )
    .unwrap();
    assert_eq!(
        (rep.mark, rep.accepted, rep.duplicates, rep.gap),
        (5, 5, 0, false)
    );
    assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
    let o = ORIGINS.read(&s, COUNTY).unwrap().unwrap();
    assert_eq!((o.seq, o.items, o.head_size, o.unproven), (3, 3, 6, 0));
    assert!(
        HELD_ITEMS
            .read(&s, &(COUNTY.into(), 2))
            .unwrap()
            .unwrap()
            .proven
    );
    // The city has a parent: all five entries wait in its outbox, unchanged.
    let out = outbox_from(&s, 1, 10).unwrap();
    assert_eq!(out.len(), 5);
    assert!(out
        .iter()
        .all(|(_, e)| matches!(resolve(&s, e), Ok((_, false)))));
}

#[test]
fn rewritten_history_equivocation_and_bad_signatures_raise_alerts_and_the_link_goes_on() {
    let mut l = Ledger::default();
    for i in 0..8 {
        l.append(format!("cmd{i}").as_bytes());
    }
    let mut s = State::default();
    ingest_at(&mut s, 1, vec![l.head(4, 0), l.head(8, 4)], &node()).unwrap();

    // Another history of the same county: same sizes, different leaves.
    let mut forged = Ledger::default();
    for i in 0..12 {
        forged.append(format!("forged{i}").as_bytes());
    }
    let equivocating = forged.head(8, 4);
    let rep = ingest_at(&mut s, 3, vec![equivocating], &node()).unwrap();
    assert_eq!(rep.mark, 3, "the link goes on");
    assert_eq!(kinds(&s), [AlertKind::Equivocation]);
    // A longer head of the rewritten history: not an extension of the held one.
    let rep = ingest_at(&mut s, 4, vec![forged.head(12, 8)], &node()).unwrap();
    assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
    assert!(kinds(&s).contains(&AlertKind::Inconsistent));
    // A smaller head than the one held: history shrank.
    let mut short = Ledger::default();
    for i in 0..6 {
        short.append(format!("s{i}").as_bytes());
    }
    ingest_at(&mut s, 5, vec![short.head(6, 0)], &node()).unwrap();
    // A bad signature.
    let mut bad = l.head(8, 4);
    if let Carried::Head { head, .. } = &mut bad {
        head.signature = b"bad".to_vec();
        head.head.size = 9;
    }
    ingest_at(&mut s, 6, vec![bad], &node()).unwrap();
    assert!(kinds(&s).contains(&AlertKind::BadSignature));
    // The trustworthy head stays.
    let o = ORIGINS.read(&s, COUNTY).unwrap().unwrap();
    assert_eq!(
        (o.head_size, o.head_root),
        (8, ledger::root_at(&l.nodes, 8).unwrap())
    );
    // The honest history goes on being accepted.
    l.append(b"cmd8");
    let rep = ingest_at(&mut s, 7, vec![l.head(9, 8)], &node()).unwrap();
    assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
    // Alerts are items for the parent, one per kind and subject.
    let pending = UP_PENDING.keys(&s).count();
    assert_eq!(pending, 0, "queued by apply, not by ingest itself");
}

#[test]
fn altered_item_is_alerted_and_not_proven() {
    let mut l = Ledger::default();
    let i1 = l.item(1, "true");
    let h = l.head(1, 0);
    let mut c = l.carried(&i1, 1);
    if let Carried::Item { bytes, .. } = &mut c {
        let mut it = UpItem::from_leaf(bytes).unwrap();
        it.body = ItemBody::Summary {
            counters: [("false".to_string(), 1)].into_iter().collect(),
            overdue: vec![],
            backlog: 0,
        };
        *bytes = it.leaf_bytes().unwrap();
    }
    let mut s = State::default();
    let rep = ingest_at(&mut s, 1, vec![h, c], &node()).unwrap();
    assert_eq!(rep.mark, 2);
    assert_eq!(kinds(&s), [AlertKind::Altered]);
    assert!(
        !HELD_ITEMS
            .read(&s, &(COUNTY.into(), 1))
            .unwrap()
            .unwrap()
            .proven
    );
}

#[test]
fn forged_alerts_are_not_kept_and_unprovable_items_are_alerted() {
    let mut l = Ledger::default();
    // The county claims a region below it detected something: an alert is kept only as
    // its own origin's finding.
    let forged = Alert {
        detected_by: format!("{COUNTY}/z"),
        subject: "p/c/b".into(),
        kind: AlertKind::Fork,
        message: "invented".into(),
        first_ms: 1,
        last_ms: 1,
        count: 1,
    };
    let bytes = UpItem {
        origin: COUNTY.into(),
        epoch: EPOCH,
        seq: 1,
        time_ms: 1,
        body: ItemBody::Alert(forged),
    }
    .leaf_bytes()
    .unwrap();
    let leaf = l.append(&bytes);
    let h = l.head(1, 0);
    let mut s = State::default();
    let rep = ingest_at(&mut s, 1, vec![h, l.carried(&(leaf, bytes), 1)], &node()).unwrap();
    assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
    assert!(kinds(&s).is_empty(), "the invented alert is not kept");
    // An item citing a head that is not held.
    let i2 = l.item(2, "x");
    let mut c = l.carried(&i2, 2);
    if let Carried::Item { head_size, .. } = &mut c {
        *head_size = 2;
    }
    ingest_at(&mut s, 3, vec![c], &node()).unwrap();
    assert_eq!(kinds(&s), [AlertKind::Unproven]);
    // A malformed origin is refused content, its text clipped in the alert.
    let long = format!("{COUNTY}/{}", "x".repeat(300));
    let bytes = UpItem {
        origin: long,
        epoch: EPOCH,
        seq: 1,
        time_ms: 1,
        body: ItemBody::Summary {
            counters: Default::default(),
            overdue: vec![],
            backlog: 0,
        },
    }
    .leaf_bytes()
    .unwrap();
    let rep = ingest_at(
        &mut s,
        4,
        vec![Carried::Item {
            bytes,
            leaf_index: 0,
            head_size: 1,
            proof: vec![],
        }],
        &node(),
    )
    .unwrap();
    assert_eq!(rep.mark, 4);
    assert!(rep.alerts[0].len() < 600, "{}", rep.alerts[0]);
}

#[test]
fn refusals_change_nothing() {
    let mut s = State::default();
    let person = Actor::Person(crate::domain::Person {
        region: CITY.into(),
        organ: crate::domain::Organ::Bureau,
        role: crate::domain::Role::Clerk,
        user: "x".into(),
    });
    assert_eq!(
        ingest_at(&mut s, 1, vec![], &person).unwrap_err().rule,
        "AUTH"
    );
    assert_eq!(
        ingest_at(&mut s, 0, vec![], &node()).unwrap_err().rule,
        "INPUT"
    );
    let too_many = vec![Ledger::default().head(0, 0); MAX_INGEST_ITEMS + 1];
    assert_eq!(
        ingest_at(&mut s, 1, too_many, &node()).unwrap_err().rule,
        "INPUT"
    );
    let mut txn = Txn::new(&s);
    let input = IngestInput {
        link: "p/x/y".into(),
        first_seq: 1,
        entries: vec![],
        tail: 0,
        oldest_ms: 0,
    };
    let r = ingest::ingest(
        &mut txn,
        &node(),
        CITY,
        &input,
        &TestCrypto,
        5,
        &mut Vec::new(),
    )
    .split()
    .unwrap();
    assert_eq!(r.unwrap_err().rule, "AUTH", "not a direct child");
    assert!(txn.into_writes().is_empty());
    assert!(s.is_empty());
}

#[test]
fn acknowledgement_prunes_the_outbox_and_never_beyond_it() {
    let s = State::default();
    let mut txn = Txn::new(&s);
    for _ in 0..3 {
        push_out(&mut txn, OutBody::Own(Ledger::default().head(0, 0)), 7).unwrap();
    }
    let mut s2 = State::default();
    s2.apply_writes(&txn.into_writes());
    let mut txn = Txn::new(&s2);
    assert_eq!(
        outbox::acked(&mut txn, &node(), 4)
            .split()
            .unwrap()
            .unwrap_err()
            .rule,
        "INPUT"
    );
    outbox::acked(&mut txn, &node(), 2)
        .split()
        .unwrap()
        .unwrap();
    s2.apply_writes(&txn.into_writes());
    let st = outbox_stats(&s2).unwrap();
    assert_eq!((st.tail, st.acked, st.backlog, st.oldest_ms), (3, 2, 1, 7));
    assert_eq!(outbox_from(&s2, 1, 10).unwrap().len(), 1);
}

#[test]
fn subtree_and_parent() {
    assert!(in_subtree("p/c/a", "p/c"));
    assert!(in_subtree("p/c", "p/c"));
    assert!(!in_subtree("p/cc", "p/c"));
    assert_eq!(parent_of("p/c/a"), Some("p/c"));
    assert_eq!(parent_of("p"), None);
}

/// An ancestor keeps the latest head of each origin, the heads its held items are proven
/// against and the heads still to be forwarded; any other earlier head is dropped, and a resend
/// of a dropped head's position is a duplicate, not a fork.
#[test]
fn earlier_heads_are_dropped_unless_an_item_cites_them_or_they_wait_to_go_up() {
    use crate::domain::federation::held::{HEAD_PINS, HELD_HEADS};
    let mut l = Ledger::default();
    let i1 = l.item(1, "a");
    let h1 = l.head(1, 0);
    l.append(b"cmd1");
    let h2 = l.head(2, 1);
    let i2 = l.item(2, "b");
    let h3 = l.head(3, 2);
    let mut s = State::default();
    let entries = vec![h1, l.carried(&i1, 1), h2.clone(), h3, l.carried(&i2, 3)];
    let rep = ingest_at(&mut s, 1, entries, &node()).unwrap();
    assert_eq!(rep.accepted, 5, "{rep:?}");
    assert!(kinds(&s).is_empty(), "{:?}", kinds(&s));
    let held = |s: &State| -> Vec<u64> {
        (1..=3)
            .filter(|n| {
                HELD_HEADS
                    .read(s, &(COUNTY.to_string(), *n))
                    .unwrap()
                    .is_some()
            })
            .collect()
    };
    // Every head still waits to be forwarded to the province.
    assert_eq!(held(&s), [1, 2, 3]);
    // Once the province holds them, the head no item cites goes; the cited and the latest stay.
    let tail = outbox_stats(&s).unwrap().tail;
    let mut txn = Txn::new(&s);
    outbox::acked(&mut txn, &node(), tail)
        .split()
        .unwrap()
        .unwrap();
    s.apply_writes(&txn.into_writes());
    assert_eq!(held(&s), [1, 3]);
    assert_eq!(HEAD_PINS.keys(&s).count(), 2, "h1 and h3 are cited");
    // The head at position 3 arrives again: a duplicate.
    let rep = ingest_at(&mut s, 3, vec![h2], &node()).unwrap();
    assert_eq!((rep.duplicates, rep.accepted), (1, 0), "{rep:?}");
    assert!(kinds(&s).is_empty(), "{:?}", kinds(&s));
}

/// `prev_size` is not signed: it names the held head a consistency proof starts from, and is
/// checked against that head's signed root. A region in between that changes it, or the
/// proof, gains nothing: the head is not taken and the held one stays.
#[test]
fn a_relay_changing_prev_size_or_the_proof_gets_the_head_refused() {
    let mut l = Ledger::default();
    for i in 0..8 {
        l.append(format!("cmd{i}").as_bytes());
    }
    let mut s = State::default();
    ingest_at(&mut s, 1, vec![l.head(4, 0)], &node()).unwrap();
    // Proven from size 2, which is not the head held.
    let rep = ingest_at(&mut s, 2, vec![l.head(8, 2)], &node()).unwrap();
    assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
    // The right size named, with the proof from another size.
    let mut h = l.head(8, 4);
    if let (Carried::Head { proof, .. }, Carried::Head { proof: other, .. }) =
        (&mut h, l.head(8, 2))
    {
        *proof = other;
    }
    let rep = ingest_at(&mut s, 3, vec![h], &node()).unwrap();
    assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
    assert!(
        kinds(&s).iter().all(|k| *k == AlertKind::Inconsistent),
        "{:?}",
        kinds(&s)
    );
    assert_eq!(ORIGINS.read(&s, COUNTY).unwrap().unwrap().head_size, 4);
    // The head as its region sent it is taken.
    let rep = ingest_at(&mut s, 4, vec![l.head(8, 4)], &node()).unwrap();
    assert!(rep.alerts.is_empty(), "{:?}", rep.alerts);
    assert_eq!(ORIGINS.read(&s, COUNTY).unwrap().unwrap().head_size, 8);
}
