//! The login router ([`crate::EsiWeb::router`]): `login` starts an EVE SSO login (refused when
//! another site sent the browser), `callback` receives EVE SSO's redirect back, checks it
//! against the logins this browser session started (the CSRF protection), stores the token,
//! changes the session id and sends the browser back where it came from. `logout` and `remove`
//! live in [`crate::account`].

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use esi_sso::{Callback, Scopes, Secret, SsoError};
use esi_store::StoreError;
use tower_sessions::Session;

use crate::account;
use crate::error::WebError;
use crate::fetch_site::from_another_site;
use crate::respond::{redirect, refuse_cross_site};
use crate::return_url::safe_return_url;
use crate::session::{self, PendingLogin};
use crate::web::EsiWeb;

impl EsiWeb {
    /// The login routes, to nest under
    /// [`WebConfig::mount_path`](crate::WebConfig::mount_path):
    ///
    /// - `GET login?scopes=..&next=..`: starts an EVE SSO login for the scopes (a
    ///   space-delimited list, or the parameter repeated) and comes back to `next` (a same-site
    ///   path; default `/`). Refused (403) when the browser says another site sent it
    ///   (`Sec-Fetch-Site` other than `same-origin` or `none`), before any session is touched:
    ///   a link on another site can neither start a login nor pick its scopes. Logins in flight
    ///   (one per tab) do not cancel each other.
    /// - `GET callback?code=..&state=..`: EVE SSO's redirect back (register
    ///   `<origin><mount_path>/callback` as the application's callback URL). 400 without `code`
    ///   and `state`; 404 unless `state` names a login this browser session started less than
    ///   [`WebConfig::login_max_age`](crate::WebConfig::login_max_age) ago. Stores the token
    ///   for the current user (for no user after a single-use login), changes the session id
    ///   (against session fixation) and redirects to where the login started.
    /// - `POST logout` (`_csrf`, optional `next`): forgets the session; with
    ///   [`SessionUsers::per_browser`](crate::SessionUsers::per_browser) users, whose tokens
    ///   nothing could reach afterwards, their tokens are revoked at EVE SSO and deleted first.
    ///   Build the button with [`html::logout_form`](crate::html::logout_form).
    /// - `POST remove` (`_csrf`, `character`, optional `next`): revokes at EVE SSO and deletes
    ///   every token of the current user for that character
    ///   ([`html::remove_character_form`](crate::html::remove_character_form)).
    ///
    /// Both POSTs need the session's CSRF token ([`EsiWeb::csrf_token`]) and are refused (403)
    /// from another site. Other paths under the mount answer a 404 page, other methods 405.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        router(self.clone())
    }
}

fn router<S>(web: EsiWeb) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/logout", post(account::logout))
        .route("/remove", post(account::remove))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(web)
}

async fn not_found(State(web): State<EsiWeb>) -> Response {
    web.not_found()
}

async fn method_not_allowed(State(web): State<EsiWeb>) -> Response {
    web.method_not_allowed()
}

/// Query parameters, keeping every value of repeated names.
fn params(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The only value of `name`: `Err(())` when repeated, `Ok(None)` when absent or empty.
fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(());
    }
    Ok(first.map(String::as_str).filter(|v| !v.is_empty()))
}

/// Starts an SSO login for this session and redirects to EVE SSO.
pub(crate) async fn start_sso(
    web: &EsiWeb,
    session: &Session,
    scopes: &Scopes,
    return_url: &str,
    single_use: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let key = session::key_or_create(session).await?;
    let go = web.store().start_login(&key, scopes, return_url).await?;
    session::add_pending_login(
        session,
        PendingLogin {
            state: go.state.clone(),
            single_use,
        },
    )
    .await?;
    tracing::debug!(single_use, "sending the browser to EVE SSO");
    Ok(redirect(status, go.url.as_str()))
}

fn session_of(req: &Request) -> Option<Session> {
    req.extensions().get::<Session>().cloned()
}

/// `GET login?scopes=..&next=..`.
async fn login(State(web): State<EsiWeb>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    if from_another_site(&parts) {
        return refuse_cross_site(&web);
    }
    let req = Request::from_parts(parts, axum::body::Body::empty());
    let Some(session) = session_of(&req) else {
        return web.failure(WebError::NoSession);
    };
    let params = params(req.uri().query());
    let scopes: Scopes = params
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| v.as_str())
        .collect();
    let next = match single(&params, "next") {
        Ok(next) => next.unwrap_or("/"),
        Err(()) => return web.error_page(StatusCode::BAD_REQUEST, "next is repeated."),
    };
    let Some(next) = safe_return_url(next) else {
        return web.error_page(
            StatusCode::BAD_REQUEST,
            "next must be a path on this site (starting with a single /).",
        );
    };
    match start_sso(&web, &session, &scopes, next, false, StatusCode::FOUND).await {
        Ok(resp) => resp,
        Err(e) => web.failure(e),
    }
}

