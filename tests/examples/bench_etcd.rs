//! Side by side, in one run: a 3-node etcd cluster (without and with mutual TLS) and a 3-node
//! region (3 `sanxiang serve` processes, mutual TLS, fsync), all separate processes on
//! loopback, each driven in turn by this one load process: C concurrent writers of ~256-byte
//! records (etcd `Put`; ours `RegisterAgency`, a client id per writer) for a measured window
//! after a warm-up. Prints ops/s, p50, p99, max, the servers' CPU per write, fsyncs per write,
//! and our ratio to etcd without TLS.
//!
//! ```sh
//! cargo build --release --bin sanxiang
//! cargo run --release -p sanxiang-tests --example bench_etcd -- \
//!     [--bin target/release/sanxiang] [--etcd etcd] [--secs 10] [--warmup 2] [--c 1,16,64,256] [--no-tls]
//! ```
//! Needs Debian's `etcd-server` (the `etcd` binary).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sanxiang::client::Client;
use sanxiang::pki::TlsMaterial;
use sanxiang_proto::region as pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// etcd's `Put`, the fields this load uses.
#[derive(Clone, PartialEq, prost::Message)]
struct PutRequest {
    #[prost(bytes = "vec", tag = "1")]
    key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PutResponse {}

struct Args {
    bin: PathBuf,
    etcd: String,
    secs: u64,
    warmup: u64,
    levels: Vec<usize>,
    tls: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        bin: PathBuf::from("target/release/sanxiang"),
        etcd: "etcd".into(),
        secs: 10,
        warmup: 2,
        levels: vec![1, 16, 64, 256],
        tls: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--bin" => a.bin = PathBuf::from(v()?),
            "--etcd" => a.etcd = v()?,
            "--secs" => a.secs = v()?.parse()?,
            "--warmup" => a.warmup = v()?.parse()?,
            "--c" => a.levels = v()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--no-tls" => a.tls = false,
            other => anyhow::bail!("unknown argument {other}; see the file's header"),
        }
    }
    Ok(a)
}

