//! Identity and certificates (ARCHITECTURE "Identity and authorization").
//!
//! - [`current`]: the certificate presented now, renewed in place without a restart.
//! - [`identity`]: SPIFFE-style URI SANs naming a region and a node or a person's role.
//! - [`issue`]: the deployment CA, node certificates from the topology, person certificates.
//! - [`pem`]: reading certificates and keys from PEM files.
//! - [`rotate`]: renewing certificates before they end (`pki rotate`).
//! - [`revocation`]: revoked serial numbers, checked at every handshake.
//! - [`tls`]: our own rustls verifiers (chain to the CA + identity from the URI SAN) and the
//!   server/client configurations built from them.
pub mod current;
pub mod identity;
pub mod issue;
pub mod p12;
pub mod pem;
pub mod revocation;
pub mod rotate;
pub mod tls;

pub use identity::Identity;
pub use tls::{Expect, TlsMaterial};

/// Errors of the PKI area.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A PEM file holds no certificate or key.
    #[error("{0}: no certificate or private key found (expected PEM)")]
    NoPem(String),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// A certificate does not parse.
    #[error("certificate does not parse: {0}")]
    Parse(String),
    /// The certificate has no usable Sanxiang identity.
    #[error("certificate identity: {0}")]
    Identity(String),
    /// TLS configuration failed.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// A file exists and would be overwritten.
    #[error("{0} already exists; pass --force to replace it")]
    Exists(String),
    /// Bad input on the command line.
    #[error("{0}")]
    Input(String),
}

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.display().to_string(),
        source,
    }
}
