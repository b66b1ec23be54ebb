//! `sanxiang pki init | issue | show`.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use super::conn::print_json;
use crate::config::Topology;
use crate::domain::{Organ, Role};
use crate::pki::issue;

#[derive(Debug, Subcommand)]
pub enum PkiCmd {
    /// Create the deployment CA (or reuse the one in --out) and a certificate per node.
    Init {
        /// Topology file.
        #[arg(long)]
        topology: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Validity of node certificates, days.
        #[arg(long, default_value_t = issue::DEFAULT_DAYS)]
        days: i64,
        /// Replace existing node certificates.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Issue a person's certificate (roles: clerk, officer, reviewer, head, supervisor,
    /// inspector, monitor).
    Issue(IssueArgs),
    /// Renew node and person certificates before they end. Each renewal is a new key and
    /// certificate for the same identity, valid from now; the old one stays valid until its own
    /// end, so they overlap. Running nodes present their renewal within seconds without a
    /// restart; copy the renewed files to each machine (nodes/<region>/node-N.*) and give
    /// persons their new files (or PKCS#12, rewritten when a password is given). Run it well
    /// before certificates end: `sanxiang status` warns 30 days ahead.
    Rotate(RotateArgs),
    /// Describe a certificate file.
    Show {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// `pki issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// PKI directory with the CA.
    #[arg(long, env = "SANXIANG_PKI")]
    pki: PathBuf,
    /// Topology file (gives the trust domain and checks the region).
    #[arg(long, env = "SANXIANG_TOPOLOGY")]
    topology: PathBuf,
    /// Region of the person, e.g. hunan/changsha/liuyang.
    #[arg(long)]
    region: String,
    /// The organ the person acts for: `bureau` (the region's judicial bureau, 司法局) or
    /// `agency-N` (enforcement agency N of the region, its registry id from `agency list`).
    #[arg(long)]
    organ: String,
    /// Role. The bureau: clerk, head, supervisor, inspector, monitor. An agency: clerk,
    /// officer, reviewer, head, monitor.
    #[arg(long)]
    role: String,
    /// Name or user id of the person.
    #[arg(long)]
    name: String,
    #[arg(long, default_value_t = issue::DEFAULT_DAYS)]
    days: i64,
    /// Replace an existing certificate of the same person.
    #[arg(long)]
    force: bool,
    /// Also write the certificate, key and CA as a PKCS#12 file (.p12) beside them, for a
    /// browser's certificate store; its password comes from SANXIANG_P12_PASSWORD or
    /// --p12-password-file (at least 8 characters).
    #[arg(long)]
    p12: bool,
    /// A file whose first line is the PKCS#12 password.
    #[arg(long)]
    p12_password_file: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// `pki rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// PKI directory with the CA.
    #[arg(long, env = "SANXIANG_PKI")]
    pki: PathBuf,
    /// Topology file: every node listed is looked at.
    #[arg(long, env = "SANXIANG_TOPOLOGY")]
    topology: PathBuf,
    /// Renew certificates that end within this many days.
    #[arg(long, default_value_t = 30)]
    within_days: i64,
    /// Renew every certificate, whenever it ends.
    #[arg(long)]
    all: bool,
    /// Validity of the renewed certificates, days.
    #[arg(long, default_value_t = issue::DEFAULT_DAYS)]
    days: i64,
    /// A file whose first line is the password of persons' PKCS#12 files, to write them anew
    /// (or set SANXIANG_P12_PASSWORD). Without it they are listed for export.
    #[arg(long)]
    p12_password_file: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// Certificates are valid for 1 to 3650 days.
fn check_days(days: i64) -> anyhow::Result<()> {
    if !(1..=3650).contains(&days) {
        bail!("--days must be between 1 and 3650");
    }
    Ok(())
}

pub fn run(c: PkiCmd) -> anyhow::Result<()> {
    match c {
        PkiCmd::Init {
            topology,
            out,
            days,
            force,
            json,
        } => init(&topology, &out, days, force, json),
        PkiCmd::Issue(a) => person(a),
        PkiCmd::Rotate(a) => rotate(a),
        PkiCmd::Show { file, json } => show(&file, json),
    }
}

fn init(topology: &Path, out: &Path, days: i64, force: bool, json: bool) -> anyhow::Result<()> {
    check_days(days)?;
    let t = Topology::load(topology)?;
    let mut progress = |id: &str| {
        if !json {
            eprintln!("  签发 issued {id}");
        }
    };
    let report = issue::init(&t, out, issue::Validity::days(days), force, &mut progress)?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "PKI 目录 {}: CA {}，新签发 {} 张节点证书，保留 {} 张",
            report.dir,
            if report.ca_created {
                "新建"
            } else {
                "沿用"
            },
            report.issued.len(),
            report.kept.len()
        );
    }
    Ok(())
}

/// `pki issue`: a person's certificate.
fn person(a: IssueArgs) -> anyhow::Result<()> {
    check_days(a.days)?;
    let t = Topology::load(&a.topology)?;
    t.region(&a.region)?;
    let Some(role) = Role::parse(&a.role) else {
        bail!(
            "unknown role {:?}; use one of: {}",
            a.role,
            Role::ALL.map(|r| r.as_str()).join(", ")
        );
    };
    let Some(organ) = Organ::parse(&a.organ) else {
        bail!(
            "--organ {:?} 无法识别: use bureau (司法局) or agency-N (执法机关 N, e.g. agency-1)",
            a.organ
        );
    };
    let spec = issue::PersonSpec {
        domain: &t.domain,
        region: &a.region,
        organ,
        role,
        name: &a.name,
    };
    let (cert, key, id) =
        issue::issue_person(&a.pki, spec, issue::Validity::days(a.days), a.force)?;
    let p12 = match a.p12 {
        false => None,
        true => {
            let Some(password) = p12_password(a.p12_password_file.as_deref())? else {
                bail!(
                    "--p12 needs a password: set SANXIANG_P12_PASSWORD or give --p12-password-file"
                );
            };
            let out = cert.with_extension("p12");
            crate::pki::p12::write_p12(&cert, &key, &issue::ca_cert_path(&a.pki), &password, &out)?;
            Some(out)
        }
    };
    if a.json {
        print_json(&serde_json::json!({
            "identity": id.uri(), "cert": cert, "key": key, "p12": p12,
        }))?;
    } else {
        println!(
            "已签发 {id}\n  证书 cert: {}\n  私钥 key:  {}",
            cert.display(),
            key.display()
        );
        if let Some(p) = p12 {
            println!(
                "  PKCS#12:  {}（导入浏览器的证书库后，访问网页即自动登录）",
                p.display()
            );
        }
    }
    Ok(())
}

/// The PKCS#12 password from a file's first line or SANXIANG_P12_PASSWORD, if either is given.
fn p12_password(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    match (file, std::env::var("SANXIANG_P12_PASSWORD")) {
        (Some(f), _) => Ok(Some(
            std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        )),
        (None, Ok(p)) => Ok(Some(p)),
        (None, Err(_)) => Ok(None),
    }
}

/// `pki rotate`.
fn rotate(a: RotateArgs) -> anyhow::Result<()> {
    check_days(a.days)?;
    if !(0..=3650).contains(&a.within_days) {
        bail!("--within-days must be between 0 and 3650");
    }
    let t = Topology::load(&a.topology)?;
    let password = p12_password(a.p12_password_file.as_deref())?;
    let plan = crate::pki::rotate::RotatePlan {
        within_days: a.within_days,
        all: a.all,
        validity: issue::Validity::days(a.days),
    };
    let json = a.json;
    let mut progress = |id: &str| {
        if !json {
            eprintln!("  续期 renewed {id}");
        }
    };
    let r = crate::pki::rotate::rotate(&t, &a.pki, plan, password.as_deref(), &mut progress)?;
    if json {
        return print_json(&r);
    }
    println!(
        "PKI 目录 {}: 续期 {} 张证书，保留 {} 张（{} 天内不到期）",
        r.dir,
        r.renewed.len(),
        r.kept.len(),
        a.within_days
    );
    for m in &r.missing {
        println!("  节点 {m} 尚无证书：请运行 sanxiang pki init");
    }
    for p in &r.p12_written {
        println!("  已重写 PKCS#12：{p}");
    }
    for p in &r.p12_stale {
        println!("  PKCS#12 仍是旧证书，请重新导出（给出 --p12-password-file）：{p}");
    }
    if !r.renewed.is_empty() {
        println!("运行中的节点将在数秒内改用新证书，无需重启；请把新证书文件复制到各节点机器。");
    }
    Ok(())
}

fn show(file: &Path, json: bool) -> anyhow::Result<()> {
    let info = issue::show(file)?;
    if json {
        print_json(&info)?;
    } else {
        println!("类型 kind:     {}", info.kind);
        println!("身份 identity: {}", info.identity.as_deref().unwrap_or("-"));
        println!("主体 subject:  {}", info.subject);
        println!("签发者 issuer: {}", info.issuer);
        println!("有效期 valid:  {} — {}", info.not_before, info.not_after);
        println!("序列号 serial: {}", info.serial);
        println!("SHA-256:       {}", info.sha256);
    }
    Ok(())
}
