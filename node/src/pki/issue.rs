//! The deployment CA and the certificates it issues.
//!
//! Layout of a PKI directory:
//! ```text
//! ca.pem, ca.key                                  deployment CA (key mode 0600)
//! nodes/<region id>/node-<id>.pem, .key           one per node of the topology
//! people/<region id>/<role>-<name>.pem, .key      one per person
//! ```
use std::io::Write;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::identity::Identity;
use super::{io_err, PkiError};
use crate::config::Topology;
use crate::domain::{Organ, Role};

/// `notBefore` is set this far in the past so nodes whose clocks run slow accept new certificates.
pub const BACKDATE: Duration = Duration::minutes(15);
/// Default validity of node and person certificates.
pub const DEFAULT_DAYS: i64 = 365;
/// Validity of the CA.
pub const CA_DAYS: i64 = 3650;

/// Path of the CA certificate in a PKI directory.
pub fn ca_cert_path(dir: &Path) -> PathBuf {
    dir.join("ca.pem")
}

/// Paths of a node's certificate and key.
pub fn node_paths(dir: &Path, region: &str, node: u64) -> (PathBuf, PathBuf) {
    let base = dir.join("nodes").join(region);
    (
        base.join(format!("node-{node}.pem")),
        base.join(format!("node-{node}.key")),
    )
}

/// Paths of a person's certificate and key. The file name keeps only safe characters.
pub fn person_paths(
    dir: &Path,
    region: &str,
    organ: Organ,
    role: Role,
    name: &str,
) -> (PathBuf, PathBuf) {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = dir.join("people").join(region).join(organ.segment());
    (
        base.join(format!("{role}-{safe}.pem")),
        base.join(format!("{role}-{safe}.key")),
    )
}

fn write_file(path: &Path, data: &str, secret: bool) -> Result<(), PkiError> {
    write_bytes(path, data.as_bytes(), secret)
}

/// Writes a file durably; a secret one readable by its owner only.
pub(super) fn write_bytes(path: &Path, data: &[u8], secret: bool) -> Result<(), PkiError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    let mut f = opts.open(path).map_err(io_err(path))?;
    f.write_all(data).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))?;
    #[cfg(unix)]
    if secret {
        // An existing file keeps its old mode on open; set it explicitly.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(io_err(path))?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(io_err(path))
}

fn serial() -> SerialNumber {
    let bytes: [u8; 16] = rand::random();
    let mut b = bytes.to_vec();
    b[0] &= 0x7f;
    SerialNumber::from_slice(&b)
}

/// How long a certificate is valid: from [`BACKDATE`] before now (or before `since_ms`, when
/// that is earlier) until `days` from now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub days: i64,
    /// Unix ms the certificate must already be valid at: a network whose clock runs in the
    /// past (the demo) signs heads at those dates.
    pub since_ms: Option<i64>,
}

impl Validity {
    /// Valid from now (less [`BACKDATE`]) for `days`.
    pub fn days(days: i64) -> Validity {
        Validity {
            days,
            since_ms: None,
        }
    }

    /// Also valid from `at_ms` on, when that is earlier than now.
    pub fn since(self, at_ms: i64) -> Validity {
        Validity {
            since_ms: Some(at_ms),
            ..self
        }
    }

    fn apply(self, params: &mut CertificateParams) {
        let now = OffsetDateTime::now_utc();
        let back = self
            .since_ms
            .map(|at| at - crate::clock::system_ms())
            .unwrap_or(0)
            .min(0);
        params.not_before = now + Duration::milliseconds(back) - BACKDATE;
        params.not_after = now + Duration::days(self.days);
    }
}

/// The loaded CA, able to sign.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pub cert_pem: String,
}

impl Ca {
    /// Loads the CA of a PKI directory.
    pub fn load(dir: &Path) -> Result<Ca, PkiError> {
        let cert_pem = read(&ca_cert_path(dir))?;
        let key = KeyPair::from_pem(&read(&dir.join("ca.key"))?)?;
        let issuer = Issuer::from_ca_cert_pem(&cert_pem, key)?;
        Ok(Ca { issuer, cert_pem })
    }

    /// Creates a new CA in `dir` (refuses to overwrite one).
    pub fn create(dir: &Path, domain: &str) -> Result<Ca, PkiError> {
        Ca::create_since(dir, domain, None)
    }

