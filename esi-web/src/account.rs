//! The router's two account forms: `POST logout` forgets the browser session (and, for users
//! that live only as long as it, revokes and deletes their tokens); `POST remove` revokes and
//! deletes the current user's tokens of one character. Both need the session's CSRF token and
//! are refused from another site before any session is created or touched.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use esi_store::StoreError;
use http::request::Parts;
use tower_sessions::Session;

use crate::error::WebError;
use crate::fetch_site::from_another_site;
use crate::form::{Form, is_form};
use crate::html::{FIELD_CHARACTER, FIELD_CSRF, FIELD_NEXT};
use crate::respond::{expired_form, redirect, refuse_cross_site};
use crate::return_url::safe_return_url;
use crate::session;
use crate::web::EsiWeb;

/// A checked account form: the session it belongs to and its fields.
struct Checked {
    parts: Parts,
    session: Session,
    form: Form,
}

/// Reads and checks a posted account form: same site, a form, not too large, and carrying the
/// session's CSRF token. Nothing in the session is created or changed on the way.
async fn checked_form(web: &EsiWeb, req: Request) -> Result<Checked, Response> {
    let (parts, body) = req.into_parts();
    if from_another_site(&parts) {
        return Err(refuse_cross_site(web));
    }
    let Some(session) = parts.extensions.get::<Session>().cloned() else {
        return Err(web.failure(WebError::NoSession));
    };
    if !is_form(&parts) {
        return Err(web.error_page(StatusCode::BAD_REQUEST, "Expected a form."));
    }
    let Ok(bytes) = axum::body::to_bytes(body, web.config().max_form_bytes).await else {
        return Err(web.error_page(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."));
    };
    let form = Form::parse(&bytes);
    match session::check_csrf(&session, form.get(FIELD_CSRF)).await {
        Ok(true) => Ok(Checked {
            parts,
            session,
            form,
        }),
        Ok(false) => Err(expired_form(web)),
        Err(e) => Err(web.failure(e)),
    }
}

/// Where the form asks to go afterwards: `next` if it is a same-site path, else home.
fn next_of(web: &EsiWeb, form: &Form) -> String {
    form.get(FIELD_NEXT)
        .and_then(safe_return_url)
        .unwrap_or(&web.config().home_url)
        .to_owned()
}

/// `POST logout` (`_csrf`, `next`).
pub(crate) async fn logout(State(web): State<EsiWeb>, req: Request) -> Response {
    let c = match checked_form(&web, req).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match log_out(&web, &c).await {
        Ok(()) => redirect(StatusCode::SEE_OTHER, &next_of(&web, &c.form)),
        Err(e) => web.failure(e),
    }
}

async fn log_out(web: &EsiWeb, c: &Checked) -> Result<(), WebError> {
    let users = &web.inner.users;
    if let Some(user) = users.user(&c.parts, &c.session).await?
        && users.ends_with_session(&user)
    {
        for t in web.store().tokens().user(user).all().await? {
            // A token the SSO cannot revoke now is deleted all the same: nothing could reach
            // it once the session is gone.
            if let Err(e) = web.store().revoke(&t).await {
                tracing::warn!(token_id = t.id, error = %e, "revoking at log-out failed");
                web.store().delete(t.id).await?;
            }
        }
    }
    if let Some(key) = session::key(&c.session).await? {
        for p in session::pending_logins(&c.session).await? {
            web.store().cancel_login(&key, &p.state).await?;
        }
    }
    c.session.flush().await?;
    tracing::info!("logged out");
    Ok(())
}

/// `POST remove` (`_csrf`, `character`, `next`).
pub(crate) async fn remove(State(web): State<EsiWeb>, req: Request) -> Response {
    let c = match checked_form(&web, req).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Some(character_id) = c
        .form
        .get(FIELD_CHARACTER)
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return web.error_page(StatusCode::BAD_REQUEST, "No such character.");
    };
    match remove_character(&web, &c, character_id).await {
        Ok(true) => redirect(StatusCode::SEE_OTHER, &next_of(&web, &c.form)),
        Ok(false) => web.error_page(StatusCode::NOT_FOUND, "No such character."),
        Err(e) => web.failure(e),
    }
}

/// Revokes, then deletes, every token of the current user for `character_id`; false when the
/// user has none. When the SSO cannot revoke, the token is kept and the error returned (503).
async fn remove_character(web: &EsiWeb, c: &Checked, character_id: i64) -> Result<bool, WebError> {
    let Some(user) = web.inner.users.user(&c.parts, &c.session).await? else {
        return Ok(false);
    };
    let tokens = web
        .store()
        .tokens()
        .user(user)
        .character(character_id)
        .all()
        .await?;
    if tokens.is_empty() {
        return Ok(false);
    }
    for t in &tokens {
        match web.store().revoke(t).await {
            Ok(()) => {}
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(character_id, tokens = tokens.len(), "character removed");
    Ok(true)
}
