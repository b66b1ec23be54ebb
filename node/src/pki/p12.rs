//! A person's certificate and key as a PKCS#12 file (`pki issue --p12`), the form a browser's
//! certificate store imports — the way 数字证书 sign-in works in government systems. The file
//! holds the key, the person's certificate and the deployment's CA, encrypted with the
//! password given (PBES2 with AES-256, HMAC-SHA-256 MAC).
use std::path::Path;

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKeyChain};
use rustls::pki_types::PrivateKeyDer;
use sha2::Digest;

use super::pem::{load_certs, load_key};
use super::PkiError;

/// Shortest password accepted for a PKCS#12 file.
pub const MIN_PASSWORD: usize = 8;

/// Writes `out` from a certificate, its key and the CA, encrypted with `password`.
pub fn write_p12(
    cert: &Path,
    key: &Path,
    ca: &Path,
    password: &str,
    out: &Path,
) -> Result<(), PkiError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(PkiError::Input(format!(
            "the PKCS#12 password must have at least {MIN_PASSWORD} characters"
        )));
    }
    let p12 = |e: p12_keystore::error::Error| PkiError::Parse(format!("PKCS#12: {e}"));
    let mut chain = Vec::new();
    for c in load_certs(cert)?.iter().chain(load_certs(ca)?.iter()) {
        chain.push(Certificate::from_der(c.as_ref()).map_err(p12)?);
    }
    let PrivateKeyDer::Pkcs8(k) = load_key(key)? else {
        return Err(PkiError::Parse(format!(
            "{}: the key is not PKCS#8",
            key.display()
        )));
    };
    let id = sha2::Sha256::digest(chain[0].as_der());
    let entry = PrivateKeyChain::new(k.secret_pkcs8_der(), &id[..20], chain);
    let mut store = KeyStore::new();
    store.add_entry("sanxiang", KeyStoreEntry::PrivateKeyChain(entry));
    let bytes = store.writer(password).write().map_err(p12)?;
    super::issue::write_bytes(out, &bytes, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_p12_holds_the_key_and_chain_and_opens_only_with_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let topo = crate::config::Topology::parse(
            "domain = \"d.x\"\n[[region]]\nid = \"hunan\"\nname = \"湖南省\"\nkind = \"province\"\n\
             nodes = [{ id = 1, grpc = \"127.0.0.1:1\", http = \"\" }]\n",
        )
        .unwrap();
        super::super::issue::init(
            &topo,
            d,
            super::super::issue::Validity::days(1),
            false,
            &mut |_| {},
        )
        .unwrap();
        let spec = super::super::issue::PersonSpec {
            domain: "d.x",
            region: "hunan",
            organ: crate::domain::Organ::Bureau,
            role: crate::domain::Role::Supervisor,
            name: "sup",
        };
        let (cert, key, _) = super::super::issue::issue_person(
            d,
            spec,
            super::super::issue::Validity::days(1),
            false,
        )
        .unwrap();
        let out = d.join("sup.p12");
        let ca = super::super::issue::ca_cert_path(d);
        assert!(matches!(
            write_p12(&cert, &key, &ca, "short", &out),
            Err(PkiError::Input(_))
        ));
        write_p12(&cert, &key, &ca, "长一些的口令12345", &out).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert!(KeyStore::from_pkcs12(&bytes, "wrong password").is_err());
        let ks = KeyStore::from_pkcs12(&bytes, "长一些的口令12345").unwrap();
        let (_, chain) = ks.private_key_chain().unwrap();
        assert_eq!(
            chain.chain().len(),
            2,
            "the person's certificate and the CA"
        );
    }
}
