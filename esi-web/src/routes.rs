//! The login router ([`crate::EsiWeb::router`]): `login` starts an EVE SSO login, `callback`
//! receives EVE SSO's redirect back, checks it against the logins this browser session started
//! (the CSRF protection), stores the token and sends the browser back where it came from.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use esi_sso::{Callback, Scopes, Secret, SsoError};
use esi_store::StoreError;
use tower_sessions::Session;

use crate::error::WebError;
use crate::return_url::safe_return_url;
use crate::session::{self, PendingLogin};
use crate::web::EsiWeb;

pub(crate) fn router<S>(web: EsiWeb) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/login", get(login))
        .route("/callback", get(callback))
        .with_state(web)
}

/// A redirect to `location` (already checked by the caller).
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (status, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
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
    session::set_pending_login(
        session,
        &PendingLogin {
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
        return Ok(not_found());
    };
    let Some(pending) = web.store().pending_login(&key, &callback.state).await? else {
        return Ok(not_found());
    };
    let max_age =
        chrono::Duration::from_std(web.config().login_max_age).unwrap_or(chrono::Duration::zero());
    if pending.created <= Utc::now() - max_age {
        web.store().cancel_login(&key, &callback.state).await?;
        return Ok(web.error_page(
            StatusCode::NOT_FOUND,
            "This login took too long. Start again.",
        ));
    }
    let single_use = session::pending_login(session)
        .await?
        .is_some_and(|p| p.state == callback.state && p.single_use);
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
            return Ok(web.error_page(
                StatusCode::BAD_REQUEST,
                "EVE SSO refused this login. Start again.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        token_id = done.token.id,
        character_id = done.token.character_id,
        single_use,
        "SSO login finished"
    );
    let back = safe_return_url(&done.return_url).unwrap_or("/");
    Ok(redirect(StatusCode::FOUND, back))
}
