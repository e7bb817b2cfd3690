//! The SSO as the ESI client's token verifier: tokens that callers hand in with `.token(..)`
//! are checked (signature against the JWKS, issuer, audience, expiry) before their character
//! may share cached answers and a rate-limit bucket with its other tokens.

use esi_runtime::{BoxFuture, TokenVerifier, VerifiedToken};

use crate::client::Sso;

/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let sso = esi_sso::Sso::from_env()?;
/// let client = esi_runtime::Client::builder()
///     .user_agent(esi_runtime::UserAgent::new("MyApp", "1.0").email("me@example.com"))
///     .token_verifier(sso)
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
impl TokenVerifier for Sso {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<VerifiedToken, String>> {
        Box::pin(async move {
            Sso::verify(self, token)
                .await
                .map(|claims| VerifiedToken::new(claims.character_id))
                .map_err(|e| e.to_string())
        })
    }
}
