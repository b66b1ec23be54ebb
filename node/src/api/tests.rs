//! The JSON of the `Query` RPC, pinned: clients (the command line, the tests, the e2e scripts)
//! parse it, so its keys, their order (sorted at every level), null versus absent and the
//! refusals stay as they are.
use chrono::NaiveDate;
use tonic::Code;

use super::query::answer;
use crate::domain::core::state::{Txn, META};
use crate::domain::enforcement::publication::{PubState, Publication, PUBLICATIONS};
use crate::domain::federation::downlink::{DownLink, DOWN_LINKS};
use crate::domain::federation::held::{LinkState, OriginState, ALERTS, LINKS, ORIGINS};
use crate::domain::federation::items::{Alert, AlertKind};
use crate::domain::federation::items::{SignedHead, TreeHead};
use crate::domain::federation::tree_head::{HEADS, LAST_HEAD_SIZE};
use crate::domain::{PowerKind, Role, State};
use crate::pki::Identity;

fn person(role: Role) -> Identity {
    let organ = match role {
        Role::Officer | Role::Reviewer => crate::domain::Organ::Agency(1),
        _ => crate::domain::Organ::Bureau,
    };
    Identity::Person {
        domain: "test.sanxiang".into(),
        region: "hunan".into(),
        organ,
        role,
        user: "u".into(),
    }
}

fn ask(state: &State, role: Role, what: &str, id: u64) -> Result<String, (Code, String)> {
    answer(state, &person(role), what, id).map_err(|s| (s.code(), s.message().to_string()))
}

/// Compact JSON of an answer (the reply is pretty; the key order is the same).
fn compact(pretty: &str) -> String {
    pretty
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("")
        .replace("\": ", "\":")
}

fn ok(state: &State, role: Role, what: &str, id: u64) -> String {
    match ask(state, role, what, id) {
        Ok(j) => compact(&j),
        Err(e) => panic!("{what} {id}: {e:?}"),
    }
}

fn records() -> State {
    let mut state = State::default();
    let mut txn = Txn::new(&state);
    let link = LinkState {
        mark: 3,
        tail: 5,
        oldest_ms: 10,
        last_heard_ms: 20,
        accepted: 3,
        duplicates: 1,
        refused_gaps: 0,
    };
    LINKS.put(&mut txn, "hunan/a", &link).unwrap();
    let origin = OriginState {
        seq: 2,
        head_size: 7,
        head_time_ms: 30,
        ..OriginState::default()
    };
    ORIGINS.put(&mut txn, "hunan/a", &origin).unwrap();
    let alert = Alert {
        detected_by: "hunan".into(),
        subject: "hunan/a".into(),
        kind: AlertKind::Fork,
        message: "m".into(),
        first_ms: 1,
        last_ms: 2,
        count: 1,
    };
    let key = (alert.subject.clone(), alert.kind.as_str().to_string());
    ALERTS.put(&mut txn, &key, &alert).unwrap();
    DOWN_LINKS
        .put(&mut txn, "hunan/a", &DownLink { tail: 4, acked: 1 })
        .unwrap();
    let head = SignedHead {
        head: TreeHead {
            region: "hunan".into(),
            size: 9,
            root: [1; 32],
            time_ms: 40,
        },
        signer: 2,
        cert_der: vec![0xab],
        signature: vec![0xcd],
    };
    HEADS.put(&mut txn, &9, &head).unwrap();
    META.put(&mut txn, LAST_HEAD_SIZE, &9).unwrap();
    let due = NaiveDate::from_ymd_opt(2026, 7, 20).unwrap();
    let publication = Publication {
        id: 1,
        case_id: 4,
        agency_id: 2,
        kind: PowerKind::Penalty,
        version: 1,
        supersedes: None,
        due,
        draft: "d".into(),
        public_text: "p".into(),
        masked: vec![],
        exception_basis: None,
        state: PubState::Drafted,
        drafted_by: "x".into(),
        reviewed_by: None,
    };
    PUBLICATIONS.put(&mut txn, &1, &publication).unwrap();
    let writes = txn.into_writes();
    state.apply_writes(&writes);
    state
}

