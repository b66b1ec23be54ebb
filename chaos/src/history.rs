//! The recorded history: every operation's invocation and answer (ok, refused or unknown),
//! kept in memory for the checkers and appended to a JSON-lines file as it completes.
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Acknowledged: it happened.
    Ok,
    /// Refused with a definite answer: it did not happen.
    Refused,
    /// No answer (timeout, connection lost): it may have happened, now or later.
    Unknown,
}

/// One operation.
#[derive(Debug, Clone, Serialize)]
pub struct Op {
    pub scenario: String,
    pub process: String,
    pub region: String,
    pub kind: &'static str,
    /// Register key or notice id.
    pub key: Option<u64>,
    /// Register value written or read.
    pub value: Option<i64>,
    /// Unique name of a created record.
    pub name: Option<String>,
    pub invoked_us: u64,
    pub answered_us: Option<u64>,
    pub outcome: Outcome,
    /// The id of the record the operation made, when acknowledged.
    pub result_id: Option<u64>,
    pub detail: String,
}

struct Inner {
    ops: Vec<Op>,
    file: Option<std::fs::File>,
    scenario: String,
}

/// Shared by every process of the workload.
#[derive(Clone)]
pub struct History {
    start: Instant,
    inner: Arc<Mutex<Inner>>,
}

impl History {
    pub fn new(path: Option<&Path>) -> std::io::Result<History> {
        let file = match path {
            Some(p) => Some(std::fs::File::create(p)?),
            None => None,
        };
        Ok(History {
            start: Instant::now(),
            inner: Arc::new(Mutex::new(Inner {
                ops: Vec::new(),
                file,
                scenario: String::new(),
            })),
        })
    }

    /// Microseconds since the run began.
    pub fn now(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    pub fn set_scenario(&self, name: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.scenario = name.to_string();
        }
    }

    /// Records a finished operation.
    pub fn record(&self, mut op: Op) {
        if let Ok(mut g) = self.inner.lock() {
            op.scenario = g.scenario.clone();
            if let Some(f) = &mut g.file {
                if let Ok(line) = serde_json::to_string(&op) {
                    let _ = writeln!(f, "{line}");
                }
            }
            g.ops.push(op);
        }
    }

    pub fn ops(&self) -> Vec<Op> {
        self.inner.lock().map(|g| g.ops.clone()).unwrap_or_default()
    }

    /// Operations recorded so far (the index where the next one goes).
    pub fn len(&self) -> usize {
        self.inner.lock().map(|g| g.ops.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
