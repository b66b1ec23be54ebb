//! A link whose parent lost what it had acknowledged: recorded and alerted at both ends,
//! refused until the parent's head or supervisor re-baselines it.
use crate::domain::command::cmd;
use crate::domain::command::testkit::World;
use crate::domain::core::outcome::{CommandResult, Outcome};
use crate::domain::core::state::Txn;
use crate::domain::federation::held::{LinkState, ALERTS, LINKS};
use crate::domain::federation::items::{Alert, AlertKind};
use crate::domain::federation::lost::LOST_LINKS;
use crate::domain::{Actor, Command, Organ, Role};

const CITY: &str = "hunan/changsha";
const COUNTY: &str = "hunan/changsha/liuyang";

fn node(region: &str) -> Actor {
    Actor::Node {
        region: region.into(),
        node: 1,
    }
}

fn lost_alerts(w: &World) -> Vec<Alert> {
    ALERTS
        .keys(&w.s)
        .filter_map(|k| bincode::deserialize::<Alert>(w.s.get_raw(k)?).ok())
        .filter(|a| a.kind == AlertKind::LinkLost)
        .collect()
}

/// A city that holds its county's link through 5 (restored from a backup).
fn city() -> World {
    let mut w = World::new(CITY, 1_760_000_000_000);
    let mut txn = Txn::new(&w.s);
    LINKS
        .put(
            &mut txn,
            COUNTY,
            &LinkState {
                mark: 5,
                tail: 5,
                ..LinkState::default()
            },
        )
        .unwrap();
    let writes = txn.into_writes();
    w.s.apply_writes(&writes);
    w
}

fn lost(pruned_through: u64) -> Command {
    Command::LinkLost(cmd::LinkLost {
        link: COUNTY.into(),
        pruned_through,
    })
}

fn rebaseline() -> Command {
    Command::RebaselineLink(cmd::RebaselineLink {
        link: COUNTY.into(),
    })
}

#[test]
fn a_lost_link_is_alerted_once_and_resumes_only_by_a_heads_rebaseline() {
    let mut w = city();
    // Nothing lost: nothing to re-baseline.
    w.refused_by((Organ::Bureau, Role::Head), rebaseline(), "CONFLICT");
    w.ok(node(CITY), lost(8));
    let l = LOST_LINKS.read(&w.s, COUNTY).unwrap().unwrap();
    assert_eq!((l.mark, l.pruned_through), (5, 8));
    let alerts = lost_alerts(&w);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].message.contains("第 6–8 条已丢失"),
        "{}",
        alerts[0].message
    );
    // Reported again (every push while stopped): the same record, no second alert.
    w.ok(node(CITY), lost(8));
    assert_eq!(lost_alerts(&w)[0].count, 1);
    // Only the bureau's head or supervisor re-baselines.
    for who in [
        (Organ::Bureau, Role::Clerk),
        (Organ::Bureau, Role::Inspector),
        (Organ::Agency(1), Role::Head),
    ] {
        w.refused_by(who, rebaseline(), "AUTH");
    }
    assert!(LOST_LINKS.read(&w.s, COUNTY).unwrap().is_some());
    match w
        .exec((Organ::Bureau, Role::Head, "zhou"), rebaseline())
        .outcome
    {
        Outcome::Ok(CommandResult::Record { id, flags }) => {
            assert_eq!((id, flags), (8, vec!["丢失 6–8".to_string()]))
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(LINKS.read(&w.s, COUNTY).unwrap().unwrap().mark, 8);
    assert!(LOST_LINKS.read(&w.s, COUNTY).unwrap().is_none());
    let a = &lost_alerts(&w)[0];
    assert!(a.message.contains("zhou 已重新基线"), "{}", a.message);
    // A stale report after the re-baseline changes nothing.
    w.ok(node(CITY), lost(8));
    assert!(LOST_LINKS.read(&w.s, COUNTY).unwrap().is_none());
    w.refused_by((Organ::Bureau, Role::Supervisor), rebaseline(), "CONFLICT");
}

#[test]
fn only_a_node_reports_a_lost_link_and_only_of_a_direct_child() {
    let mut w = city();
    let before = w.records();
    w.refused_by((Organ::Bureau, Role::Head), lost(8), "AUTH");
    let other = Command::LinkLost(cmd::LinkLost {
        link: "hunan/yueyang/pingjiang".into(),
        pruned_through: 8,
    });
    w.refused_by(node(CITY), other, "AUTH");
    assert_eq!(w.records(), before, "refusals change nothing");
    // A report within what is held is no loss.
    w.ok(node(CITY), lost(5));
    assert!(LOST_LINKS.read(&w.s, COUNTY).unwrap().is_none());
}

#[test]
fn the_child_records_that_its_parent_lost_its_link() {
    let mut w = World::new(COUNTY, 1_760_000_000_000);
    let report = |parent_mark, acked| Command::UplinkLost(cmd::UplinkLost { parent_mark, acked });
    w.refused_by(node(COUNTY), report(8, 8), "INPUT");
    w.refused_by((Organ::Bureau, Role::Head), report(5, 8), "AUTH");
    w.ok(node(COUNTY), report(5, 8));
    let a = lost_alerts(&w);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].subject, COUNTY);
    assert!(
        a[0].message
            .contains("hunan/changsha 只保存了本地区链路的第 5 条"),
        "{}",
        a[0].message
    );
}
