//! `token_required`: one token of the current user for the page. A login that just came back
//! for the page, else the pick made on the select-token page, else the user's only token, else
//! the select-token page (several tokens), else a login. The select-token form's POST is
//! handled here: its CSRF token is checked before the user is looked up or created.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use esi_sso::Scopes;
use esi_store::{LoginKind, StoreError, Token};
use tower_sessions::Session;

use crate::error::WebError;
use crate::form::Form;
use crate::gate::{Admitted, Served};
use crate::html::{self, FIELD_ADD, FIELD_CSRF, FIELD_TOKEN, SelectTokenPage};
use crate::need::{Granted, Step, log_in_here, login_token, run};
use crate::respond::{expired_form, redirect};
use crate::session::{self, Pick};
use crate::start::{LoginFor, start_sso};
use crate::web::{EsiWeb, one_per_character};

/// The `token_required` layer's decision for an admitted request.
pub(crate) async fn token_required(
    web: &EsiWeb,
    served: &Served,
    session: &Session,
    admitted: Admitted,
    here: &str,
    scopes: &Scopes,
    new: bool,
) -> Result<Step, WebError> {
    let Admitted { parts, body, form } = admitted;
    if parts.method == Method::POST {
        let select = form
            .as_ref()
            .filter(|f| f.get(FIELD_TOKEN).is_some() || f.get(FIELD_ADD).is_some());
        if let Some(form) = select {
            if !session::check_csrf(session, form.get(FIELD_CSRF)).await? {
                return Ok(Step::Answer(expired_form(web, here)));
            }
            let user = web.inner.users.user(&parts, session).await?;
            let login = LoginFor {
                scopes,
                return_url: here,
                kind: LoginKind::User,
            };
            return select_form_post(web, session, form, user.as_deref(), login)
                .await
                .map(Step::Answer);
        }
        if !served.serves_handler(&Method::POST) {
            return Ok(Step::Answer(web.error_page_again(
                StatusCode::BAD_REQUEST,
                "This page takes no form but its own character list. Open it again.",
                here,
            )));
        }
    }

    let user = web.inner.users.user(&parts, session).await?;

    // Back from EVE SSO for this page.
    if let Some(t) = login_token(web, session, LoginKind::User, here).await? {
        if t.scopes.is_superset(scopes) && t.user_id == user {
            return Ok(run(parts, body, Granted::One(t)));
        }
        tracing::warn!(
            token_id = t.id,
            "the login's token lacks the scopes or the user"
        );
    }

    // The token picked on the select-token page.
    if parts.method == Method::GET
        && let Some(id) = session::take_pick(session, here).await?
    {
        if let Some(t) = usable_token(web, id, user.as_deref(), scopes).await? {
            return Ok(run(parts, body, Granted::One(t)));
        }
        tracing::warn!(token_id = id, "the picked token is no longer usable");
    }

    if !new && let Some(user) = &user {
        let mut tokens = one_per_character(
            web.store()
                .tokens()
                .user(user.clone())
                .require_scopes(scopes)
                .require_valid()
                .await?,
        );
        if tokens.len() == 1
            && let Some(t) = tokens.pop()
        {
            return Ok(run(parts, body, Granted::One(t)));
        }
        if !tokens.is_empty() {
            let csrf = session::csrf_token(session).await?;
            let page = SelectTokenPage {
                tokens: &tokens,
                scopes,
                csrf_token: &csrf,
                action: here,
                images: web.images(),
                home: &web.config().home_url,
            };
            return Ok(Step::Answer(html::page_response(
                StatusCode::OK,
                web.inner.pages.select_token(&page),
            )));
        }
    }

    let login = LoginFor {
        scopes,
        return_url: here,
        kind: LoginKind::User,
    };
    log_in_here(web, session, &parts, login).await
}

/// A POST of the select-token form (its CSRF token already checked): `_add` logs another
/// character in; `_token=<id>` records the pick (if it is a valid token of this user with the
/// scopes) and redirects to the page, whose GET hands it to the handler. An unusable pick just
/// redirects back (the page then lists the user's tokens again), as django-esi falls through.
async fn select_form_post(
    web: &EsiWeb,
    session: &Session,
    form: &Form,
    user: Option<&str>,
    login: LoginFor<'_>,
) -> Result<Response, WebError> {
    if form.get(FIELD_ADD).is_some() {
        return start_sso(web, session, login, StatusCode::SEE_OTHER).await;
    }
    let here = login.return_url;
    let Some(id) = form.get(FIELD_TOKEN).and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(web.error_page_again(StatusCode::BAD_REQUEST, "No such character.", here));
    };
    if usable_token(web, id, user, login.scopes).await?.is_some() {
        session::set_pick(
            session,
            &Pick {
                path: here.to_owned(),
                token_id: id,
            },
        )
        .await?;
    } else {
        tracing::warn!(
            token_id = id,
            "select-token: not a valid token of this user with the scopes"
        );
    }
    Ok(redirect(StatusCode::SEE_OTHER, here))
}

/// Token `id` if it belongs to `user`, holds `scopes` and has a valid access token (refreshed
/// if needed); `None` otherwise. Tokens of no user are never picked: their ids are guessable.
async fn usable_token(
    web: &EsiWeb,
    id: i64,
    user: Option<&str>,
    scopes: &Scopes,
) -> Result<Option<Token>, WebError> {
    let Some(user) = user else {
        return Ok(None);
    };
    let store = web.store();
    let Some(t) = store.token(id).await? else {
        return Ok(None);
    };
    if t.user_id.as_deref() != Some(user) || !t.scopes.is_superset(scopes) {
        return Ok(None);
    }
    match store.valid_access_token(&t).await {
        Ok(_) => Ok(store.token(id).await?),
        Err(e) if e.token_deleted() || matches!(e, StoreError::NotRefreshable { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
