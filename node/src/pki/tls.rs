//! rustls configurations with our own verifiers on both sides.
//!
//! - Server side ([`SanxiangClientVerifier`]): the client's chain must lead to the deployment CA
//!   (webpki), and its URI SAN must be a Sanxiang identity of this trust domain. What the caller
//!   may do is decided later, per service, from that identity.
//! - Client side ([`NodeServerVerifier`]): the server's chain must lead to the CA and its URI SAN
//!   must name the node we meant to reach (or any node of the expected region). DNS names and IP
//!   addresses are not used: every loopback node shares 127.0.0.1.
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ParsedCertificate, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

use super::current::{CurrentCert, Presented, Reloaded};
use super::identity::Identity;
use super::issue::{ca_cert_path, node_paths};
pub use super::pem::{load_certs, load_key};
use super::PkiError;

/// The crypto provider used everywhere (ring: no cmake needed to build).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Checks that a node certificate (DER) chains to the CA in `ca` and is valid now; returns its
/// identity. Used to trust a signed tree head offline.
pub fn verify_node_cert(ca: &Path, cert_der: &[u8]) -> Result<Identity, PkiError> {
    let mut roots = RootCertStore::empty();
    for c in load_certs(ca)? {
        roots
            .add(c)
            .map_err(|e| PkiError::Parse(format!("{}: {e}", ca.display())))?;
    }
    let der = CertificateDer::from(cert_der.to_vec());
    let parsed = ParsedCertificate::try_from(&der)?;
    rustls::client::verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &roots,
        &[],
        UnixTime::now(),
        provider().signature_verification_algorithms.all,
    )?;
    match Identity::from_cert_der(cert_der)? {
        id @ Identity::Node { .. } => Ok(id),
        other => Err(PkiError::Identity(format!("{other} is not a node"))),
    }
}

/// Which server identity a client accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Any node of the trust domain.
    AnyNode,
    /// Any node of this region.
    Region(String),
    /// Exactly this node.
    Node(String, u64),
}

/// Certificates and key of one participant, plus the CA roots.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    pub domain: String,
    pub identity: Identity,
    roots: Arc<RootCertStore>,
    /// The certificate presented now; renewed in place by [`TlsMaterial::reload`].
    current: Arc<CurrentCert>,
    /// Revoked certificates, shared by every configuration built from this material.
    pub revoked: Arc<super::revocation::Revocations>,
}

impl TlsMaterial {
    /// Loads a CA file, a certificate and its key.
    pub fn load(ca: &Path, cert: &Path, key: &Path) -> Result<TlsMaterial, PkiError> {
        let mut roots = RootCertStore::empty();
        for c in load_certs(ca)? {
            roots
                .add(c)
                .map_err(|e| PkiError::Parse(format!("{}: {e}", ca.display())))?;
        }
        let presented = Presented::new(load_certs(cert)?, load_key(key)?)?;
        let identity = Identity::from_cert_der(presented.cert_der())?;
        Ok(TlsMaterial {
            domain: identity.domain().to_string(),
            identity,
            roots: Arc::new(roots),
            current: Arc::new(CurrentCert::new(
                presented,
                Some((cert.to_path_buf(), key.to_path_buf())),
            )),
            revoked: Arc::default(),
        })
    }

    /// Loads a node's material from a PKI directory made by `pki init`.
    pub fn load_node(dir: &Path, region: &str, node: u64) -> Result<TlsMaterial, PkiError> {
        let (cert, key) = node_paths(dir, region, node);
        let m = TlsMaterial::load(&ca_cert_path(dir), &cert, &key)?;
        match &m.identity {
            Identity::Node {
                region: r, node: n, ..
            } if r == region && *n == node => Ok(m),
            other => Err(PkiError::Identity(format!(
                "{} names {other}, not node {node} of {region}",
                cert.display()
            ))),
        }
    }

    /// When this material's own certificate ends (Unix seconds), if it parses.
    pub fn not_after(&self) -> Option<i64> {
        self.current.get().not_after
    }

    /// The CA roots.
    pub fn roots(&self) -> Arc<RootCertStore> {
        self.roots.clone()
    }

    /// The certificate and key presented now (for signing tree heads).
    pub fn presented(&self) -> Arc<Presented> {
        self.current.get()
    }

    /// The DER of our own certificate as presented now.
    pub fn cert_der(&self) -> Vec<u8> {
        self.current.get().cert_der().to_vec()
    }

    /// Reads the certificate files again; a valid renewal is presented on every new
    /// connection from now on (see [`super::current`]).
    pub fn reload(&self) -> Result<Reloaded, PkiError> {
        self.current.reload(&self.identity, &self.roots)
    }

