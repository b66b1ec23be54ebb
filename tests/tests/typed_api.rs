//! The typed API, over real nodes and mutual TLS: one RPC per command, the messages generated
//! from the domain's types, every refusal with a machine-readable reason and nothing changed.
use sanxiang::domain::{Organ, Role};
use sanxiang_proto::api as t;
use sanxiang_proto::api::enforcement_client::EnforcementClient;
use sanxiang_proto::api::ledger_client::LedgerClient;
use sanxiang_proto::api::registry_client::RegistryClient;
use sanxiang_proto::region as pb;
use sanxiang_proto::region::region_client::RegionClient;
use sanxiang_tests::*;
use tonic_types::StatusExt;

fn wid(client: &str, n: u64) -> Option<pb::WriteId> {
    Some(pb::WriteId {
        client_id: client.into(),
        request_id: n,
    })
}

fn typed_agency(name: &str) -> t::AgencyInput {
    t::AgencyInput {
        name: name.into(),
        powers: vec![
            t::PowerKind::Penalty as i32,
            t::PowerKind::Inspection as i32,
        ],
        legal_basis: "《中华人民共和国行政处罚法》".into(),
        domain: "市场监管".into(),
        contact: "0731-1234".into(),
    }
}

fn officer(agency_id: u64, name: &str, duties: Vec<i32>) -> t::OfficerInput {
    t::OfficerInput {
        agency_id,
        name: name.into(),
        user: format!("u-{name}"),
        duties,
        legal_qualification: false,
    }
}

async fn ledger_size(l: &mut LedgerClient<tonic::transport::Channel>) -> anyhow::Result<u64> {
    Ok(l.root(pb::LedgerRootRequest { consistency: 0 })
        .await?
        .into_inner()
        .size)
}

/// The reason and the field a refusal names in its details.
fn reason(s: &tonic::Status) -> (String, Option<String>) {
    let d = s.get_error_details();
    let info = d.error_info().map(|i| i.reason.clone()).unwrap_or_default();
    let field = d
        .bad_request()
        .and_then(|b| b.field_violations.first().map(|v| v.field.clone()));
    (info, field)
}

/// Typed writes reach the same records as the JSON surface: an agency with enum powers, an
/// officer with duties, read back by the JSON query; a replay with the same id is a retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_writes_create_the_records_the_json_surface_reads() -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "typed")?;
    // Through a follower: the write is forwarded, the reply names the leader.
    let follower = (1..=3).find(|n| *n != leader).unwrap_or(1);
    let ch = raw_channel(&c.addr(follower), &clerk)?;
    let mut registry = RegistryClient::new(ch.clone());
    let mut region = RegionClient::new(ch.clone());
    let req = t::RegisterAgencyRequest {
        write_id: wid("erp-typed", 1),
        command: Some(typed_agency("长沙市市场监督管理局")),
    };
    let reply = registry.register_agency(req.clone()).await?;
    assert!(
        reply.metadata().get("x-sanxiang-leader").is_some(),
        "the reply names the leader"
    );
    let reply = reply.into_inner();
    let Some(t::write_reply::Outcome::Agency(a)) = reply.outcome else {
        panic!("{reply:?}");
    };
    // One spelling: the agency comes back with the same enumeration it was written with.
    assert_eq!(
        a.powers,
        vec![
            t::PowerKind::Penalty as i32,
            t::PowerKind::Inspection as i32
        ]
    );
    let again = registry.register_agency(req).await?.into_inner();
    assert!(again.deduplicated, "the same id and command is a retry");
    let r = registry
        .register_officer(t::RegisterOfficerRequest {
            write_id: wid("erp-typed", 2),
            command: Some(officer(
                a.id,
                "张三",
                vec![t::Duty::Enforcement as i32, t::Duty::Head as i32],
            )),
        })
        .await?
        .into_inner();
    assert!(
        matches!(r.outcome, Some(t::write_reply::Outcome::Record(_))),
        "{r:?}"
    );
    // The typed reads answer the same records.
    let read = |id| t::ReadRequest {
        consistency: 0,
        id,
        after_id: 0,
        limit: 0,
    };
    let typed = registry.list_officers(read(0)).await?.into_inner().items;
    assert_eq!(typed.len(), 1);
    assert_eq!(typed[0].name, "张三");
    assert_eq!(
        typed[0].duties,
        vec![t::Duty::Enforcement as i32, t::Duty::Head as i32]
    );
    let one = registry.get_officer(read(typed[0].id)).await?.into_inner();
    assert_eq!(one, typed[0]);
    let agencies = registry.list_agencies(read(0)).await?.into_inner().items;
    assert_eq!(agencies, vec![a.clone()]);
    // Lists page by id: a second officer, then pages of one.
    registry
        .register_officer(t::RegisterOfficerRequest {
            write_id: wid("erp-typed", 3),
            command: Some(officer(a.id, "李四", vec![t::Duty::Enforcement as i32])),
        })
        .await?;
    let page = |after_id| t::ReadRequest {
        consistency: 0,
        id: 0,
        after_id,
        limit: 1,
    };
    let first = registry.list_officers(page(0)).await?.into_inner().items;
    assert_eq!(
        first.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["张三"]
    );
    let second = registry
        .list_officers(page(first[0].id))
        .await?
        .into_inner()
        .items;
    assert_eq!(
        second.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["李四"]
    );
    let none = registry
        .list_officers(page(second[0].id))
        .await?
        .into_inner()
        .items;
    assert!(none.is_empty());
    let officers = region
        .query(pb::QueryRequest {
            consistency: 0,
            what: "officers".into(),
            id: 0,
        })
        .await?
        .into_inner()
        .json;
    let v: serde_json::Value = serde_json::from_str(&officers)?;
    assert_eq!(v[0]["name"], "张三", "{v}");
    assert_eq!(
        v[0]["duties"],
        serde_json::json!(["Enforcement", "Head"]),
        "{v}"
    );
    c.shutdown().await;
    Ok(())
}

