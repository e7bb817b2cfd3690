//! What a token-requiring layer lets through before it touches the session. Only the methods it
//! serves ([`Served`]): any other is answered 405 with the route's `Allow`. Of the
//! state-changing ones (anything but GET and HEAD) only those this site sent: the browser's
//! `Sec-Fetch-Site` decides; without it, `Origin`; without both, the request must carry the
//! session's CSRF token (a form's `_csrf` field, or the [`CSRF_HEADER`] header). A refused
//! request creates no session and sets no cookie, so another site's form cannot replace the
//! player's session.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use http::request::Parts;
use tower_sessions::Session;

use crate::error::WebError;
use crate::form::{Form, is_form};
use crate::html::FIELD_CSRF;
use crate::need::current_url;
use crate::provenance::{Sender, sender};
use crate::respond::{expired_form, refuse_cross_site};
use crate::session;
use crate::web::EsiWeb;

/// The request header that carries the session's CSRF token when the body is not a form (a
/// script posting JSON to a page behind a token-requiring layer, say).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The methods a layer serves: GET and HEAD, POST when the layer has a form of its own (the
/// select-token page), and those the site declared for its handler.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    own_form: bool,
    handler: Arc<[Method]>,
}

impl Served {
    /// GET and HEAD, with POST for the layer's own form when `own_form`.
    pub(crate) fn new(own_form: bool) -> Self {
        Self {
            own_form,
            handler: [Method::GET, Method::HEAD].into(),
        }
    }

    /// Also these methods, for the handler.
    pub(crate) fn with(&self, extra: &[Method]) -> Self {
        let mut handler = self.handler.to_vec();
        for m in extra {
            if !handler.contains(m) {
                handler.push(m.clone());
            }
        }
        Self {
            own_form: self.own_form,
            handler: handler.into(),
        }
    }

    /// Whether the handler behind the layer receives `method`.
    pub(crate) fn serves_handler(&self, method: &Method) -> bool {
        self.handler.contains(method)
    }

    /// Whether the layer serves `method` (for its own form or for the handler).
    pub(crate) fn serves(&self, method: &Method) -> bool {
        (self.own_form && method == Method::POST) || self.serves_handler(method)
    }

    /// The `Allow` header listing them (`GET,HEAD,POST`, as axum writes it).
    pub(crate) fn allow(&self) -> HeaderValue {
        let mut list: Vec<&str> = self.handler.iter().map(Method::as_str).collect();
        if self.own_form && !self.handler.contains(&Method::POST) {
            list.insert(2, Method::POST.as_str());
        }
        HeaderValue::from_str(&list.join(",")).unwrap_or(HeaderValue::from_static("GET,HEAD"))
    }
}

/// A request the gate let through, with its form when it posted one (the body is still there
/// for the handler).
pub(crate) struct Admitted {
    pub(crate) parts: Parts,
    pub(crate) body: Body,
    pub(crate) form: Option<Form>,
}

/// What the gate decided.
pub(crate) enum Gate {
    /// Go on.
    Pass(Admitted),
    /// Answer this, without touching the session.
    Refuse(Response),
}

/// The gate: method, then sender, then (sender unknown) the session's CSRF token. Reading the
/// CSRF token never creates a session.
pub(crate) async fn admit(
    web: &EsiWeb,
    served: &Served,
    session: &Session,
    parts: Parts,
    body: Body,
) -> Result<Gate, WebError> {
    if !served.serves(&parts.method) {
        return Ok(Gate::Refuse(web.method_not_allowed_here(served.allow())));
    }
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return Ok(Gate::Pass(Admitted {
            parts,
            body,
            form: None,
        }));
    }
    let from = sender(&parts, web.inner.origin.as_deref());
    if from == Sender::AnotherSite {
        return Ok(Gate::Refuse(refuse_cross_site(web)));
    }
    let (body, form) = if is_form(&parts) {
        let Ok(bytes) = axum::body::to_bytes(body, web.config().max_form_bytes).await else {
            return Ok(Gate::Refuse(web.error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The form is too large.",
            )));
        };
        let form = Form::parse(&bytes);
        (Body::from(bytes), Some(form))
    } else {
        (body, None)
    };
    if from == Sender::Unknown {
        let sent = match &form {
            Some(f) => f.get(FIELD_CSRF),
            None => parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
        };
        if !session::check_csrf(session, sent).await? {
            return Ok(Gate::Refuse(expired_form(web, &current_url(&parts))));
        }
    }
    Ok(Gate::Pass(Admitted { parts, body, form }))
}
