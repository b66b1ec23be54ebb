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
    let sealed: Vec<SealedDown> = items
        .iter()
        .cloned()
        .map(crate::domain::command::testkit::sealed)
        .collect();
    let incoming: Vec<Incoming<'_>> = sealed
        .iter()
        .map(|s| Incoming {
            item: &s.item,
            seal: Some(&s.seal),
        })
        .collect();
    let batch = Batch {
        from: "p",
        first_seq: first,
        items: &incoming,
    };
    let kit = crate::domain::command::testkit::KitCrypto;
    let r = ingest(&mut txn, &node("p/c"), "p/c", &batch, &kit, 5, &mut up)
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

#[test]
fn own_items_are_sealed_in_order_by_a_node_and_a_seal_must_verify() {
    use crate::domain::command::testkit::{env, run_in};
    use crate::domain::core::outcome::Outcome;
    use crate::domain::Command;
    let inspector = Actor::Person(Person {
        region: "p".into(),
        organ: crate::domain::Organ::Bureau,
        role: Role::Inspector,
        user: "u".into(),
    });
    let send = |i: u64| {
        env(
            inspector.clone(),
            "insp",
            i,
            10,
            Command::SendDown(crate::domain::command::cmd::SendDown {
                to: "p/c/a".into(),
                body: DownBody::Setting {
                    key: "k".into(),
                    value: format!("v{i}"),
                },
            }),
        )
    };
    let seal = |signature: &[u8]| DownSeal {
        signer: 1,
        cert_der: vec![1, 2, 3],
        signature: signature.to_vec(),
        at_ms: 11,
    };
    let seal_down = |actor: Actor, first_seq, seals| {
        env(
            actor,
            "",
            0,
            12,
            Command::SealDown(crate::domain::command::cmd::SealDown { first_seq, seals }),
        )
    };
    let mut s = State::default();
    let r = run_in(
        &mut s,
        "p",
        &[
            send(1),
            send(2),
            // Not from the first unsealed item; a seal that does not verify; a person.
            seal_down(node("p"), 2, vec![seal(b"ok")]),
            seal_down(node("p"), 1, vec![seal(b"ok"), seal(b"bad")]),
            seal_down(inspector.clone(), 1, vec![seal(b"ok")]),
            seal_down(node("p"), 1, vec![]),
        ],
    );
    for (i, rule) in [(2, "INPUT"), (3, "AUTH"), (4, "AUTH"), (5, "INPUT")] {
        assert!(
            matches!(&r[i].outcome, Outcome::Refused(x) if x.rule == rule),
            "{i}: {:?}",
            r[i].outcome
        );
    }
    assert_eq!(DOWN_SEALS.keys(&s).count(), 0, "refusals sealed nothing");
    let r = run_in(
        &mut s,
        "p",
        &[
            seal_down(node("p"), 1, vec![seal(b"ok"), seal(b"ok")]),
            // Past the last item sent.
            seal_down(node("p"), 3, vec![seal(b"ok")]),
        ],
    );
    assert!(matches!(r[0].outcome, Outcome::Ok(_)), "{r:?}");
    assert!(matches!(&r[1].outcome, Outcome::Refused(x) if x.rule == "INPUT"));
    assert_eq!(DOWN_SEALS.keys(&s).count(), 2);
    assert_eq!(META.read(&s, DOWN_SEALED).unwrap(), Some(2));
}

#[test]
fn an_item_whose_seal_fails_is_alerted_and_neither_kept_nor_delivered() {
    let mut s = State::default();
    let mut forged = crate::domain::command::testkit::sealed(notice("p", 1, "p/c", "伪造"));
    forged.seal.signature = b"bad".to_vec();
    let good = crate::domain::command::testkit::sealed(notice("p", 2, "p/c", "真"));
    let incoming: Vec<Incoming<'_>> = [&forged, &good]
        .iter()
        .map(|s| Incoming {
            item: &s.item,
            seal: Some(&s.seal),
        })
        .collect();
    let batch = Batch {
        from: "p",
        first_seq: 1,
        items: &incoming,
    };
    let mut txn = Txn::new(&s);
    let mut up = Vec::new();
    let kit = crate::domain::command::testkit::KitCrypto;
    let r = ingest(&mut txn, &node("p/c"), "p/c", &batch, &kit, 5, &mut up)
        .split()
        .unwrap()
        .unwrap();
    s.apply_writes(&txn.into_writes());
    let CommandResult::Ingested(rep) = r else {
        panic!("{r:?}")
    };
    assert_eq!((rep.mark, rep.accepted), (2, 1));
    assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
    assert!(
        rep.alerts[0].starts_with("bad_signature"),
        "{:?}",
        rep.alerts
    );
    assert!(RECEIVED.read(&s, &("p".to_string(), 1)).unwrap().is_none());
    assert!(RECEIVED.read(&s, &("p".to_string(), 2)).unwrap().is_some());
    assert!(DOWN_SEALS
        .read(&s, &("p".to_string(), 2))
        .unwrap()
        .is_some());
    assert_eq!(up.len(), 1, "only the genuine item is receipted");
    // The same item of the issuer arriving again at another position with other content is
    // a fork, not a duplicate; nothing changes.
    let altered = crate::domain::command::testkit::sealed(notice("p", 2, "p/c", "改"));
    let incoming = [Incoming {
        item: &altered.item,
        seal: Some(&altered.seal),
    }];
    let batch = Batch {
        from: "p",
        first_seq: 3,
        items: &incoming,
    };
    let mut txn = Txn::new(&s);
    let r = ingest(&mut txn, &node("p/c"), "p/c", &batch, &kit, 6, &mut up)
        .split()
        .unwrap()
        .unwrap();
    let CommandResult::Ingested(rep) = r else {
        panic!("{r:?}")
    };
    assert_eq!((rep.accepted, rep.duplicates), (0, 0));
    assert!(rep.alerts[0].starts_with("fork"), "{:?}", rep.alerts);
}
