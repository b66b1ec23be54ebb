//! REC-3: tree heads signed after commit are recorded only with this region's root and a valid
//! signature of the node they name; anything else is refused and changes nothing.
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId};
use sanxiang::domain::core::outcome::Outcome;
use sanxiang::domain::federation::items::{SignedHead, TreeHead};
use sanxiang::domain::federation::tree_head::HEADS;
use sanxiang::domain::{
    Actor, AgencyInput, Command, Envelope, Person, PowerKind, Response, Role, RULES_VERSION,
};
use sanxiang::pki::issue::{Ca, Validity};
use sanxiang::pki::{Identity, TlsMaterial};
use sanxiang::raft::types::{Entry, Request};
use sanxiang::store::{self, StateMachine};

const REGION: &str = "t";

fn entry(i: u64, actor: Actor, command: Command) -> Entry {
    let env = Envelope {
        actor,
        client_id: if i > 0 {
            format!("c{i}")
        } else {
            String::new()
        },
        request_id: 1,
        time_ms: 1_760_000_000_000,
        rules_version: RULES_VERSION,
        command,
    };
    Entry {
        log_id: LogId::new(CommittedLeaderId::new(1, 1), i),
        payload: EntryPayload::Normal(Request(vec![env.encode().unwrap()])),
    }
}

fn agency(i: u64) -> Entry {
    let clerk = Actor::Person(Person {
        region: REGION.into(),
        organ: sanxiang::domain::Organ::Bureau,
        role: Role::Clerk,
        user: "c".into(),
    });
    entry(
        i,
        clerk,
        Command::RegisterAgency(AgencyInput {
            name: format!("机关{i}"),
            powers: vec![PowerKind::Penalty],
            legal_basis: "法".into(),
            domain: "d".into(),
            contact: String::new(),
        }),
    )
}

fn node_key(dir: &std::path::Path, region: &str, node: u64) -> TlsMaterial {
    let ca = Ca::load(dir)
        .or_else(|_| Ca::create(dir, "test.sanxiang"))
        .unwrap();
    let id = Identity::Node {
        domain: "test.sanxiang".into(),
        region: region.into(),
        node,
    };
    let (cert, key) = ca.issue(&id, "n", Validity::days(30), &[]).unwrap();
    let (c, k) = (
        dir.join(format!("{node}-{}.pem", region.replace('/', "_"))),
        dir.join(format!("{node}-{}.key", region.replace('/', "_"))),
    );
    std::fs::write(&c, cert).unwrap();
    std::fs::write(&k, key).unwrap();
    TlsMaterial::load(&dir.join("ca.pem"), &c, &k).unwrap()
}

fn signed(tls: &TlsMaterial, signer: u64, head: TreeHead) -> SignedHead {
    let signature =
        sanxiang::ledger::head::sign(&head, tls.presented().key_pkcs8().unwrap()).unwrap();
    SignedHead {
        head,
        signer,
        cert_der: tls.cert_der(),
        signature,
    }
}

async fn apply_one(sm: &mut StateMachine, e: Entry) -> Response {
    sm.apply(vec![e]).await.unwrap().remove(0).0.remove(0)
}

fn refused_rule(r: &Response) -> Option<String> {
    match &r.outcome {
        Outcome::Refused(f) => Some(f.rule.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn rec_3_only_true_heads_signed_by_their_node_are_recorded() -> anyhow::Result<()> {
    let pki = tempfile::tempdir()?;
    let n1 = node_key(pki.path(), REGION, 1);
    let other_region = node_key(pki.path(), "t/k", 1);
    let dir = tempfile::tempdir()?;
    let (_log, mut sm) = store::open(dir.path(), REGION, 8 << 20).await?;
    sm.apply((1..=5).map(agency)).await?;
    let (size, root) = sm.shared.ledger_head();
    assert_eq!(size, 5);
    let node = |n| Actor::Node {
        region: REGION.into(),
        node: n,
    };
    let head = TreeHead {
        region: REGION.into(),
        size,
        root,
        time_ms: 1,
    };

    let mut bad_root = head.clone();
    bad_root.root[0] ^= 1;
    let r = apply_one(
        &mut sm,
        entry(
            0,
            node(1),
            Command::RecordTreeHead(signed(&n1, 1, bad_root)),
        ),
    )
    .await;
    assert_eq!(
        refused_rule(&r).as_deref(),
        Some("REC-3"),
        "a root this region never had"
    );
    let mut too_big = head.clone();
    too_big.size = 99;
    let r = apply_one(
        &mut sm,
        entry(0, node(1), Command::RecordTreeHead(signed(&n1, 1, too_big))),
    )
    .await;
    assert_eq!(refused_rule(&r).as_deref(), Some("REC-3"));
    let r = apply_one(
        &mut sm,
        entry(
            0,
            node(1),
            Command::RecordTreeHead(signed(&other_region, 1, head.clone())),
        ),
    )
    .await;
    assert_eq!(
        refused_rule(&r).as_deref(),
        Some("REC-3"),
        "signed by a node of another region"
    );
    let mut forged = signed(&n1, 1, head.clone());
    forged.head.time_ms = 2;
    let r = apply_one(&mut sm, entry(0, node(1), Command::RecordTreeHead(forged))).await;
    assert_eq!(
        refused_rule(&r).as_deref(),
        Some("REC-3"),
        "signature over other bytes"
    );
    assert_eq!(
        sm.shared.read(|s| HEADS.keys(&s.domain).count()),
        0,
        "nothing recorded"
    );

    // A true head at size 5 (the refused proposals are leaves 5..8; the head is of size 5).
    let r = apply_one(
        &mut sm,
        entry(
            0,
            node(1),
            Command::RecordTreeHead(signed(&n1, 1, head.clone())),
        ),
    )
    .await;
    assert_eq!(refused_rule(&r), None, "{r:?}");
    let recorded = sm
        .shared
        .read(|s| HEADS.read(&s.domain, &5))
        .unwrap()
        .unwrap();
    assert_eq!(recorded.head, head);
    // Heads only grow.
    let r = apply_one(
        &mut sm,
        entry(0, node(1), Command::RecordTreeHead(signed(&n1, 1, head))),
    )
    .await;
    assert_eq!(refused_rule(&r).as_deref(), Some("REC-3"));
    Ok(())
}
