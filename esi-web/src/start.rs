//! Starting an EVE SSO login for a browser session, for the login route and the
//! token-requiring layers: a session made for the login lives only as long as the login may
//! take (`lifetime`), the login is recorded in the token store under the session's key with its
//! kind, and the browser is redirected to EVE SSO.

use axum::http::StatusCode;
use axum::response::Response;
use esi_sso::Scopes;
use esi_store::LoginKind;
use tower_sessions::Session;

use crate::error::WebError;
use crate::lifetime;
use crate::respond::redirect;
use crate::session;
use crate::web::EsiWeb;

/// What a login is for.
pub(crate) struct LoginFor<'a> {
    /// The scopes to ask for.
    pub(crate) scopes: &'a Scopes,
    /// Where the browser comes back to (a same-site path).
    pub(crate) return_url: &'a str,
    /// Whose token it brings back.
    pub(crate) kind: LoginKind,
}

/// Starts a login for this session and redirects to EVE SSO with `status` (302, or 303 after
/// a POST).
pub(crate) async fn start_sso(
    web: &EsiWeb,
    session: &Session,
    login: LoginFor<'_>,
    status: StatusCode,
) -> Result<Response, WebError> {
    lifetime::hold_for_login(session, web.config().login_max_age).await?;
    let key = session::key_or_create(session).await?;
    let go = web
        .store()
        .start_login_as(&key, login.scopes, login.return_url, login.kind)
        .await?;
    tracing::debug!(kind = ?login.kind, "sending the browser to EVE SSO");
    Ok(redirect(status, go.url.as_str()))
}
