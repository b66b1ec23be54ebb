//! The certificate a participant presents *now*, replaced in place when it is renewed.
//!
//! Every rustls configuration built from a [`super::TlsMaterial`] asks this slot for its
//! certificate at each handshake (it is both the server's and the client's certificate
//! resolver), so a node renewed by `sanxiang pki rotate` presents the new certificate on every
//! new connection without a restart; connections already open keep the one they were
//! authenticated with. A renewal is taken only when it names the same identity, chains to the
//! deployment CA, is valid now and matches its key.
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::{ClientHello, ParsedCertificate, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, SignatureScheme};

use super::identity::Identity;
use super::pem::{load_certs, load_key};
use super::PkiError;

/// One generation of a participant's certificate and key.
#[derive(Debug)]
pub struct Presented {
    pub chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    certified: Arc<CertifiedKey>,
    /// When the certificate ends, Unix seconds (None if it does not parse).
    pub not_after: Option<i64>,
}

impl Presented {
    /// A chain and its key; the key must be the certificate's.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Presented, PkiError> {
        if chain.is_empty() {
            return Err(PkiError::Parse(
                "the certificate file holds no certificate".into(),
            ));
        }
        let certified =
            CertifiedKey::from_der(chain.clone(), key.clone_key(), &super::tls::provider())?;
        let not_after = x509_parser::parse_x509_certificate(chain[0].as_ref())
            .ok()
            .map(|(_, c)| c.validity().not_after.timestamp());
        Ok(Presented {
            chain,
            key,
            certified: Arc::new(certified),
            not_after,
        })
    }

    /// The end-entity certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        self.chain[0].as_ref()
    }

    /// The PKCS#8 DER of the private key (for signing tree heads), if it is PKCS#8.
    pub fn key_pkcs8(&self) -> Option<&[u8]> {
        match &self.key {
            PrivateKeyDer::Pkcs8(k) => Some(k.secret_pkcs8_der()),
            _ => None,
        }
    }
}

/// What a reload found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloaded {
    /// The files hold the certificate already presented (or there are no files to read).
    Unchanged,
    /// A renewed certificate is presented from now on; it ends at this Unix second.
    Renewed { not_after: Option<i64> },
}

/// The slot every configuration reads its certificate from.
#[derive(Debug)]
pub struct CurrentCert {
    slot: RwLock<Arc<Presented>>,
    /// The certificate and key files a renewal is read from.
    source: Option<(PathBuf, PathBuf)>,
}

impl CurrentCert {
    /// A slot holding `first`, renewed from `source` (cert, key) on [`CurrentCert::reload`].
    pub fn new(first: Presented, source: Option<(PathBuf, PathBuf)>) -> CurrentCert {
        CurrentCert {
            slot: RwLock::new(Arc::new(first)),
            source,
        }
    }

    /// The certificate presented now.
    pub fn get(&self) -> Arc<Presented> {
        self.slot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reads the certificate files again and presents what they hold when it is a valid
    /// renewal of `identity` under `roots`. A certificate and key that do not match (the files
    /// caught between two writes) are an error: the caller tries again later.
    pub fn reload(&self, identity: &Identity, roots: &RootCertStore) -> Result<Reloaded, PkiError> {
        let Some((cert, key)) = &self.source else {
            return Ok(Reloaded::Unchanged);
        };
        let chain = load_certs(cert)?;
        if chain.first().map(|c| c.as_ref()) == Some(self.get().cert_der()) {
            return Ok(Reloaded::Unchanged);
        }
        let fresh = Presented::new(chain, load_key(key)?)?;
        let named = Identity::from_cert_der(fresh.cert_der())?;
        if named != *identity {
            return Err(PkiError::Identity(format!(
                "{} names {named}, not {identity}",
                cert.display()
            )));
        }
        let parsed = ParsedCertificate::try_from(&fresh.chain[0])?;
        let intermediates = &fresh.chain[1..];
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            roots,
            intermediates,
            UnixTime::now(),
            super::tls::provider().signature_verification_algorithms.all,
        )?;
        let not_after = fresh.not_after;
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
        Ok(Reloaded::Renewed { not_after })
    }
}

impl ResolvesServerCert for CurrentCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.get().certified.clone())
    }
}

impl ResolvesClientCert for CurrentCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.get().certified.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
