//! [`TokenKeys`]: the site keys that seal stored tokens. One key writes; every key of the set
//! opens (so a rotated-away key keeps reading until `esi tokens re-encrypt` or
//! [`crate::TokenStore::reencrypt_tokens`] has moved every row to the new one). Read from
//! [`ENV_TOKEN_KEY`] (or the file named by [`ENV_TOKEN_KEY_FILE`]) or set in code on
//! [`crate::StoreConfig::token_keys`].
//!
//! The written form of a key is `<id>:<base64 of 32 random bytes>`; a set is a comma-separated
//! list of them, the writing key first. The id (1 to 32 of `A-Z a-z 0-9 . _ -`) is stored
//! with every value the key seals, so the right key is found without trying them all.
//!
//! Invariant: key material never leaves this module except into the cipher, and through
//! [`TokenKey::expose_encoded`], which says what it does; `Debug` and every error name key
//! ids only.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305};
use zeroize::Zeroizing;

/// Environment variable holding the token keys: `<id>:<base64 of 32 bytes>`, or several
/// separated by commas, the one that writes first.
pub const ENV_TOKEN_KEY: &str = "ESI_TOKEN_KEY";
/// Environment variable naming a file that holds the token keys, in the form of
/// [`ENV_TOKEN_KEY`] (a secret mounted by the container platform, say).
pub const ENV_TOKEN_KEY_FILE: &str = "ESI_TOKEN_KEY_FILE";

/// Bytes of key material.
const KEY_LEN: usize = 32;
/// Longest key id.
const MAX_ID_LEN: usize = 32;

/// Reads standard and URL-safe base64, padded or not.
fn lenient(alphabet: &base64::alphabet::Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Why token keys could not be read. Messages name key ids and positions, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text holds no key.
    #[error("no token key given (expected <id>:<base64 of 32 random bytes>)")]
    Empty,
    /// A key is not `<id>:<base64>`.
    #[error("token key #{position}: expected <id>:<base64 of 32 random bytes>")]
    Form {
        /// Its place in the list, from 1.
        position: usize,
    },
    /// A key id is empty, too long or holds other characters than `A-Z a-z 0-9 . _ -`.
    #[error("token key #{position}: the id must be 1 to 32 of A-Z a-z 0-9 . _ -")]
    Id {
        /// Its place in the list, from 1.
        position: usize,
    },
    /// The key material is not base64.
    #[error("token key {id:?}: the key is not base64")]
    Base64 {
        /// The key's id.
        id: String,
    },
    /// The key material is not 32 bytes long.
    #[error("token key {id:?}: the key is {len} bytes long, not 32")]
    Length {
        /// The key's id.
        id: String,
        /// Its length in bytes.
        len: usize,
    },
    /// Two keys of the set have the same id.
    #[error("token key id {id:?} is given twice")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// Both [`ENV_TOKEN_KEY`] and [`ENV_TOKEN_KEY_FILE`] are set.
    #[error("set {ENV_TOKEN_KEY} or {ENV_TOKEN_KEY_FILE}, not both")]
    BothSet,
    /// The key file cannot be read.
    #[error("cannot read the token key file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The system's random source failed while making a key.
    #[error("cannot make a token key: the system's random source failed: {0}")]
    Random(String),
}

/// One site key: an id and 32 bytes for XChaCha20-Poly1305. `Debug` shows the id only; the
/// key is wiped from memory when the last clone is dropped.
///
/// ```
/// use esi_store::TokenKey;
/// let key = TokenKey::parse("2026-12:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// assert_eq!(key.id(), "2026-12");
/// assert!(!format!("{key:?}").contains("AAECAw"));
/// # Ok::<(), esi_store::KeyError>(())
/// ```
#[derive(Clone)]
pub struct TokenKey {
    id: String,
    material: Zeroizing<[u8; KEY_LEN]>,
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl TokenKey {
    /// A key from its id and 32 bytes of key material (from a secret manager, say).
    pub fn new(id: impl Into<String>, material: [u8; KEY_LEN]) -> Result<Self, KeyError> {
        let id = id.into();
        if !valid_id(&id) {
            return Err(KeyError::Id { position: 1 });
        }
        Ok(Self::checked(id, Zeroizing::new(material)))
    }

    fn checked(id: String, material: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let cipher = XChaCha20Poly1305::new(&(*material).into());
        Self {
            id,
            material,
            cipher,
        }
    }

    /// A new key of 32 bytes from the operating system's random source.
    ///
    /// ```
    /// let key = esi_store::TokenKey::generate("2026-12")?;
    /// let again = esi_store::TokenKey::parse(&key.expose_encoded())?;
    /// assert_eq!(again.id(), "2026-12");
    /// # Ok::<(), esi_store::KeyError>(())
    /// ```
    pub fn generate(id: impl Into<String>) -> Result<Self, KeyError> {
        use rand::TryRngCore as _;
        let mut material = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng
            .try_fill_bytes(material.as_mut())
            .map_err(|e| KeyError::Random(e.to_string()))?;
        let id = id.into();
        if !valid_id(&id) {
            return Err(KeyError::Id { position: 1 });
        }
        Ok(Self::checked(id, material))
    }

    /// Reads one key written `<id>:<base64 of 32 bytes>`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        parse_one(text, 1)
    }

