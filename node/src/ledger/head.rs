//! Signing and verifying tree heads with a node's ECDSA P-256 key.
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use x509_parser::prelude::FromDer;

use crate::domain::federation::items::TreeHead;

/// Errors signing or verifying a head.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error("signing key is not a PKCS#8 ECDSA P-256 key: {0}")]
    Key(String),
    #[error("signing failed")]
    Sign,
    #[error("signer certificate does not parse: {0}")]
    Cert(String),
    #[error("signature does not verify")]
    Signature,
}

/// Signs a head with a PKCS#8 key.
pub fn sign(head: &TreeHead, pkcs8: &[u8]) -> Result<Vec<u8>, HeadError> {
    sign_bytes(&head.signing_bytes(), pkcs8)
}

/// Signs a message (domain-separated by its caller) with a node's PKCS#8 key.
pub fn sign_bytes(message: &[u8], pkcs8: &[u8]) -> Result<Vec<u8>, HeadError> {
    let rng = SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
        .map_err(|e| HeadError::Key(e.to_string()))?;
    key.sign(&rng, message)
        .map(|s| s.as_ref().to_vec())
        .map_err(|_| HeadError::Sign)
}

/// Verifies a head's signature with the public key of the signer's certificate (DER).
/// Deterministic: no clock, no chain; the chain to the CA is checked by whoever trusts the head.
pub fn verify(head: &TreeHead, signature: &[u8], cert_der: &[u8]) -> Result<(), HeadError> {
    verify_bytes(&head.signing_bytes(), signature, cert_der)
}

/// Verifies a signature over `message` with the public key of a certificate (DER).
pub fn verify_bytes(message: &[u8], signature: &[u8], cert_der: &[u8]) -> Result<(), HeadError> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der)
        .map_err(|e| HeadError::Cert(e.to_string()))?;
    let spki = cert.public_key().subject_public_key.data.as_ref();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, spki)
        .verify(message, signature)
        .map_err(|_| HeadError::Signature)
}
