//! Supervision commands: quarterly reports (SUP-1, SUP-3), circulated notices (SUP-2) and
//! monitoring of every region below (SUP-4, SUP-5, SUP-7).
use anyhow::Context;
use serde_json::Value;

use super::conn::beijing;
use crate::domain::supervision::report::Unit;

mod monitor;
mod notice;
mod report;
pub use report::send_down_setting;

pub use monitor::{monitor, MonitorArgs};
pub use notice::{notice, KindArg, NoticeCmd};
pub use report::{report, ReportCmd};

fn unit(s: &str) -> anyhow::Result<Unit> {
    Unit::parse(s).with_context(|| format!("{s:?} is not a unit: write region or region#agency"))
}

fn txt<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

fn n(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or(0)
}

fn when(v: &Value) -> String {
    v.as_i64().map(beijing).unwrap_or_else(|| "—".into())
}

/// A unit as JSON, written the way commands take it (`region` or `region#agency`).
fn unit_key(v: &Value) -> String {
    serde_json::from_value::<Unit>(v.clone())
        .map(|u| u.key())
        .unwrap_or_default()
}
