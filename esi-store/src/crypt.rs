//! Sealing and opening one secret value of one token row with XChaCha20-Poly1305.
//!
//! A sealed value is stored as text: `esi-sealed:v1:<key id>:<base64url(nonce ‖ ciphertext ‖
//! tag)>`, with a fresh random 192-bit nonce per sealing (XChaCha's nonces are long enough to
//! be drawn at random for ever under one key). The associated data names the table, the
//! column, the row id and its character, so a sealed value copied into another row or column
//! does not open there.
//!
//! Invariant: a stored value is sealed if and only if it starts with [`SEALED_PREFIX`]. Plain
//! values (written before a key was set) are JWTs and SSO refresh tokens, which never hold a
//! `:`; a value with the prefix that does not parse is [`CryptError::Malformed`], never read
//! as plain.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead as _, Payload};

use crate::keys::{TokenKey, TokenKeys};

/// What every sealed value starts with (format version 1).
pub(crate) const SEALED_PREFIX: &str = "esi-sealed:v1:";
/// Bytes of an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
/// Bytes of a Poly1305 tag.
const TAG_LEN: usize = 16;

/// Why a stored token could not be sealed or opened. The row is left as it was; messages name
/// key ids, never keys or tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptError {
    /// The value was sealed with a key that is not among the configured ones (add it to
    /// `ESI_TOKEN_KEY` after the writing key).
    #[error("sealed with token key {key_id:?}, which is not configured")]
    UnknownKey {
        /// The id stored with the value.
        key_id: String,
    },
    /// The value is sealed but no token key is configured (set `ESI_TOKEN_KEY`).
    #[error("sealed with token key {key_id:?}, and no token key is configured")]
    NoKey {
        /// The id stored with the value.
        key_id: String,
    },
    /// The key with the stored id does not open the value: another key under the same id, or
    /// the value was altered or copied from another row.
    #[error(
        "token key {key_id:?} does not open it (another key under that id, or the value was altered or moved from another row)"
    )]
    Rejected {
        /// The id stored with the value.
        key_id: String,
    },
    /// The value starts like a sealed one but is not.
    #[error("it is not a well-formed sealed value")]
    Malformed,
    /// The cipher refused to seal the value (far too long).
    #[error("it cannot be sealed")]
    Seal,
}

/// A secret column of the token table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    AccessToken,
    RefreshToken,
}

impl Column {
    /// The column's name, as in the table and in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Column::AccessToken => "access_token",
            Column::RefreshToken => "refresh_token",
        }
    }
}

/// Where a value lives: what its associated data binds it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) token_id: i64,
    pub(crate) character_id: i64,
    pub(crate) column: Column,
}

impl Place {
    fn associated_data(&self) -> String {
        format!(
            "esi-store/v1\0esi_token\0{}\0{}\0{}",
            self.column.name(),
            self.token_id,
            self.character_id
        )
    }
}

/// A stored value opened.
#[derive(Debug)]
pub(crate) struct Opened {
    /// The secret.
    pub(crate) secret: String,
    /// The key that sealed it; `None` for a plain value.
    pub(crate) key_id: Option<String>,
}

