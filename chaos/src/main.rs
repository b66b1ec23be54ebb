//! `sanxiang-chaos`: brings up a province, a city and two counties as 12 real `sanxiang serve`
//! processes with a relay on every link, runs a recorded workload under seeded faults, heals,
//! and checks that nothing acknowledged was lost, duplicated or rewritten.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use sanxiang_chaos::check::{self, Violation};
use sanxiang_chaos::cluster::Cluster;
use sanxiang_chaos::history::{History, Outcome};
use sanxiang_chaos::hostile;
use sanxiang_chaos::linearizability::Verdict;
use sanxiang_chaos::nemesis::{self, Scenario};
use sanxiang_chaos::rng::Rng;
use sanxiang_chaos::workload::{self, Workload};
use sanxiang_chaos::ChaosError;

/// Fault injection against real sanxiang processes, with checkers of the recorded history.
///
/// Short mode (the default) runs each scenario once for --fault-secs (20 s) and takes about
/// five minutes. Long mode (--duration) takes the long scenarios in turn until the time is up.
/// The same --seed gives the same schedule of faults. Exit status 1 on any violation.
#[derive(Debug, Parser)]
#[command(name = "sanxiang-chaos", version)]
struct Args {
    /// The sanxiang binary to run (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/sanxiang")]
    bin: PathBuf,
    /// Long mode: run scenarios in turn for this many seconds of faults in all.
    #[arg(long)]
    duration: Option<u64>,
    /// Seed of the fault schedule (default: from the clock; printed either way).
    #[arg(long)]
    seed: Option<u64>,
    /// Only these scenarios (repeatable): kill, partitions, pause, cut-uplink, kill-region,
    /// degrade, mixed, power-loss (with --lazyfs).
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Seconds of faults per scenario (short mode 20, long mode 300).
    #[arg(long)]
    fault_secs: Option<u64>,
    /// Directory for the topology, PKI, node data and logs, history.jsonl and report.json
    /// (default: a new directory under the system's temp dir, removed after a clean run).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep the directory after a clean run.
    #[arg(long)]
    keep: bool,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// LazyFS binary: keep each county's data on a LazyFS mount and add the power-loss
    /// scenario (every node of a county killed at one instant and its unsynced writes dropped).
    #[arg(long)]
    lazyfs: Option<PathBuf>,
    /// Seconds allowed to converge after healing before it counts as a violation.
    #[arg(long, default_value_t = 180)]
    converge_secs: u64,
}

