//! [`SecretText`]: the column type of the secrets the store keeps (access and refresh tokens,
//! PKCE verifiers). In the database it is text: the secret itself, or, for the tokens of a store
//! with token keys, their sealed form (`esi-sealed:v1:...`); in Rust its `Debug` never shows the
//! value, so a model, an active model (`Set(SecretText(<redacted>))`) or anything that formats
//! one with `{:?}` leaks nothing. sea-orm derives `Debug` for active models itself, so the
//! redaction has to live in the field's type.

use std::fmt;

use sea_orm::DeriveValueType;

/// A secret stored as text. `Debug` prints `SecretText(<redacted>)`; read the value with
/// [`SecretText::expose`] (or through `Deref<Target = str>`) where it is really needed.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret, unwrapped.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

impl std::ops::Deref for SecretText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretText {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretText {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<SecretText> for String {
    fn from(value: SecretText) -> Self {
        value.0
    }
}

impl From<esi_sso::Secret> for SecretText {
    fn from(value: esi_sso::Secret) -> Self {
        Self(value.into_inner())
    }
}

impl From<SecretText> for esi_sso::Secret {
    fn from(value: SecretText) -> Self {
        esi_sso::Secret::new(value.0)
    }
}

/// Lets a secret be a (non-generated) primary key, such as a session id.
impl sea_orm::TryFromU64 for SecretText {
    fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
        Err(sea_orm::DbErr::ConvertFromU64("SecretText"))
    }
}
