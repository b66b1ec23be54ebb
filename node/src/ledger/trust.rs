//! The checks the domain's federation rules call ([`Crypto`]): leaf hashing, proof
//! verification, and trust in a signed head — signature by the node the head names, whose
//! certificate chains to the deployment CA and is valid at the head's own time. Pure functions
//! of their inputs, so every replica reaches the same verdict.
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::RootCertStore;

use crate::domain::federation::items::SignedHead;
use crate::domain::federation::items::{CheckError, Crypto, Hash, Seal};
use crate::pki::Identity;

/// [`Crypto`] backed by the ledger module and the deployment's CA.
#[derive(Clone, Default)]
pub struct LedgerCrypto {
    /// The CA roots; without them no head is trusted.
    pub roots: Option<Arc<RootCertStore>>,
}

impl LedgerCrypto {
    /// The certificate names node `signer` of `region`, chains to the deployment's CA and is
    /// valid at `at_ms` (the signer's own time: a certificate since renewed still vouches for
    /// what it signed while it was valid).
    fn trusted_signer(
        &self,
        region: &str,
        signer: u64,
        cert_der: &[u8],
        at_ms: i64,
    ) -> Result<(), CheckError> {
        let roots = self
            .roots
            .as_ref()
            .ok_or_else(|| CheckError::new("this node has no CA to check the signer against"))?;
        match Identity::from_cert_der(cert_der) {
            Ok(Identity::Node {
                region: r, node, ..
            }) if r == region && node == signer => {}
            Ok(other) => {
                return Err(CheckError::new(format!(
                    "the signer certificate names {other}, not node {signer} of {region}"
                )))
            }
            Err(e) => return Err(CheckError::caused(format!("signer certificate: {e}"), e)),
        }
        let der = CertificateDer::from(cert_der.to_vec());
        let parsed =
            ParsedCertificate::try_from(&der).map_err(|e| CheckError::caused(e.to_string(), e))?;
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_millis(at_ms.max(0) as u64));
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            roots,
            &[],
            at,
            crate::pki::tls::provider()
                .signature_verification_algorithms
                .all,
        )
        .map_err(|e| {
            CheckError::caused(
                format!("signer certificate does not chain to the CA: {e}"),
                e,
            )
        })
    }
}

impl Crypto for LedgerCrypto {
    fn leaf_hash(&self, data: &[u8]) -> Hash {
        super::leaf_hash(data)
    }

    fn verify_head(&self, sh: &SignedHead, at_ms: i64) -> Result<(), CheckError> {
        self.trusted_signer(&sh.head.region, sh.signer, &sh.cert_der, at_ms)?;
        super::head::verify(&sh.head, &sh.signature, &sh.cert_der)
            .map_err(|e| CheckError::caused(e.to_string(), e))
    }

    fn verify_seal(&self, seal: &Seal<'_>) -> Result<(), CheckError> {
        self.trusted_signer(seal.region, seal.signer, seal.cert_der, seal.at_ms)?;
        super::head::verify_bytes(seal.message, seal.signature, seal.cert_der)
            .map_err(|e| CheckError::caused(e.to_string(), e))
    }

    fn verify_inclusion(
        &self,
        index: u64,
        size: u64,
        leaf: &Hash,
        proof: &[Hash],
        root: &Hash,
    ) -> Result<(), CheckError> {
        super::verify_inclusion(index, size, leaf, proof, root)
            .map_err(|e| CheckError::caused(e.to_string(), e))
    }

    fn verify_consistency(
        &self,
        first: u64,
        second: u64,
        first_root: &Hash,
        second_root: &Hash,
        proof: &[Hash],
    ) -> Result<(), CheckError> {
        super::verify_consistency(first, second, first_root, second_root, proof)
            .map_err(|e| CheckError::caused(e.to_string(), e))
    }
}
