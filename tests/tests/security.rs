//! Mutual TLS and hostile input: foreign CA, other regions, persons calling Raft RPCs,
//! malformed and oversized requests — each refused with a clear error and nothing changed.
use std::time::Duration;

use sanxiang::client::{Client, ClientError};
use sanxiang::domain::{Organ, Role};
use sanxiang::pki::{issue, TlsMaterial};
use sanxiang_proto::raft::raft_peer_client::RaftPeerClient;
use sanxiang_proto::raft::{ForwardRequest, RaftPayload};
use sanxiang_proto::region as pb;
use sanxiang_proto::region::region_client::RegionClient;
use sanxiang_tests::*;

async fn count(c: &Cluster) -> anyhow::Result<usize> {
    let clerk = c.person(REGION, Organ::Bureau, Role::Monitor, "counter")?;
    Ok(list(&mut c.client(&clerk)?).await?.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_ca_and_wrong_region_refused() -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    register(&mut c.client(&clerk)?, "甲局", "sec", 1).await?;

    // A person certificate for the same region and trust domain, from another CA.
    let (intruder, foreign) = c.foreign_person(Organ::Bureau, Role::Clerk, "intruder")?;
    let mut bad = Client::new(
        &c.endpoints(),
        &intruder,
        Some(REGION),
        Duration::from_secs(2),
    )?;
    let err = register(&mut bad, "乙局", "sec", 2)
        .await
        .expect_err("foreign CA must be refused");
    // The client is told why, in a status, at once (not "no node answered").
    let status = match err.downcast_ref::<ClientError>() {
        Some(ClientError::Status(s)) => s.clone(),
        other => panic!("expected a status, got {other:?}"),
    };
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status}");
    assert!(status.message().contains("签发者未知"), "{status}");
    assert_eq!(
        status
            .metadata()
            .get("x-sanxiang-reason")
            .and_then(|v| v.to_str().ok()),
        Some("UNKNOWN_ISSUER")
    );
    // The same reason in the standard details (google.rpc.ErrorInfo).
    let info = tonic_types::StatusExt::get_details_error_info(&status);
    assert_eq!(
        info.map(|i| (i.reason, i.domain)),
        Some((
            "CERTIFICATE_UNKNOWN_ISSUER".to_string(),
            "sanxiang".to_string()
        )),
        "{status}"
    );
    // Nothing answers it, health and reflection included.
    let mut health =
        tonic_health::pb::health_client::HealthClient::new(raw_channel(&c.addr(1), &intruder)?);
    let s = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect_err("health refused to a foreign certificate");
    assert_eq!(s.code(), tonic::Code::Unauthenticated, "{s}");

    // A client that does not trust the deployment's CA (a wrong --ca) is told the server's
    // certificate is not trusted, not only that nothing answered.
    let clerk_files = issue::person_paths(&c.net.pki, REGION, Organ::Bureau, Role::Clerk, "clerk");
    let wrong_ca = TlsMaterial::load(
        &issue::ca_cert_path(foreign.path()),
        &clerk_files.0,
        &clerk_files.1,
    )?;
    let mut lost = Client::new(
        &c.endpoints(),
        &wrong_ca,
        Some(REGION),
        Duration::from_secs(2),
    )?;
    let err = register(&mut lost, "戊局", "sec", 5)
        .await
        .expect_err("a server this client does not trust");
    assert!(err.to_string().contains("服务器的证书不受信任"), "{err}");

    // A person of another region can neither write nor read here.
    let outsider = c.person(OTHER, Organ::Bureau, Role::Clerk, "outsider")?;
    let mut oc = c.client(&outsider)?;
    let err = register(&mut oc, "丙局", "sec", 3)
        .await
        .expect_err("other region must be refused");
    let status = match err.downcast_ref::<ClientError>() {
        Some(ClientError::Status(s)) => s.clone(),
        other => panic!("expected a status, got {other:?}"),
    };
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert!(list(&mut oc).await.is_err());

    // A role without registry rights is refused by the rule, nothing is created.
    let officer = c.person(REGION, Organ::Agency(1), Role::Officer, "officer")?;
    let r = register(&mut c.client(&officer)?, "丁局", "sec", 4).await?;
    match r.outcome {
        Some(pb::write_reply::Outcome::Refused(f)) => assert_eq!(f.rule, "PUB-1"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(count(&c).await?, 1);
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raft_rpcs_only_from_nodes_of_the_region() -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    c.leader().await?;
    let addr = c.addr(1);
    let garbage = RaftPayload {
        data: vec![1, 2, 3],
    };
    // A node of another region.
    let other_node = c.node_tls(OTHER, 1)?;
    let mut p = RaftPeerClient::new(raw_channel(&addr, &other_node)?);
    let s = p
        .vote(garbage.clone())
        .await
        .expect_err("other region's node refused");
    assert_eq!(s.code(), tonic::Code::PermissionDenied, "{s}");
    let s = p
        .forward(ForwardRequest { envelope: vec![] })
        .await
        .expect_err("refused");
    assert_eq!(s.code(), tonic::Code::PermissionDenied, "{s}");
    // A person of this region.
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut p = RaftPeerClient::new(raw_channel(&addr, &clerk)?);
    let s = p
        .append_entries(garbage.clone())
        .await
        .expect_err("person refused");
    assert_eq!(s.code(), tonic::Code::PermissionDenied, "{s}");
    // A peer of the region sending garbage gets a clear error, not a crash.
    let peer = c.node_tls(REGION, 2)?;
    let mut p = RaftPeerClient::new(raw_channel(&addr, &peer)?);
    let s = p
        .append_entries(garbage)
        .await
        .expect_err("garbage refused");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    let s = p
        .forward(ForwardRequest {
            envelope: vec![0xff; 10],
        })
        .await
        .expect_err("garbage refused");
    assert_eq!(s.code(), tonic::Code::InvalidArgument, "{s}");
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_answered_with_clear_errors() -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut api =
        RegionClient::new(raw_channel(&c.addr(1), &clerk)?).max_encoding_message_size(8 << 20);
    let wid = |r| {
        Some(pb::WriteId {
            client_id: "hostile".into(),
            request_id: r,
        })
    };

    // Oversized request.
    let mut big = agency("大");
    big.legal_basis = "法".repeat(1 << 20);
    let s = api
        .register_agency(pb::RegisterAgencyRequest {
            write_id: wid(1),
            agency: Some(big),
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
    // Missing and malformed fields.
    let s = api
        .register_agency(pb::RegisterAgencyRequest {
            write_id: None,
            agency: Some(agency("甲")),
        })
        .await
        .expect_err("no write id");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    let s = api
        .register_agency(pb::RegisterAgencyRequest {
            write_id: Some(pb::WriteId {
                client_id: "has space".into(),
                request_id: 1,
            }),
            agency: Some(agency("甲")),
        })
        .await
        .expect_err("bad client id");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    let mut unknown = agency("甲");
    unknown.powers = vec!["taxation".into()];
    let s = api
        .register_agency(pb::RegisterAgencyRequest {
            write_id: wid(2),
            agency: Some(unknown),
        })
        .await
        .expect_err("unknown power");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    assert!(s.message().contains("taxation"));
    let s = api
        .update_agency(pb::UpdateAgencyRequest {
            write_id: wid(3),
            id: 0,
            agency: Some(agency("甲")),
            expected_version: None,
        })
        .await
        .expect_err("id 0");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    // Out of range reads.
    let s = api
        .list_agencies(pb::ListAgenciesRequest {
            consistency: 0,
            after_id: 0,
            limit: 5000,
        })
        .await
        .expect_err("limit");
    assert_eq!(s.code(), tonic::Code::OutOfRange);
    let s = api
        .list_agencies(pb::ListAgenciesRequest {
            consistency: 7,
            after_id: 0,
            limit: 1,
        })
        .await
        .expect_err("consistency");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    let s = api
        .ledger_inclusion(pb::InclusionRequest {
            leaf_index: 5,
            tree_size: 0,
        })
        .await
        .expect_err("leaf");
    assert_eq!(s.code(), tonic::Code::OutOfRange);
    let s = api
        .ledger_consistency(pb::ConsistencyRequest {
            first: 0,
            second: 0,
        })
        .await
        .expect_err("consistency 0");
    assert_eq!(s.code(), tonic::Code::OutOfRange);
    // Refused by the rules: empty name. Nothing was created by any of the above.
    let r = api
        .register_agency(pb::RegisterAgencyRequest {
            write_id: wid(4),
            agency: Some(agency("")),
        })
        .await?
        .into_inner();
    assert!(
        matches!(r.outcome, Some(pb::write_reply::Outcome::Refused(ref f)) if f.rule == "INPUT")
    );
    assert_eq!(count(&c).await?, 0);

    // A valid write then proves its inclusion through the API.
    let r = api
        .register_agency(pb::RegisterAgencyRequest {
            write_id: wid(5),
            agency: Some(agency("甲局")),
        })
        .await?
        .into_inner();
    let p = api
        .ledger_inclusion(pb::InclusionRequest {
            leaf_index: r.leaf_index,
            tree_size: 0,
        })
        .await?
        .into_inner();
    sanxiang::ledger::verify_inclusion(p.leaf_index, p.tree_size, &p.leaf_hash, &p.path, &p.root)?;
    assert_eq!(
        sanxiang::ledger::leaf_hash(&p.leaf_data).to_vec(),
        p.leaf_hash
    );
    let env = sanxiang::domain::Envelope::decode(&p.leaf_data)?;
    assert_eq!(
        env.actor.label(),
        format!("{REGION}/organ/bureau/role/clerk/user/clerk"),
        "actor comes from the certificate"
    );
    let cp = api
        .ledger_consistency(pb::ConsistencyRequest {
            first: 1,
            second: 0,
        })
        .await?
        .into_inner();
    sanxiang::ledger::verify_consistency(
        cp.first,
        cp.second,
        &cp.first_root,
        &cp.second_root,
        &cp.path,
    )?;
    c.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_and_query_refuse_hostile_input() -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut api =
        RegionClient::new(raw_channel(&c.addr(2), &clerk)?).max_encoding_message_size(8 << 20);
    let exec = |json: &str, r: u64| pb::ExecuteRequest {
        write_id: Some(pb::WriteId {
            client_id: "hostile-exec".into(),
            request_id: r,
        }),
        command_json: json.into(),
    };
    for (i, bad) in [
        "",
        "{",
        "null",
        "{\"NoSuchCommand\":{}}",
        "{\"OpenCase\":{\"agency_id\":\"one\"}}",
        "{\"RecordStep\":{\"case_id\":1}}",
    ]
    .iter()
    .enumerate()
    {
        let s = api
            .execute(exec(bad, i as u64 + 1))
            .await
            .expect_err("malformed command");
        assert_eq!(s.code(), tonic::Code::InvalidArgument, "{bad}: {s}");
    }
    let s = api
        .execute(exec("\"Tick\"", 50))
        .await
        .expect_err("Tick from a client");
    assert_eq!(s.code(), tonic::Code::PermissionDenied);
    let s = api
        .execute(exec(
            &format!(
                "{{\"RegisterAgency\":{{\"name\":\"{}\"}}}}",
                "x".repeat(2 << 20)
            ),
            51,
        ))
        .await
        .expect_err("oversized");
    assert!(
        matches!(
            s.code(),
            tonic::Code::OutOfRange | tonic::Code::ResourceExhausted
        ),
        "{s}"
    );
    // Well-formed but refused by the rules, through a follower: the rule is named, nothing changes.
    let cert = r#"{"IssueCertificate":{"officer_id":1,"number":"N1","valid_from":"2025-01-01","valid_until":"2026-01-01","area":"a"}}"#;
    let r = api.execute(exec(cert, 60)).await?.into_inner();
    match r.outcome {
        Some(pb::write_reply::Outcome::Refused(f)) => {
            assert_eq!(f.rule, "PUB-2", "a clerk does not issue certificates")
        }
        o => panic!("{o:?}"),
    }
    let step = r#"{"RecordStep":{"case_id":1,"kind":"Seizure","officers":[1,2],"at_ms":9223372036854775807,"place":"p","text":"t","attachments":[],"audio_video":false,"exemption":null,"corrects":null}}"#;
    let r = api.execute(exec(step, 61)).await?.into_inner();
    assert!(
        matches!(r.outcome, Some(pb::write_reply::Outcome::Refused(ref f)) if f.rule == "INPUT"),
        "{r:?}"
    );
    // Queries.
    let q = |what: &str, id| pb::QueryRequest {
        consistency: 0,
        what: what.into(),
        id,
    };
    let s = api
        .query(q("everything", 0))
        .await
        .expect_err("unknown query");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    let s = api.query(q("case", 77)).await.expect_err("no such case");
    assert_eq!(s.code(), tonic::Code::NotFound);
    let s = api
        .query(q("calendar", u64::MAX))
        .await
        .expect_err("year out of range");
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    let s = api
        .query(q("calendar", 2031))
        .await
        .expect_err("no notice for 2031");
    assert_eq!(s.code(), tonic::Code::NotFound);
    assert_eq!(
        api.query(q("officers", 0)).await?.into_inner().json.trim(),
        "[]",
        "nothing was created"
    );
    // A person of another region can neither execute nor query.
    let outsider = c.person(OTHER, Organ::Bureau, Role::Head, "outsider")?;
    let mut oc = RegionClient::new(raw_channel(&c.addr(1), &outsider)?);
    assert_eq!(
        oc.execute(exec(cert, 70))
            .await
            .expect_err("other region")
            .code(),
        tonic::Code::PermissionDenied
    );
    assert_eq!(
        oc.query(q("officers", 0))
            .await
            .expect_err("other region")
            .code(),
        tonic::Code::PermissionDenied
    );
    c.shutdown().await;
    Ok(())
}
