//! Certificates over time: renewed while the network runs, presented without a restart, and
//! the federation's proofs unbroken across the renewal.
use std::sync::Arc;
use std::time::Duration;

use sanxiang::domain::federation::items::{Carried, ItemBody, UpItem};
use sanxiang::domain::{Organ, Role};
use sanxiang::pki::rotate::{rotate, RotatePlan};
use sanxiang::pki::{issue, Expect};
use sanxiang_tests::network::*;
use sanxiang_tests::*;

const LONG: Duration = Duration::from_secs(60);

/// Names and proof flags of the agency items of `origin` held in a state.
fn agencies(state: &sanxiang::domain::State, origin: &str) -> Vec<(String, bool)> {
    held(state, origin)
        .into_iter()
        .filter_map(|(_, h)| match &h.carried {
            Carried::Item { bytes, .. } => match UpItem::from_leaf(bytes)?.body {
                ItemBody::Agency(a) => Some((a.name, h.proven)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The certificate a node presents to a new connection.
async fn presented(addr: &str, who: &sanxiang::pki::TlsMaterial) -> anyhow::Result<Vec<u8>> {
    let cfg = who.client_config(Expect::AnyNode)?;
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("node.sanxiang")?;
    let tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(name, tcp)
        .await?;
    let first = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or_else(|| anyhow::anyhow!("no server certificate"))?;
    Ok(first.as_ref().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_renewed_while_writing_are_presented_without_a_restart() -> anyhow::Result<()>
{
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 3)], timings()).await?;
    let clerk = net.person(COUNTY_A, Organ::Bureau, Role::Clerk, "clerk")?;
    let old: Vec<Vec<u8>> = (1..=3)
        .map(|i| net.node(COUNTY_A, i).ctx.tls.cert_der())
        .collect();
    // A writer runs through the whole renewal; every write must succeed.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut cl = net.client(COUNTY_A, &clerk)?;
    let writer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 5 {
                n += 1;
                register(&mut cl, &format!("续期中{n}"), "rot", n).await?;
            }
            anyhow::Ok(n)
        })
    };
    let plan = RotatePlan {
        within_days: 30,
        all: true,
        validity: issue::Validity::days(60),
    };
    let report = rotate(&net.topology, &net.pki, plan, None, &mut |_| {})?;
    assert!(report.renewed.len() >= 5, "{report:?}");
    // Every node of the county presents its renewal, to new connections too, within seconds.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    for i in 1..=3u64 {
        let node = net.node(COUNTY_A, i);
        while node.ctx.tls.cert_der() == old[i as usize - 1] {
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "node {i} kept its old certificate"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let now = presented(&node.addr.to_string(), &clerk).await?;
        assert_eq!(
            now,
            node.ctx.tls.cert_der(),
            "node {i} presents its renewal"
        );
        assert_ne!(now, old[i as usize - 1]);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await??;
    // Every item written across the renewal reaches the city proven.
    net.wait_until(CITY, "every item proven after the renewal", LONG, |s| {
        let a = agencies(s, COUNTY_A);
        (a.len() as u64 == written && a.iter().all(|(_, p)| *p)).then_some(())
    })
    .await?;
    net.shutdown().await;
    Ok(())
}

/// A dishonest city cannot invent an item of the province for its county: the county checks
/// every item's seal against the issuer named in it, and a revocation forged this way is
/// neither kept nor enforced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downlink_item_forged_by_the_region_in_between_is_refused() -> anyhow::Result<()> {
    use sanxiang::domain::federation::downlink::{
        digest, seal_message, DownBody, DownItem, DownSeal, SealedDown, RECEIVED,
    };
    use sanxiang_proto::federation as fpb;
    let net = Network::start(&[(PROVINCE, 1), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    let li = net.person(COUNTY_A, Organ::Bureau, Role::Clerk, "li")?;
    let serial = sanxiang::pki::revocation::serial_of(&li.cert_der())
        .ok_or_else(|| anyhow::anyhow!("no serial"))?;
    // The city's node signs an item that names the province as its issuer.
    let city = net.node_tls(CITY, 1)?;
    let item = DownItem {
        issuer: PROVINCE.into(),
        seq: 999,
        to: COUNTY_A.into(),
        time_ms: net.clock().now_ms(),
        by: "p/role/inspector/user/x".into(),
        body: DownBody::Revocation {
            serials: vec![serial],
            reason: "伪造".into(),
        },
    };
    let signature = sanxiang::ledger::head::sign_bytes(
        &seal_message(&digest(&item)?),
        city.presented()
            .key_pkcs8()
            .ok_or_else(|| anyhow::anyhow!("key"))?,
    )?;
    let forged = SealedDown {
        item,
        seal: DownSeal {
            signer: 1,
            cert_der: city.cert_der(),
            signature,
            at_ms: net.clock().now_ms(),
        },
    };
    let mut down = sanxiang_proto::federation::downlink_client::DownlinkClient::new(raw_channel(
        &net.addr(COUNTY_A, 1),
        &city,
    )?);
    let mark = down.mark(fpb::MarkRequest {}).await?.into_inner().mark;
    let reply = down
        .push(fpb::PushRequest {
            first_seq: mark + 1,
            entries: vec![bincode::serialize(&forged)?],
            tail: mark + 1,
            oldest_ms: 0,
            pruned_through: 0,
        })
        .await?
        .into_inner();
    assert_eq!(
        reply.mark,
        mark + 1,
        "the position is taken, the item is not"
    );
    net.read(COUNTY_A, |s| {
        assert!(
            RECEIVED
                .read(s, &(PROVINCE.to_string(), 999))
                .unwrap()
                .is_none(),
            "a forged item is not kept"
        );
    })
    .await?;
    assert_eq!(net.node(COUNTY_A, 1).ctx.tls.revoked.len(), 0);
    register(&mut net.client(COUNTY_A, &li)?, "李局", "l", 1).await?;
    net.shutdown().await;
    Ok(())
}
