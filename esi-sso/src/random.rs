//! Random values for the code flow: `state` and PKCE verifiers, from `rand`'s thread-local
//! generator (ChaCha12 seeded from the operating system: a CSPRNG).

use base64::Engine as _;
use rand::RngCore as _;
use sha2::Digest as _;

/// base64url (no padding) of `n` random bytes.
pub(crate) fn urlsafe(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    b64url(&bytes)
}

/// base64url without padding.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh `state`: 24 random bytes, 32 characters.
pub(crate) fn state() -> String {
    urlsafe(24)
}

/// A fresh PKCE verifier: 32 random bytes, 43 characters (RFC 7636 allows 43..=128).
pub(crate) fn pkce_verifier() -> String {
    urlsafe(32)
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    b64url(&sha2::Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(pkce_verifier().len(), 43);
        assert_eq!(state().len(), 32);
        assert_ne!(state(), state());
    }
}