    /// The key's id, stored beside everything it seals.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key written `<id>:<base64>`, as [`ENV_TOKEN_KEY`] takes it: the secret itself, for
    /// a secret manager or a private file.
    pub fn expose_encoded(&self) -> String {
        let material = base64::engine::general_purpose::STANDARD.encode(self.material.as_ref());
        format!("{}:{material}", self.id)
    }

    /// The cipher of this key.
    pub(crate) fn cipher(&self) -> &XChaCha20Poly1305 {
        &self.cipher
    }
}

/// Whether `id` is 1 to 32 of `A-Z a-z 0-9 . _ -` (no `:`, which ends it in stored values).
fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn parse_one(text: &str, position: usize) -> Result<TokenKey, KeyError> {
    let (id, encoded) = text
        .trim()
        .split_once(':')
        .ok_or(KeyError::Form { position })?;
    let id = id.trim();
    if !valid_id(id) {
        return Err(KeyError::Id { position });
    }
    let encoded = encoded.trim();
    let decoded = lenient(&base64::alphabet::STANDARD)
        .decode(encoded)
        .or_else(|_| lenient(&base64::alphabet::URL_SAFE).decode(encoded))
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Base64 { id: id.to_owned() })?;
    let material: [u8; KEY_LEN] = decoded
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Length {
            id: id.to_owned(),
            len: decoded.len(),
        })?;
    Ok(TokenKey::checked(id.to_owned(), Zeroizing::new(material)))
}

/// The keys a store seals and opens tokens with: the one that writes, and older ones that
/// only open (key rotation). `Debug` shows the ids only.
///
/// ```
/// use esi_store::{TokenKey, TokenKeys};
/// // Rotation: the new key writes, the old one still opens what it sealed.
/// let keys: TokenKeys = "new:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,\
///                        old:HxwdHhscGRoYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE="
///     .parse()?;
/// assert_eq!(keys.write_key_id(), "new");
/// assert_eq!(keys.key_ids().collect::<Vec<_>>(), ["new", "old"]);
///
/// // The same in code.
/// let keys = TokenKeys::new(TokenKey::generate("new")?).with_old_key(TokenKey::generate("old")?)?;
/// assert_eq!(keys.write_key_id(), "new");
/// # Ok::<(), esi_store::KeyError>(())
/// ```
#[derive(Clone)]
pub struct TokenKeys {
    /// The writing key first, then the keys that only open.
    keys: Vec<TokenKey>,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("writes", &self.write_key_id())
            .field("opens", &self.key_ids().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenKeys {
    /// A set where `write` seals every new value (and opens what it sealed).
    pub fn new(write: TokenKey) -> Self {
        Self { keys: vec![write] }
    }

    /// Adds a key that only opens: a key rotated away from, kept until every row has moved.
    pub fn with_old_key(mut self, key: TokenKey) -> Result<Self, KeyError> {
        if self.find(key.id()).is_some() {
            return Err(KeyError::DuplicateId { id: key.id });
        }
        self.keys.push(key);
        Ok(self)
    }

    /// The keys of [`ENV_TOKEN_KEY`], or of the file [`ENV_TOKEN_KEY_FILE`] names; `None` when
    /// neither is set (or both are blank): tokens are then stored as they come.
    pub fn from_env() -> Result<Option<Self>, KeyError> {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let text = match (set(ENV_TOKEN_KEY), set(ENV_TOKEN_KEY_FILE)) {
            (Some(_), Some(_)) => return Err(KeyError::BothSet),
            (Some(text), None) => Zeroizing::new(text),
            (None, Some(path)) => {
                Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| KeyError::File {
                    path: path.clone(),
                    reason: e.to_string(),
                })?)
            }
            (None, None) => return Ok(None),
        };
        text.parse().map(Some)
    }

