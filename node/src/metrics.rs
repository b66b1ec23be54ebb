//! What a node counts for its operators, and the Prometheus text format it is read in (version
//! 0.0.4, as `promtool check metrics` checks it). Counters and histograms are atomics updated
//! on the request and write paths; gauges (Raft, store, links, certificates) are read when
//! `/metrics` is asked for.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, seconds.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds of the batch-size buckets, envelopes per Raft entry.
pub const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

/// Most distinct label values kept per family; the rest count under `other` (a client
/// choosing paths cannot grow the node's memory).
const MAX_SERIES: usize = 64;

/// A histogram over fixed buckets.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    /// Sum in millionths of the unit.
    sum_micro: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micro: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, v: f64) {
        for (b, n) in self.bounds.iter().zip(&self.buckets) {
            if v <= *b {
                n.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // Negative or NaN observations add nothing to the sum.
        let micro = (v.max(0.0) * 1e6) as u64;
        self.sum_micro.fetch_add(micro, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, n) in self.bounds.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micro.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// A label value as the text format writes it.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// gRPC status codes counted by number (0–16); anything else (a transport failure) last.
const CODES: usize = 18;

/// One gRPC method's requests: their latency, and their count by status code.
#[derive(Debug)]
struct MethodStats {
    latency: Histogram,
    codes: [AtomicU64; CODES],
}

/// What a node counts.
#[derive(Debug)]
pub struct Metrics {
    /// gRPC requests by method (its path).
    methods: Mutex<BTreeMap<String, std::sync::Arc<MethodStats>>>,
    /// Writes refused, by rule.
    refusals: Mutex<BTreeMap<String, u64>>,
    /// Writes answered (applied, refused or deduplicated).
    pub writes: AtomicU64,
    /// Envelopes per proposed Raft entry.
    pub batch: Histogram,
    /// Web requests answered.
    pub web_requests: AtomicU64,
    /// The log store's group-commit counters, once the store is open.
    pub flush: std::sync::OnceLock<std::sync::Arc<crate::store::log_store::FlushStats>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            methods: Mutex::default(),
            refusals: Mutex::default(),
            writes: AtomicU64::new(0),
            batch: Histogram::new(&BATCH_BUCKETS),
            web_requests: AtomicU64::new(0),
            flush: std::sync::OnceLock::new(),
        }
    }
}

fn bounded<'a, V>(map: &BTreeMap<String, V>, key: &'a str) -> &'a str {
    if map.contains_key(key) || map.len() < MAX_SERIES {
        key
    } else {
        "other"
    }
}

impl Metrics {
    /// One gRPC request of `method` (its path) answered with status `code` (`None`: the
    /// transport failed) after `took`. One lock to find the method; a method's first request
    /// allocates its entry, later ones nothing.
    pub fn request(&self, method: &str, code: Option<u32>, took: Duration) {
        let stats = {
            let mut m = self.methods.lock().unwrap_or_else(|p| p.into_inner());
            match m.get(method) {
                Some(s) => s.clone(),
                None => {
                    let key = bounded(&m, method).to_string();
                    m.entry(key)
                        .or_insert_with(|| {
                            std::sync::Arc::new(MethodStats {
                                latency: Histogram::new(&LATENCY_BUCKETS),
                                codes: std::array::from_fn(|_| AtomicU64::new(0)),
                            })
                        })
                        .clone()
                }
            }
        };
        stats.latency.observe(took.as_secs_f64());
        let i = code.map_or(CODES - 1, |c| (c as usize).min(CODES - 1));
        stats.codes[i].fetch_add(1, Ordering::Relaxed);
    }

    /// A write refused under `rule`.
    pub fn refused(&self, rule: &str) {
        let mut r = self.refusals.lock().unwrap_or_else(|p| p.into_inner());
        let k = bounded(&r, rule).to_string();
        *r.entry(k).or_insert(0) += 1;
    }

