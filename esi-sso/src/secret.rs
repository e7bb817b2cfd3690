//! [`Secret`]: a string that never shows itself in `Debug` or `Display`, for client secrets,
//! access tokens, refresh tokens, authorization codes and PKCE verifiers.

use std::fmt;

/// A secret string. `Debug` prints `Secret(<redacted>)`; read it with [`Secret::expose`].
///
/// ```
/// let s = esi_sso::Secret::new("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call it only where the value is sent or stored.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Unwraps the secret.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}
