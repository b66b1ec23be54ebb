//! Standard gRPC health checking and server reflection, behind mutual TLS.
use sanxiang::domain::{Organ, Role};
use sanxiang_tests::*;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::ServerReflectionRequest;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving_once_a_leader_is_known_and_reflection_lists_services(
) -> anyhow::Result<()> {
    let c = Cluster::start(3, timings()).await?;
    c.leader().await?;
    let monitor = c.person(REGION, Organ::Bureau, Role::Monitor, "ops")?;
    let ch = raw_channel(&c.addr(1), &monitor)?;
    let mut health = HealthClient::new(ch.clone());
    // Watch streams the status; wait for SERVING on it.
    let mut stream = health
        .watch(HealthCheckRequest {
            service: "sanxiang.region.v1.Region".into(),
        })
        .await?
        .into_inner();
    // The status stream is the state we wait on; a bound turns "never SERVING" into a failure.
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let msg = stream
                .message()
                .await?
                .ok_or_else(|| anyhow::anyhow!("health stream ended"))?;
            if msg.status == ServingStatus::Serving as i32 {
                return anyhow::Ok(());
            }
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("the Region service never reported SERVING"))??;
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .expect_err("unknown service");
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let ch2 = ch.clone();
    let mut refl = ServerReflectionClient::new(ch);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut resp = refl
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await?
        .into_inner();
    let msg = resp
        .message()
        .await?
        .ok_or_else(|| anyhow::anyhow!("no reflection answer"))?;
    let Some(MessageResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("unexpected reflection answer {msg:?}");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"sanxiang.region.v1.Region".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"sanxiang.raft.v1.RaftPeer".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_string()),
        "{names:?}"
    );
    // The older v1alpha protocol answers the same.
    use tonic_reflection::pb::v1alpha as alpha;
    let mut old = alpha::server_reflection_client::ServerReflectionClient::new(ch2);
    let req = alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let msg = old
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await?
        .into_inner()
        .message()
        .await?
        .ok_or_else(|| anyhow::anyhow!("no v1alpha reflection answer"))?;
    let Some(alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        msg.message_response
    else {
        panic!("unexpected v1alpha reflection answer {msg:?}");
    };
    let mut alpha_names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    let mut names = names;
    alpha_names.sort();
    names.sort();
    assert_eq!(alpha_names, names, "both versions list the same services");
    for v in ["v1", "v1alpha"] {
        let name = format!("grpc.reflection.{v}.ServerReflection");
        assert!(names.contains(&name), "{names:?}");
    }
    for typed in [
        "Registry",
        "Enforcement",
        "Publication",
        "Supervision",
        "Ledger",
    ] {
        let name = format!("sanxiang.api.v1.{typed}");
        assert!(names.contains(&name), "{names:?}");
    }
    c.shutdown().await;
    Ok(())
}

/// An idempotency key reused with another payload is refused: the same write id with a
/// different command gets `ALREADY_EXISTS` naming the first request, and nothing is written;
/// the same command again is answered as a retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_id_replayed_with_another_command_is_refused_and_replies_name_the_leader(
) -> anyhow::Result<()> {
    use sanxiang_proto::region as pb;
    use sanxiang_proto::region::region_client::RegionClient;
    let c = Cluster::start(3, timings()).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "idem")?;
    let mut region = RegionClient::new(raw_channel(&c.addr(leader), &clerk)?);
    let req = |name: &str| pb::RegisterAgencyRequest {
        write_id: Some(pb::WriteId {
            client_id: "erp-1".into(),
            request_id: 42,
        }),
        agency: Some(agency(name)),
    };
    let first = region.register_agency(req("甲局")).await?.into_inner();
    assert!(!first.deduplicated);
    let e = region
        .register_agency(req("乙局"))
        .await
        .expect_err("a mismatched replay must be refused");
    assert_eq!(e.code(), tonic::Code::AlreadyExists, "{e}");
    let info = tonic_types::StatusExt::get_details_error_info(&e).expect("ErrorInfo");
    assert_eq!(info.reason, "RULE_REFUSED", "{e}");
    assert_eq!(
        info.metadata.get("rule").map(String::as_str),
        Some("REPLAY")
    );
    // Every reply names the leader, errors included, Status and ledger calls too.
    let leader_addr = c.addr(leader);
    let named = |m: &tonic::metadata::MetadataMap| {
        m.get("x-sanxiang-leader")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(named(e.metadata()).as_deref(), Some(leader_addr.as_str()));
    let mut follower = RegionClient::new(raw_channel(&c.addr(leader % 3 + 1), &clerk)?);
    let st = follower.status(pb::StatusRequest {}).await?;
    assert_eq!(named(st.metadata()).as_deref(), Some(leader_addr.as_str()));
    let root = follower
        .ledger_root(pb::LedgerRootRequest { consistency: 0 })
        .await?;
    assert_eq!(
        named(root.metadata()).as_deref(),
        Some(leader_addr.as_str())
    );
    assert!(e.message().contains("REPLAY"), "{}", e.message());
    assert!(
        e.message().contains(&format!("第 {} 条", first.log_index)),
        "names the first request: {}",
        e.message()
    );
    let again = region.register_agency(req("甲局")).await?.into_inner();
    assert!(again.deduplicated);
    assert_eq!(again.log_index, first.log_index);
    let monitor = c.person(REGION, Organ::Bureau, Role::Monitor, "count")?;
    let names: Vec<String> = list(&mut c.client(&monitor)?)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["甲局"]);
    c.shutdown().await;
    Ok(())
}

/// Under overload writers are told to come back: past the leader's queue bound a write gets
/// `RESOURCE_EXHAUSTED` at once, never a timeout, and what was acknowledged is exactly what is
/// held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_queue_bound_writes_are_refused_at_once_and_nothing_is_lost() -> anyhow::Result<()>
{
    use sanxiang_proto::region::region_client::RegionClient;
    let mut t = timings();
    t.max_pending_writes = 2;
    let c = Cluster::start(3, t).await?;
    let leader = c.leader().await?;
    let clerk = c.person(REGION, Organ::Bureau, Role::Clerk, "burst")?;
    let mut tasks = Vec::new();
    for w in 0..48u64 {
        let mut region = RegionClient::new(raw_channel(&c.addr(leader), &clerk)?);
        tasks.push(tokio::spawn(async move {
            let req = sanxiang_proto::region::RegisterAgencyRequest {
                write_id: Some(sanxiang_proto::region::WriteId {
                    client_id: format!("burst-{w}"),
                    request_id: 1,
                }),
                agency: Some(agency(&format!("并发局{w}"))),
            };
            let t0 = std::time::Instant::now();
            let r = region.register_agency(req).await;
            (r.map(|_| ()), t0.elapsed())
        }));
    }
    let (mut ok, mut refused) = (0usize, 0usize);
    for t in tasks {
        let (r, took) = t.await?;
        match r {
            Ok(()) => ok += 1,
            Err(s) => {
                assert_eq!(s.code(), tonic::Code::ResourceExhausted, "{s}");
                assert!(s.message().contains("稍后"), "{}", s.message());
                assert!(
                    took < std::time::Duration::from_secs(5),
                    "refused only after {took:?}"
                );
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "48 writers at once never met a bound of 2");
    assert!(ok > 0);
    let monitor = c.person(REGION, Organ::Bureau, Role::Monitor, "count")?;
    assert_eq!(
        list(&mut c.client(&monitor)?).await?.len(),
        ok,
        "held = acknowledged"
    );
    c.shutdown().await;
    Ok(())
}
