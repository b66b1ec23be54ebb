//! Reports (SUP-1, SUP-3) and notices (SUP-2): lifecycles, rates on crafted data, and every
//! refusal leaving the records as they were.
use chrono::NaiveDate;

use crate::config::{NodeSpec, RegionKind, RegionSpec, Topology};
use crate::domain::calendar::days::start_of;
use crate::domain::command::cmd;
use crate::domain::command::envelope::Command;
use crate::domain::command::testkit::{env, input, run_in, World, REGION};
use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::outcome::Outcome;
use crate::domain::core::outcome::Split;
use crate::domain::federation::downlink::{DownBody, SENT_DOWN};
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, Stage, INBOX, NOTICES};
use crate::domain::supervision::report::{
    Attachment, DraftReport, DueRule, Narrative, Period, Unit, REPORTS,
};

mod notices;
mod reports;

const CITY: &str = "hunan/changsha";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// 10:00 Beijing on a day of 2026.
fn at(m: u32, d: u32) -> i64 {
    start_of(day(m, d)).unwrap() + 10 * 3_600_000
}

fn draft(agency: Option<u64>, period: &str) -> Command {
    Command::DraftReport(DraftReport {
        agency,
        period: period.into(),
        narrative: Narrative {
            done: "落实三项制度".into(),
            ..Narrative::default()
        },
        attachments: vec![],
        copies_to: vec![],
    })
}

fn topology() -> Topology {
    let spec = |id: &str, kind, parent: Option<&str>| RegionSpec {
        id: id.into(),
        name: id.into(),
        kind,
        parent: parent.map(Into::into),
        nodes: vec![NodeSpec {
            id: 1,
            grpc: format!("127.0.0.1:{}", 7000 + id.len()),
            http: String::new(),
        }],
    };
    Topology::from_parts(
        "test.sanxiang".into(),
        vec![
            spec("hunan", RegionKind::Province, None),
            spec(CITY, RegionKind::City, Some("hunan")),
            spec(REGION, RegionKind::County, Some(CITY)),
        ],
    )
    .unwrap()
}

fn notice(units: Vec<Unit>, kind: NoticeKind, deadline: Option<NaiveDate>) -> Command {
    Command::DraftNotice(NoticeDraft {
        kind,
        title: "关于行政执法公示情况的通报".into(),
        text: "请于期限内整改并报送整改情况。".into(),
        units,
        persons: vec![],
        deadline,
        basis: vec![],
    })
}

fn region_unit(r: &str) -> Unit {
    Unit {
        region: r.into(),
        agency: None,
    }
}
