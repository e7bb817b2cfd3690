//! The three token-requiring layers ([`crate::EsiWeb::token_required`],
//! [`crate::EsiWeb::tokens_required`], [`crate::EsiWeb::single_use_token`]): django-esi's
//! decorators as a tower layer around a route. The layer decides, per request, whether the
//! handler runs (with the token(s) in a request extension, read by [`crate::EsiToken`] and
//! [`crate::EsiTokens`]) or the browser is answered instead: a select-token page, a redirect to
//! EVE SSO, or a redirect after a pick.
//!
//! A login's token comes back through the session: the SSO callback records it on the login
//! (`CallbackRedirect`), the browser is sent back to the page, and the page's layer takes it
//! out (once). The session also says whether the login was single-use, so a single-use token is
//! only ever handed to a `single_use_token` page, and a user's token never to one.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{OriginalUri, Request};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use esi_sso::Scopes;
use esi_store::{StoreError, Token};
use futures::future::BoxFuture;
use http::request::Parts;
use tower_layer::Layer;
use tower_service::Service;
use tower_sessions::Session;

use crate::error::WebError;
use crate::fetch_site::from_another_site;
use crate::form::{Form, is_form};
use crate::html::{self, FIELD_ADD, FIELD_CSRF, FIELD_TOKEN, SelectTokenPage};
use crate::respond::{expired_form, redirect, refuse_cross_site};
use crate::return_url::safe_return_url;
use crate::routes::start_sso;
use crate::session::{self, Pick};
use crate::web::{EsiWeb, one_per_character};

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

/// A layer requiring tokens for a route; made by [`crate::EsiWeb::token_required`],
/// [`crate::EsiWeb::tokens_required`] and [`crate::EsiWeb::single_use_token`]. Put it on the
/// route (`get(handler).layer(..)`) or on a group of routes (`Router::route_layer`), inside the
/// session layer.
#[derive(Clone)]
pub struct RequireLayer {
    web: EsiWeb,
    need: Arc<Need>,
}

impl std::fmt::Debug for RequireLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireLayer")
            .field("need", &self.need)
            .finish_non_exhaustive()
    }
}

impl RequireLayer {
    pub(crate) fn new(web: EsiWeb, need: Need) -> Self {
        Self {
            web,
            need: Arc::new(need),
        }
    }
}

impl EsiWeb {
    /// django-esi's `token_required(scopes, new)`, as a layer for a route: the handler gets one
    /// valid token of the current user holding `scopes` (a list or a space-delimited string),
    /// through the [`crate::EsiToken`] extractor.
    ///
    /// - Just back from EVE SSO for this page: the new token.
    /// - Not `new`, exactly one character of the user has such a token: that token.
    /// - Not `new`, several: a select-token page (one entry per character, and a button to log
    ///   another one in). Its form posts back to the same URL with a CSRF token; the pick must be
    ///   a valid token of this user with the scopes, and the browser is then redirected (303) to
    ///   the same URL, where the handler runs with it.
    /// - Otherwise (none, or `new`): an EVE SSO login that comes back here.
    ///
    /// The route must accept POST for the select-token form to reach the layer: a layer on a
    /// `MethodRouter` also wraps its 405 fallback, so `get(handler).layer(..)` is enough. The
    /// layer answers methods other than GET, HEAD and POST with 405 itself. Do not add
    /// `Router::method_not_allowed_fallback` over such routes: it replaces the fallback the
    /// layer wraps, and the form's POST would never reach the layer; give the route its own
    /// fallback before the layer instead (`get(handler).fallback(..).layer(..)`).
    pub fn token_required(&self, scopes: impl Into<Scopes>, new: bool) -> RequireLayer {
        RequireLayer::new(
            self.clone(),
            Need::Token {
                scopes: scopes.into(),
                new,
            },
        )
    }

