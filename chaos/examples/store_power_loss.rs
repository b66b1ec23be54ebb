//! What the store keeps through a power loss: writes acknowledged after a flush, the writer
//! killed, every write not fsynced dropped by LazyFS, the database opened again and counted.
//!
//! Two ways to flush are compared: sled's own `Db::flush`, and the node's
//! [`sanxiang::store::Disk::flush`] (sled's flush plus the fsyncs sled leaves out).
//!
//! ```text
//! cargo run --release -p sanxiang-chaos --example store_power_loss -- \
//!     --lazyfs /opt/lazyfs/lazyfs/build/lazyfs
//! ```
//! Exits 1 if the node's flush lost an acknowledged write or the database did not open.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::Parser;
use sanxiang::store::Disk;
use sanxiang_chaos::powerloss::Mount;

#[derive(Parser)]
#[command(about = "Writes acknowledged after a flush, then a simulated power loss (LazyFS)")]
struct Args {
    /// The LazyFS binary.
    #[arg(long)]
    lazyfs: Option<PathBuf>,
    /// Seconds of writing before the power is cut.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// Value sizes to try, in bytes (sled keeps values over 128 KiB in separate blob files).
    #[arg(long, value_delimiter = ',', default_value = "100,200000")]
    values: Vec<usize>,
    /// Writes per flush.
    #[arg(long, default_value_t = 50)]
    batch: u64,
    /// Print one JSON object per trial instead of the table.
    #[arg(long)]
    json: bool,
    /// Internal: be the writer (mode, database directory, value size, file of acknowledged keys).
    #[arg(long, num_args = 4, hide = true)]
    write: Option<Vec<String>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Flush {
    Sled,
    Store,
}

impl Flush {
    fn name(self) -> &'static str {
        match self {
            Flush::Sled => "sled Db::flush",
            Flush::Store => "store Disk::flush",
        }
    }
    fn parse(s: &str) -> Option<Flush> {
        match s {
            "sled" => Some(Flush::Sled),
            "store" => Some(Flush::Store),
            _ => None,
        }
    }
    fn arg(self) -> &'static str {
        match self {
            Flush::Sled => "sled",
            Flush::Store => "store",
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let code = match run(args).await {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    };
    std::process::exit(code);
}

async fn run(args: Args) -> Result<bool, BoxError> {
    if let Some(w) = &args.write {
        let [mode, dir, value, acked] = w.as_slice() else {
            return Err("--write takes 4 values".into());
        };
        let mode = Flush::parse(mode).ok_or("mode is sled or store")?;
        write(
            mode,
            Path::new(dir),
            value.parse()?,
            Path::new(acked),
            args.batch,
        )
        .await?;
        return Ok(true);
    }
    let lazyfs = args
        .lazyfs
        .clone()
        .ok_or("--lazyfs PATH is required (a built LazyFS)")?;
    let work = tempfile::tempdir()?;
    let mut all_kept = true;
    if !args.json {
        println!(
            "{:<18} {:>9} {:>12} {:>12} {:>10}",
            "flush", "value B", "acknowledged", "recovered", "lost"
        );
    }
    for &value in &args.values {
        for mode in [Flush::Sled, Flush::Store] {
            let name = format!("{}-{value}", mode.arg());
            let t = trial(&lazyfs, work.path(), &name, mode, value, &args).await?;
            if mode == Flush::Store && (t.lost > 0 || t.open_error.is_some()) {
                all_kept = false;
            }
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "flush": mode.arg(), "value_bytes": value,
                        "acknowledged": t.acked, "recovered": t.recovered,
                        "lost": t.lost, "open_error": t.open_error,
                    })
                );
            } else {
                let lost = match &t.open_error {
                    Some(e) => format!("did not open: {e}"),
                    None => t.lost.to_string(),
                };
                println!(
                    "{:<18} {:>9} {:>12} {:>12} {:>10}",
                    mode.name(),
                    value,
                    t.acked,
                    t.recovered,
                    lost
                );
            }
        }
    }
    Ok(all_kept)
}

struct Trial {
    acked: u64,
    recovered: u64,
    lost: u64,
    open_error: Option<String>,
}

async fn trial(
    lazyfs: &Path,
    work: &Path,
    name: &str,
    mode: Flush,
    value: usize,
    args: &Args,
) -> Result<Trial, BoxError> {
    let mount = Mount::start(lazyfs, work, name)?;
    let db_dir = mount.mnt.join("db");
    let acked_file = work.join(format!("{name}.acked"));
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--batch")
        .arg(args.batch.to_string())
        .arg("--write")
        .args([
            mode.arg(),
            &db_dir.display().to_string(),
            &value.to_string(),
        ])
        .arg(&acked_file)
        .stdout(Stdio::null())
        .spawn()?;
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    // SIGKILL: nothing the writer holds reaches the disk after this.
    child.kill()?;
    child.wait()?;
    mount.lose_power().await?;
    // Keys are 0, 1, 2, … in order; a key is acknowledged once a flush after it returned.
    let acked = std::fs::read_to_string(&acked_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.parse::<u64>().ok())
        .max()
        .map(|m| m + 1)
        .unwrap_or(0);
    let (recovered, open_error) = match Disk::open(&db_dir, 8 << 20).await {
        Ok(disk) => {
            let mut present = 0u64;
            for k in 0..acked {
                if disk.db().contains_key(k.to_be_bytes())? {
                    present += 1;
                }
            }
            (present, None)
        }
        Err(e) => (0, Some(e.to_string())),
    };
    Ok(Trial {
        acked,
        recovered,
        lost: acked - recovered,
        open_error,
    })
}

/// Inserts keys 0, 1, 2, … and records the last key of each batch once its flush returned.
async fn write(
    mode: Flush,
    dir: &Path,
    value: usize,
    acked: &Path,
    batch: u64,
) -> Result<(), BoxError> {
    let disk = Disk::open(dir, 8 << 20).await?;
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(acked)?;
    let v = vec![7u8; value];
    for i in 0u64.. {
        disk.db().insert(i.to_be_bytes(), v.as_slice())?;
        if i % batch.max(1) == batch.max(1) - 1 {
            match mode {
                Flush::Sled => {
                    disk.db().flush()?;
                }
                Flush::Store => disk.flush().await?,
            }
            writeln!(out, "{i}")?;
        }
    }
    Ok(())
}
