//! [`EsiWeb`]: the handle a site builds once and hangs everything off, cheap to clone (one
//! `Arc`): its builder, what it holds (token store, configuration, users, pages, sessions,
//! images), the session layer and the URLs of the login routes. The modules above it add the
//! rest to the same handle: the login router in `routes`, the three token-requiring layers in
//! `require`, and the error pages in `respond`.

use std::sync::Arc;

use esi_sso::Scopes;
use esi_store::{Token, TokenStore};
use tower_sessions::Session;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::WebConfig;
use crate::error::WebError;
use crate::html::{DefaultPages, Pages};
use crate::images::ImageServer;
use crate::session_store::DbSessionStore;
use crate::user::{SessionUsers, UserSource};

/// The web integration: login routes, sessions and token-requiring layers over a
/// [`TokenStore`].
///
/// ```no_run
/// # async fn demo(store: esi_store::TokenStore) -> Result<(), esi_web::WebError> {
/// use axum::{Router, routing::get};
/// use esi_web::{EsiToken, EsiWeb};
///
/// async fn wallet(EsiToken(token): EsiToken) -> String {
///     format!("{} is logged in", token.character_name)
/// }
///
/// let web = EsiWeb::new(store).await?;
/// let app: Router = Router::new()
///     .route("/wallet", get(wallet).layer(web.token_required("esi-wallet.read_character_wallet.v1", false)))
///     .nest("/sso", web.router())
///     .layer(web.session_layer());
/// # let _ = app; Ok(()) }
/// ```
#[derive(Clone)]
pub struct EsiWeb {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: TokenStore,
    pub(crate) config: WebConfig,
    pub(crate) users: Arc<dyn UserSource>,
    pub(crate) pages: Arc<dyn Pages>,
    pub(crate) sessions: DbSessionStore,
    pub(crate) images: ImageServer,
    /// This site's origin as the SSO callback URL names it (`https://site.example`), if any:
    /// a request whose `Origin` is this one comes from the site.
    pub(crate) origin: Option<String>,
}

impl std::fmt::Debug for EsiWeb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsiWeb")
            .field("store", &self.inner.store)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds an [`EsiWeb`]: [`EsiWeb::builder`].
#[must_use = "call .build().await"]
pub struct EsiWebBuilder {
    store: TokenStore,
    config: WebConfig,
    users: Arc<dyn UserSource>,
    pages: Arc<dyn Pages>,
    migrate: bool,
}

impl std::fmt::Debug for EsiWebBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsiWebBuilder")
            .field("config", &self.config)
            .field("migrate", &self.migrate)
            .finish_non_exhaustive()
    }
}

impl EsiWebBuilder {
    /// Sets the configuration (default: [`WebConfig::default`]).
    pub fn config(mut self, config: WebConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets how the current user is found (default: [`SessionUsers::per_browser`]).
    pub fn users(mut self, users: impl UserSource) -> Self {
        self.users = Arc::new(users);
        self
    }

    /// Sets the pages (default: [`DefaultPages`]).
    pub fn pages(mut self, pages: impl Pages) -> Self {
        self.pages = Arc::new(pages);
        self
    }

    /// Whether [`EsiWebBuilder::build`] creates the session table (default: yes). Turn it off
    /// when you run [`crate::session_store::migration::Migrator`] yourself.
    pub fn migrate(mut self, on: bool) -> Self {
        self.migrate = on;
        self
    }

    /// Creates the session table (unless turned off) and returns the integration.
    pub async fn build(self) -> Result<EsiWeb, WebError> {
        let sessions = DbSessionStore::new(self.store.db().clone());
        if self.migrate {
            sessions.migrate().await?;
        }
        if !self.config.mount_path.starts_with('/') || self.config.mount_path.ends_with('/') {
            return Err(WebError::Config(format!(
                "mount_path {:?} must start with '/' and not end with one",
                self.config.mount_path
            )));
        }
        let images = ImageServer::new(self.config.image_base_url.clone());
        let origin = url::Url::parse(&self.store.sso().config().callback_url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o != "null");
        Ok(EsiWeb {
            inner: Arc::new(Inner {
                images,
                origin,
                store: self.store,
                config: self.config,
                users: self.users,
                pages: self.pages,
                sessions,
            }),
        })
    }
}

impl EsiWeb {
    /// A builder over `store`.
    pub fn builder(store: TokenStore) -> EsiWebBuilder {
        EsiWebBuilder {
            store,
            config: WebConfig::default(),
            users: Arc::new(SessionUsers::default()),
            pages: Arc::new(DefaultPages),
            migrate: true,
        }
    }

    /// The integration with the defaults (sessions in the token database, one user per browser
    /// session, routes under `/sso`).
    pub async fn new(store: TokenStore) -> Result<Self, WebError> {
        Self::builder(store).build().await
    }