#[test]
fn every_kind_on_an_empty_state() {
    let s = State::default();
    let c = Role::Clerk;
    for (what, want) in [
        ("officers", "[]"),
        ("cases", "[]"),
        ("publications", "[]"),
        ("reports", r#"{"own":[],"received":[]}"#),
        ("held_agencies", "{}"),
        ("notices", r#"{"inbox":[],"issued":[]}"#),
    ] {
        assert_eq!(ok(&s, c, what, 0), want, "{what}");
    }
    let fed = ok(&s, c, "federation", 0);
    assert!(
        fed.starts_with(r#"{"alerts":[],"down":{"links":{},"received":[],"sent":[]},"links":{},"origins":{},"outbox":{"#),
        "{fed}"
    );
    let catalog = ok(&s, c, "catalog", 0);
    assert!(catalog.starts_with(r#"{"defaults":[{"#), "{catalog}");
    assert!(catalog.ends_with(r#"],"rules":[]}"#), "{catalog}");
    let summary = ok(&s, c, "summary", 0);
    assert!(summary.starts_with(r#"{"counters":{"#), "{summary}");
    assert!(
        summary.ends_with(r#"},"reviewer_ratio_below_5_percent":[]}"#),
        "{summary}"
    );
    let refused = |what: &str, id: u64| ask(&s, c, what, id).err();
    let nf = |m: &str| Some((Code::NotFound, m.to_string()));
    assert_eq!(refused("officer", 3), nf("no officer 3"));
    assert_eq!(refused("case", 3), nf("no case 3"));
    assert_eq!(refused("steps", 3), nf("no case 3"));
    assert_eq!(refused("head", 0), nf("no signed tree head for size 0"));
    assert_eq!(refused("calendar", 1999), nf("no calendar for 1999"));
    assert_eq!(
        refused("calendar", u64::MAX),
        Some((
            Code::InvalidArgument,
            format!("year {} out of range", u64::MAX)
        ))
    );
    assert_eq!(
        refused("nope", 0),
        Some((Code::InvalidArgument, "unknown query \"nope\"; use officers, officer, case, cases, steps, catalog, calendar, publications, head, summary, reports, notices, held_agencies or federation".into()))
    );
}

#[test]
fn composed_views_keep_their_keys() {
    let s = records();
    let c = Role::Clerk;
    let head = r#"{"cert_der":"ab","region":"hunan","root":"0101010101010101010101010101010101010101010101010101010101010101","signature":"cd","signer":2,"size":9,"time_ms":40}"#;
    assert_eq!(ok(&s, c, "head", 0), head);
    assert_eq!(ok(&s, c, "head", 9), head);
    let fed = ok(&s, c, "federation", 0);
    let zeros = "0".repeat(64);
    let want = format!(
        r#"{{"alerts":[{{"count":1,"detected_by":"hunan","first_ms":1,"kind":"fork","last_ms":2,"message":"m","subject":"hunan/a"}}],"down":{{"links":{{"hunan/a":{{"acked":1,"backlog":3,"tail":4}}}},"received":[],"sent":[]}},"links":{{"hunan/a":{{"accepted":3,"duplicates":1,"lag":2,"last_heard_ms":20,"mark":3,"oldest_ms":10,"refused_gaps":0,"tail":5}}}},"origins":{{"hunan/a":{{"contiguous":true,"head_root":"{zeros}","head_size":7,"head_time_ms":30,"items":0,"last_heard_ms":0,"last_item_seq":0,"seq":2,"unproven":0}}}},"outbox":{{"#
    );
    assert!(fed.starts_with(&want), "{fed}");
    assert_eq!(ok(&s, c, "held_agencies", 0), r#"{"hunan/a":[]}"#);
    // The draft only for case-handling roles; null fields stay.
    let public = r#"[{"agency_id":2,"case_id":4,"due":"2026-07-20","exception_basis":null,"id":1,"kind":"Penalty","masked":[],"public_text":"p","state":"Drafted","supersedes":null,"version":1}]"#;
    assert_eq!(ok(&s, c, "publications", 0), public);
    assert_eq!(ok(&s, c, "publications", 4), public);
    assert_eq!(ok(&s, c, "publications", 5), "[]");
    let private = public.replace(r#""due""#, r#""draft":"d","due""#);
    // The draft is the agency's (agency 2): an officer of agency 1 does not see it.
    assert_eq!(ok(&s, Role::Officer, "publications", 0), public);
    let of_agency_2 = Identity::Person {
        domain: "test.sanxiang".into(),
        region: "hunan".into(),
        organ: crate::domain::Organ::Agency(2),
        role: Role::Officer,
        user: "u".into(),
    };
    let json = |v| serde_json::to_string(&crate::view::query::json(&v).unwrap()).unwrap();
    let seen = crate::view::query::run(&s, &of_agency_2, "publications", 0).unwrap();
    assert_eq!(json(seen), private);
}

#[test]
fn rec_4_private_party_data_only_to_the_acting_agency_and_the_bureau() {
    use crate::domain::Organ;
    use crate::view::query::sees_private;
    let who = |organ, role| Identity::Person {
        domain: "test.sanxiang".into(),
        region: "hunan".into(),
        organ,
        role,
        user: "u".into(),
    };
    for (organ, role, sees) in [
        (Organ::Agency(2), Role::Officer, true),
        (Organ::Agency(2), Role::Reviewer, true),
        (Organ::Agency(2), Role::Head, true),
        (Organ::Agency(2), Role::Clerk, false),
        (Organ::Agency(2), Role::Monitor, false),
        (Organ::Agency(1), Role::Officer, false),
        (Organ::Agency(1), Role::Head, false),
        (Organ::Bureau, Role::Supervisor, true),
        (Organ::Bureau, Role::Inspector, true),
        (Organ::Bureau, Role::Head, true),
        (Organ::Bureau, Role::Clerk, false),
        (Organ::Bureau, Role::Monitor, false),
    ] {
        assert_eq!(
            sees_private(&who(organ, role), 2),
            sees,
            "{organ} {role} on agency 2's case"
        );
    }
    let node = Identity::Node {
        domain: "test.sanxiang".into(),
        region: "hunan".into(),
        node: 1,
    };
    assert!(!sees_private(&node, 2));
}