    /// The counters and histograms in the text format.
    pub fn render_counters(&self, out: &mut String) {
        family(
            out,
            "sanxiang_grpc_requests_total",
            "counter",
            "gRPC requests answered, by method and status code.",
        );
        let methods: Vec<(String, std::sync::Arc<MethodStats>)> = self
            .methods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(m, s)| (escape(m), s.clone()))
            .collect();
        for (m, s) in &methods {
            for (i, n) in s.codes.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let code = if i == CODES - 1 {
                        "transport".to_string()
                    } else {
                        i.to_string()
                    };
                    let _ = writeln!(
                        out,
                        "sanxiang_grpc_requests_total{{method=\"{m}\",code=\"{code}\"}} {n}"
                    );
                }
            }
        }
        family(
            out,
            "sanxiang_grpc_request_duration_seconds",
            "histogram",
            "Time to answer a gRPC request (to its response headers), by method.",
        );
        for (m, s) in &methods {
            s.latency.render(
                out,
                "sanxiang_grpc_request_duration_seconds",
                &format!("method=\"{m}\""),
            );
        }
        family(
            out,
            "sanxiang_writes_refused_total",
            "counter",
            "Writes the rules refused, by rule.",
        );
        for (rule, n) in self
            .refusals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "sanxiang_writes_refused_total{{rule=\"{}\"}} {n}",
                escape(rule)
            );
        }
        family(
            out,
            "sanxiang_writes_total",
            "counter",
            "Writes answered by this node (applied, refused or deduplicated).",
        );
        let _ = writeln!(
            out,
            "sanxiang_writes_total {}",
            self.writes.load(Ordering::Relaxed)
        );
        family(
            out,
            "sanxiang_raft_batch_envelopes",
            "histogram",
            "Envelopes proposed in one Raft entry by this node's batcher (group commit).",
        );
        self.batch.render(out, "sanxiang_raft_batch_envelopes", "");
        self.render_flush(out);
        family(
            out,
            "sanxiang_web_requests_total",
            "counter",
            "Web requests answered.",
        );
        let _ = writeln!(
            out,
            "sanxiang_web_requests_total {}",
            self.web_requests.load(Ordering::Relaxed)
        );
    }

    fn render_flush(&self, out: &mut String) {
        let Some(f) = self.flush.get() else {
            return;
        };
        family(
            out,
            "sanxiang_log_fsyncs_total",
            "counter",
            "fsyncs of the Raft log (one per group commit).",
        );
        let _ = writeln!(
            out,
            "sanxiang_log_fsyncs_total {}",
            f.flushes.load(Ordering::Relaxed)
        );
        family(
            out,
            "sanxiang_log_appends_total",
            "counter",
            "Log appends and votes made durable.",
        );
        let _ = writeln!(
            out,
            "sanxiang_log_appends_total {}",
            f.completions.load(Ordering::Relaxed)
        );
        family(
            out,
            "sanxiang_log_fsync_seconds_total",
            "counter",
            "Time spent in fsync of the Raft log.",
        );
        let _ = writeln!(
            out,
            "sanxiang_log_fsync_seconds_total {}",
            f.flush_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
    }
}

/// The `# HELP` and `# TYPE` lines of a family.
pub fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One gauge sample, with its family lines.
pub fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_sum_what_was_observed() {
        let h = Histogram::new(&LATENCY_BUCKETS);
        h.observe(0.003);
        h.observe(0.2);
        h.observe(f64::NAN);
        let mut s = String::new();
        h.render(&mut s, "x", "method=\"m\"");
        assert!(s.contains("x_bucket{method=\"m\",le=\"0.0025\"} 0\n"));
        assert!(s.contains("x_bucket{method=\"m\",le=\"0.005\"} 1\n"));
        assert!(s.contains("x_bucket{method=\"m\",le=\"0.25\"} 2\n"));
        assert!(s.contains("x_bucket{method=\"m\",le=\"+Inf\"} 3\n"));
        assert!(s.contains("x_count{method=\"m\"} 3\n"));
        assert!(s.contains("x_sum{method=\"m\"} 0.203\n"));
    }

    #[test]
    fn label_values_are_escaped_and_their_number_bounded() {
        let m = Metrics::default();
        m.refused("A\"B\\C\nD");
        m.request("/a", Some(0), Duration::from_millis(1));
        m.request("/a", Some(5), Duration::from_millis(1));
        m.request("/a", None, Duration::from_millis(1));
        for i in 0..200 {
            m.request(&format!("/x/{i}"), Some(0), Duration::from_millis(1));
            m.refused(&format!("R-{i}"));
        }
        let mut s = String::new();
        m.render_counters(&mut s);
        assert!(s.contains("rule=\"A\\\"B\\\\C\\nD\""));
        assert!(s.contains("method=\"other\""));
        assert!(s.contains("rule=\"other\""));
        assert!(s.contains("method=\"/a\",code=\"5\"} 1\n"));
        assert!(s.contains("method=\"/a\",code=\"transport\"} 1\n"));
        assert!(m.methods.lock().unwrap().len() <= MAX_SERIES + 1);
        assert!(m.refusals.lock().unwrap().len() <= MAX_SERIES + 1);
    }
}
