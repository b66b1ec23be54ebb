//! Inputs from outside, taken apart the way the nodes take them apart. Each function must
//! return (an error is fine) for any input, never panic: the cargo-fuzz targets in
//! `chaos/fuzz/` call them with libFuzzer's inputs (nightly), and the property tests below
//! with generated and mutated inputs (stable, in every test run).
use sanxiang::domain::command::envelope::{Envelope, RULES_VERSION};
use sanxiang::domain::core::identity::{Actor, Person, Role};
use sanxiang::domain::federation::items::{Carried, UpItem};
use sanxiang::domain::{apply_envelope, ApplyContext, Command, State};

const REGION: &str = "hunan/changsha/liuyang";

/// `Execute`: the command JSON as a client sends it, then (when it decodes and is not
/// node-only) applied to a fresh region by each kind of person, as the state machine would.
pub fn command_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(command) = serde_json::from_str::<Command>(text) else {
        return;
    };
    if command.is_node_only() {
        return;
    }
    use sanxiang::domain::Organ;
    for (organ, role) in [
        (Organ::Bureau, Role::Clerk),
        (Organ::Bureau, Role::Head),
        (Organ::Bureau, Role::Supervisor),
        (Organ::Agency(1), Role::Head),
        (Organ::Agency(1), Role::Officer),
    ] {
        let mut state = State::default();
        let env = Envelope {
            actor: Actor::Person(Person {
                region: REGION.into(),
                organ,
                role,
                user: "fuzz".into(),
            }),
            client_id: "fuzz".into(),
            request_id: 1,
            time_ms: 1_790_000_000_000,
            rules_version: RULES_VERSION,
            command: command.clone(),
        };
        let ctx = ApplyContext {
            region: REGION,
            log_index: 1,
            leaf_index: 0,
            crypto: &sanxiang::ledger::LedgerCrypto::default(),
        };
        if let Ok(a) = apply_envelope(&state, &ctx, &env) {
            state.apply_writes(&a.writes);
        }
    }
}

/// A topology file.
pub fn topology(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sanxiang::config::Topology::parse(text);
    }
}

/// One uplink entry as a parent decodes it, and the item inside.
pub fn uplink_entry(data: &[u8]) {
    if let Ok(Carried::Item { bytes, .. }) = bincode::deserialize::<Carried>(data) {
        let _ = UpItem::from_leaf(&bytes);
    }
    let _ = UpItem::from_leaf(data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const COMMANDS: &[&str] = &[
        r#"{"RegisterAgency":{"name":"浏阳市市场监督管理局","powers":["Penalty"],"legal_basis":"《行政处罚法》","domain":"市场监管","contact":""}}"#,
        r#"{"SignNotice":{"id":1,"prefix":"湘司通"}}"#,
        r#"{"DraftNotice":{"kind":"Situation","title":"t","text":"x","units":[{"region":"hunan/changsha/liuyang","agency":null}],"persons":[],"deadline":"2026-12-31","basis":[]}}"#,
        r#"{"AnswerNotice":{"issuer":"hunan","id":1,"unit":{"region":"hunan/changsha/liuyang","agency":7},"reply":"Acknowledge"}}"#,
        r#"{"Tick":null}"#,
    ];

    const TOPOLOGY: &str = "domain = \"d.sanxiang\"\n[[region]]\nid = \"hunan\"\nname = \"湖南省\"\nkind = \"province\"\nnodes = [ { id = 1, grpc = \"127.0.0.1:7001\", http = \"127.0.0.1:8001\" } ]\n";

    /// Replaces, inserts or deletes a few bytes.
    fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
        let mut v = base.to_vec();
        for &(pos, byte, how) in edits {
            if v.is_empty() {
                v.push(byte);
                continue;
            }
            let p = pos % v.len();
            match how % 3 {
                0 => v[p] = byte,
                1 => v.insert(p, byte),
                _ => {
                    v.remove(p);
                }
            }
        }
        v
    }

    #[test]
    fn the_seed_inputs_decode() {
        for c in COMMANDS {
            assert!(serde_json::from_str::<Command>(c).is_ok(), "{c}");
            command_json(c.as_bytes());
        }
        assert!(sanxiang::config::Topology::parse(TOPOLOGY).is_ok());
        let e = bincode::serialize(&Carried::Item {
            bytes: vec![1, 2, 3],
            leaf_index: 0,
            head_size: 1,
            proof: vec![],
        })
        .unwrap();
        assert!(bincode::deserialize::<Carried>(&e).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn commands_never_panic(i in 0usize..5, edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6)) {
            command_json(&mutate(COMMANDS[i].as_bytes(), &edits));
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
            command_json(&data);
            topology(&data);
            uplink_entry(&data);
        }

        #[test]
        fn topologies_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..8)) {
            topology(&mutate(TOPOLOGY.as_bytes(), &edits));
        }

        #[test]
        fn uplink_entries_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), leaf in any::<u64>(), size in any::<u64>(), edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6)) {
            let e = bincode::serialize(&Carried::Item { bytes, leaf_index: leaf, head_size: size, proof: vec![[7u8; 32]] }).unwrap();
            uplink_entry(&mutate(&e, &edits));
        }
    }
}