    /// Creates a new CA in `dir`, valid from `since_ms` on when that is earlier than now.
    fn create_since(dir: &Path, domain: &str, since_ms: Option<i64>) -> Result<Ca, PkiError> {
        let cert_path = ca_cert_path(dir);
        if cert_path.exists() {
            return Err(PkiError::Exists(cert_path.display().to_string()));
        }
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            format!("Sanxiang deployment CA ({domain})"),
        );
        dn.push(DnType::OrganizationName, "Sanxiang");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(serial());
        Validity {
            days: CA_DAYS,
            since_ms,
        }
        .apply(&mut params);
        let cert = params.self_signed(&key)?;
        write_file(&dir.join("ca.key"), &key.serialize_pem(), true)?;
        write_file(&cert_path, &cert.pem(), false)?;
        let issuer = Issuer::new(params, key);
        Ok(Ca {
            issuer,
            cert_pem: cert.pem(),
        })
    }

    /// Issues a certificate for an identity; returns (certificate PEM, key PEM). A node's
    /// certificate also names `hosts` (DNS names or IP addresses) and its documented DNS name
    /// ([`node_dns_name`]), for TLS stacks that check the host name; the identity is the URI.
    pub fn issue(
        &self,
        id: &Identity,
        common_name: &str,
        validity: Validity,
        hosts: &[String],
    ) -> Result<(String, String), PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        dn.push(DnType::OrganizationalUnitName, id.region());
        params.distinguished_name = dn;
        params.subject_alt_names =
            vec![SanType::URI(id.uri().try_into().map_err(|_| {
                PkiError::Identity(format!("{} is not a valid URI", id.uri()))
            })?)];
        if let Identity::Node {
            domain,
            region,
            node,
        } = id
        {
            let mut names = vec![node_dns_name(domain, region, *node)];
            names.extend(hosts.iter().cloned());
            names.dedup();
            for name in names {
                params.subject_alt_names.push(host_san(&name)?);
            }
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = match id {
            Identity::Node { .. } => vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
            Identity::Person { .. } => vec![ExtendedKeyUsagePurpose::ClientAuth],
        };
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(serial());
        validity.apply(&mut params);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }
}

/// The DNS name a node's certificate carries beside its identity, for gRPC stacks that always
/// check the host name (set it as the TLS server name, e.g. grpcio's
/// `grpc.ssl_target_name_override`): `n<node>.<region, most specific first>.<domain>`, e.g.
/// node 1 of `hunan/changsha/liuyang` in `hunan.sanxiang` is
/// `n1.liuyang.changsha.hunan.hunan.sanxiang` (`_` in a region id is written `-`).
pub fn node_dns_name(domain: &str, region: &str, node: u64) -> String {
    let mut labels = vec![format!("n{node}")];
    labels.extend(region.rsplit('/').map(|l| l.replace('_', "-")));
    labels.push(domain.to_string());
    labels.join(".")
}

/// The hosts of a node's addresses in the topology (IP addresses or names), and `localhost`
/// when one is a loopback address: what clients dial it by.
pub fn node_hosts(topology: &Topology, region: &str, node: u64) -> Vec<String> {
    let Ok(spec) = topology.node(region, node) else {
        return Vec::new();
    };
    let mut hosts: Vec<String> = Vec::new();
    for addr in [&spec.grpc, &spec.http] {
        let Some((host, _)) = addr.rsplit_once(':') else {
            continue;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let loopback = host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        for h in [Some(host), loopback.then(|| "localhost".to_string())]
            .into_iter()
            .flatten()
        {
            if !h.is_empty() && !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    hosts
}

/// A subject alternative name for a host: an IP address, else a DNS name.
fn host_san(host: &str) -> Result<SanType, PkiError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    let name = rcgen::string::Ia5String::try_from(host.to_string())
        .map_err(|_| PkiError::Input(format!("{host:?} is not a valid host name")))?;
    Ok(SanType::DnsName(name))
}

/// What `pki init` did.
#[derive(Debug, Serialize)]
pub struct InitReport {
    pub dir: String,
    pub ca_created: bool,
    pub issued: Vec<String>,
    pub kept: Vec<String>,
}

/// Creates (or reuses) the CA and issues a certificate for every node of the topology.
/// Existing node certificates are kept unless `force`.
pub fn init(
    topology: &Topology,
    dir: &Path,
    validity: Validity,
    force: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<InitReport, PkiError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let (ca, ca_created) = if ca_cert_path(dir).exists() {
        (Ca::load(dir)?, false)
    } else {
        (
            Ca::create_since(dir, &topology.domain, validity.since_ms)?,
            true,
        )
    };
    let mut report = InitReport {
        dir: dir.display().to_string(),
        ca_created,
        issued: Vec::new(),
        kept: Vec::new(),
    };
    for region in topology.regions() {
        for node in &region.nodes {
            let (cert_path, key_path) = node_paths(dir, &region.id, node.id);
            let id = Identity::Node {
                domain: topology.domain.clone(),
                region: region.id.clone(),
                node: node.id,
            };
            if cert_path.exists() && !force {
                report.kept.push(id.uri());
                continue;
            }
            let hosts = node_hosts(topology, &region.id, node.id);
            let (cert, key) = ca.issue(
                &id,
                &format!("{} 节点 {}", region.name, node.id),
                validity,
                &hosts,
            )?;
            write_file(&key_path, &key, true)?;
            write_file(&cert_path, &cert, false)?;
            progress(&id.uri());
            report.issued.push(id.uri());
        }
    }
    Ok(report)
}

/// Who a person's certificate is for.
#[derive(Debug, Clone, Copy)]
pub struct PersonSpec<'a> {
    /// Trust domain of the deployment.
    pub domain: &'a str,
    pub region: &'a str,
    pub organ: Organ,
    pub role: Role,
    pub name: &'a str,
}

/// Issues a person's certificate into `people/<region>/<organ>/`; returns (cert path, key
/// path, identity).
pub fn issue_person(
    dir: &Path,
    p: PersonSpec<'_>,
    validity: Validity,
    force: bool,
) -> Result<(PathBuf, PathBuf, Identity), PkiError> {
    let PersonSpec {
        domain,
        region,
        organ,
        role,
        name,
    } = p;
    if !organ.roles().contains(&role) {
        return Err(PkiError::Input(format!(
            "--role {role} does not belong to --organ {organ}: the bureau has clerk, head, \
             supervisor, inspector and monitor; an agency has clerk, officer, reviewer, head and monitor"
        )));
    }
    if name.trim().is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(PkiError::Input(
            "--name must be 1–64 printable characters".into(),
        ));
    }
    let ca = Ca::load(dir)?;
    let id = Identity::Person {
        domain: domain.to_string(),
        region: region.to_string(),
        organ,
        role,
        user: name.to_string(),
    };
    let (cert_path, key_path) = person_paths(dir, region, organ, role, name);
    if cert_path.exists() && !force {
        return Err(PkiError::Exists(cert_path.display().to_string()));
    }
    let (cert, key) = ca.issue(&id, name, validity, &[])?;
    write_file(&key_path, &key, true)?;
    write_file(&cert_path, &cert, false)?;
    Ok((cert_path, key_path, id))
}