    /// The id of the key that seals new values.
    pub fn write_key_id(&self) -> &str {
        self.writer().id()
    }

    /// The ids of every key, the writing one first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(TokenKey::id)
    }

    /// The key that seals new values.
    pub(crate) fn writer(&self) -> &TokenKey {
        // `keys` is never empty: built from one key, or parsed from a non-empty list.
        &self.keys[0]
    }

    /// The key with this id.
    pub(crate) fn find(&self, id: &str) -> Option<&TokenKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

impl FromStr for TokenKeys {
    type Err = KeyError;

    /// Reads `<id>:<base64>[,<id>:<base64>...]`, the writing key first; blank entries and
    /// surrounding white space (a file's last newline) are ignored.
    fn from_str(text: &str) -> Result<Self, KeyError> {
        let mut entries = text
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate();
        let (_, first) = entries.next().ok_or(KeyError::Empty)?;
        let mut keys = Self::new(parse_one(first, 1)?);
        for (index, entry) in entries {
            keys = keys.with_old_key(parse_one(entry, index + 1)?)?;
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATERIAL: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn reads_the_written_form() {
        let keys: TokenKeys = format!(
            " a:{MATERIAL} ,\n b-2.x_y:{}\n",
            MATERIAL.trim_end_matches('=')
        )
        .parse()
        .expect("keys");
        assert_eq!(keys.key_ids().collect::<Vec<_>>(), ["a", "b-2.x_y"]);
        assert_eq!(keys.write_key_id(), "a");
        let url_safe = base64::engine::general_purpose::URL_SAFE.encode([0xfbu8; 32]);
        assert!(TokenKey::parse(&format!("u:{url_safe}")).is_ok());
        let key = TokenKey::parse(&format!("k:{MATERIAL}")).expect("key");
        assert_eq!(key.expose_encoded(), format!("k:{MATERIAL}"));
    }

    #[test]
    fn says_what_is_wrong_without_showing_the_key() {
        let cases = [
            ("", KeyError::Empty),
            (" , ", KeyError::Empty),
            (MATERIAL, KeyError::Form { position: 1 }),
            (&format!(":{MATERIAL}"), KeyError::Id { position: 1 }),
            (&format!("a b:{MATERIAL}"), KeyError::Id { position: 1 }),
            (
                &format!("{}:{MATERIAL}", "x".repeat(33)),
                KeyError::Id { position: 1 },
            ),
            ("k:not base64!", KeyError::Base64 { id: "k".into() }),
            (
                "k:AAEC",
                KeyError::Length {
                    id: "k".into(),
                    len: 3,
                },
            ),
            (
                &format!("k:{MATERIAL},k:{MATERIAL}"),
                KeyError::DuplicateId { id: "k".into() },
            ),
            (
                &format!("k:{MATERIAL},{MATERIAL}"),
                KeyError::Form { position: 2 },
            ),
        ];
        for (text, expected) in cases {
            let err = text.parse::<TokenKeys>().expect_err(text);
            assert_eq!(err, expected, "{text}");
            assert!(!err.to_string().contains("AAECAw"), "{err}");
        }
    }

    #[test]
    fn debug_shows_ids_only() {
        let keys: TokenKeys = format!("new:{MATERIAL},old:{}", "A".repeat(43) + "=")
            .parse()
            .expect("keys");
        let debug = format!("{keys:?} {:?}", keys.writer());
        assert!(debug.contains("new") && debug.contains("old"), "{debug}");
        assert!(
            !debug.contains("AAECAw") && !debug.contains("AAAA"),
            "{debug}"
        );
    }

    #[test]
    fn generated_keys_differ() {
        let a = TokenKey::generate("a").expect("a");
        let b = TokenKey::generate("a").expect("b");
        assert_ne!(a.expose_encoded(), b.expose_encoded());
        assert!(TokenKey::generate("no:colon").is_err());
    }
}
