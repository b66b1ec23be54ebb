//! Snapshot build while apply goes on, and install on a fresh state machine.
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder};
use sanxiang::domain::{
    Actor, AgencyInput, Command, Envelope, Person, PowerKind, Role, RULES_VERSION,
};
use sanxiang::raft::types::{Entry, Request, TypeConfig};
use sanxiang::store::{self, StateMachine};
use tokio::io::AsyncReadExt;
use tokio::io::AsyncWriteExt;

const REGION: &str = "t/k";

fn entry(i: u64) -> Entry {
    let env = Envelope {
        actor: Actor::Person(Person {
            region: REGION.into(),
            organ: sanxiang::domain::Organ::Bureau,
            role: Role::Clerk,
            user: "c".into(),
        }),
        client_id: "snap".into(),
        request_id: i,
        time_ms: i as i64 * 1000,
        rules_version: RULES_VERSION,
        command: Command::RegisterAgency(AgencyInput {
            name: format!("机关{i}"),
            powers: vec![PowerKind::Penalty],
            legal_basis: "法".into(),
            domain: "市场监管".into(),
            contact: String::new(),
        }),
    };
    Entry {
        log_id: LogId::new(CommittedLeaderId::new(1, 1), i),
        payload: EntryPayload::Normal(Request(vec![env.encode().unwrap()])),
    }
}

fn view(sm: &StateMachine) -> ([u8; 32], u64, [u8; 32]) {
    sm.shared
        .read(|s| (s.domain.digest(), s.frontier.size(), s.frontier.root()))
}

#[tokio::test]
async fn snapshot_is_consistent_and_installs_byte_identical_state() -> anyhow::Result<()> {
    let a_dir = tempfile::tempdir()?;
    let (_la, mut a) = store::open(a_dir.path(), REGION, 8 << 20).await?;
    a.apply((1..=37).map(entry)).await?;
    let at_snapshot = view(&a);
    let snap: Snapshot<TypeConfig> = a.get_snapshot_builder().await.build_snapshot().await?;
    assert_eq!(snap.meta.last_log_id.map(|l| l.index), Some(37));
    // Apply goes on after the copy was taken; the snapshot must not see it.
    a.apply((38..=50).map(entry)).await?;
    let mut bytes = Vec::new();
    let mut f = snap.snapshot;
    f.read_to_end(&mut bytes).await?;

    let b_dir = tempfile::tempdir()?;
    let (_lb, mut b) = store::open(b_dir.path(), REGION, 8 << 20).await?;
    let mut rx = b.begin_receiving_snapshot().await?;
    rx.write_all(&bytes).await?;
    rx.flush().await?;
    b.install_snapshot(&snap.meta, rx).await?;
    assert_eq!(view(&b), at_snapshot);
    let (applied, _) = b.applied_state().await?;
    assert_eq!(applied.map(|l| l.index), Some(37));
    // The rest of the log applied on top gives the same state as the source.
    b.apply((38..=50).map(entry)).await?;
    assert_eq!(view(&b), view(&a));
    // Proofs for old leaves survive on the installed side.
    let sm = &*b.shared;
    let (size, root) = sm.ledger_head();
    let data = sm.leaf_data(3)?.expect("leaf kept");
    let path = sanxiang::ledger::inclusion_proof(sm, 3, size)?;
    sanxiang::ledger::verify_inclusion(3, size, &sanxiang::ledger::leaf_hash(&data), &path, &root)?;
    // After a restart the installed state and the snapshot are still there.
    drop((_lb, b));
    let (_lb, mut b) = store::open(b_dir.path(), REGION, 8 << 20).await?;
    assert_eq!(view(&b), view(&a));
    let cur = b.get_current_snapshot().await?.expect("snapshot kept");
    assert_eq!(cur.meta.last_log_id.map(|l| l.index), Some(37));
    Ok(())
}

#[tokio::test]
async fn truncated_snapshot_is_refused_and_changes_nothing() -> anyhow::Result<()> {
    let a_dir = tempfile::tempdir()?;
    let (_la, mut a) = store::open(a_dir.path(), REGION, 8 << 20).await?;
    a.apply((1..=10).map(entry)).await?;
    let snap = a.get_snapshot_builder().await.build_snapshot().await?;
    let mut bytes = Vec::new();
    let mut f = snap.snapshot;
    f.read_to_end(&mut bytes).await?;
    let b_dir = tempfile::tempdir()?;
    let (_lb, mut b) = store::open(b_dir.path(), REGION, 8 << 20).await?;
    b.apply((1..=2).map(entry)).await?;
    let before = view(&b);
    let mut rx = b.begin_receiving_snapshot().await?;
    rx.write_all(&bytes[..bytes.len() / 2]).await?;
    assert!(b.install_snapshot(&snap.meta, rx).await.is_err());
    assert_eq!(view(&b), before);
    assert!(
        b.get_current_snapshot().await?.is_none(),
        "a broken snapshot must not become current"
    );
    Ok(())
}