    /// The token store.
    pub fn store(&self) -> &TokenStore {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    /// The session store (in the token database).
    pub fn sessions(&self) -> &DbSessionStore {
        &self.inner.sessions
    }

    /// The session layer to wrap the whole site in (outside every route that uses the router or
    /// the token layers): sessions in the token database, cookie `HttpOnly`, `SameSite=Lax`
    /// (sent on the SSO's redirect back, a top-level GET), `Secure` per
    /// [`WebConfig::secure_cookie`], expiring after [`WebConfig::session_inactivity`] unused (a
    /// session made only for a login in flight, after [`WebConfig::login_max_age`]).
    ///
    /// A `Secure` cookie (an https site) is named with the `__Host-` prefix
    /// ([`EsiWeb::cookie_name`]): browsers then accept it only from this very origin, with
    /// `Path=/` and no `Domain`, so a sibling subdomain or another port cannot set a cookie
    /// that replaces the player's session.
    pub fn session_layer(&self) -> SessionManagerLayer<DbSessionStore> {
        let c = &self.inner.config;
        let inactivity =
            time::Duration::try_from(c.session_inactivity).unwrap_or(time::Duration::days(14));
        SessionManagerLayer::new(self.inner.sessions.clone())
            .with_name(self.cookie_name())
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.secure_cookie())
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(inactivity))
    }

    /// Whether the session cookie is `Secure`: [`WebConfig::secure_cookie`], or else whether
    /// the SSO callback URL is https.
    pub fn secure_cookie(&self) -> bool {
        self.inner.config.secure_cookie.unwrap_or_else(|| {
            self.inner
                .store
                .sso()
                .config()
                .callback_url
                .starts_with("https:")
        })
    }

    /// The session cookie's name: [`WebConfig::cookie_name`], prefixed `__Host-` when the
    /// cookie is `Secure` (unless the name has the prefix already).
    ///
    /// ```no_run
    /// # async fn demo(web: esi_web::EsiWeb) {
    /// // ESI_SSO_CALLBACK_URL=https://site.example/sso/callback
    /// assert_eq!(web.cookie_name(), "__Host-esi_session");
    /// # }
    /// ```
    pub fn cookie_name(&self) -> String {
        let name = &self.inner.config.cookie_name;
        if self.secure_cookie() && !name.starts_with(HOST_PREFIX) {
            format!("{HOST_PREFIX}{name}")
        } else {
            name.clone()
        }
    }

    /// The URL of the router's login route for `scopes`, returning to `next` (a same-site path).
    ///
    /// ```no_run
    /// # async fn demo(web: esi_web::EsiWeb) {
    /// let href = web.login_url("esi-wallet.read_character_wallet.v1", "/wallet");
    /// assert_eq!(href, "/sso/login?scopes=esi-wallet.read_character_wallet.v1&next=%2Fwallet");
    /// let button = esi_web::html::login_button(&href, esi_web::html::ButtonStyle::Plain);
    /// # let _ = button; }
    /// ```
    pub fn login_url(&self, scopes: impl Into<Scopes>, next: &str) -> String {
        let scopes: Scopes = scopes.into();
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !scopes.is_empty() {
            q.append_pair("scopes", &scopes.to_string());
        }
        q.append_pair("next", next);
        format!("{}/login?{}", self.inner.config.mount_path, q.finish())
    }

    /// Where character portraits come from ([`WebConfig::image_base_url`]).
    pub fn images(&self) -> &ImageServer {
        &self.inner.images
    }

    /// The session's CSRF token (created, with the session, when missing), for the forms of
    /// [`html::logout_form`](crate::html::logout_form) and
    /// [`html::remove_character_form`](crate::html::remove_character_form).
    pub async fn csrf_token(&self, session: &Session) -> Result<String, WebError> {
        crate::session::csrf_token(session).await
    }

    /// Where [`html::logout_form`](crate::html::logout_form) posts: `<mount_path>/logout`.
    pub fn logout_url(&self) -> String {
        format!("{}/logout", self.inner.config.mount_path)
    }

    /// Where [`html::remove_character_form`](crate::html::remove_character_form) posts:
    /// `<mount_path>/remove`.
    pub fn remove_url(&self) -> String {
        format!("{}/remove", self.inner.config.mount_path)
    }

    /// The user's characters: the newest token of each (any scopes), newest first.
    pub async fn characters(&self, user_id: &str) -> Result<Vec<Token>, WebError> {
        let tokens = self.inner.store.tokens().user(user_id).all().await?;
        Ok(one_per_character(tokens))
    }
}

/// The cookie name prefix browsers reserve for host-only, `Secure`, `Path=/` cookies.
const HOST_PREFIX: &str = "__Host-";

/// The newest token of each character (tokens come newest first).
pub(crate) fn one_per_character(tokens: Vec<Token>) -> Vec<Token> {
    let mut seen = std::collections::HashSet::new();
    tokens
        .into_iter()
        .filter(|t| seen.insert(t.character_id))
        .collect()
}