/// What `pki show` prints.
#[derive(Debug, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub identity: Option<String>,
    pub kind: String,
    pub is_ca: bool,
    pub sha256: String,
}

/// Describes the first certificate of a PEM file.
pub fn show(path: &Path) -> Result<CertInfo, PkiError> {
    use sha2::Digest;
    use x509_parser::prelude::FromDer;
    let certs = super::pem::load_certs(path)?;
    let der = certs
        .first()
        .ok_or_else(|| PkiError::NoPem(path.display().to_string()))?;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der.as_ref())
        .map_err(|e| PkiError::Parse(e.to_string()))?;
    let identity = Identity::from_cert_der(der.as_ref());
    let kind = match &identity {
        Ok(Identity::Node { .. }) => "node".to_string(),
        Ok(Identity::Person { organ, role, .. }) => format!("person ({organ}, {role})"),
        Err(_) if cert.is_ca() => "certificate authority".to_string(),
        Err(e) => format!("unknown ({e})"),
    };
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: cert.validity().not_before.to_string(),
        not_after: cert.validity().not_after.to_string(),
        identity: identity.ok().map(|i| i.uri()),
        kind,
        is_ca: cert.is_ca(),
        sha256: hex::encode(sha2::Sha256::digest(der.as_ref())),
    })
}

#[cfg(test)]
mod person_tests {
    use super::*;

    #[test]
    fn a_person_of_an_organ_gets_only_the_organs_roles_and_a_printable_name() {
        let dir = tempfile::tempdir().unwrap();
        let spec = |organ, role, name| PersonSpec {
            domain: "d.x",
            region: "hunan",
            organ,
            role,
            name,
        };
        for bad in [
            spec(Organ::Bureau, Role::Officer, "a"),
            spec(Organ::Bureau, Role::Reviewer, "a"),
            spec(Organ::Agency(1), Role::Inspector, "a"),
            spec(Organ::Agency(1), Role::Supervisor, "a"),
            spec(Organ::Agency(1), Role::Officer, " "),
            spec(Organ::Agency(1), Role::Officer, "a\u{7}b"),
        ] {
            assert!(
                matches!(
                    issue_person(dir.path(), bad, Validity::days(1), false),
                    Err(PkiError::Input(_))
                ),
                "{bad:?}"
            );
        }
        // Paths name the organ: the same person name in two organs are two files.
        let (a, _) = person_paths(dir.path(), "hunan", Organ::Bureau, Role::Head, "zhao");
        let (b, _) = person_paths(dir.path(), "hunan", Organ::Agency(1), Role::Head, "zhao");
        assert_ne!(a, b);
        assert!(b.ends_with("people/hunan/agency-1/head-zhao.pem"));
    }
}