    /// The gRPC server's configuration. The handshake proves only that the client holds the
    /// key of the certificate it presents (or that it presents none); the certificate itself is
    /// judged right after the handshake by a [`ClientJudge`], so a refused client is
    /// told why in a gRPC status on its first call instead of seeing a broken connection.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, PkiError> {
        let mut verifier = self.client_verifier(true)?;
        verifier.deferred = true;
        self.server_with(Arc::new(verifier), b"h2")
    }

    /// What judges the client certificates of the gRPC listeners after the handshake (built
    /// once per listener).
    pub fn client_judge(&self) -> Result<ClientJudge, PkiError> {
        let verifier = WebPkiClientVerifier::builder_with_provider(self.roots.clone(), provider())
            .build()
            .map_err(|e| PkiError::Tls(rustls::Error::General(e.to_string())))?;
        Ok(ClientJudge {
            verifier,
            domain: self.domain.clone(),
            revoked: self.revoked.clone(),
        })
    }

    /// The web server's configuration: HTTP/1.1, a person's certificate asked for but not
    /// required (a browser that presents one is signed in by it; the public portal needs none),
    /// verified like every other client certificate when presented.
    pub fn web_server_config(&self) -> Result<Arc<rustls::ServerConfig>, PkiError> {
        // As for gRPC, the handshake proves possession only; the certificate is judged after
        // it, so a browser with an expired, revoked or foreign certificate is shown why on a
        // page (and the public portal still opens) instead of a failed TLS connection.
        let mut verifier = self.client_verifier(true)?;
        verifier.deferred = true;
        self.server_with(Arc::new(verifier), b"http/1.1")
    }

    fn client_verifier(&self, optional: bool) -> Result<SanxiangClientVerifier, PkiError> {
        let builder = WebPkiClientVerifier::builder_with_provider(self.roots.clone(), provider());
        let builder = if optional {
            builder.allow_unauthenticated()
        } else {
            builder
        };
        let inner = builder
            .build()
            .map_err(|e| PkiError::Tls(rustls::Error::General(e.to_string())))?;
        Ok(SanxiangClientVerifier {
            inner,
            mandatory: !optional,
            deferred: false,
            domain: self.domain.clone(),
            revoked: self.revoked.clone(),
        })
    }

    fn server_with(
        &self,
        verifier: Arc<dyn ClientCertVerifier>,
        alpn: &[u8],
    ) -> Result<Arc<rustls::ServerConfig>, PkiError> {
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(self.current.clone());
        cfg.alpn_protocols = vec![alpn.to_vec()];
        Ok(Arc::new(cfg))
    }

    /// A client of the web server presenting our certificate (`sanxiang web login`), accepting
    /// only a node of `region` as the server.
    pub fn web_client_config(&self, region: &str) -> Result<Arc<rustls::ClientConfig>, PkiError> {
        self.client_with(Expect::Region(region.to_string()), b"http/1.1")
    }

    /// Client configuration presenting our certificate and accepting only `expect`.
    pub fn client_config(&self, expect: Expect) -> Result<Arc<rustls::ClientConfig>, PkiError> {
        self.client_with(expect, b"h2")
    }

    fn client_with(
        &self,
        expect: Expect,
        alpn: &[u8],
    ) -> Result<Arc<rustls::ClientConfig>, PkiError> {
        let verifier = Arc::new(NodeServerVerifier {
            roots: self.roots.clone(),
            provider: provider(),
            domain: self.domain.clone(),
            expect,
            revoked: self.revoked.clone(),
        });
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_cert_resolver(self.current.clone());
        cfg.alpn_protocols = vec![alpn.to_vec()];
        Ok(Arc::new(cfg))
    }
}

/// Judges a client's certificate chain as presented at the handshake: it must chain to the
/// deployment's CA, be valid now, not be revoked and name an identity of this trust domain.
pub struct ClientJudge {
    verifier: Arc<dyn ClientCertVerifier>,
    domain: String,
    /// The revocation list of the material it was made from.
    pub revoked: Arc<super::revocation::Revocations>,
}

