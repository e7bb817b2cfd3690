//! `tokens_required`: every valid token of the current user with the scopes, without asking.
//! A login that just came back for the page is included; an anonymous visitor is sent to the
//! site's login page (401 without one); a user without such tokens logs one in.

use axum::http::StatusCode;
use esi_sso::Scopes;
use esi_store::LoginKind;
use tower_sessions::Session;

use crate::error::WebError;
use crate::gate::Admitted;
use crate::need::{Granted, Step, log_in_here, login_token, run};
use crate::respond::redirect;
use crate::start::LoginFor;
use crate::web::EsiWeb;

/// The `tokens_required` layer's decision for an admitted request.
pub(crate) async fn tokens_required(
    web: &EsiWeb,
    session: &Session,
    admitted: Admitted,
    here: &str,
    scopes: &Scopes,
) -> Result<Step, WebError> {
    let Admitted { parts, body, .. } = admitted;
    let user = web.inner.users.user(&parts, session).await?;
    let list = |user: String| {
        web.store()
            .tokens()
            .user(user)
            .require_scopes(scopes)
            .require_valid()
    };

    if let Some(t) = login_token(web, session, LoginKind::User, here).await? {
        if t.scopes.is_superset(scopes) && t.user_id == user {
            let tokens = match &user {
                Some(u) => {
                    let mut all = list(u.clone()).await?;
                    if !all.iter().any(|x| x.id == t.id) {
                        all.insert(0, t);
                    }
                    all
                }
                None => vec![t],
            };
            return Ok(run(parts, body, Granted::Many(tokens)));
        }
        tracing::warn!(
            token_id = t.id,
            "the login's token lacks the scopes or the user"
        );
    }

    let Some(user) = user else {
        return Ok(Step::Answer(match &web.config().site_login_url {
            Some(login) => {
                let sep = if login.contains('?') { '&' } else { '?' };
                let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
                redirect(StatusCode::FOUND, &format!("{login}{sep}next={next}"))
            }
            None => web.error_page(StatusCode::UNAUTHORIZED, "Log in to this site first."),
        }));
    };
    let tokens = list(user).await?;
    if !tokens.is_empty() {
        return Ok(run(parts, body, Granted::Many(tokens)));
    }
    let login = LoginFor {
        scopes,
        return_url: here,
        kind: LoginKind::User,
    };
    log_in_here(web, session, &parts, login).await
}