#[derive(Debug, serde::Serialize)]
struct Row {
    scenario: String,
    seed: u64,
    faults: usize,
    attempted: usize,
    acknowledged: usize,
    refused: usize,
    unknown: usize,
    lost: usize,
    duplicated: usize,
    converge_ms: Option<u128>,
    /// Uplink entries received again by parents so far (absorbed by the dedup at the mark).
    resent: u64,
    linearizable: String,
    notices: usize,
    violations: Vec<Violation>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    // On Ctrl-C or SIGTERM the run is dropped, and with it the network: nodes killed, relays
    // closed, LazyFS unmounted.
    let outcome = rt.block_on(async {
        tokio::select! {
            r = run(args) => Some(r),
            _ = interrupted() => None,
        }
    });
    let Some(outcome) = outcome else {
        eprintln!("chaos: interrupted; nodes stopped, no verdict");
        return ExitCode::from(130);
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("chaos: {e}");
            ExitCode::from(2)
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (never, if neither can be watched).
async fn interrupted() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn run(args: Args) -> Result<bool, ChaosError> {
    if !args.bin.is_file() {
        return Err(ChaosError::Setup(format!(
            "no sanxiang binary at {} (build it with `cargo build --release`, or give --bin)",
            args.bin.display()
        )));
    }
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            % 1_000_000
    });
    let long = args.duration.is_some();
    let all = nemesis::scenarios(long, args.lazyfs.is_some());
    let known: Vec<&str> = all.iter().map(|s| s.name).collect();
    for s in &args.scenarios {
        if !known.contains(&s.as_str()) {
            return Err(ChaosError::Setup(format!(
                "unknown scenario {s:?}; this mode has {}",
                known.join(", ")
            )));
        }
    }
    let chosen: Vec<Scenario> = all
        .into_iter()
        .filter(|s| args.scenarios.is_empty() || args.scenarios.iter().any(|n| n == s.name))
        .collect();
    let fault_secs = args.fault_secs.unwrap_or(if long { 300 } else { 20 });
    let dir = match &args.out {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => std::env::temp_dir().join(format!("sanxiang-chaos-{seed}-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let bin = std::fs::canonicalize(&args.bin)?;
    eprintln!(
        "混沌测试 chaos: seed {seed}, {} mode, scenarios {}, {fault_secs} s of faults each; files in {}",
        if long { "long" } else { "short" },
        chosen.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
        dir.display()
    );
    let mut rng = Rng::new(seed);
    let mut cluster = Cluster::prepare(&bin, &dir, seed, 5, args.lazyfs.as_deref()).await?;
    cluster.start_all()?;
    eprintln!(
        "12 nodes started ({} relays); waiting for every region to elect and link up",
        cluster.layer.len()
    );
    let history = History::new(Some(&dir.join("history.jsonl")))?;
    let t_up = Instant::now();
    let keys = workload::Workload::setup_register(&cluster, &history).await?;
    let desks = sanxiang_chaos::cases::setup(&cluster).await?;
    if let Err(e) = check::converge(&cluster, Duration::from_secs(120)).await {
        return Err(ChaosError::Setup(format!(
            "the network did not come up: {}",
            e.what
        )));
    }
    let (used, bytes) = cluster.layer.traffic();
    eprintln!(
        "network up in {:.1} s; {used} of {} relays carry traffic ({} KiB so far)",
        t_up.elapsed().as_secs_f64(),
        cluster.layer.len(),
        bytes / 1024
    );

    let started = Instant::now();
    let mut rows = Vec::new();
    let mut epoch = 0u64;
    loop {
        for sc in &chosen {
            let secs = if let Some(total) = args.duration {
                let left = total.saturating_sub(started.elapsed().as_secs());
                if left < 10 {
                    break;
                }
                fault_secs.min(left)
            } else {
                fault_secs
            };
            epoch += 1;
            rows.push(
                scenario(
                    &mut cluster,
                    &history,
                    &keys,
                    &desks,
                    sc,
                    secs,
                    seed,
                    epoch,
                    &mut rng,
                    args.converge_secs,
                )
                .await?,
            );
        }
        match args.duration {
            Some(total) if started.elapsed().as_secs() + 10 < total => continue,
            _ => break,
        }
    }
    eprintln!("── hostile requests against the running processes");
    let (probes, found) = hostile::run(&cluster).await?;
    for p in &probes {
        eprintln!(
            "  {} {}: {}",
            if p.refused { "✓" } else { "✗" },
            p.name,
            p.answer
        );
    }
    for x in &found {
        eprintln!("  ✗ [{}] {}", x.check, x.what);
    }
    rows.push(Row {
        scenario: "hostile".into(),
        seed,
        faults: 0,
        attempted: probes.len(),
        acknowledged: probes.iter().filter(|p| !p.refused).count(),
        refused: probes.iter().filter(|p| p.refused).count(),
        unknown: 0,
        lost: 0,
        duplicated: 0,
        converge_ms: None,
        resent: 0,
        linearizable: "-".into(),
        notices: 0,
        violations: found,
    });
    let clean = rows.iter().all(|r| r.violations.is_empty());
    let report = serde_json::json!({"seed": seed, "mode": if long {"long"} else {"short"}, "clean": clean, "scenarios": rows});
    std::fs::write(dir.join("report.json"), serde_json::to_vec_pretty(&report)?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&rows);
    }
    cluster.stop_all();
    if clean && !args.keep && args.out.is_none() {
        drop(cluster);
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("history, report and node logs kept in {}", dir.display());
    }
    if clean {
        eprintln!("PASS: nothing acknowledged was lost or duplicated; the register history is linearizable (seed {seed})");
    } else {
        eprintln!("FAIL (seed {seed}); rerun with --seed {seed} to replay the schedule");
    }
    Ok(clean)
}

#[allow(clippy::too_many_arguments)]
async fn scenario(
    cluster: &mut Cluster,
    history: &History,
    keys: &[u64],
    desks: &[sanxiang_chaos::cases::CaseDesk],
    sc: &Scenario,
    secs: u64,
    seed: u64,
    epoch: u64,
    rng: &mut Rng,
    converge_secs: u64,
) -> Result<Row, ChaosError> {
    eprintln!("── {} ({} s of faults)", sc.name, secs);
    history.set_scenario(sc.name);
    let before = history.len();
    workload::record_initial(cluster, history, keys).await?;
    let wl = Workload::start(cluster, history, keys, desks, rng, epoch, sc.heavy)?;
    let mut sub = rng.fork();
    let faults = nemesis::run(cluster, sc, Duration::from_secs(secs), &mut sub, &mut |l| {
        eprintln!("{l}")
    })
    .await?;
    wl.stop().await;
    cluster.heal_all()?;
    let mut violations: Vec<Violation> = Vec::new();
    let conv = check::converge(cluster, Duration::from_secs(converge_secs)).await;
    let converge_ms = conv.as_ref().ok().map(|d| d.as_millis());
    if let Err(e) = conv {
        violations.push(e);
    }
    // Every delivered notice answered, and the answers up.
    workload::answer_all(cluster, history).await?;
    if let Err(e) = check::converge(cluster, Duration::from_secs(converge_secs)).await {
        violations.push(e);
    }
    for (n, status) in cluster.crashed() {
        violations.push(Violation {
            check: "process",
            class: "other",
            what: format!("{}/{} exited by itself ({status}); see its log", n.0, n.1),
        });
    }
    let ops = history.ops();
    // The checks read the nodes one after another while Ticks may still append a summary, so
    // a finding must persist over a few rounds (each after converging again) to count.
    let mut found = Vec::new();
    let mut notices = 0;
    for round in 0..3 {
        if round > 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let _ = check::converge(cluster, Duration::from_secs(30)).await;
        }
        found = check::replicas(cluster, &ops).await;
        let views = check::read_views(cluster).await;
        if let Ok(vs) = &views {
            found.extend(check::uplink(cluster, vs, &ops).await);
        }
        found.extend(sanxiang_chaos::cases::check(cluster, &ops).await);
        let (nv, n) = check::notices(cluster, &ops).await;
        found.extend(nv);
        match &views {
            Ok(vs) => found.extend(check::heads(cluster, vs).await),
            Err(e) => found.push(e.clone()),
        }
        notices = n;
        if found.is_empty() {
            break;
        }
    }
    violations.extend(found);
    // This scenario's segment of the register history, from the values read as it began.
    let (lv, verdicts) = check::register(&ops[before.min(ops.len())..], 5_000_000);
    violations.extend(lv);
    let unknown_keys = verdicts
        .values()
        .filter(|v| matches!(v, Verdict::Unknown { .. }))
        .count();
    let linearizable = if verdicts
        .values()
        .any(|v| matches!(v, Verdict::Violation(_)))
    {
        "NO".to_string()
    } else if unknown_keys > 0 {
        format!("unknown ({unknown_keys} keys over budget)")
    } else {
        "yes".to_string()
    };
    let mine: Vec<_> = ops[before.min(ops.len())..]
        .iter()
        .filter(|o| o.kind != "initial")
        .cloned()
        .collect();
    let count = |o: Outcome| mine.iter().filter(|x| x.outcome == o).count();
    for x in violations.iter().take(20) {
        eprintln!("  ✗ [{}] {}", x.check, x.what);
    }
    Ok(Row {
        scenario: sc.name.to_string(),
        seed,
        faults: faults.len(),
        attempted: mine.len(),
        acknowledged: count(Outcome::Ok),
        refused: count(Outcome::Refused),
        unknown: count(Outcome::Unknown),
        lost: violations.iter().filter(|v| v.class == "lost").count(),
        duplicated: violations
            .iter()
            .filter(|v| v.class == "duplicated")
            .count(),
        converge_ms,
        resent: check::resent(cluster).await,
        linearizable,
        notices,
        violations,
    })
}

fn print_table(rows: &[Row]) {
    let head = [
        "scenario",
        "faults",
        "attempted",
        "acked",
        "refused",
        "unknown",
        "lost",
        "dup",
        "converge",
        "resent",
        "notices",
        "linearizable",
        "violations",
    ];
    let mut lines = vec![head.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for r in rows {
        lines.push(vec![
            r.scenario.clone(),
            r.faults.to_string(),
            r.attempted.to_string(),
            r.acknowledged.to_string(),
            r.refused.to_string(),
            r.unknown.to_string(),
            r.lost.to_string(),
            r.duplicated.to_string(),
            r.converge_ms
                .map(|m| format!("{:.1} s", m as f64 / 1000.0))
                .unwrap_or_else(|| {
                    if r.scenario == "hostile" {
                        "-".into()
                    } else {
                        "never".into()
                    }
                }),
            r.resent.to_string(),
            r.notices.to_string(),
            r.linearizable.clone(),
            r.violations.len().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for l in &lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        println!("{}", cells.join("  "));
    }
    if let Some(r) = rows.first() {
        println!("seed {}", r.seed);
    }
}