    /// django-esi's `tokens_required(scopes)`: the handler gets every valid token of the current
    /// user holding `scopes` (a list or a space-delimited string), without prompting, through
    /// [`crate::EsiTokens`]. With none, an EVE SSO login comes back here; an anonymous visitor
    /// is sent to [`WebConfig::site_login_url`](crate::WebConfig::site_login_url) (401 without
    /// one).
    pub fn tokens_required(&self, scopes: impl Into<Scopes>) -> RequireLayer {
        RequireLayer::new(
            self.clone(),
            Need::Tokens {
                scopes: scopes.into(),
            },
        )
    }

    /// django-esi's `single_use_token(scopes)`: every visit goes through a fresh EVE SSO login
    /// and the handler gets the new token through [`crate::EsiToken`]. The token belongs to no
    /// user, whoever is logged in, and is handed out once.
    pub fn single_use_token(&self, scopes: impl Into<Scopes>) -> RequireLayer {
        RequireLayer::new(
            self.clone(),
            Need::SingleUse {
                scopes: scopes.into(),
            },
        )
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            web: self.web.clone(),
            need: self.need.clone(),
        }
    }
}

/// The service of a [`RequireLayer`].
#[derive(Clone)]
pub struct RequireService<S> {
    inner: S,
    web: EsiWeb,
    need: Arc<Need>,
}

impl<S> std::fmt::Debug for RequireService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireService")
            .field("need", &self.need)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request> for RequireService<S>
where
    S: Service<Request, Error = Infallible> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Readiness of the inner service is awaited in `call`, on the clone that runs.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let web = self.web.clone();
        let need = self.need.clone();
        Box::pin(async move {
            let resp = match decide(&web, &need, req).await {
                Ok(Step::Run(req)) => {
                    std::future::poll_fn(|cx| inner.poll_ready(cx)).await?;
                    inner.call(req).await?.into_response()
                }
                Ok(Step::Answer(resp)) => resp,
                Err(e) => web.failure(e),
            };
            Ok(resp)
        })
    }
}

/// What to do with a request.
enum Step {
    /// Run the handler with this request (which carries a [`Granted`]).
    Run(Request),
    /// Answer the browser.
    Answer(Response),
}

fn run(mut parts: Parts, body: Body, granted: Granted) -> Step {
    parts.extensions.insert(granted);
    Step::Run(Request::from_parts(parts, body))
}

/// The page's own URL (path and query) as a return target; `/` if it is not a safe one.
fn current_url(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| &u.0)
        .unwrap_or(&parts.uri);
    let raw = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    safe_return_url(raw).unwrap_or("/").to_owned()
}

async fn decide(web: &EsiWeb, need: &Need, req: Request) -> Result<Step, WebError> {
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Err(WebError::NoSession);
    };
    let (parts, body) = req.into_parts();
    // Pages: GET and HEAD, and POST for forms. Anything else is refused before the session
    // is touched, as is a POST another site sent (its answer must not set a cookie that
    // replaces the user's session).
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::POST) {
        return Ok(Step::Answer(web.method_not_allowed()));
    }
    if parts.method == Method::POST && from_another_site(&parts) {
        return Ok(Step::Answer(refuse_cross_site(web)));
    }
    let here = current_url(&parts);
    match need {
        Need::Token { scopes, new } => {
            token_required(web, &session, parts, body, &here, scopes, *new).await
        }
        Need::Tokens { scopes } => tokens_required(web, &session, parts, body, &here, scopes).await,
        Need::SingleUse { scopes } => {
            if let Some(t) = take_login_token(web, &session, true, &here).await? {
                if t.scopes.is_superset(scopes) {
                    return Ok(run(parts, body, Granted::One(t)));
                }
                tracing::warn!(token_id = t.id, "the single-use login lacks the scopes");
            }
            let status = redirect_status(&parts.method);
            Ok(Step::Answer(
                start_sso(web, &session, scopes, &here, true, status).await?,
            ))
        }
    }
}

/// 303 after a POST (the browser comes back with a GET), 302 otherwise.
fn redirect_status(method: &Method) -> StatusCode {
    if method == Method::GET || method == Method::HEAD {
        StatusCode::FOUND
    } else {
        StatusCode::SEE_OTHER
    }
}