/// Child processes, killed when dropped.
#[derive(Default)]
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Procs {
    fn pids(&self) -> Vec<u32> {
        self.0.iter().map(Child::id).collect()
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// CPU time used so far by processes, in seconds (utime + stime from /proc, 100 Hz ticks).
fn cpu_secs(pids: &[u32]) -> f64 {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .sum::<f64>()
        / 100.0
}

/// The value of a counter in a Prometheus text page (summed over its label sets).
fn counter(page: &str, name: &str) -> f64 {
    page.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter(|l| {
            let rest = &l[name.len()..];
            rest.starts_with(' ') || rest.starts_with('{')
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A plain-HTTP GET (etcd's metrics port).
async fn http_get(addr: &str, path: &str) -> anyhow::Result<String> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await?;
    let mut out = String::new();
    s.read_to_string(&mut out).await?;
    Ok(out)
}

/// An HTTPS GET with a node's certificate (our metrics).
async fn https_get(
    addr: &str,
    tls: &TlsMaterial,
    region: &str,
    path: &str,
) -> anyhow::Result<String> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("node.sanxiang")?;
    let mut s = tokio_rustls::TlsConnector::from(tls.web_client_config(region)?)
        .connect(name, tcp)
        .await?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await?;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// What one run of one system at one concurrency measured.
#[derive(Default, Clone)]
struct Run {
    ops: f64,
    p50: f64,
    p99: f64,
    max: f64,
    cpu_ms_per_write: f64,
    fsyncs_per_write: f64,
}

/// Latencies of the window's writes, and the servers' CPU seconds and fsyncs over the window.
fn summarize(mut lat: Vec<f64>, secs: f64, cpu: f64, fsyncs: f64) -> Run {
    lat.sort_by(f64::total_cmp);
    let n = lat.len();
    let at = |q: f64| {
        lat.get(((n as f64 * q) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Run {
        ops: n as f64 / secs,
        p50: at(0.50),
        p99: at(0.99),
        max: lat.last().copied().unwrap_or(0.0),
        cpu_ms_per_write: if n > 0 { cpu * 1000.0 / n as f64 } else { 0.0 },
        fsyncs_per_write: if n > 0 { fsyncs / n as f64 } else { 0.0 },
    }
}

/// Runs `c` writers of `op` for warm-up plus the window; returns the latencies (ms) of the
/// writes that ended inside the window, and the window's length.
async fn drive<F, Fut>(c: usize, warmup: u64, secs: u64, op: F) -> anyhow::Result<(Vec<f64>, f64)>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let stop = Arc::new(AtomicBool::new(false));
    let begin = Instant::now() + Duration::from_secs(warmup);
    let end = begin + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..c {
        let (op, stop) = (op.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let t = Instant::now();
                op(w, i).await?;
                let done = Instant::now();
                if t >= begin && done <= end {
                    lat.push((done - t).as_secs_f64() * 1000.0);
                }
                if done > end {
                    break;
                }
            }
            anyhow::Ok(lat)
        }));
    }
    tokio::time::sleep_until((end + Duration::from_millis(1)).into()).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((all, secs as f64))
}

struct Etcd {
    procs: Procs,
    endpoints: Vec<String>,
    metrics: Vec<String>,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// The CA, one certificate for every etcd member (127.0.0.1) and one for the load, in `dir`.
fn etcd_pki(dir: &Path) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
    std::fs::create_dir_all(dir)?;
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::default();
    leaf.subject_alt_names = vec![SanType::IpAddress("127.0.0.1".parse()?)];
    leaf.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let key = KeyPair::generate()?;
    let cert = leaf.signed_by(&key, &issuer)?;
    std::fs::write(dir.join("ca.pem"), ca_cert.pem())?;
    std::fs::write(dir.join("node.pem"), cert.pem())?;
    std::fs::write(dir.join("node.key"), key.serialize_pem())?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone())?;
    let mut cfg = rustls::ClientConfig::builder_with_provider(sanxiang::pki::tls::provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(cfg))
}

fn start_etcd(bin: &str, dir: &Path, tls: bool) -> anyhow::Result<Etcd> {
    let scheme = if tls { "https" } else { "http" };
    let client_tls = if tls {
        Some(etcd_pki(&dir.join("pki"))?)
    } else {
        None
    };
    let ports: Vec<(u16, u16, u16)> = (0..3)
        .map(|_| Ok((free_port()?, free_port()?, free_port()?)))
        .collect::<anyhow::Result<_>>()?;
    let cluster: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(i, (_, p, _))| format!("e{i}={scheme}://127.0.0.1:{p}"))
        .collect();
    let mut procs = Procs::default();
    for (i, (c, p, m)) in ports.iter().enumerate() {
        let mut cmd = Command::new(bin);
        cmd.args(["--name", &format!("e{i}")])
            .arg("--data-dir")
            .arg(dir.join(format!("e{i}")))
            .args(["--listen-client-urls", &format!("{scheme}://127.0.0.1:{c}")])
            .args([
                "--advertise-client-urls",
                &format!("{scheme}://127.0.0.1:{c}"),
            ])
            .args(["--listen-peer-urls", &format!("{scheme}://127.0.0.1:{p}")])
            .args([
                "--initial-advertise-peer-urls",
                &format!("{scheme}://127.0.0.1:{p}"),
            ])
            .args(["--listen-metrics-urls", &format!("http://127.0.0.1:{m}")])
            .args(["--initial-cluster", &cluster.join(",")])
            .args([
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                "bench",
            ])
            .args(["--log-level", "error"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if tls {
            let f = |n: &str| dir.join("pki").join(n).display().to_string();
            cmd.args(["--cert-file", &f("node.pem"), "--key-file", &f("node.key")])
                .args(["--client-cert-auth", "--trusted-ca-file", &f("ca.pem")])
                .args([
                    "--peer-cert-file",
                    &f("node.pem"),
                    "--peer-key-file",
                    &f("node.key"),
                ])
                .args([
                    "--peer-client-cert-auth",
                    "--peer-trusted-ca-file",
                    &f("ca.pem"),
                ]);
        }
        procs
            .0
            .push(cmd.spawn().with_context(|| format!("cannot start {bin}"))?);
    }
    Ok(Etcd {
        procs,
        endpoints: ports
            .iter()
            .map(|(c, _, _)| format!("127.0.0.1:{c}"))
            .collect(),
        metrics: ports
            .iter()
            .map(|(_, _, m)| format!("127.0.0.1:{m}"))
            .collect(),
        tls: client_tls,
    })
}

fn etcd_channel(e: &Etcd, i: usize) -> anyhow::Result<tonic::transport::Channel> {
    let addr = &e.endpoints[i % e.endpoints.len()];
    Ok(match &e.tls {
        Some(cfg) => sanxiang::transport::channel(addr, cfg.clone(), Duration::from_secs(5))?,
        None => tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
            .tcp_nodelay(true)
            .connect_lazy(),
    })
}

async fn etcd_put(ch: tonic::transport::Channel, key: Vec<u8>) -> anyhow::Result<()> {
    let mut g = tonic::client::Grpc::new(ch);
    g.ready().await?;
    let path = tonic::codegen::http::uri::PathAndQuery::from_static("/etcdserverpb.KV/Put");
    let codec: tonic_prost::ProstCodec<PutRequest, PutResponse> =
        tonic_prost::ProstCodec::default();
    let req = PutRequest {
        key,
        value: vec![b'v'; 256],
    };
    g.unary(tonic::Request::new(req), path, codec).await?;
    Ok(())
}

async fn bench_etcd(a: &Args, dir: &Path, tls: bool, c: usize) -> anyhow::Result<Run> {
    let e = start_etcd(&a.etcd, &dir.join(format!("etcd-{tls}-{c}")), tls)?;
    // Ready once a put succeeds.
    let t0 = Instant::now();
    while etcd_put(etcd_channel(&e, 0)?, b"ready".to_vec())
        .await
        .is_err()
    {
        anyhow::ensure!(t0.elapsed() < Duration::from_secs(30), "etcd did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let channels: Vec<_> = (0..c)
        .map(|i| etcd_channel(&e, i))
        .collect::<anyhow::Result<_>>()?;
    let channels = Arc::new(channels);
    let (pids, metrics) = (e.procs.pids(), e.metrics.clone());
    let start = {
        let (pids, metrics, warm) = (pids.clone(), metrics.clone(), a.warmup);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(warm)).await;
            etcd_sample(&pids, &metrics).await
        })
    };
    let chs = channels.clone();
    let (lat, secs) = drive(c, a.warmup, a.secs, move |w, i| {
        let ch = chs[w].clone();
        async move { etcd_put(ch, format!("k{w}-{i}").into_bytes()).await }
    })
    .await?;
    let (cpu0, fsyncs0) = start.await?;
    let (cpu1, fsyncs1) = etcd_sample(&pids, &metrics).await;
    Ok(summarize(lat, secs, cpu1 - cpu0, fsyncs1 - fsyncs0))
}

/// The servers' CPU seconds and fsyncs so far (sampled at the window's start and end).
async fn etcd_sample(pids: &[u32], metrics: &[String]) -> (f64, f64) {
    let cpu = cpu_secs(pids);
    let mut fsyncs = 0.0;
    for m in metrics {
        let page = http_get(m, "/metrics").await.unwrap_or_default();
        fsyncs += counter(&page, "etcd_disk_wal_fsync_duration_seconds_count");
    }
    (cpu, fsyncs)
}

struct Ours {
    procs: Procs,
    endpoints: Vec<String>,
    web: Vec<String>,
    clerk: TlsMaterial,
    node: TlsMaterial,
}

const REGION: &str = "bench";

fn start_ours(bin: &Path, dir: &Path) -> anyhow::Result<Ours> {
    let ports: Vec<(u16, u16)> = (0..3)
        .map(|_| Ok((free_port()?, free_port()?)))
        .collect::<anyhow::Result<_>>()?;
    let nodes: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(i, (g, h))| {
            format!(
                "{{ id = {}, grpc = \"127.0.0.1:{g}\", http = \"127.0.0.1:{h}\" }}",
                i + 1
            )
        })
        .collect();
    let topo = dir.join("topology.toml");
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        &topo,
        format!(
            "domain = \"bench.sanxiang\"\n[[region]]\nid = \"{REGION}\"\nname = \"基准\"\nkind = \"province\"\nnodes = [{}]\n",
            nodes.join(", ")
        ),
    )?;
    let pki = dir.join("pki");
    let run = |args: &[&str]| -> anyhow::Result<()> {
        let out = Command::new(bin)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", bin.display()))?;
        anyhow::ensure!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    let (t, p) = (topo.display().to_string(), pki.display().to_string());
    run(&["pki", "init", "--topology", &t, "--out", &p])?;
    run(&[
        "pki",
        "issue",
        "--pki",
        &p,
        "--topology",
        &t,
        "--region",
        REGION,
        "--organ",
        "bureau",
        "--role",
        "clerk",
        "--name",
        "bench",
    ])?;
    let help = Command::new(bin).args(["serve", "--help"]).output()?;
    let bootstrap = String::from_utf8_lossy(&help.stdout).contains("--bootstrap");
    let mut procs = Procs::default();
    for i in 1..=3 {
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--topology", &t, "--pki", &p])
            .args(["--node", &format!("{REGION}/{i}")])
            .arg("--data")
            .arg(dir.join(format!("n{i}")))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if bootstrap {
            cmd.arg("--bootstrap");
        }
        procs.0.push(cmd.spawn()?);
    }
    let (cert, key) = sanxiang::pki::issue::person_paths(
        &pki,
        REGION,
        sanxiang::domain::Organ::Bureau,
        sanxiang::domain::Role::Clerk,
        "bench",
    );
    Ok(Ours {
        procs,
        endpoints: ports
            .iter()
            .map(|(g, _)| format!("127.0.0.1:{g}"))
            .collect(),
        web: ports
            .iter()
            .map(|(_, h)| format!("127.0.0.1:{h}"))
            .collect(),
        clerk: TlsMaterial::load(&sanxiang::pki::issue::ca_cert_path(&pki), &cert, &key)?,
        node: TlsMaterial::load_node(&pki, REGION, 1)?,
    })
}

fn agency_request(w: usize, i: u64) -> pb::RegisterAgencyRequest {
    pb::RegisterAgencyRequest {
        write_id: Some(pb::WriteId {
            client_id: format!("bench-{w}"),
            request_id: i,
        }),
        agency: Some(pb::AgencyInput {
            name: format!("基准执法机关{w}-{i}"),
            powers: vec!["penalty".into()],
            legal_basis: "《中华人民共和国行政处罚法》第十八条".repeat(5),
            domain: "市场监管".into(),
            contact: String::new(),
        }),
    }
}

async fn bench_ours(a: &Args, dir: &Path, c: usize) -> anyhow::Result<Run> {
    let o = start_ours(&a.bin, &dir.join(format!("ours-{c}")))?;
    let mut probe = Client::new(
        &o.endpoints,
        &o.clerk,
        Some(REGION),
        Duration::from_secs(60),
    )?;
    probe
        .call(|mut cl| async move { cl.register_agency(agency_request(99_999, 1)).await })
        .await?;
    let mut clients = Vec::new();
    for _ in 0..c {
        clients.push(Client::new(
            &o.endpoints,
            &o.clerk,
            Some(REGION),
            Duration::from_secs(30),
        )?);
    }
    let clients: Arc<Vec<tokio::sync::Mutex<Client>>> =
        Arc::new(clients.into_iter().map(tokio::sync::Mutex::new).collect());
    let pids = o.procs.pids();
    let cl = clients.clone();
    let start = {
        let (pids, web, node, warm) = (pids.clone(), o.web.clone(), o.node.clone(), a.warmup);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(warm)).await;
            ours_sample(&pids, &web, &node).await
        })
    };
    let (lat, secs) = drive(c, a.warmup, a.secs, move |w, i| {
        let cl = cl.clone();
        async move {
            let mut client = cl[w].lock().await;
            client
                .call(|mut c| async move { c.register_agency(agency_request(w, i)).await })
                .await?;
            Ok(())
        }
    })
    .await?;
    let (cpu0, fsyncs0) = start.await?;
    let (cpu1, fsyncs1) = ours_sample(&pids, &o.web, &o.node).await;
    Ok(summarize(lat, secs, cpu1 - cpu0, fsyncs1 - fsyncs0))
}

