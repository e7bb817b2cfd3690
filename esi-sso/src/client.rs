//! [`Sso`]: the client. It reads and caches the metadata and JWKS, builds authorization URLs,
//! exchanges codes, refreshes, revokes and verifies access tokens. Cheap to clone.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::authorize::Authorization;
use crate::config::SsoConfig;
use crate::error::{JwtError, SsoError};
use crate::http;
use crate::jwks::{JwksCache, JwksSettings};
use crate::jwt::{self, Claims};
use crate::metadata::{Metadata, MetadataCache};
use crate::random;
use crate::retry::Idempotency;
use crate::scopes::Scopes;
use crate::secret::Secret;
use crate::token::{Tokens, VerifiedTokens, oauth_error, parse_token_answer};

/// An EVE SSO client. Clones share the connection pool and the metadata and JWKS caches.
///
/// ```no_run
/// # async fn demo() -> Result<(), esi_sso::SsoError> {
/// use esi_sso::{Sso, SsoConfig};
/// let sso = Sso::new(SsoConfig::from_env()?)?;
/// let auth = sso.authorize("esi-wallet.read_character_wallet.v1").await?;
/// // Keep auth.state and auth.pkce_verifier for the callback, send the browser to auth.url.
/// # let code = esi_sso::Secret::new("from the callback");
/// let verified = sso.exchange_code(&code, auth.pkce_verifier.as_ref()).await?;
/// println!("{} logged in", verified.claims.character_name);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Sso {
    inner: Arc<Inner>,
}

struct Inner {
    config: SsoConfig,
    http: reqwest::Client,
    metadata_url: Url,
    metadata: MetadataCache,
    jwks: JwksCache,
}

