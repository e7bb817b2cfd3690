//! The browser side of the code flow: the [`Authorization`] to send the user to (URL, `state`,
//! PKCE verifier), and [`Callback`], the parsed query string the SSO redirects back with.

use std::fmt;

use url::Url;

use crate::error::SsoError;
use crate::secret::Secret;

/// Where to send the browser, and what to keep until the callback.
///
/// Keep `state` (to match the callback, bound to the user's session) and `pkce_verifier` (for the
/// code exchange) server-side; never put the verifier in a cookie or URL.
#[derive(Clone)]
pub struct Authorization {
    /// The SSO login URL with `response_type=code`, `client_id`, `redirect_uri`, `scope`,
    /// `state` and, with PKCE, `code_challenge` and `code_challenge_method=S256`.
    pub url: Url,
    /// The random `state` (CSRF protection).
    pub state: String,
    /// The PKCE verifier, when PKCE is on.
    pub pkce_verifier: Option<Secret>,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("url", &self.url.as_str())
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier)
            .finish()
    }
}

/// The query string the SSO redirects to the callback with.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// The authorization code.
    pub code: Secret,
    /// The `state` sent with the authorization.
    pub state: String,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code)
            .field("state", &self.state)
            .finish()
    }
}

impl Callback {
    /// Parses a callback query string (`code=..&state=..`, or `error=..&state=..` when the user
    /// cancelled). A missing `code` or `state` is an `invalid_request`; an `error` is returned as
    /// [`SsoError::OAuth`].
    ///
    /// ```
    /// let cb = esi_sso::Callback::from_query("code=abc&state=xyz").unwrap();
    /// assert_eq!(cb.state, "xyz");
    /// assert!(esi_sso::Callback::from_query("error=access_denied&state=xyz").is_err());
    /// ```
    pub fn from_query(query: &str) -> Result<Self, SsoError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        if let Some(error) = error {
            return Err(SsoError::OAuth {
                error,
                description: description.unwrap_or_default(),
            });
        }
        match (code, state) {
            (Some(code), Some(state)) if !code.is_empty() && !state.is_empty() => Ok(Self {
                code: Secret::new(code),
                state,
            }),
            _ => Err(SsoError::OAuth {
                error: "invalid_request".to_owned(),
                description: "the callback needs both code and state".to_owned(),
            }),
        }
    }
}
