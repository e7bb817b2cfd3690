//! Who "the user" is: tokens logged in through the site belong to a user id (the token store's
//! `user_id`), and the token-requiring layers look tokens up by it. The embedding application
//! says how to find it by implementing [`UserSource`]; [`SessionUsers`] is the default for sites
//! that only have sessions.

use futures::future::BoxFuture;
use http::request::Parts;
use tower_sessions::Session;

use crate::error::WebError;
use crate::lifetime;
use crate::session::random_hex;

/// The prefix of the user ids [`SessionUsers::per_browser`] makes.
const BROWSER_PREFIX: &str = "browser-";

/// How the embedding application identifies the current user.
///
/// Implement it over your own authentication (a request extension your auth layer inserts, a
/// session entry, a database lookup), or pass a closure `Fn(&Parts, &Session) -> Option<String>`:
///
/// ```
/// # #[derive(Clone)] struct CurrentUser { id: u64 }
/// # async fn demo(store: esi_store::TokenStore) -> Result<(), esi_web::WebError> {
/// let web = esi_web::EsiWeb::builder(store)
///     .users(|parts: &http::request::Parts, _: &tower_sessions::Session| {
///         parts.extensions.get::<CurrentUser>().map(|u| u.id.to_string())
///     })
///     .build()
///     .await?;
/// # let _ = web; Ok(()) }
/// ```
pub trait UserSource: Send + Sync + 'static {
    /// The current user's id, or `None` for an anonymous visitor. Tokens logged in by an
    /// anonymous visitor belong to no user; `tokens_required` sends anonymous visitors to the
    /// site's login page ([`crate::WebConfig::site_login_url`]).
    fn user<'a>(
        &'a self,
        request: &'a Parts,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Option<String>, WebError>>;

    /// Whether `user_id` lives only as long as the browser session, so that logging out (the
    /// router's `POST logout`) should revoke and delete its tokens, which nothing could reach
    /// afterwards. Default: no (the site's accounts outlive sessions).
    fn ends_with_session(&self, user_id: &str) -> bool {
        let _ = user_id;
        false
    }
}

impl<F> UserSource for F
where
    F: Fn(&Parts, &Session) -> Option<String> + Send + Sync + 'static,
{
    fn user<'a>(
        &'a self,
        request: &'a Parts,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Option<String>, WebError>> {
        let user = self(request, session);
        Box::pin(async move { Ok(user) })
    }
}

/// The default [`UserSource`]: the user id kept in the session under [`SessionUsers::KEY`].
///
/// With [`SessionUsers::per_browser`] (the default) a visitor without one gets a random id
/// (`browser-<hex>`) the first time one is needed, so a site without accounts still keeps each
/// browser's characters apart. With [`SessionUsers::logged_in_only`] only ids set by
/// [`SessionUsers::log_in`] count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionUsers {
    per_browser: bool,
}

impl Default for SessionUsers {
    fn default() -> Self {
        Self::per_browser()
    }
}

impl SessionUsers {
    /// The session entry holding the user id.
    pub const KEY: &'static str = "esi_web.user";

    /// Every browser session is a user (created on first need).
    pub fn per_browser() -> Self {
        Self { per_browser: true }
    }

    /// Only users logged in with [`SessionUsers::log_in`]; other visitors are anonymous.
    pub fn logged_in_only() -> Self {
        Self { per_browser: false }
    }

    /// Records `user_id` as the session's user, after the site authenticated them. The session
    /// id is changed (against session fixation), and the session lasts as the session layer
    /// says even if it was made only for a login in flight.
    pub async fn log_in(session: &Session, user_id: &str) -> Result<(), WebError> {
        session.cycle_id().await?;
        session.insert(Self::KEY, user_id).await?;
        lifetime::keep(session).await
    }

    /// Forgets the session's user (and everything else in the session).
    pub async fn log_out(session: &Session) -> Result<(), WebError> {
        session.flush().await?;
        Ok(())
    }

    /// The session's user id, if any (without creating one).
    pub async fn current(session: &Session) -> Result<Option<String>, WebError> {
        Ok(session.get::<String>(Self::KEY).await?)
    }
}

impl UserSource for SessionUsers {
    fn user<'a>(
        &'a self,
        _request: &'a Parts,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<Option<String>, WebError>> {
        Box::pin(async move {
            if let Some(user) = Self::current(session).await? {
                return Ok(Some(user));
            }
            if !self.per_browser {
                return Ok(None);
            }
            let user = format!("{BROWSER_PREFIX}{}", &random_hex()[..32]);
            session.insert(Self::KEY, &user).await?;
            Ok(Some(user))
        })
    }

    fn ends_with_session(&self, user_id: &str) -> bool {
        self.per_browser && user_id.starts_with(BROWSER_PREFIX)
    }
}
