//! Revoked certificates, enforced at every TLS handshake (ARCHITECTURE "Identity and
//! authorization": a revocation list travels down the tree and is enforced on every
//! connection). The set is shared by a node's verifiers and refreshed from replicated state
//! (revocations this region sent down or received from above).
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use x509_parser::prelude::FromDer;

/// Serial numbers of revoked certificates, as lowercase hex without separators.
#[derive(Debug, Default)]
pub struct Revocations {
    serials: RwLock<BTreeSet<String>>,
    /// Counts replacements, so an open connection rechecks its certificate only after one.
    generation: AtomicU64,
}

/// `0A:1b:…` or `0a1b…` → `0a1b…`; leading zero bytes are kept as written.
pub fn normalize(serial: &str) -> String {
    serial
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The serial number of a certificate (DER), as [`normalize`] writes it.
pub fn serial_of(cert_der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der).ok()?;
    Some(hex::encode(cert.raw_serial()))
}

impl Revocations {
    /// Replaces the whole set.
    pub fn replace(&self, serials: impl IntoIterator<Item = String>) {
        let set: BTreeSet<String> = serials.into_iter().map(|s| normalize(&s)).collect();
        *self.serials.write().unwrap_or_else(|p| p.into_inner()) = set;
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// How many times the set was replaced.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// True when this serial (as [`serial_of`] writes it) is revoked.
    pub fn contains(&self, serial: &str) -> bool {
        self.serials
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(serial)
    }

    /// Number of revoked serials.
    pub fn len(&self) -> usize {
        self.serials.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when none is revoked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The serial of a certificate if it is revoked.
    pub fn revoked(&self, cert_der: &[u8]) -> Option<String> {
        let set = self.serials.read().unwrap_or_else(|p| p.into_inner());
        if set.is_empty() {
            return None;
        }
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der).ok()?;
        let serial = hex::encode(cert.raw_serial());
        set.contains(&serial).then_some(serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_compare_whatever_their_spelling() {
        assert_eq!(normalize("0A:1b:FF"), "0a1bff");
        let r = Revocations::default();
        r.replace(["0A:1B".to_string()]);
        assert_eq!(r.len(), 1);
        assert!(r.revoked(b"not a certificate").is_none());
    }
}
