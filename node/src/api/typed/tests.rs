use std::path::PathBuf;

use super::emit::{service_proto, types_proto};
use super::*;
use crate::domain::Envelope;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn api_dir() -> PathBuf {
    repo().join("proto/proto/sanxiang/api/v1")
}

/// The generated text of every typed `.proto` file and of the published schema, by path.
fn generated() -> Vec<(PathBuf, String)> {
    let shapes = shapes().unwrap();
    let types = api_dir().join("types.proto");
    let old = std::fs::read_to_string(&types).unwrap_or_default();
    let mut out = vec![(types, types_proto(shapes, &old).unwrap())];
    for s in SERVICES {
        out.push((api_dir().join(s.file), service_proto(shapes, s).unwrap()));
    }
    let schema = serde_json::to_string_pretty(&command_schema()).unwrap() + "\n";
    out.push((repo().join("docs/api/command.schema.json"), schema));
    out
}

/// The checked-in protos and schema are what the domain's types generate. Regenerate with
/// `SANXIANG_WRITE_PROTO=1 cargo test -p sanxiang typed` after changing a command's types.
#[test]
fn the_typed_protos_and_the_schema_are_generated_from_the_domain() {
    let write = std::env::var_os("SANXIANG_WRITE_PROTO").is_some();
    let mut stale = Vec::new();
    for (path, text) in generated() {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != text {
            if write {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (SANXIANG_WRITE_PROTO=1 cargo test -p sanxiang typed): {stale:?}"
    );
}

/// Recorded commands of every variant, with the name of their variant.
fn recorded() -> Vec<(String, crate::domain::Command, serde_json::Value)> {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/envelopes-v2.tsv"
    ));
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let json = line.split('\t').nth(2).unwrap();
        let env: Envelope = serde_json::from_str(json).unwrap();
        let v = serde_json::to_value(&env.command).unwrap();
        let (name, payload) = match &v {
            serde_json::Value::String(s) => (s.clone(), serde_json::Value::Null),
            serde_json::Value::Object(o) => {
                let (k, p) = o.iter().next().unwrap();
                (k.clone(), p.clone())
            }
            _ => unreachable!(),
        };
        out.push((name, env.command, payload));
    }
    out
}

/// Every command a person may send has its RPC, and no node-only command has one.
#[test]
fn every_command_of_a_person_has_a_typed_rpc_and_no_node_only_one_has() {
    let listed: Vec<&str> = SERVICES
        .iter()
        .flat_map(|s| s.commands.iter().copied())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (name, command, _) in recorded() {
        let has = listed.contains(&name.as_str());
        assert_eq!(has, !command.is_node_only(), "{name}");
        seen.insert(name);
    }
    for name in &listed {
        assert!(seen.contains(*name), "{name} is listed but never recorded");
    }
    assert_eq!(
        listed.len(),
        seen.len()
            - recorded()
                .iter()
                .filter(|r| r.1.is_node_only())
                .map(|r| &r.0)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
    );
}

/// Every recorded command of a person, written as its typed message and read back, is the
/// same command.
#[test]
fn every_recorded_command_round_trips_through_its_typed_message() {
    let shapes = shapes().unwrap();
    let mut checked = 0;
    for (name, command, payload) in recorded() {
        if command.is_node_only() {
            continue;
        }
        let shape::Payload::One(shape::Ty::Named(ty)) = &shapes.variant(&name).unwrap().payload
        else {
            panic!("{name}");
        };
        let desc = pool()
            .unwrap()
            .get_message_by_name(&format!("{PACKAGE}.{ty}"))
            .unwrap();
        let msg = transcode::from_domain(shapes, ty, &payload, &desc).unwrap();
        let bytes = prost::Message::encode_to_vec(&msg);
        let back = super::command(&name, &bytes).unwrap();
        assert_eq!(back, command, "{name}");
        checked += 1;
    }
    assert!(checked >= 36, "{checked}");
}
