//! What the token-requiring layers share: what a layer needs ([`Need`]), what it hands the
//! handler ([`Granted`], a request extension read by [`crate::EsiToken`] and
//! [`crate::EsiTokens`]), what it decides for a request ([`Step`]), and the token a finished
//! login brought back to the page ([`login_token`]), or a new login for it ([`log_in_here`]).

use axum::body::Body;
use axum::extract::{OriginalUri, Request};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use esi_sso::Scopes;
use esi_store::{LoginKind, Token};
use http::request::Parts;
use tower_sessions::Session;

use crate::error::WebError;
use crate::return_url::safe_return_url;
use crate::session;
use crate::start::{LoginFor, start_sso};
use crate::web::EsiWeb;

/// What a layer requires.
#[derive(Debug, Clone)]
pub(crate) enum Need {
    /// `token_required(scopes, new)`.
    Token { scopes: Scopes, new: bool },
    /// `tokens_required(scopes)`.
    Tokens { scopes: Scopes },
    /// `single_use_token(scopes)`.
    SingleUse { scopes: Scopes },
}

/// What the layer hands the handler, as a request extension.
#[derive(Debug, Clone)]
pub(crate) enum Granted {
    /// One token (`token_required`, `single_use_token`).
    One(Token),
    /// The user's tokens (`tokens_required`).
    Many(Vec<Token>),
}

/// What to do with a request.
pub(crate) enum Step {
    /// Run the handler with this request (which carries a [`Granted`]), then this.
    Run(Request, Afterwards),
    /// Answer the browser.
    Answer(Response),
}

/// What happens once the handler has answered.
pub(crate) enum Afterwards {
    /// Nothing: the token stays.
    Keep,
    /// The token was single-use: revoke it at EVE SSO and delete it.
    Revoke(Box<Token>),
}

/// Runs the handler with `granted`.
pub(crate) fn run(mut parts: Parts, body: Body, granted: Granted) -> Step {
    parts.extensions.insert(granted);
    Step::Run(Request::from_parts(parts, body), Afterwards::Keep)
}

/// Answers with an EVE SSO login of `kind` for `scopes` that comes back to this page (`here`).
pub(crate) async fn log_in_here(
    web: &EsiWeb,
    session: &Session,
    parts: &Parts,
    login: LoginFor<'_>,
) -> Result<Step, WebError> {
    let status = redirect_status(&parts.method);
    Ok(Step::Answer(start_sso(web, session, login, status).await?))
}

/// 303 after a POST (the browser comes back with a GET), 302 otherwise.
pub(crate) fn redirect_status(method: &Method) -> StatusCode {
    if method == Method::GET || method == Method::HEAD {
        StatusCode::FOUND
    } else {
        StatusCode::SEE_OTHER
    }
}

/// The page's own URL (path and query) as a return target; `/` if it is not a safe one.
pub(crate) fn current_url(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| &u.0)
        .unwrap_or(&parts.uri);
    let raw = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    safe_return_url(raw).unwrap_or("/").to_owned()
}

/// The token of this session's finished login of `kind` started for this page (`here`), if
/// any; taken from the store, so it is handed out once. Several logins may be in flight (one
/// per tab): the newest finished one for the page is taken.
pub(crate) async fn login_token(
    web: &EsiWeb,
    session: &Session,
    kind: LoginKind,
    here: &str,
) -> Result<Option<Token>, WebError> {
    let Some(key) = session::key(session).await? else {
        return Ok(None);
    };
    Ok(web.store().take_finished_login_as(&key, kind, here).await?)
}
