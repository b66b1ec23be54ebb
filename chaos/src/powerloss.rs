//! Power loss, simulated with LazyFS (<https://github.com/dsrhaslab/lazyfs>): a FUSE filesystem
//! that keeps written data in its own cache until it is fsynced and drops whatever was not
//! fsynced on `lazyfs::clear-cache`. Each county's three nodes keep their data on one LazyFS
//! mount, so a power loss of that county is: every node frozen and killed at the same instant,
//! then the mount's unsynced data dropped. A kill -9 alone cannot show a missing fsync: the
//! data a process wrote is in the kernel's page cache and survives the process.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ChaosError;

/// One LazyFS mount.
pub struct Mount {
    pub mnt: PathBuf,
    fifo: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Mount {
    /// Mounts LazyFS (`bin`) at `dir/lazy-<name>`, backed by `dir/lazy-<name>-root`.
    pub fn start(bin: &Path, dir: &Path, name: &str) -> Result<Mount, ChaosError> {
        let mnt = dir.join(format!("lazy-{name}"));
        let root = dir.join(format!("lazy-{name}-root"));
        let fifo = dir.join(format!("lazy-{name}.fifo"));
        let log = dir.join(format!("lazy-{name}.log"));
        std::fs::create_dir_all(&mnt)?;
        std::fs::create_dir_all(&root)?;
        let config = dir.join(format!("lazy-{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[faults]\nfifo_path=\"{}\"\n[cache]\napply_eviction=false\n[cache.simple]\ncustom_size=\"2gb\"\nblocks_per_page=1\n[filesystem]\nlog_all_operations=false\nlogfile=\"{}\"\n",
                fifo.display(),
                log.display()
            ),
        )?;
        let out = std::fs::File::create(dir.join(format!("lazy-{name}.out")))?;
        let child = Command::new(bin)
            .arg(&mnt)
            .arg("--config-path")
            .arg(&config)
            .args(["-o", "allow_other", "-o", "modules=subdir", "-o"])
            .arg(format!("subdir={}", root.display()))
            .arg("-f")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let m = Mount {
            mnt,
            fifo,
            log,
            child: Some(child),
        };
        let t0 = Instant::now();
        while !m.mounted() {
            if t0.elapsed() > Duration::from_secs(15) {
                return Err(ChaosError::Setup(format!(
                    "LazyFS did not mount {} (see lazy-{name}.out)",
                    m.mnt.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(m)
    }

    fn mounted(&self) -> bool {
        let want = self.mnt.display().to_string();
        std::fs::read_to_string("/proc/mounts")
            .map(|m| {
                m.lines()
                    .any(|l| l.split(' ').nth(1) == Some(want.as_str()))
            })
            .unwrap_or(false)
    }

    fn cleared(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|l| l.matches("cache is cleared").count())
            .unwrap_or(0)
    }

    /// Drops every write not fsynced, and waits until LazyFS says so.
    pub async fn lose_power(&self) -> Result<(), ChaosError> {
        let before = self.cleared();
        let fifo = self.fifo.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .and_then(|mut f| std::io::Write::write_all(&mut f, b"lazyfs::clear-cache\n"))
        })
        .await
        .map_err(|e| ChaosError::Setup(e.to_string()))??;
        let t0 = Instant::now();
        while self.cleared() <= before {
            if t0.elapsed() > Duration::from_secs(15) {
                return Err(ChaosError::Setup(format!(
                    "LazyFS did not confirm clearing its cache at {}",
                    self.mnt.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("fusermount3")
            .arg("-u")
            .arg(&self.mnt)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(mut c) = self.child.take() {
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
