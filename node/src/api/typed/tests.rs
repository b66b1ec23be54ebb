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
    use std::collections::BTreeSet;
    let listed: Vec<&str> = SERVICES
        .iter()
        .flat_map(|s| s.commands.iter().copied())
        .collect();
    let unique: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "a command listed twice");
    let of_persons: BTreeSet<String> = recorded()
        .into_iter()
        .filter(|(_, command, _)| !command.is_node_only())
        .map(|(name, _, _)| name)
        .collect();
    assert_eq!(
        unique,
        of_persons
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
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
        let shape::Payload::One(shape::Ty::Named(ty)) = &shapes.command(&name).unwrap().payload
        else {
            panic!("{name}");
        };
        let msg = transcode::from_domain(shapes, ty, &payload, &message(ty).unwrap()).unwrap();
        let bytes = prost::Message::encode_to_vec(&msg);
        let back = super::command(&name, &bytes).unwrap();
        assert_eq!(back, command, "{name}");
        checked += 1;
    }
    assert!(checked >= 36, "{checked}");
}

/// The published examples of the JSON surface are commands a person may send.
#[test]
fn the_published_json_examples_are_commands_of_a_person() {
    let dir = repo().join("docs/api/examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let c: crate::domain::Command =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!c.is_node_only(), "{}", path.display());
        n += 1;
    }
    assert!(n >= 8, "{n}");
}

/// Drops the absent values of a JSON form (a typed message has no "null": absent is absent).
fn without_nulls(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, without_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        x => x,
    }
}

/// Every typed read's answer, written from a real view and read back, is the same view: no
/// field is lost or changed on the way.
#[test]
fn every_read_answer_round_trips_through_its_typed_message() {
    use crate::domain::command::testkit::{clerk, input, World, REGION};
    use crate::domain::enforcement::model::Duty;
    use crate::domain::enforcement::model::{MajorFlags, Party, PartyKind, Procedure};
    use crate::domain::{Command, Organ, PowerKind, Role};
    let mut w = World::new(REGION, 1_760_000_000_000);
    w.ok(
        clerk(),
        Command::RegisterAgency(input("浏阳市市场监督管理局")),
    );
    for (name, user) in [("张三", "zhang"), ("李四", "li")] {
        let (id, _) = w.ok(
            clerk(),
            Command::RegisterOfficer(crate::domain::enforcement::officer::OfficerInput {
                agency_id: 1,
                name: name.into(),
                user: user.into(),
                duties: vec![Duty::Enforcement],
                legal_qualification: false,
            }),
        );
        w.ok(
            (Organ::Bureau, Role::Supervisor),
            Command::IssueCertificate(crate::domain::enforcement::certificate::IssueCertificate {
                officer_id: id,
                number: format!("43018100{id:04}"),
                valid_from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                valid_until: chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                area: "浏阳市".into(),
            }),
        );
    }
    let (case, _) = w.ok(
        (Organ::Agency(1), Role::Officer, "zhang"),
        Command::OpenCase(crate::domain::enforcement::case::OpenCaseInput {
            agency_id: 1,
            kind: PowerKind::Penalty,
            procedure: Procedure::General,
            party: Party {
                kind: PartyKind::Legal,
                name: "浏阳某某商贸有限公司".into(),
                id_number: String::new(),
                phone: "13812345678".into(),
                address: "<script>alert(1)</script>".into(),
                credit_code: String::new(),
            },
            summary: "销售过期食品".into(),
            handlers: vec![1, 2],
            amount_fen: 50_000,
            flags: MajorFlags::default(),
        }),
    );
    let who = crate::pki::Identity::Person {
        domain: "test.sanxiang".into(),
        region: REGION.into(),
        organ: Organ::Agency(1),
        role: Role::Officer,
        user: "zhang".into(),
    };
    let shapes = shapes().unwrap();
    let mut checked = Vec::new();
    for read in SERVICES.iter().flat_map(|s| s.reads.iter()) {
        let id = match read.what {
            "case" | "steps" => case,
            "officer" => 1,
            "calendar" => 2025,
            _ => 0,
        };
        let view = match read.what {
            "agencies" => serde_json::to_value(
                crate::domain::registry::AGENCIES
                    .scan_from(&w.s, &1)
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap(),
            )
            .unwrap(),
            what => match crate::view::query::run(&w.s, &who, what, id) {
                Ok(v) => crate::view::query::json(&v).unwrap(),
                Err(crate::view::ViewError::NotFound(_)) => continue,
                Err(e) => panic!("{what}: {e}"),
            },
        };
        let bytes = reply_bytes(read, &view).unwrap();
        let back = if read.list {
            let desc = message(&format!("{}Reply", read.rpc)).unwrap();
            let msg = DynamicMessage::decode(desc, bytes.as_slice()).unwrap();
            let items = msg.get_field_by_name("items").unwrap();
            let prost_reflect::Value::List(items) = &*items else {
                panic!("{}", read.rpc)
            };
            serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| {
                        let prost_reflect::Value::Message(m) = i else {
                            panic!()
                        };
                        transcode::to_domain(shapes, read.reply, m, "").unwrap()
                    })
                    .collect(),
            )
        } else {
            let msg =
                DynamicMessage::decode(message(read.reply).unwrap(), bytes.as_slice()).unwrap();
            transcode::to_domain(shapes, read.reply, &msg, "").unwrap()
        };
        assert_eq!(
            without_nulls(back),
            without_nulls(view.clone()),
            "{}",
            read.rpc
        );
        if view != serde_json::json!([]) {
            checked.push(read.rpc);
        }
    }
    for must in [
        "ListAgencies",
        "ListOfficers",
        "GetOfficer",
        "GetCase",
        "ListCases",
        "GetCatalog",
    ] {
        assert!(checked.contains(&must), "{must} not checked: {checked:?}");
    }
}