async fn token_required(
    web: &EsiWeb,
    session: &Session,
    parts: Parts,
    body: Body,
    here: &str,
    scopes: &Scopes,
    new: bool,
) -> Result<Step, WebError> {
    // The select-token form, whose CSRF token is checked before anything (the user included)
    // is looked up or created in the session.
    let mut body = body;
    if parts.method == Method::POST && is_form(&parts) {
        let bytes = match axum::body::to_bytes(body, web.config().max_form_bytes).await {
            Ok(b) => b,
            Err(_) => {
                return Ok(Step::Answer(web.error_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form is too large.",
                )));
            }
        };
        let form = Form::parse(&bytes);
        if form.get(FIELD_TOKEN).is_some() || form.get(FIELD_ADD).is_some() {
            if !session::check_csrf(session, form.get(FIELD_CSRF)).await? {
                return Ok(Step::Answer(expired_form(web)));
            }
            let user = web.inner.users.user(&parts, session).await?;
            return select_form_post(web, session, &form, user.as_deref(), here, scopes)
                .await
                .map(Step::Answer);
        }
        body = Body::from(bytes);
    }

    let user = web.inner.users.user(&parts, session).await?;

    // Back from EVE SSO for this page.
    if let Some(t) = take_login_token(web, session, false, here).await? {
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
        let tokens = one_per_character(
            web.store()
                .tokens()
                .user(user.clone())
                .require_scopes(scopes)
                .require_valid()
                .await?,
        );
        match tokens.len() {
            0 => {}
            1 => {
                let t = tokens.into_iter().next().expect("one token");
                return Ok(run(parts, body, Granted::One(t)));
            }
            _ => {
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
    }

    let status = redirect_status(&parts.method);
    Ok(Step::Answer(
        start_sso(web, session, scopes, here, false, status).await?,
    ))
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
    here: &str,
    scopes: &Scopes,
) -> Result<Response, WebError> {
    if form.get(FIELD_ADD).is_some() {
        return start_sso(web, session, scopes, here, false, StatusCode::SEE_OTHER).await;
    }
    let Some(id) = form.get(FIELD_TOKEN).and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(web.error_page(StatusCode::BAD_REQUEST, "No such character."));
    };
    if usable_token(web, id, user, scopes).await?.is_some() {
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

async fn tokens_required(
    web: &EsiWeb,
    session: &Session,
    parts: Parts,
    body: Body,
    here: &str,
    scopes: &Scopes,
) -> Result<Step, WebError> {
    let user = web.inner.users.user(&parts, session).await?;
    let list = |user: String| {
        web.store()
            .tokens()
            .user(user)
            .require_scopes(scopes)
            .require_valid()
    };

    if let Some(t) = take_login_token(web, session, false, here).await? {
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
    let status = redirect_status(&parts.method);
    Ok(Step::Answer(
        start_sso(web, session, scopes, here, false, status).await?,
    ))
}

/// The token of one of this session's finished logins, if the login was of the wanted kind
/// (single-use or not) and started for this page (`here`); the login record is deleted, so the
/// token is handed out once. Several logins may be in flight (one per tab): each is tried.
async fn take_login_token(
    web: &EsiWeb,
    session: &Session,
    single_use: bool,
    here: &str,
) -> Result<Option<Token>, WebError> {
    let logins = session::pending_logins(session).await?;
    if !logins.iter().any(|p| p.single_use == single_use) {
        return Ok(None);
    }
    let Some(key) = session::key(session).await? else {
        return Ok(None);
    };
    for pending in logins.iter().rev().filter(|p| p.single_use == single_use) {
        if let Some(token) = web
            .store()
            .take_finished_login(&key, &pending.state, here)
            .await?
        {
            session::remove_pending_login(session, &pending.state).await?;
            return Ok(Some(token));
        }
    }
    Ok(None)
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