impl fmt::Debug for Sso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sso")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Sso {
    /// A client for `config`, with its own HTTP client.
    pub fn new(config: SsoConfig) -> Result<Self, SsoError> {
        let http = http::build_client(&config)?;
        Self::with_http_client(config, http)
    }

    /// A client for `config` over an HTTP client you built (keep redirects off; the timeouts
    /// and TLS setup are then yours).
    pub fn with_http_client(config: SsoConfig, http: reqwest::Client) -> Result<Self, SsoError> {
        config.validate()?;
        crate::jwt::install_crypto_provider();
        let metadata_url = config.metadata_url()?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                metadata_url,
                metadata: MetadataCache::default(),
                jwks: JwksCache::default(),
            }),
        })
    }

    /// A client configured from `ESI_SSO_*` variables ([`SsoConfig::from_env`]).
    pub fn from_env() -> Result<Self, SsoError> {
        Self::new(SsoConfig::from_env()?)
    }

    /// The configuration.
    pub fn config(&self) -> &SsoConfig {
        &self.inner.config
    }

    /// The SSO's metadata document, read on first use and cached for
    /// [`SsoConfig::metadata_ttl`].
    pub async fn metadata(&self) -> Result<Arc<Metadata>, SsoError> {
        let c = &self.inner.config;
        self.inner
            .metadata
            .get(
                &self.inner.http,
                &self.inner.metadata_url,
                http::Rules::of(c),
                c.metadata_ttl,
            )
            .await
    }

    /// Starts a login: the URL to send the browser to, with a fresh CSPRNG `state` and, when
    /// PKCE is on ([`SsoConfig::uses_pkce`]), a fresh verifier. `scopes` is a list or a
    /// space-delimited string; with no scope, `scope` is left out of the URL.
    pub async fn authorize(&self, scopes: impl Into<Scopes>) -> Result<Authorization, SsoError> {
        let pkce = self.inner.config.uses_pkce();
        self.authorize_with_pkce(scopes, pkce).await
    }

    /// [`Sso::authorize`] for a web (confidential) client that sends PKCE whenever the SSO
    /// announces S256 in its metadata (RFC 9700 §2.1.1, against code injection), unless
    /// [`SsoConfig::pkce`] is set explicitly; a client without a secret always sends it.
    pub async fn authorize_web(
        &self,
        scopes: impl Into<Scopes>,
    ) -> Result<Authorization, SsoError> {
        let c = &self.inner.config;
        let pkce = match c.pkce {
            Some(on) => on,
            None if c.client_secret.is_none() => true,
            None => self
                .metadata()
                .await?
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256"),
        };
        self.authorize_with_pkce(scopes, pkce).await
    }

    /// [`Sso::authorize`] with PKCE (S256) on or off as asked.
    pub async fn authorize_with_pkce(
        &self,
        scopes: impl Into<Scopes>,
        pkce: bool,
    ) -> Result<Authorization, SsoError> {
        let meta = self.metadata().await?;
        let c = &self.inner.config;
        let scopes = scopes.into();
        let state = random::state();
        let verifier = pkce.then(random::pkce_verifier);
        let mut url = meta.authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("redirect_uri", &c.callback_url)
                .append_pair("client_id", &c.client_id);
            if !scopes.is_empty() {
                q.append_pair("scope", &scopes.to_string());
            }
            q.append_pair("state", &state);
            if let Some(v) = &verifier {
                q.append_pair("code_challenge", &random::pkce_challenge(v))
                    .append_pair("code_challenge_method", "S256");
            }
        }
        Ok(Authorization {
            url,
            state,
            pkce_verifier: verifier.map(Secret::new),
        })
    }

    /// Exchanges an authorization code for tokens and verifies the access token. Pass the PKCE
    /// verifier kept from [`Sso::authorize`] when PKCE is on. Retried only when the request
    /// cannot have reached the SSO (a code works once).
    pub async fn exchange_code(
        &self,
        code: &Secret,
        pkce_verifier: Option<&Secret>,
    ) -> Result<VerifiedTokens, SsoError> {
        let tokens = self.exchange_code_unverified(code, pkce_verifier).await?;
        let claims = self.verify(tokens.access_token.expose()).await?;
        Ok(VerifiedTokens { tokens, claims })
    }

    /// [`Sso::exchange_code`] without verifying the access token.
    ///
    /// Traced as an INFO span `sso.exchange_code` (a login's slowest step; nothing secret is
    /// recorded).
    #[tracing::instrument(
        name = "sso.exchange_code",
        level = "info",
        skip_all,
        fields(otel.kind = "client", server.address = %self.inner.config.base_url.host_str().unwrap_or_default())
    )]
    pub async fn exchange_code_unverified(
        &self,
        code: &Secret,
        pkce_verifier: Option<&Secret>,
    ) -> Result<Tokens, SsoError> {
        let c = &self.inner.config;
        if c.client_secret.is_none() && pkce_verifier.is_none() {
            return Err(SsoError::Config(
                "a client without a secret must send the PKCE verifier".into(),
            ));
        }
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", c.callback_url.as_str()),
        ];
        if let Some(v) = pkce_verifier {
            form.push(("code_verifier", v.expose()));
        }
        let answer = self
            .token_request(&form, Idempotency::OnlyUnprocessed, "code exchange")
            .await?;
        parse_token_answer(&answer, false)
    }

    /// Refreshes: new tokens for a refresh token, the access token verified. `scopes` narrows
    /// the new access token to a subset. The answer's refresh token is the new one when the SSO
    /// rotated it, else the one sent: store it every time.
    pub async fn refresh(
        &self,
        refresh_token: &Secret,
        scopes: Option<&Scopes>,
    ) -> Result<VerifiedTokens, SsoError> {
        let tokens = self.refresh_unverified(refresh_token, scopes).await?;
        let claims = self.verify(tokens.access_token.expose()).await?;
        Ok(VerifiedTokens { tokens, claims })
    }

    /// [`Sso::refresh`] without verifying the access token.
    ///
    /// Traced as an INFO span `sso.refresh` (nothing secret is recorded).
    #[tracing::instrument(
        name = "sso.refresh",
        level = "info",
        skip_all,
        fields(otel.kind = "client", server.address = %self.inner.config.base_url.host_str().unwrap_or_default())
    )]
    pub async fn refresh_unverified(
        &self,
        refresh_token: &Secret,
        scopes: Option<&Scopes>,
    ) -> Result<Tokens, SsoError> {
        let scope_text = scopes.map(Scopes::to_string);
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        if let Some(s) = scope_text.as_deref().filter(|s| !s.is_empty()) {
            form.push(("scope", s));
        }
        let answer = self
            .token_request(&form, Idempotency::Safe, "refresh")
            .await?;
        let mut tokens = parse_token_answer(&answer, answer.earlier_attempt_may_have_landed)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// Revokes a refresh token (RFC 7009). The SSO answers success for unknown tokens too.
    pub async fn revoke(&self, refresh_token: &Secret) -> Result<(), SsoError> {
        let meta = self.metadata().await?;
        let form = [
            ("token_type_hint", "refresh_token"),
            ("token", refresh_token.expose()),
        ];
        let answer = http::send(
            http::Rules::of(&self.inner.config),
            Idempotency::Safe,
            "revoke",
            || {
                self.with_client_auth(
                    self.inner.http.post(meta.revocation_endpoint.clone()),
                    &form,
                )
            },
        )
        .await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(oauth_error(&answer))
        }
    }

    /// Verifies an access token: signature (key by `kid` from the JWKS); `exp`, `nbf` (when
    /// present) and `iat` (not in the future), each with [`SsoConfig::jwt_leeway`]; `iss`;
    /// `aud`; `sub` exactly `CHARACTER:EVE:<positive id>`; a non-empty `owner`. Returns its
    /// claims.
    pub async fn verify(&self, access_token: &str) -> Result<Claims, SsoError> {
        let header = jwt::header(access_token)?;
        let meta = self.metadata().await?;
        let c = &self.inner.config;
        let settings = JwksSettings {
            http: &self.inner.http,
            url: &meta.jwks_uri,
            rules: http::Rules::of(c),
            default_ttl: c.jwks_default_ttl,
            min_refetch: c.jwks_min_refetch_interval,
        };
        let key = self
            .inner
            .jwks
            .key(&settings, header.kid.as_deref(), header.alg)
            .await?;
        jwt::verify(access_token, &key, &c.client_id, c.jwt_leeway).map_err(|e: JwtError| e.into())
    }

    /// POSTs a form to the token endpoint with the client's authentication.
    async fn token_request(
        &self,
        form: &[(&str, &str)],
        idem: Idempotency,
        what: &str,
    ) -> Result<http::Answer, SsoError> {
        let meta = self.metadata().await?;
        http::send(http::Rules::of(&self.inner.config), idem, what, || {
            self.with_client_auth(self.inner.http.post(meta.token_endpoint.clone()), form)
        })
        .await
    }

    /// Adds HTTP Basic (web applications) or `client_id` in the form (native applications).
    fn with_client_auth(
        &self,
        req: reqwest::RequestBuilder,
        form: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let c = &self.inner.config;
        let req = req.header(reqwest::header::ACCEPT, "application/json");
        match &c.client_secret {
            Some(secret) => req
                .basic_auth(&c.client_id, Some(secret.expose()))
                .form(form),
            None => {
                let mut with_id = form.to_vec();
                with_id.push(("client_id", c.client_id.as_str()));
                req.form(&with_id)
            }
        }
    }
}
