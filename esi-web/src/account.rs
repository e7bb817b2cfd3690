//! The router's two account forms: `POST logout` forgets the browser session, its logins in
//! flight and (for users that live only as long as it) revokes and deletes their tokens;
//! `POST remove` first answers a page asking to confirm, then revokes and deletes the current
//! user's tokens of one character. Both need the session's CSRF token and are refused from
//! another site before any session is created or touched.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use esi_store::{StoreError, Token};
use http::request::Parts;
use tower_sessions::Session;

use crate::error::WebError;
use crate::form::{Form, is_form};
use crate::html::{
    self, ConfirmRemovePage, FIELD_CHARACTER, FIELD_CONFIRM, FIELD_CSRF, FIELD_NEXT,
};
use crate::provenance::{Sender, sender};
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

/// Reads and checks a posted account form: not from another site, a form, not too large, and
/// carrying the session's CSRF token. Nothing in the session is created or changed on the way.
async fn checked_form(web: &EsiWeb, req: Request) -> Result<Checked, Response> {
    let (parts, body) = req.into_parts();
    if sender(&parts, web.inner.origin.as_deref()) == Sender::AnotherSite {
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
        Ok(false) => Err(expired_form(web, &next_of(web, &form))),
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
        web.store().cancel_logins(&key).await?;
    }
    c.session.flush().await?;
    tracing::info!("logged out");
    Ok(())
}

/// `POST remove` (`_csrf`, `character`, `next`, and `confirm` once the player confirmed).
pub(crate) async fn remove(State(web): State<EsiWeb>, req: Request) -> Response {
    let c = match checked_form(&web, req).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let next = next_of(&web, &c.form);
    let Some(character_id) = c
        .form
        .get(FIELD_CHARACTER)
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return no_such_character(&web, &next);
    };
    let tokens = match character_tokens(&web, &c, character_id).await {
        Ok(tokens) if tokens.is_empty() => return no_such_character(&web, &next),
        Ok(tokens) => tokens,
        Err(e) => return web.failure(e),
    };
    if c.form.get(FIELD_CONFIRM).is_none() {
        return confirm_page(&web, &c, &tokens[0], &next);
    }
    match revoke_all(&web, &tokens).await {
        Ok(()) => {
            tracing::info!(character_id, tokens = tokens.len(), "character removed");
            redirect(StatusCode::SEE_OTHER, &next)
        }
        Err(e) => web.failure(e),
    }
}

fn no_such_character(web: &EsiWeb, next: &str) -> Response {
    web.error_page_next(
        StatusCode::NOT_FOUND,
        "No such character is logged in here (it may have been removed already).",
        "Back",
        next,
    )
}

/// The page asking to confirm the removal of `token`'s character.
fn confirm_page(web: &EsiWeb, c: &Checked, token: &Token, next: &str) -> Response {
    let Some(csrf) = c.form.get(FIELD_CSRF) else {
        return expired_form(web, next);
    };
    let remove_url = web.remove_url();
    let page = ConfirmRemovePage {
        character_id: token.character_id,
        character_name: &token.character_name,
        csrf_token: csrf,
        action: &remove_url,
        next,
        images: web.images(),
    };
    html::page_response(StatusCode::OK, web.inner.pages.confirm_remove(&page))
}

/// The current user's tokens for `character_id` (none without a user).
async fn character_tokens(
    web: &EsiWeb,
    c: &Checked,
    character_id: i64,
) -> Result<Vec<Token>, WebError> {
    let Some(user) = web.inner.users.user(&c.parts, &c.session).await? else {
        return Ok(Vec::new());
    };
    Ok(web
        .store()
        .tokens()
        .user(user)
        .character(character_id)
        .all()
        .await?)
}

/// Revokes, then deletes, each token. When the SSO cannot revoke, the token is kept and the
/// error returned (503).
async fn revoke_all(web: &EsiWeb, tokens: &[Token]) -> Result<(), WebError> {
    for t in tokens {
        match web.store().revoke(t).await {
            Ok(()) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
