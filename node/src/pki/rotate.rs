//! `sanxiang pki rotate`: renews node and person certificates before they end.
//!
//! A renewal is a new key and a new certificate for the same identity and common name, valid
//! from now; the old certificate stays valid until its own end, so the two overlap and a node
//! that has not yet reloaded keeps working. Each file is replaced atomically (written beside,
//! flushed, renamed), the key before the certificate: a node reading the pair in between sees
//! a certificate that does not match its key, refuses it and reads again
//! ([`super::current`]). Running nodes present the renewal within seconds, without a restart.
use std::path::{Path, PathBuf};

use serde::Serialize;
use x509_parser::prelude::FromDer;

use super::identity::Identity;
use super::issue::{node_paths, write_bytes, Ca, Validity};
use super::pem::load_certs;
use super::{io_err, PkiError};
use crate::config::Topology;

/// What to renew.
#[derive(Debug, Clone, Copy)]
pub struct RotatePlan {
    /// Renew a certificate that ends within this many days (every one when `all`).
    pub within_days: i64,
    pub all: bool,
    /// Validity of the renewed certificates.
    pub validity: Validity,
}

/// One certificate renewed or left.
#[derive(Debug, Serialize)]
pub struct Rotated {
    pub identity: String,
    pub cert: String,
    /// RFC 3339 ends of the old and (when renewed) the new certificate.
    pub old_not_after: String,
    pub new_not_after: Option<String>,
}

/// What `pki rotate` did.
#[derive(Debug, Serialize)]
pub struct RotateReport {
    pub dir: String,
    pub renewed: Vec<Rotated>,
    pub kept: Vec<Rotated>,
    /// Nodes of the topology without a certificate: `pki init` issues them.
    pub missing: Vec<String>,
    /// PKCS#12 files written anew for renewed persons.
    pub p12_written: Vec<String>,
    /// PKCS#12 files left with the old certificate (no password given): export them again.
    pub p12_stale: Vec<String>,
}

/// Renews, in `dir`, the certificates of every node of the topology and every person under
/// `people/` that `plan` selects. `p12_password` rewrites the PKCS#12 files of renewed persons.
pub fn rotate(
    topology: &Topology,
    dir: &Path,
    plan: RotatePlan,
    p12_password: Option<&str>,
    progress: &mut dyn FnMut(&str),
) -> Result<RotateReport, PkiError> {
    let ca = Ca::load(dir)?;
    let mut report = RotateReport {
        dir: dir.display().to_string(),
        renewed: Vec::new(),
        kept: Vec::new(),
        missing: Vec::new(),
        p12_written: Vec::new(),
        p12_stale: Vec::new(),
    };
    let mut files = Vec::new();
    for region in topology.regions() {
        for node in &region.nodes {
            let (cert, key) = node_paths(dir, &region.id, node.id);
            if cert.exists() {
                files.push((cert, key));
            } else {
                report.missing.push(format!("{}/{}", region.id, node.id));
            }
        }
    }
    let mut people = Vec::new();
    person_files(&dir.join("people"), &mut people)?;
    files.extend(people);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (cert, key) in files {
        let old = describe(&cert)?;
        let due = plan.all || old.not_after - now < plan.within_days * 86_400;
        let mut line = Rotated {
            identity: old.identity.uri(),
            cert: cert.display().to_string(),
            old_not_after: rfc3339(old.not_after),
            new_not_after: None,
        };
        if !due {
            report.kept.push(line);
            continue;
        }
        // A node's renewal names the hosts the topology gives it now (older certificates
        // named none: rotating them is how a PKI directory gets them).
        let hosts = match &old.identity {
            Identity::Node { region, node, .. } => {
                super::issue::node_hosts(topology, region, *node)
            }
            Identity::Person { .. } => Vec::new(),
        };
        let (cert_pem, key_pem) =
            ca.issue(&old.identity, &old.common_name, plan.validity, &hosts)?;
        replace(&key, key_pem.as_bytes(), true)?;
        replace(&cert, cert_pem.as_bytes(), false)?;
        line.new_not_after = Some(rfc3339(describe(&cert)?.not_after));
        progress(&line.identity);
        let p12 = cert.with_extension("p12");
        if matches!(old.identity, Identity::Person { .. }) && p12.exists() {
            match p12_password {
                Some(pw) => {
                    super::p12::write_p12(&cert, &key, &super::issue::ca_cert_path(dir), pw, &p12)?;
                    report.p12_written.push(p12.display().to_string());
                }
                None => report.p12_stale.push(p12.display().to_string()),
            }
        }
        report.renewed.push(line);
    }
    Ok(report)
}

