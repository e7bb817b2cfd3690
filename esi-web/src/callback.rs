//! `GET callback?code=..&state=..`, EVE SSO's way back: checks `state` against the logins this
//! browser session started (the CSRF protection of the login), stores the token, changes the
//! session id and the CSRF token, makes the session a lasting one and sends the browser back
//! where the login started. A callback that matches no login of this session gets a page
//! saying why, with the next step that works: the right address when the login was started
//! under another one, starting again otherwise.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use esi_sso::{Callback, Secret, SsoError};
use esi_store::{LoginKind, StoreError};
use http::request::Parts;
use tower_sessions::Session;

use crate::error::WebError;
use crate::lifetime;
use crate::params::{params, single};
use crate::respond::redirect;
use crate::return_url::safe_return_url;
use crate::session;
use crate::web::EsiWeb;

/// `GET callback?code=..&state=..`.
pub(crate) async fn callback(State(web): State<EsiWeb>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    let Some(session) = parts.extensions.get::<Session>().cloned() else {
        return web.failure(WebError::NoSession);
    };
    let params = params(parts.uri.query());
    let (code, state, error) = match (
        single(&params, "code"),
        single(&params, "state"),
        single(&params, "error"),
    ) {
        (Ok(c), Ok(s), Ok(e)) => (c, s, e),
        _ => return web.error_page(StatusCode::BAD_REQUEST, "A parameter is repeated."),
    };
    if error.is_some() {
        return web.error_page_again(
            StatusCode::BAD_REQUEST,
            "The login was cancelled or refused at EVE SSO.",
            &web.config().home_url,
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
    match finish(&web, &session, &parts, &callback).await {
        Ok(resp) => resp,
        Err(e) => web.failure(e),
    }
}

async fn finish(
    web: &EsiWeb,
    session: &Session,
    parts: &Parts,
    callback: &Callback,
) -> Result<Response, WebError> {
    let key = session::key(session).await?;
    let pending = match &key {
        Some(key) => web.store().pending_login(key, &callback.state).await?,
        None => None,
    };
    let (Some(key), Some(pending)) = (key, pending) else {
        return no_login_here(web, session, &callback.state).await;
    };
    let again = safe_return_url(&pending.return_url).unwrap_or("/");
    let max_age =
        chrono::Duration::from_std(web.config().login_max_age).unwrap_or(chrono::Duration::zero());
    if pending.created <= Utc::now() - max_age {
        web.store().cancel_login(&key, &callback.state).await?;
        return Ok(web.error_page_again(
            StatusCode::NOT_FOUND,
            "This login took too long. Start again.",
            again,
        ));
    }
    let single_use = pending.kind == LoginKind::SingleUse;
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
        Err(StoreError::UnknownCallback) => {
            return no_login_here(web, session, &callback.state).await;
        }
        Err(StoreError::Sso(e))
            if matches!(
                *e,
                SsoError::InvalidGrant { .. } | SsoError::OAuth { .. } | SsoError::InvalidJwt(_)
            ) =>
        {
            tracing::warn!(error = %e, "EVE SSO refused the login");
            return Ok(web.error_page_again(
                StatusCode::BAD_REQUEST,
                "EVE SSO refused this login. Start again.",
                again,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // A new session id and CSRF token now that the session holds a login (against session
    // fixation), and a session that outlives its logins.
    session.cycle_id().await?;
    session::rotate_csrf(session).await?;
    lifetime::keep(session).await?;
    tracing::info!(
        token_id = done.token.id,
        character_id = done.token.character_id,
        single_use,
        "SSO login finished"
    );
    let back = safe_return_url(&done.return_url).unwrap_or("/");
    Ok(redirect(StatusCode::FOUND, back))
}

/// The callback names no login of this browser session. When another session started it (or
/// this browser has no session here at all), the site was most often opened under another
/// address than the callback URL's (`localhost` instead of `127.0.0.1`, say), whose cookie this
/// address never sees: the page names the right address and links to the login's page there.
/// Otherwise the login was used already or is gone: start again.
async fn no_login_here(web: &EsiWeb, session: &Session, state: &str) -> Result<Response, WebError> {
    let key = session::key(session).await?;
    let elsewhere = web
        .store()
        .login_of_another_session(key.as_deref(), state)
        .await?;
    let origin = web.inner.origin.as_deref();
    let home = &web.config().home_url;
    match (origin, elsewhere, key) {
        (Some(origin), Some(login), _) => {
            let page = safe_return_url(&login.return_url).unwrap_or("/");
            Ok(wrong_address(web, origin, &format!("{origin}{page}")))
        }
        (Some(origin), None, None) => {
            let again = if home.starts_with('/') {
                format!("{origin}{home}")
            } else {
                format!("{origin}/")
            };
            Ok(wrong_address(web, origin, &again))
        }
        _ => Ok(web.error_page_again(
            StatusCode::NOT_FOUND,
            "No login in progress in this browser matches this link: it was used already, \
             or it is too old. Start again from the home page.",
            home,
        )),
    }
}

/// The 404 of a login that cannot finish at this address, linking to `again` at `origin`.
fn wrong_address(web: &EsiWeb, origin: &str, again: &str) -> Response {
    web.error_page_next(
        StatusCode::NOT_FOUND,
        &format!(
            "This browser has no login in progress at {origin}, where EVE SSO sends logins \
             back. If you opened this site under another address (for example localhost \
             instead of 127.0.0.1), its session stayed with that address: continue at \
             {origin} and log in again from there."
        ),
        &format!("Continue at {origin}"),
        again,
    )
}
