//! The login router ([`crate::EsiWeb::router`]) and its `login` route, which starts an EVE SSO
//! login (refused, with a way to log in from this site instead, when another site sent the
//! browser). `callback` lives in [`crate::callback`], `logout` and `remove` in
//! [`crate::account`].

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use esi_sso::Scopes;
use esi_store::LoginKind;
use tower_sessions::Session;

use crate::account;
use crate::callback::callback;
use crate::error::WebError;
use crate::need::current_url;
use crate::params::{Repeated, params, single};
use crate::provenance::{Sender, sender};
use crate::respond::refuse_login_from_another_site;
use crate::return_url::safe_return_url;
use crate::start::{LoginFor, start_sso};
use crate::web::EsiWeb;

impl EsiWeb {
    /// The login routes, to nest under
    /// [`WebConfig::mount_path`](crate::WebConfig::mount_path):
    ///
    /// - `GET login?scopes=..&next=..`: starts an EVE SSO login for the scopes (a
    ///   space-delimited list, or the parameter repeated) and comes back to `next` (a same-site
    ///   path; default `/`). Refused (403) when the browser says another site sent it
    ///   (`Sec-Fetch-Site` other than `same-origin` or `none`), before any session is touched:
    ///   a link on another site can neither start a login nor pick its scopes unseen. The 403
    ///   page names the scopes and links to the same login, which then starts from this site.
    ///   Logins in flight (one per tab) do not cancel each other.
    /// - `GET callback?code=..&state=..`: EVE SSO's redirect back (register
    ///   `<origin><mount_path>/callback` as the application's callback URL). 400 without `code`
    ///   and `state`; 404 unless `state` names a login this browser session started less than
    ///   [`WebConfig::login_max_age`](crate::WebConfig::login_max_age) ago (the page says why:
    ///   used already, too old, or started under another address, and links to where starting
    ///   again works). Stores the token for the current user (for no user after a single-use
    ///   login), changes the session id and the CSRF token (against session fixation) and
    ///   redirects to where the login started.
    /// - `POST logout` (`_csrf`, optional `next`): forgets the session; with
    ///   [`SessionUsers::per_browser`](crate::SessionUsers::per_browser) users, whose tokens
    ///   nothing could reach afterwards, their tokens are revoked at EVE SSO and deleted first.
    ///   Build the button with [`html::logout_form`](crate::html::logout_form).
    /// - `POST remove` (`_csrf`, `character`, optional `next`): asks for confirmation (a page
    ///   with a form posting again with `confirm`), then revokes at EVE SSO and deletes every
    ///   token of the current user for that character
    ///   ([`html::remove_character_form`](crate::html::remove_character_form)).
    ///
    /// Both POSTs need the session's CSRF token ([`EsiWeb::csrf_token`]) and are refused (403)
    /// from another site. Other paths under the mount answer a 404 page, other methods 405 with
    /// the route's own `Allow`.
    pub fn router<S>(&self) -> Router<S>
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
            .with_state(self.clone())
    }
}

async fn not_found(State(web): State<EsiWeb>) -> Response {
    web.not_found()
}

async fn method_not_allowed(State(web): State<EsiWeb>) -> Response {
    web.method_not_allowed()
}

/// `GET login?scopes=..&next=..`.
async fn login(State(web): State<EsiWeb>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    let params = params(parts.uri.query());
    let scopes: Scopes = params
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| v.as_str())
        .collect();
    if sender(&parts, web.inner.origin.as_deref()) == Sender::AnotherSite {
        return refuse_login_from_another_site(&web, &scopes, &current_url(&parts));
    }
    let Some(session) = parts.extensions.get::<Session>().cloned() else {
        return web.failure(WebError::NoSession);
    };
    let next = match single(&params, "next") {
        Ok(next) => next.unwrap_or("/"),
        Err(Repeated) => return web.error_page(StatusCode::BAD_REQUEST, "next is repeated."),
    };
    let Some(next) = safe_return_url(next) else {
        return web.error_page(
            StatusCode::BAD_REQUEST,
            "next must be a path on this site (starting with a single /).",
        );
    };
    let login = LoginFor {
        scopes: &scopes,
        return_url: next,
        kind: LoginKind::User,
    };
    match start_sso(&web, &session, login, StatusCode::FOUND).await {
        Ok(resp) => resp,
        Err(e) => web.failure(e),
    }
}