/// The certificate files of persons under `people/` (any depth), each with its key.
fn person_files(dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), PkiError> {
    if !dir.exists() {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            person_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "pem") {
            let key = p.with_extension("key");
            if key.exists() {
                out.push((p, key));
            }
        }
    }
    Ok(())
}

/// What a renewal keeps of the old certificate.
struct Old {
    identity: Identity,
    common_name: String,
    not_after: i64,
}

fn describe(cert: &Path) -> Result<Old, PkiError> {
    let certs = load_certs(cert)?;
    let der = certs[0].as_ref();
    let (_, parsed) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|e| PkiError::Parse(format!("{}: {e}", cert.display())))?;
    let identity = Identity::from_cert_der(der)?;
    let common_name = parsed
        .subject()
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| identity.uri());
    Ok(Old {
        identity,
        common_name,
        not_after: parsed.validity().not_after.timestamp(),
    })
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| unix.to_string())
}

/// Replaces `path` atomically: written beside it and flushed, then renamed over it, and the
/// directory flushed so the rename survives a power loss.
fn replace(path: &Path, data: &[u8], secret: bool) -> Result<(), PkiError> {
    let tmp = path.with_extension("rotating");
    write_bytes(&tmp, data, secret)?;
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io_err(parent))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Organ, Role};
    use crate::pki::issue::{self, PersonSpec};

    fn topology() -> Topology {
        Topology::parse(
            r#"domain = "t.example"
[[region]]
id = "hunan"
name = "湖南省"
kind = "province"
nodes = [{ id = 1, grpc = "127.0.0.1:1" }, { id = 2, grpc = "127.0.0.1:2" }]
"#,
        )
        .unwrap()
    }

    #[test]
    fn certificates_near_their_end_are_renewed_for_the_same_identity_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let t = topology();
        issue::init(&t, dir.path(), Validity::days(10), false, &mut |_| {}).unwrap();
        let spec = PersonSpec {
            domain: "t.example",
            region: "hunan",
            organ: Organ::Bureau,
            role: Role::Clerk,
            name: "zhao",
        };
        let (pcert, _, _) =
            issue::issue_person(dir.path(), spec, Validity::days(300), false).unwrap();
        let (ncert, _) = node_paths(dir.path(), "hunan", 1);
        let before = std::fs::read(&ncert).unwrap();
        let plan = RotatePlan {
            within_days: 30,
            all: false,
            validity: Validity::days(365),
        };
        let r = rotate(&t, dir.path(), plan, None, &mut |_| {}).unwrap();
        // Both nodes end within 30 days; the person's certificate does not.
        assert_eq!(r.renewed.len(), 2, "{r:?}");
        assert_eq!(r.kept.len(), 1);
        assert!(r.kept[0].cert.ends_with("clerk-zhao.pem"));
        assert_ne!(std::fs::read(&ncert).unwrap(), before);
        // The renewal loads, names the same node, and its key matches.
        let m = crate::pki::TlsMaterial::load_node(dir.path(), "hunan", 1).unwrap();
        assert!(
            m.not_after().unwrap() - time::OffsetDateTime::now_utc().unix_timestamp()
                > 300 * 86_400
        );
        assert!(!dir.path().join("nodes/hunan/node-1.rotating").exists());
        // --all renews the person too.
        let all = RotatePlan { all: true, ..plan };
        let r = rotate(&t, dir.path(), all, None, &mut |_| {}).unwrap();
        assert_eq!(r.renewed.len(), 3);
        assert!(describe(&pcert).is_ok());
    }

    #[test]
    fn a_running_material_takes_a_renewal_and_refuses_a_foreign_or_mismatched_one() {
        let dir = tempfile::tempdir().unwrap();
        let t = topology();
        issue::init(&t, dir.path(), Validity::days(10), false, &mut |_| {}).unwrap();
        let m = crate::pki::TlsMaterial::load_node(dir.path(), "hunan", 1).unwrap();
        let first = m.cert_der();
        assert_eq!(
            m.reload().unwrap(),
            crate::pki::current::Reloaded::Unchanged
        );
        let plan = RotatePlan {
            within_days: 30,
            all: true,
            validity: Validity::days(365),
        };
        rotate(&t, dir.path(), plan, None, &mut |_| {}).unwrap();
        assert!(matches!(
            m.reload().unwrap(),
            crate::pki::current::Reloaded::Renewed { .. }
        ));
        assert_ne!(m.cert_der(), first);
        // A certificate of another node put in its place is refused; the renewal stays.
        let renewed = m.cert_der();
        let (c1, k1) = node_paths(dir.path(), "hunan", 1);
        let (c2, k2) = node_paths(dir.path(), "hunan", 2);
        std::fs::copy(&c2, &c1).unwrap();
        std::fs::copy(&k2, &k1).unwrap();
        assert!(matches!(m.reload(), Err(PkiError::Identity(_))));
        assert_eq!(m.cert_der(), renewed);
        // A certificate whose key is not the one beside it is refused too.
        rotate(&t, dir.path(), plan, None, &mut |_| {}).unwrap();
        std::fs::copy(&k2, &k1).unwrap();
        assert!(m.reload().is_err());
        assert_eq!(m.cert_der(), renewed);
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;
    use crate::pki::issue;

    /// A standard verifier (webpki, host name checked) accepts a node's certificate under its
    /// documented DNS name and under the address the topology gives it, and refuses other
    /// names: what gRPC stacks that always check the host name need.
    #[test]
    fn node_certificates_pass_standard_host_name_checks() {
        use rustls::client::danger::ServerCertVerifier;
        use rustls::pki_types::{ServerName, UnixTime};
        let dir = tempfile::tempdir().unwrap();
        let t = Topology::parse(
            r#"domain = "t.example"
[[region]]
id = "hunan"
name = "湖南省"
kind = "province"
nodes = [{ id = 1, grpc = "127.0.0.1:7001", http = "10.0.0.8:8001" }]
[[region]]
id = "hunan/chang_sha"
name = "长沙市"
kind = "city"
parent = "hunan"
nodes = [{ id = 2, grpc = "node2.example.org:7002" }]
"#,
        )
        .unwrap();
        issue::init(&t, dir.path(), Validity::days(10), false, &mut |_| {}).unwrap();
        assert_eq!(
            issue::node_dns_name("t.example", "hunan/chang_sha", 2),
            "n2.chang-sha.hunan.t.example"
        );
        let m = crate::pki::TlsMaterial::load(
            &issue::ca_cert_path(dir.path()),
            &node_paths(dir.path(), "hunan", 1).0,
            &node_paths(dir.path(), "hunan", 1).1,
        )
        .unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            m.roots(),
            crate::pki::tls::provider(),
        )
        .build()
        .unwrap();
        let check = |region: &str, node: u64, name: &str| {
            let (cert, _) = node_paths(dir.path(), region, node);
            let der = crate::pki::tls::load_certs(&cert).unwrap().remove(0);
            verifier
                .verify_server_cert(
                    &der,
                    &[],
                    &ServerName::try_from(name.to_string()).unwrap(),
                    &[],
                    UnixTime::now(),
                )
                .is_ok()
        };
        for name in ["n1.hunan.t.example", "127.0.0.1", "localhost", "10.0.0.8"] {
            assert!(check("hunan", 1, name), "{name}");
        }
        assert!(check("hunan/chang_sha", 2, "node2.example.org"));
        assert!(check("hunan/chang_sha", 2, "n2.chang-sha.hunan.t.example"));
        for name in ["n2.hunan.t.example", "127.0.0.2", "example.org"] {
            assert!(!check("hunan", 1, name), "{name} must not match");
        }
    }
}