/// The region's CPU seconds and log fsyncs so far, from /proc and the nodes' /metrics.
async fn ours_sample(pids: &[u32], web: &[String], node: &TlsMaterial) -> (f64, f64) {
    let cpu = cpu_secs(pids);
    let mut fsyncs = 0.0;
    for w in web {
        let page = https_get(w, node, REGION, "/metrics")
            .await
            .unwrap_or_default();
        fsyncs += counter(&page, "sanxiang_log_fsyncs_total");
    }
    (cpu, fsyncs)
}

fn row(name: &str, c: usize, r: &Run, base: Option<&Run>) {
    let ratio = base
        .filter(|b| b.ops > 0.0)
        .map(|b| format!("{:.2}", r.ops / b.ops))
        .unwrap_or_else(|| "-".into());
    println!(
        "{name:<14} {c:>4} {:>9.0} {:>8.2} {:>8.2} {:>8.1} {:>9.3} {:>9.3} {ratio:>6}",
        r.ops, r.p50, r.p99, r.max, r.cpu_ms_per_write, r.fsyncs_per_write
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = args()?;
    anyhow::ensure!(
        a.bin.exists(),
        "{} not found: cargo build --release --bin sanxiang",
        a.bin.display()
    );
    let dir = tempfile::tempdir()?;
    println!(
        "{} s window after {} s warm-up; every system is 3 processes on loopback; one load process",
        a.secs, a.warmup
    );
    println!(
        "{:<14} {:>4} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>6}",
        "system", "C", "ops/s", "p50 ms", "p99 ms", "max ms", "cpu ms/w", "fsync/w", "ratio"
    );
    for &c in &a.levels {
        let etcd = bench_etcd(&a, dir.path(), false, c).await?;
        row("etcd", c, &etcd, None);
        if a.tls {
            let etcd_tls = bench_etcd(&a, dir.path(), true, c).await?;
            row("etcd mTLS", c, &etcd_tls, Some(&etcd));
        }
        let ours = bench_ours(&a, dir.path(), c).await?;
        row("sanxiang mTLS", c, &ours, Some(&etcd));
    }
    Ok(())
}
