//! Reading certificates and keys from PEM files.
use std::path::Path;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::{io_err, PkiError};

/// Reads every certificate of a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    let data = std::fs::read(path).map_err(io_err(path))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut data.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| PkiError::Parse(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(PkiError::NoPem(path.display().to_string()));
    }
    Ok(certs)
}

/// Reads the private key of a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, PkiError> {
    let data = std::fs::read(path).map_err(io_err(path))?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .map_err(|e| PkiError::Parse(format!("{}: {e}", path.display())))?
        .ok_or_else(|| PkiError::NoPem(path.display().to_string()))
}