/// `GET callback?code=..&state=..`.
async fn callback(State(web): State<EsiWeb>, req: Request) -> Response {
    let Some(session) = session_of(&req) else {
        return web.failure(WebError::NoSession);
    };
    let params = params(req.uri().query());
    let (code, state, error) = match (
        single(&params, "code"),
        single(&params, "state"),
        single(&params, "error"),
    ) {
        (Ok(c), Ok(s), Ok(e)) => (c, s, e),
        _ => return web.error_page(StatusCode::BAD_REQUEST, "A parameter is repeated."),
    };
    if error.is_some() {
        return web.error_page(
            StatusCode::BAD_REQUEST,
            "The login was cancelled or refused at EVE SSO.",
        );
    }
    let (Some(code), Some(state)) = (code, state) else {
        return web.error_page(
            StatusCode::BAD_REQUEST,
            "The SSO callback needs both code and state.",
        );
    };
    let callback = Callback {
        code: Secret::new(code),
        state: state.to_owned(),
    };
    let (parts, _body) = req.into_parts();
    match finish(&web, &session, &parts, &callback).await {
        Ok(resp) => resp,
        Err(e) => web.failure(e),
    }
}

async fn finish(
    web: &EsiWeb,
    session: &Session,
    parts: &http::request::Parts,
    callback: &Callback,
) -> Result<Response, WebError> {
    let not_found = || {
        web.error_page(
            StatusCode::NOT_FOUND,
            "No login in progress in this browser matches this link. Start again.",
        )
    };
    let Some(key) = session::key(session).await? else {
        return Ok(no_session_here(web));
    };
    let (Some(pending), Some(ours)) = (
        web.store().pending_login(&key, &callback.state).await?,
        session::pending_login(session, &callback.state).await?,
    ) else {
        return Ok(not_found());
    };
    let again = safe_return_url(&pending.return_url).unwrap_or("/");
    let max_age =
        chrono::Duration::from_std(web.config().login_max_age).unwrap_or(chrono::Duration::zero());
    if pending.created <= Utc::now() - max_age {
        web.store().cancel_login(&key, &callback.state).await?;
        session::remove_pending_login(session, &callback.state).await?;
        return Ok(web.error_page_again(
            StatusCode::NOT_FOUND,
            "This login took too long. Start again.",
            again,
        ));
    }
    let single_use = ours.single_use;
    let user = if single_use {
        None
    } else {
        web.inner.users.user(parts, session).await?
    };
    let done = match web
        .store()
        .finish_login(&key, callback, user.as_deref())
        .await
    {
        Ok(done) => done,
        Err(StoreError::UnknownCallback) => return Ok(not_found()),
        Err(StoreError::Sso(e))
            if matches!(
                *e,
                SsoError::InvalidGrant { .. } | SsoError::OAuth { .. } | SsoError::InvalidJwt(_)
            ) =>
        {
            tracing::warn!(error = %e, "EVE SSO refused the login");
            session::remove_pending_login(session, &callback.state).await?;
            return Ok(web.error_page_again(
                StatusCode::BAD_REQUEST,
                "EVE SSO refused this login. Start again.",
                again,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // A new session id now that the session holds a login (against session fixation).
    session.cycle_id().await?;
    tracing::info!(
        token_id = done.token.id,
        character_id = done.token.character_id,
        single_use,
        "SSO login finished"
    );
    let back = safe_return_url(&done.return_url).unwrap_or("/");
    Ok(redirect(StatusCode::FOUND, back))
}

/// The callback reached a browser session that never started a login here: most often the site
/// was opened under another address than the callback URL's (`localhost` instead of
/// `127.0.0.1`, say), whose cookie this address never sees.
fn no_session_here(web: &EsiWeb) -> Response {
    let callback = &web.store().sso().config().callback_url;
    let origin = url::Url::parse(callback)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    match origin {
        Some(origin) => {
            let home = &web.config().home_url;
            let again = if home.starts_with('/') {
                format!("{origin}{home}")
            } else {
                format!("{origin}/")
            };
            web.error_page_again(
                StatusCode::NOT_FOUND,
                &format!(
                    "This browser has no login in progress at {origin}, where EVE SSO sends \
                     logins back. If you opened this site under another address (for example \
                     localhost instead of 127.0.0.1), its session stayed with that address: \
                     open {origin} and log in again from there."
                ),
                &again,
            )
        }
        None => web.error_page(
            StatusCode::NOT_FOUND,
            "No login in progress in this browser matches this link. Start again.",
        ),
    }
}
