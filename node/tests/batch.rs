//! One Raft entry may carry several envelopes (the leader batches concurrent writes): each is
//! its own ledger leaf and answer, and later envelopes see the effects of earlier ones.
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId};
use sanxiang::domain::core::outcome::{CommandResult, Outcome};
use sanxiang::domain::{
    Actor, AgencyInput, Command, Envelope, Person, PowerKind, Role, RULES_VERSION,
};
use sanxiang::raft::types::{Entry, Request};
use sanxiang::store;

const REGION: &str = "t";

fn env(client: &str, request_id: u64, name: &str) -> Vec<u8> {
    Envelope {
        actor: Actor::Person(Person {
            region: REGION.into(),
            organ: sanxiang::domain::Organ::Bureau,
            role: Role::Clerk,
            user: "c".into(),
        }),
        client_id: client.into(),
        request_id,
        time_ms: 1_760_000_000_000,
        rules_version: RULES_VERSION,
        command: Command::RegisterAgency(AgencyInput {
            name: name.into(),
            powers: vec![PowerKind::Penalty],
            legal_basis: "法".into(),
            domain: "d".into(),
            contact: String::new(),
        }),
    }
    .encode()
    .unwrap()
}

#[tokio::test]
async fn a_batch_entry_answers_each_envelope_in_order() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_log, mut sm) = store::open(dir.path(), REGION, 8 << 20).await?;
    let batch = vec![
        env("a", 1, "甲局"),
        env("a", 1, "甲局"), // the same write twice: answered from the dedup table
        env("b", 1, "甲局"), // another client, same name: refused
        env("b", 2, "乙局"),
        vec![0xff, 0x00, 0x13], // garbage: refused, still a leaf
    ];
    let entry = Entry {
        log_id: LogId::new(CommittedLeaderId::new(1, 1), 1),
        payload: EntryPayload::Normal(Request(batch.clone())),
    };
    let answers = sm.apply(vec![entry]).await?.remove(0).0;
    assert_eq!(answers.len(), 5);
    assert!(matches!(&answers[0].outcome, Outcome::Ok(CommandResult::Agency(a)) if a.id == 1));
    assert!(answers[1].deduplicated);
    assert_eq!(answers[1].outcome, answers[0].outcome);
    assert!(matches!(&answers[2].outcome, Outcome::Refused(f) if f.rule == "INPUT"));
    assert!(matches!(&answers[3].outcome, Outcome::Ok(CommandResult::Agency(a)) if a.id == 2));
    assert!(matches!(&answers[4].outcome, Outcome::Refused(_)));
    let leaves: Vec<_> = answers.iter().map(|a| a.leaf_index).collect();
    // The retry is answered with the first write's answer (leaf 0), yet is itself leaf 1.
    assert_eq!(leaves, [Some(0), Some(0), Some(2), Some(3), Some(4)]);
    // Each envelope's exact bytes are its leaf.
    for (i, b) in batch.iter().enumerate() {
        assert_eq!(
            sm.shared.leaf_data(i as u64)?.as_deref(),
            Some(b.as_slice())
        );
    }
    assert_eq!(sm.shared.ledger_head().0, 5);
    Ok(())
}
