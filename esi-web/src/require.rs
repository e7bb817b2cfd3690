//! The three token-requiring layers ([`crate::EsiWeb::token_required`],
//! [`crate::EsiWeb::tokens_required`], [`crate::EsiWeb::single_use_token`]): django-esi's
//! decorators as a tower layer around a route. Per request the layer first lets the `gate`
//! refuse what it does not serve or what another site sent (before the session is touched),
//! then decides whether the handler runs (with the token(s) in a request extension, read by
//! [`crate::EsiToken`] and [`crate::EsiTokens`]) or the browser is answered instead: a
//! select-token page, a redirect to EVE SSO, or a redirect after a pick.
//!
//! A login's token comes back through the token store: the SSO callback records it on the
//! login's row, under the session key and with the login's kind, the browser is sent back to
//! the page, and the page's layer takes it out (once). A single-use token is only ever handed
//! to a `single_use_token` page, a user's token never to one, and a single-use token is
//! revoked and deleted once its page has answered.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use esi_sso::Scopes;
use esi_store::{LoginKind, Token};
use futures::future::BoxFuture;
use tower_layer::Layer;
use tower_service::Service;
use tower_sessions::Session;

use crate::all_tokens::tokens_required;
use crate::error::WebError;
use crate::gate::{Gate, Served, admit};
use crate::need::{Afterwards, Granted, Need, Step, current_url, log_in_here, login_token};
use crate::one_token::token_required;
use crate::start::LoginFor;
use crate::web::EsiWeb;

/// A layer requiring tokens for a route; made by [`crate::EsiWeb::token_required`],
/// [`crate::EsiWeb::tokens_required`] and [`crate::EsiWeb::single_use_token`]. Put it on the
/// route (`get(handler).layer(..)`) or on a group of routes (`Router::route_layer`), inside the
/// session layer.
#[derive(Clone)]
pub struct RequireLayer {
    web: EsiWeb,
    need: Arc<Need>,
    served: Served,
}

impl std::fmt::Debug for RequireLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireLayer")
            .field("need", &self.need)
            .field("served", &self.served)
            .finish_non_exhaustive()
    }
}

impl RequireLayer {
    fn new(web: EsiWeb, need: Need) -> Self {
        let served = Served::new(matches!(need, Need::Token { .. }));
        Self {
            web,
            need: Arc::new(need),
            served,
        }
    }

    /// Lets these methods through to the route's handler too (a form of the site's own posted
    /// to the page, say). A layer serves GET and HEAD, and `token_required` POST for its
    /// select-token form; every other method is answered 405 (with `Allow` listing what the
    /// layer serves) before the session is touched. State-changing methods must come from this
    /// site: `Sec-Fetch-Site`, else `Origin`, else the session's CSRF token in the form's
    /// `_csrf` field or the [`crate::CSRF_HEADER`] header.
    pub fn with_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        let extra: Vec<Method> = methods.into_iter().collect();
        self.served = self.served.with(&extra);
        self
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
    /// The layer serves GET, HEAD and the select-token form's POST (see
    /// [`RequireLayer::with_methods`] for more); the form's POST reaches the layer even on a
    /// GET-only route, because a layer on a `MethodRouter` also wraps its fallback
    /// (`get(handler).layer(..)` is enough). Do not add `Router::method_not_allowed_fallback`
    /// over such routes: it replaces the fallback the layer wraps; give the route its own
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
    /// one). Serves GET and HEAD ([`RequireLayer::with_methods`] for more).
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
    /// user, whoever is logged in, is handed out once, and is revoked at EVE SSO and deleted
    /// once the handler has answered. Serves GET and HEAD ([`RequireLayer::with_methods`] for
    /// more).
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
            layer: self.clone(),
        }
    }
}

/// The service of a [`RequireLayer`].
#[derive(Clone)]
pub struct RequireService<S> {
    inner: S,
    layer: RequireLayer,
}

impl<S> std::fmt::Debug for RequireService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireService")
            .field("layer", &self.layer)
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
        let layer = self.layer.clone();
        Box::pin(async move {
            let web = &layer.web;
            let safe = req.method() == Method::GET || req.method() == Method::HEAD;
            let resp = match decide(&layer, req).await {
                Ok(Step::Run(req, afterwards)) => {
                    std::future::poll_fn(|cx| inner.poll_ready(cx)).await?;
                    let resp = inner.call(req).await?.into_response();
                    if let Afterwards::Revoke(t) = afterwards {
                        revoke_used(web, &t).await;
                    }
                    resp
                }
                Ok(Step::Answer(mut resp)) => {
                    // Reached through the route's fallback, the answer would otherwise get
                    // axum's `Allow`, which does not know the layer's own form.
                    if !safe {
                        resp.headers_mut()
                            .entry(header::ALLOW)
                            .or_insert(layer.served.allow());
                    }
                    resp
                }
                Err(e) => web.failure(e),
            };
            Ok(resp)
        })
    }
}

async fn decide(layer: &RequireLayer, req: Request) -> Result<Step, WebError> {
    let web = &layer.web;
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Err(WebError::NoSession);
    };
    let (parts, body) = req.into_parts();
    let admitted = match admit(web, &layer.served, &session, parts, body).await? {
        Gate::Pass(a) => a,
        Gate::Refuse(resp) => return Ok(Step::Answer(resp)),
    };
    let here = current_url(&admitted.parts);
    match &*layer.need {
        Need::Token { scopes, new } => {
            token_required(web, &layer.served, &session, admitted, &here, scopes, *new).await
        }
        Need::Tokens { scopes } => tokens_required(web, &session, admitted, &here, scopes).await,
        Need::SingleUse { scopes } => {
            single_use_token(web, &session, admitted.parts, admitted.body, &here, scopes).await
        }
    }
}

async fn single_use_token(
    web: &EsiWeb,
    session: &Session,
    parts: http::request::Parts,
    body: axum::body::Body,
    here: &str,
    scopes: &Scopes,
) -> Result<Step, WebError> {
    if let Some(t) = login_token(web, session, LoginKind::SingleUse, here).await? {
        if t.scopes.is_superset(scopes) {
            let mut parts = parts;
            parts.extensions.insert(Granted::One(t.clone()));
            return Ok(Step::Run(
                Request::from_parts(parts, body),
                Afterwards::Revoke(Box::new(t)),
            ));
        }
        tracing::warn!(token_id = t.id, "the single-use login lacks the scopes");
        revoke_used(web, &t).await;
    }
    let login = LoginFor {
        scopes,
        return_url: here,
        kind: LoginKind::SingleUse,
    };
    log_in_here(web, session, &parts, login).await
}

/// Revokes a single-use token at EVE SSO and deletes it; deleted all the same when EVE SSO
/// cannot revoke it now (nothing could hand it out again).
async fn revoke_used(web: &EsiWeb, token: &Token) {
    if let Err(e) = web.store().revoke(token).await {
        tracing::warn!(token_id = token.id, error = %e, "revoking a single-use token failed");
        if let Err(e) = web.store().delete(token.id).await {
            tracing::error!(token_id = token.id, error = %e, "deleting a single-use token failed");
        }
    }
}