/// Malformed typed requests are refused with INVALID_ARGUMENT naming the field, a person of
/// another region with PERMISSION_DENIED, an oversized one by size; a rule's refusal names the
/// rule; the ledger does not grow for any of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_typed_requests_are_refused_with_their_reason_and_change_nothing(
) -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "hostile")?;
    let ch = raw_channel(&c.addr(leader), &clerk)?;
    let mut registry = RegistryClient::new(ch.clone()).max_encoding_message_size(8 << 20);
    let mut enforcement = EnforcementClient::new(ch.clone());
    let mut ledger = LedgerClient::new(ch.clone());
    let before = ledger_size(&mut ledger).await?;
    // An enumeration left unset, in a list.
    let mut bad = typed_agency("甲");
    bad.powers.push(0);
    let s = registry
        .register_agency(t::RegisterAgencyRequest {
            write_id: wid("h", 1),
            command: Some(bad),
        })
        .await
        .expect_err("unset enum");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    assert_eq!(
        reason(&s),
        ("INVALID_FIELD".into(), Some("command.powers[2]".into())),
        "{s}"
    );
    // An unknown enumeration number.
    let mut bad = typed_agency("乙");
    bad.powers = vec![999];
    let s = registry
        .register_agency(t::RegisterAgencyRequest {
            write_id: wid("h", 2),
            command: Some(bad),
        })
        .await
        .expect_err("unknown enum");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    assert!(s.message().contains("POWER_KIND_PENALTY"), "{s}");
    // No command at all.
    let s = registry
        .register_agency(t::RegisterAgencyRequest {
            write_id: wid("h", 3),
            command: None,
        })
        .await
        .expect_err("no command");
    assert_eq!(reason(&s).1.as_deref(), Some("command"), "{s}");
    // A malformed day.
    let s = registry
        .close_agency(t::CloseAgencyRequest {
            write_id: wid("h", 4),
            command: Some(t::CloseAgency {
                id: 1,
                on: "2026-13-40".into(),
                merged_into: None,
            }),
        })
        .await
        .expect_err("bad day");
    assert_eq!(reason(&s).1.as_deref(), Some("command.on"), "{s}");
    // A missing record inside the command.
    let s = enforcement
        .open_case(t::OpenCaseRequest {
            write_id: wid("h", 5),
            command: Some(t::OpenCaseInput {
                agency_id: 1,
                kind: t::PowerKind::Penalty as i32,
                procedure: t::Procedure::General as i32,
                party: None,
                summary: "<script>alert(1)</script>".into(),
                handlers: vec![1, 2],
                amount_fen: 0,
                flags: Some(t::MajorFlags::default()),
            }),
        })
        .await
        .expect_err("no party");
    assert_eq!(reason(&s).1.as_deref(), Some("command.party"), "{s}");
    // No write id.
    let s = registry
        .register_agency(t::RegisterAgencyRequest {
            write_id: None,
            command: Some(typed_agency("丙")),
        })
        .await
        .expect_err("no write id");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    assert_eq!(reason(&s).0, "INVALID_ARGUMENT", "{s}");
    // Oversized.
    let mut big = typed_agency("丁");
    big.legal_basis = "x".repeat(2 << 20);
    let s = registry
        .register_agency(t::RegisterAgencyRequest {
            write_id: wid("h", 6),
            command: Some(big),
        })
        .await
        .expect_err("oversized");
    assert!(
        matches!(
            s.code(),
            tonic::Code::OutOfRange | tonic::Code::ResourceExhausted
        ),
        "{s}"
    );
    // A person of another region may not write here.
    let other = c.person("hunan/changsha", Organ::Bureau, Role::Clerk, "outsider")?;
    let mut foreign = RegistryClient::new(raw_channel(&c.addr(leader), &other)?);
    let s = foreign
        .register_agency(t::RegisterAgencyRequest {
            write_id: wid("o", 1),
            command: Some(typed_agency("戊")),
        })
        .await
        .expect_err("another region");
    assert_eq!(s.code(), tonic::Code::PermissionDenied, "{s}");
    assert_eq!(reason(&s).0, "PERMISSION_DENIED", "{s}");
    let s = RegistryClient::new(raw_channel(&c.addr(leader), &other)?)
        .list_officers(t::ReadRequest::default())
        .await
        .expect_err("another region's reader");
    assert_eq!(s.code(), tonic::Code::PermissionDenied, "{s}");
    // None of them reached the log.
    assert_eq!(ledger_size(&mut ledger).await?, before);
    // Well formed, refused by a rule: an officer of an agency that does not exist. The
    // refusal is recorded, and no officer exists.
    let r = registry
        .register_officer(t::RegisterOfficerRequest {
            write_id: wid("h", 7),
            command: Some(officer(77, "李四", vec![t::Duty::Enforcement as i32])),
        })
        .await?
        .into_inner();
    let Some(t::write_reply::Outcome::Refused(f)) = r.outcome else {
        panic!("{r:?}");
    };
    assert!(!f.rule.is_empty(), "{f:?}");
    // Reads: a record that does not exist, a page over the bound, another region's reader.
    let read = |id, limit| t::ReadRequest {
        consistency: 0,
        id,
        after_id: 0,
        limit,
    };
    let s = enforcement
        .get_case(read(77, 0))
        .await
        .expect_err("no such case");
    assert_eq!(s.code(), tonic::Code::NotFound, "{s}");
    assert_eq!(reason(&s).0, "NOT_FOUND", "{s}");
    let s = registry
        .list_agencies(read(0, 5000))
        .await
        .expect_err("page too large");
    assert_eq!(reason(&s).1.as_deref(), Some("limit"), "{s}");
    let s = enforcement
        .get_calendar(read(u64::MAX, 0))
        .await
        .expect_err("year out of range");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    let s = enforcement
        .get_case(t::ReadRequest {
            consistency: 7,
            id: 1,
            after_id: 0,
            limit: 0,
        })
        .await
        .expect_err("no such consistency");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    let officers = RegionClient::new(ch)
        .query(pb::QueryRequest {
            consistency: 0,
            what: "officers".into(),
            id: 0,
        })
        .await?
        .into_inner()
        .json;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&officers)?,
        serde_json::json!([])
    );
    c.shutdown().await;
    Ok(())
}