/// Seals `plain` with `key` for `place`.
pub(crate) fn seal(key: &TokenKey, place: Place, plain: &str) -> Result<String, CryptError> {
    use rand::RngCore as _;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let aad = place.associated_data();
    let sealed = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| CryptError::Seal)?;
    let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    Ok(format!(
        "{SEALED_PREFIX}{}:{}",
        key.id(),
        URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// Opens a stored value of `place`: a sealed one with the key it names, a plain one as it is.
pub(crate) fn open(
    keys: Option<&TokenKeys>,
    place: Place,
    stored: &str,
) -> Result<Opened, CryptError> {
    let Some(rest) = stored.strip_prefix(SEALED_PREFIX) else {
        return Ok(Opened {
            secret: stored.to_owned(),
            key_id: None,
        });
    };
    let (key_id, payload) = rest.split_once(':').ok_or(CryptError::Malformed)?;
    let keys = keys.ok_or_else(|| CryptError::NoKey {
        key_id: key_id.to_owned(),
    })?;
    let key = keys.find(key_id).ok_or_else(|| CryptError::UnknownKey {
        key_id: key_id.to_owned(),
    })?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| CryptError::Malformed)?;
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptError::Malformed);
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| CryptError::Malformed)?;
    let aad = place.associated_data();
    let rejected = || CryptError::Rejected {
        key_id: key_id.to_owned(),
    };
    let plain = key
        .cipher()
        .decrypt(
            &nonce,
            Payload {
                msg: sealed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| rejected())?;
    let secret = String::from_utf8(plain).map_err(|_| rejected())?;
    Ok(Opened {
        secret,
        key_id: Some(key_id.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "refresh-token-xyz";

    fn keys(text: &str) -> TokenKeys {
        text.parse().expect("keys")
    }

    fn place(token_id: i64, column: Column) -> Place {
        Place {
            token_id,
            character_id: 90_000_001,
            column,
        }
    }

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let set = TokenKeys::new(TokenKey::generate("k1").expect("key"));
        let at = place(7, Column::RefreshToken);
        let a = seal(set.writer(), at, SECRET).expect("seal");
        let b = seal(set.writer(), at, SECRET).expect("seal");
        assert_ne!(a, b, "same nonce twice");
        assert!(
            a.starts_with("esi-sealed:v1:k1:") && !a.contains(SECRET),
            "{a}"
        );
        for sealed in [a, b] {
            let opened = open(Some(&set), at, &sealed).expect("open");
            assert_eq!(opened.secret, SECRET);
            assert_eq!(opened.key_id.as_deref(), Some("k1"));
        }
    }

    #[test]
    fn plain_values_read_as_they_are() {
        let at = place(7, Column::AccessToken);
        for keys in [
            None,
            Some(&TokenKeys::new(TokenKey::generate("k").expect("k"))),
        ] {
            let opened = open(keys, at, "eyJhbGciOiJSUzI1NiJ9.e30.sig").expect("plain");
            assert_eq!(opened.secret, "eyJhbGciOiJSUzI1NiJ9.e30.sig");
            assert_eq!(opened.key_id, None);
        }
    }

    #[test]
    fn a_value_opens_only_in_its_own_row_and_column() {
        let set = TokenKeys::new(TokenKey::generate("k").expect("key"));
        let sealed = seal(set.writer(), place(7, Column::RefreshToken), SECRET).expect("seal");
        for elsewhere in [
            place(8, Column::RefreshToken),
            place(7, Column::AccessToken),
            Place {
                character_id: 90_000_002,
                ..place(7, Column::RefreshToken)
            },
        ] {
            assert_eq!(
                open(Some(&set), elsewhere, &sealed).expect_err("moved"),
                CryptError::Rejected { key_id: "k".into() }
            );
        }
    }

    #[test]
    fn wrong_missing_and_unknown_keys_are_told_apart() {
        let at = place(1, Column::RefreshToken);
        let material = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let sealed = seal(keys(&format!("k:{material}")).writer(), at, SECRET).expect("seal");
        let other = keys("k:HxwdHhscGRoYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=");
        let key_id = "k".to_owned();
        assert_eq!(
            open(Some(&other), at, &sealed).expect_err("wrong key"),
            CryptError::Rejected {
                key_id: key_id.clone()
            }
        );
        assert_eq!(
            open(None, at, &sealed).expect_err("no key"),
            CryptError::NoKey {
                key_id: key_id.clone()
            }
        );
        assert_eq!(
            open(Some(&keys(&format!("j:{material}"))), at, &sealed).expect_err("unknown"),
            CryptError::UnknownKey { key_id }
        );
        for bad in [
            "esi-sealed:v1:",
            "esi-sealed:v1:k",
            "esi-sealed:v1:k:!!!",
            "esi-sealed:v1:k:AAAA",
        ] {
            assert_eq!(
                open(Some(&other), at, bad).expect_err(bad),
                CryptError::Malformed,
                "{bad}"
            );
        }
        // A flipped bit in the ciphertext.
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(open(Some(&keys(&format!("k:{material}"))), at, &tampered).is_err());
    }
}