impl ClientJudge {
    /// The identity of a client whose chain is accepted, or why it is refused.
    pub fn check(&self, chain: &[CertificateDer<'_>]) -> Result<Identity, PeerRefused> {
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(PeerRefused::NoCertificate);
        };
        self.verifier
            .verify_client_cert(end_entity, intermediates, UnixTime::now())
            .map_err(PeerRefused::from_rustls)?;
        if let Some(serial) = self.revoked.revoked(end_entity.as_ref()) {
            return Err(PeerRefused::Revoked(serial));
        }
        let id = Identity::from_cert_der(end_entity.as_ref())
            .map_err(|e| PeerRefused::Invalid(e.to_string()))?;
        if id.domain() != self.domain {
            return Err(PeerRefused::OtherDomain(id.uri(), self.domain.clone()));
        }
        Ok(id)
    }
}

/// Why a server refused a client's certificate, in words for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerRefused {
    #[error("没有出示客户端证书 (no client certificate)")]
    NoCertificate,
    #[error("服务器拒绝了你的证书：签发者未知，不是本部署的 CA 签发的 (unknown issuer)")]
    UnknownIssuer,
    #[error("服务器拒绝了你的证书：已过期，请续期 (expired)")]
    Expired,
    #[error("服务器拒绝了你的证书：尚未生效，请检查本机时钟 (not yet valid)")]
    NotYetValid,
    #[error("服务器拒绝了你的证书：证书 {0} 已被吊销 (revoked)")]
    Revoked(String),
    #[error("服务器拒绝了你的证书：{0} 不属于本部署的信任域 {1} (other trust domain)")]
    OtherDomain(String, String),
    #[error("服务器拒绝了你的证书：{0}")]
    Invalid(String),
}

impl PeerRefused {
    fn from_rustls(e: rustls::Error) -> PeerRefused {
        use rustls::CertificateError as C;
        match e {
            rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
                PeerRefused::UnknownIssuer
            }
            rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
                PeerRefused::Expired
            }
            rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
                PeerRefused::NotYetValid
            }
            rustls::Error::InvalidCertificate(C::Revoked) => PeerRefused::Revoked(String::new()),
            other => PeerRefused::Invalid(other.to_string()),
        }
    }

    /// A machine-readable reason, sent beside the message (`x-sanxiang-reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            PeerRefused::NoCertificate => "NO_CERTIFICATE",
            PeerRefused::UnknownIssuer => "UNKNOWN_ISSUER",
            PeerRefused::Expired => "EXPIRED",
            PeerRefused::NotYetValid => "NOT_YET_VALID",
            PeerRefused::Revoked(_) => "REVOKED",
            PeerRefused::OtherDomain(..) => "OTHER_TRUST_DOMAIN",
            PeerRefused::Invalid(_) => "INVALID_CERTIFICATE",
        }
    }
}

/// Server-side verifier: webpki chain check, then a Sanxiang identity of our trust domain.
#[derive(Debug)]
pub struct SanxiangClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    /// A client must present a certificate; the web server and the gRPC listeners only ask.
    mandatory: bool,
    /// The certificate is judged after the handshake (the gRPC listeners, so that a refusal
    /// reaches the client as a status); here only possession of its key is proven.
    deferred: bool,
    domain: String,
    revoked: Arc<super::revocation::Revocations>,
}

impl ClientCertVerifier for SanxiangClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.deferred {
            return Ok(ClientCertVerified::assertion());
        }
        self.inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if let Some(serial) = self.revoked.revoked(end_entity.as_ref()) {
            return Err(rustls::Error::General(format!(
                "certificate {serial} is revoked"
            )));
        }
        let id = Identity::from_cert_der(end_entity.as_ref())
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        if id.domain() != self.domain {
            return Err(rustls::Error::General(format!(
                "{id} is not of trust domain {}",
                self.domain
            )));
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Client-side verifier: chain to the CA, then the expected node identity from the URI SAN.
#[derive(Debug)]
pub struct NodeServerVerifier {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    domain: String,
    expect: Expect,
    revoked: Arc<super::revocation::Revocations>,
}

impl ServerCertVerifier for NodeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let parsed = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        if let Some(serial) = self.revoked.revoked(end_entity.as_ref()) {
            return Err(rustls::Error::General(format!(
                "certificate {serial} is revoked"
            )));
        }
        let id = Identity::from_cert_der(end_entity.as_ref())
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        let ok = match (&id, &self.expect) {
            (Identity::Node { domain, .. }, _) if *domain != self.domain => false,
            (Identity::Node { .. }, Expect::AnyNode) => true,
            (Identity::Node { region, .. }, Expect::Region(r)) => region == r,
            (Identity::Node { region, node, .. }, Expect::Node(r, n)) => region == r && node == n,
            (Identity::Person { .. }, _) => false,
        };
        if !ok {
            return Err(rustls::Error::General(format!(
                "server presented {id}, expected {:?}",
                self.expect
            )));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
