//! A parent restored from a backup lost entries its child had already pruned: the child's next
//! push finds it out, the link stops with an alert at both ends, and it resumes only when the
//! parent's head re-baselines it.
use std::path::Path;
use std::time::Duration;

use sanxiang::domain::command::cmd;
use sanxiang::domain::federation::items::{AlertKind, Carried, ItemBody, UpItem};
use sanxiang::domain::federation::lost::LOST_LINKS;
use sanxiang::domain::federation::outbox::outbox_stats;
use sanxiang::domain::{Command, Organ, Role};
use sanxiang_proto::region as pb;
use sanxiang_proto::region::region_client::RegionClient;
use sanxiang_tests::network::*;
use sanxiang_tests::*;

const LONG: Duration = Duration::from_secs(60);

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

async fn write(net: &Network, prefix: &str, n: u64, from: u64) -> anyhow::Result<()> {
    let clerk = net.person(COUNTY_A, Organ::Bureau, Role::Clerk, "clerk")?;
    let mut cl = net.client(COUNTY_A, &clerk)?;
    for i in 0..n {
        register(&mut cl, &format!("{prefix}{i}"), "lost-link", from + i).await?;
    }
    Ok(())
}

/// The names of the county's agency items the city holds.
fn names(s: &sanxiang::domain::State) -> Vec<String> {
    held(s, COUNTY_A)
        .into_iter()
        .filter_map(|(_, h)| match &h.carried {
            Carried::Item { bytes, .. } => match UpItem::from_leaf(bytes)?.body {
                ItemBody::Agency(a) => Some(a.name),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

async fn acknowledged(net: &Network) -> anyhow::Result<u64> {
    net.wait_until(COUNTY_A, "outbox acknowledged", LONG, |s| {
        let st = outbox_stats(s).ok()?;
        (st.backlog == 0 && st.pending == 0 && st.tail > 0).then_some(st.acked)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_restored_from_a_backup_stops_the_link_until_its_head_rebaselines_it(
) -> anyhow::Result<()> {
    let mut net = Network::start(&[(PROVINCE, 0), (CITY, 1), (COUNTY_A, 1)], timings()).await?;
    write(&net, "甲", 3, 1).await?;
    net.wait_until(CITY, "甲 held", LONG, |s| {
        (names(s).len() == 3).then_some(())
    })
    .await?;
    acknowledged(&net).await?;
    // The city's backup, taken while it holds 甲.
    let backup = tempfile::tempdir()?;
    net.stop(CITY, 1).await;
    copy_dir(&net.data_dir(CITY, 1), backup.path())?;
    net.restart(CITY, 1).await?;
    write(&net, "乙", 3, 10).await?;
    net.wait_until(CITY, "乙 held", LONG, |s| {
        (names(s).len() == 6).then_some(())
    })
    .await?;
    let acked = acknowledged(&net).await?;
    // The city is restored from the backup: 乙 is gone there, and pruned at the county.
    net.stop(CITY, 1).await;
    std::fs::remove_dir_all(net.data_dir(CITY, 1))?;
    copy_dir(backup.path(), &net.data_dir(CITY, 1))?;
    net.restart(CITY, 1).await?;
    // The county's next push finds it out, and both ends say so.
    write(&net, "丙", 2, 20).await?;
    let lost = net
        .wait_until(CITY, "the loss recorded", LONG, |s| {
            LOST_LINKS.read(s, COUNTY_A).ok().flatten()
        })
        .await?;
    assert_eq!(lost.pruned_through, acked);
    net.wait_until(COUNTY_A, "the county's alert", LONG, |s| {
        alerts(s)
            .into_iter()
            .find(|a| a.kind == AlertKind::LinkLost && a.subject == COUNTY_A)
    })
    .await?;
    let city_alert = net
        .read(CITY, |s| {
            alerts(s)
                .into_iter()
                .find(|a| a.kind == AlertKind::LinkLost)
        })
        .await?
        .expect("the city's alert");
    assert!(
        city_alert.message.contains("rebaseline"),
        "{}",
        city_alert.message
    );
    // 丙 is not taken before the re-baseline.
    let held_before = net.read(CITY, names).await?;
    assert_eq!(held_before.len(), 3, "{held_before:?}");
    // A clerk may not re-baseline; the head does.
    let rebase = |n| pb::ExecuteRequest {
        write_id: Some(pb::WriteId {
            client_id: "ops".into(),
            request_id: n,
        }),
        command_json: serde_json::to_string(&Command::RebaselineLink(cmd::RebaselineLink {
            link: COUNTY_A.into(),
        }))
        .unwrap_or_default(),
    };
    let leader = net.leader(CITY).await?;
    let clerk = net.person(CITY, Organ::Bureau, Role::Clerk, "c")?;
    let r = RegionClient::new(raw_channel(&net.addr(CITY, leader), &clerk)?)
        .execute(rebase(1))
        .await?
        .into_inner();
    assert!(
        matches!(r.outcome, Some(pb::write_reply::Outcome::Refused(ref f)) if f.rule == "AUTH"),
        "{r:?}"
    );
    let head = net.person(CITY, Organ::Bureau, Role::Head, "zhou")?;
    let r = RegionClient::new(raw_channel(&net.addr(CITY, leader), &head)?)
        .execute(rebase(2))
        .await?
        .into_inner();
    assert!(
        matches!(r.outcome, Some(pb::write_reply::Outcome::Record(ref x)) if x.id == acked),
        "{r:?}"
    );
    // The link resumes: 丙 arrives after 甲; 乙 stays lost, and says so.
    let after = net
        .wait_until(CITY, "丙 held", LONG, |s| {
            let n = names(s);
            (n.len() == 5).then_some(n)
        })
        .await?;
    assert_eq!(after, ["甲0", "甲1", "甲2", "丙0", "丙1"]);
    net.read(CITY, |s| {
        assert!(LOST_LINKS.read(s, COUNTY_A).ok().flatten().is_none());
        let a = alerts(s)
            .into_iter()
            .find(|a| a.kind == AlertKind::LinkLost)
            .expect("alert kept");
        assert!(a.message.contains("zhou 已重新基线"), "{}", a.message);
    })
    .await?;
    net.shutdown().await;
    Ok(())
}
