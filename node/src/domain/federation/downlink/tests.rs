use super::*;
use crate::domain::core::identity::Person;
use crate::domain::State;

fn node(region: &str) -> Actor {
    Actor::Node {
        region: region.into(),
        node: 1,
    }
}

fn notice(issuer: &str, seq: u64, to: &str, text: &str) -> DownItem {
    DownItem {
        issuer: issuer.into(),
        seq,
        to: to.into(),
        time_ms: 1,
        by: "x".into(),
        body: DownBody::Notice {
            number: "1号".into(),
            title: "通报".into(),
            text: text.into(),
        },
    }
}

/// Ingests at the city "p/c" from "p"; returns the report, the own items and the state.
fn at_city(s: &mut State, first: u64, items: &[DownItem]) -> (IngestReport, Vec<ItemBody>) {
    let mut txn = Txn::new(s);
    let mut up = Vec::new();
    let r = ingest(&mut txn, &node("p/c"), "p/c", "p", first, items, 5, &mut up)
        .split()
        .unwrap()
        .unwrap();
    let w = txn.into_writes();
    s.apply_writes(&w);
    match r {
        CommandResult::Ingested(rep) => (rep, up),
        other => panic!("{other:?}"),
    }
}

#[test]
fn once_per_hop_forwarded_toward_the_addressee_receipt_at_the_addressee() {
    let mut s = State::default();
    let a = notice("p", 1, "p/c/a", "甲");
    let b = notice("p", 2, "p/c", "乙");
    let (rep, up) = at_city(&mut s, 1, &[a.clone(), b.clone()]);
    assert_eq!((rep.mark, rep.accepted), (2, 2));
    // Addressed to the city itself: a receipt goes up; to the county: queued for it.
    assert_eq!(
        up,
        [ItemBody::Receipt {
            issuer: "p".into(),
            seq: 2,
            to: "p/c".into(),
            digest: digest(&notice("p", 2, "p/c", "乙")).unwrap(),
        }]
    );
    let q = DOWN_OUT
        .read(&s, &("p/c/a".to_string(), 1))
        .unwrap()
        .unwrap();
    assert_eq!(q.item, a);
    // A resend is acknowledged again, once.
    let (rep, up) = at_city(&mut s, 1, &[a.clone(), b]);
    assert_eq!((rep.mark, rep.duplicates, rep.accepted), (2, 2, 0));
    assert!(up.is_empty());
    // A gap is refused and nothing is taken.
    let (rep, _) = at_city(&mut s, 4, &[notice("p", 4, "p/c", "丙")]);
    assert!(rep.gap);
    assert_eq!(rep.mark, 2);
    // A different item at a taken position is a fork.
    let (rep, _) = at_city(&mut s, 2, &[notice("p", 2, "p/c", "改")]);
    assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
    assert!(rep.alerts[0].starts_with("fork"));
    // An item not for this path, or from an issuer not above, is alerted and not kept.
    let (rep, _) = at_city(
        &mut s,
        3,
        &[notice("p", 3, "p/d", "x"), notice("p/c/a", 1, "p/c", "y")],
    );
    assert_eq!(rep.alerts.len(), 2, "{:?}", rep.alerts);
    assert_eq!(RECEIVED.keys(&s).count(), 2);
}

#[test]
fn send_checks_role_addressee_and_content() {
    let s = State::default();
    let who = |role| {
        Actor::Person(Person {
            region: "p".into(),
            organ: crate::domain::Organ::Bureau,
            role,
            user: "u".into(),
        })
    };
    let body = DownBody::Notice {
        number: "1号".into(),
        title: "t".into(),
        text: "x".into(),
    };
    let mut txn = Txn::new(&s);
    let refused = |r: Ruled| r.split().unwrap().unwrap_err().rule;
    assert_eq!(
        refused(send(&mut txn, &who(Role::Clerk), "p", "p/c", &body, 1)),
        "SUP-2"
    );
    assert_eq!(
        refused(send(&mut txn, &who(Role::Inspector), "p", "p", &body, 1)),
        "AUTH"
    );
    assert_eq!(
        refused(send(&mut txn, &who(Role::Inspector), "p", "q/c", &body, 1)),
        "AUTH"
    );
    let empty = DownBody::Notice {
        number: " ".into(),
        title: "t".into(),
        text: "x".into(),
    };
    assert_eq!(
        refused(send(&mut txn, &who(Role::Inspector), "p", "p/c", &empty, 1)),
        "SUP-2"
    );
    let long = DownBody::Setting {
        key: "k".into(),
        value: "x".repeat(MAX_TEXT + 1),
    };
    assert_eq!(
        refused(send(&mut txn, &who(Role::Inspector), "p", "p/c", &long, 1)),
        "INPUT"
    );
    assert!(txn.into_writes().is_empty(), "refusals write nothing");
    let mut txn = Txn::new(&s);
    send(&mut txn, &who(Role::Inspector), "p", "p/c/a", &body, 1)
        .split()
        .unwrap()
        .unwrap();
    let mut s2 = State::default();
    s2.apply_writes(&txn.into_writes());
    assert!(
        DOWN_OUT
            .read(&s2, &("p/c".to_string(), 1))
            .unwrap()
            .is_some(),
        "queued for the next hop"
    );
    let mut txn = Txn::new(&s2);
    assert_eq!(refused(acked(&mut txn, &node("p"), "p/c", 2)), "INPUT");
    acked(&mut txn, &node("p"), "p/c", 1)
        .split()
        .unwrap()
        .unwrap();
    s2.apply_writes(&txn.into_writes());
    assert_eq!(DOWN_OUT.keys(&s2).count(), 0);
}

#[test]
fn a_receipt_for_other_content_marks_the_item_altered_not_delivered() {
    let s = State::default();
    let inspector = Actor::Person(Person {
        region: "p".into(),
        organ: crate::domain::Organ::Bureau,
        role: Role::Inspector,
        user: "u".into(),
    });
    let body = DownBody::Setting {
        key: "k".into(),
        value: "v".into(),
    };
    let mut txn = Txn::new(&s);
    send(&mut txn, &inspector, "p", "p/c", &body, 1)
        .split()
        .unwrap()
        .unwrap();
    send(&mut txn, &inspector, "p", "p/c", &body, 1)
        .split()
        .unwrap()
        .unwrap();
    let mut s2 = State::default();
    s2.apply_writes(&txn.into_writes());
    let sent = |s: &State, seq| SENT_DOWN.read(s, &seq).unwrap().unwrap();
    let true_digest = digest(&sent(&s2, 1).item).unwrap();
    let mut txn = Txn::new(&s2);
    on_receipt(&mut txn, "p", "p", 1, "p/c", &true_digest, 9).unwrap();
    on_receipt(&mut txn, "p", "p", 2, "p/c", &[7; 32], 9).unwrap();
    let w = txn.into_writes();
    s2.apply_writes(&w);
    let (one, two) = (sent(&s2, 1), sent(&s2, 2));
    assert_eq!((one.delivered_ms, one.altered), (Some(9), false));
    assert_eq!((two.delivered_ms, two.altered), (None, true));
}

#[test]
fn next_hop_follows_the_path() {
    assert_eq!(next_hop("p", "p/c/a").as_deref(), Some("p/c"));
    assert_eq!(next_hop("p/c", "p/c/a").as_deref(), Some("p/c/a"));
    assert_eq!(next_hop("p", "p"), None);
    assert_eq!(next_hop("p", "pp/c"), None);
}
