//! Signing keys: three RSA-2048 keys shipped as PEM files in `src/sso/keys/`, which key
//! signs, which keys the JWKS publishes, and in-process verification through [`SsoKeys`].
//!
//! The keys are test fixtures, not secrets: they exist so runs are fast (no RSA generation at
//! runtime) and reproducible.

use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use super::jwt::{self, AccessClaims, VerifyError};

/// The shipped private keys, in rotation order.
const SHIPPED_PEMS: [&str; 3] = [
    include_str!("keys/key1.pem"),
    include_str!("keys/key2.pem"),
    include_str!("keys/key3.pem"),
];

/// Number of shipped keys; [`SsoKeys::rotate`] cycles through them.
pub const SHIPPED_KEY_COUNT: usize = SHIPPED_PEMS.len();

/// Problem loading the shipped keys (only if the PEM files are damaged).
#[derive(Debug, thiserror::Error)]
#[error("shipped signing key {index} is unusable: {reason}")]
pub struct KeyError {
    /// Index of the key in rotation order.
    pub index: usize,
    /// What went wrong.
    pub reason: String,
}

/// One key pair with its public JWK parts.
pub(crate) struct KeyPair {
    pub(crate) kid: String,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    n: String,
    e: String,
}

impl KeyPair {
    fn load(index: usize, pem: &str) -> Result<Self, KeyError> {
        let fail = |reason: String| KeyError { index, reason };
        // Making the JWK below already needs jsonwebtoken's provider.
        super::jwt::install_crypto_provider();
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let jwk =
            Jwk::from_encoding_key(&encoding, Algorithm::RS256).map_err(|e| fail(e.to_string()))?;
        let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
            return Err(fail("not an RSA key".to_owned()));
        };
        let decoding =
            DecodingKey::from_rsa_components(&rsa.n, &rsa.e).map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            kid: format!("JWT-Signature-Key-{}", index + 1),
            encoding,
            decoding,
            n: rsa.n,
            e: rsa.e,
        })
    }

    fn jwk_json(&self) -> serde_json::Value {
        serde_json::json!({
            "alg": "RS256",
            "e": self.e,
            "kid": self.kid,
            "kty": "RSA",
            "n": self.n,
            "use": "sig",
        })
    }
}

/// Which key signs and which keys are published.
struct Ring {
    signing: usize,
    published: Vec<usize>,
}

/// Cheap, clonable handle on the fake SSO's keys, for verifying bearer tokens in-process (the fake
/// ESI uses it). Clones share state, so they see key rotations.
#[derive(Clone)]
pub struct SsoKeys {
    pairs: Arc<[KeyPair]>,
    ring: Arc<RwLock<Ring>>,
    issuers: Arc<[String]>,
}

impl std::fmt::Debug for SsoKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoKeys")
            .field("signing_kid", &self.signing_kid())
            .field("published_kids", &self.published_kids())
            .finish_non_exhaustive()
    }
}

impl SsoKeys {
    /// Loads the shipped keys; key 1 signs and is the only one published. Tokens are accepted
    /// from `extra_issuer` as well as from both spellings of EVE's issuer.
    pub fn load(extra_issuer: &str) -> Result<Self, KeyError> {
        let pairs = SHIPPED_PEMS
            .iter()
            .enumerate()
            .map(|(i, pem)| KeyPair::load(i, pem))
            .collect::<Result<Vec<_>, _>>()?;
        let mut issuers = vec![
            "login.eveonline.com".to_owned(),
            "https://login.eveonline.com".to_owned(),
        ];
        if !issuers.iter().any(|i| i == extra_issuer) {
            issuers.push(extra_issuer.to_owned());
        }
        Ok(Self {
            pairs: pairs.into(),
            ring: Arc::new(RwLock::new(Ring {
                signing: 0,
                published: vec![0],
            })),
            issuers: issuers.into(),
        })
    }

    fn with_ring<T>(&self, f: impl FnOnce(&Ring) -> T) -> T {
        f(&self.ring.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// `kid` of the key that currently signs.
    pub fn signing_kid(&self) -> String {
        self.with_ring(|r| self.pairs[r.signing].kid.clone())
    }

    /// `kid`s currently served at `/oauth/jwks`.
    pub fn published_kids(&self) -> Vec<String> {
        self.with_ring(|r| {
            r.published
                .iter()
                .map(|&i| self.pairs[i].kid.clone())
                .collect()
        })
    }

    /// `kid` of shipped key `index` (0-based, in rotation order), published or not.
    pub fn shipped_kid(&self, index: usize) -> Option<String> {
        self.pairs.get(index).map(|p| p.kid.clone())
    }

    /// The JWKS document: `{"keys": [...]}` with every published key.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self.with_ring(|r| {
            r.published
                .iter()
                .map(|&i| self.pairs[i].jwk_json())
                .collect()
        });
        serde_json::json!({ "keys": keys })
    }

    /// Switches signing to the next shipped key (cycling) and publishes it. With `keep_old`, the
    /// previously published keys stay in the JWKS; otherwise only the new key is served.
    /// Returns the new signing `kid`.
    pub fn rotate(&self, keep_old: bool) -> String {
        let mut ring = self.ring.write().unwrap_or_else(PoisonError::into_inner);
        ring.signing = (ring.signing + 1) % self.pairs.len();
        let signing = ring.signing;
        if !keep_old {
            ring.published.clear();
        }
        if !ring.published.contains(&signing) {
            ring.published.push(signing);
        }
        self.pairs[signing].kid.clone()
    }

    /// Index of the signing key.
    pub(crate) fn signing_index(&self) -> usize {
        self.with_ring(|r| r.signing)
    }

    /// Key pair by shipped index.
    pub(crate) fn pair(&self, index: usize) -> Option<&KeyPair> {
        self.pairs.get(index)
    }

    /// Verifies an EVE-shaped access token: RS256 signature by a published `kid`, `exp`, `iss`
    /// (either spelling of EVE's issuer, or the configured one) and `aud` containing
    /// `"EVE Online"`.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::UnsupportedAlgorithm(format!(
                "{:?}",
                header.alg
            )));
        }
        let kid = header.kid.ok_or(VerifyError::MissingKid)?;
        let key = self.with_ring(|r| {
            r.published
                .iter()
                .map(|&i| &self.pairs[i])
                .find(|p| p.kid == kid)
                .map(|p| p.decoding.clone())
        });
        let key = key.ok_or_else(|| VerifyError::UnknownKid(kid.clone()))?;
        jwt::decode(token, &key, &self.issuers)
    }
}

/// Base64url without padding, as JWKs and PKCE use.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
