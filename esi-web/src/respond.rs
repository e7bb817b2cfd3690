//! The answers the login routes and the token-requiring layers give instead of a handler's:
//! error pages of the site's [`Pages`](crate::Pages) (404, 405, internal failures),
//! redirects, and the refusals of a request another site sent or of a form without the
//! session's CSRF token.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{self, WebError};
use crate::html::{self, ErrorPage};
use crate::web::EsiWeb;

impl EsiWeb {
    /// A 404 page of the site's [`Pages`](crate::Pages), for the site's router fallback
    /// (`Router::fallback`).
    pub fn not_found(&self) -> Response {
        self.error_page(StatusCode::NOT_FOUND, "There is no page at this address.")
    }

    /// A 405 page of the site's [`Pages`](crate::Pages) (with `Allow: GET, HEAD, POST`), for the
    /// fallbacks of the site's routes (`MethodRouter::fallback`; see [`EsiWeb::token_required`]
    /// about `Router::method_not_allowed_fallback`).
    pub fn method_not_allowed(&self) -> Response {
        let mut resp = self.error_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "This page does not accept that method.",
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
        resp
    }

    /// A page of the site's [`Pages`](crate::Pages) for an error status, linking home.
    pub(crate) fn error_page(&self, status: StatusCode, message: &str) -> Response {
        let page = ErrorPage::new(status, message, &self.inner.config.home_url);
        html::page_response(status, self.inner.pages.error(&page))
    }

    /// [`EsiWeb::error_page`] also linking to `again`, where starting again makes sense.
    pub(crate) fn error_page_again(
        &self,
        status: StatusCode,
        message: &str,
        again: &str,
    ) -> Response {
        let page = ErrorPage::new(status, message, &self.inner.config.home_url).again(again);
        html::page_response(status, self.inner.pages.error(&page))
    }

    /// An internal failure as a page of the site's [`Pages`](crate::Pages) (details logged, not
    /// shown).
    pub(crate) fn failure(&self, e: WebError) -> Response {
        let status = e.status();
        tracing::error!(error = %e, "esi-web request failed");
        self.error_page(status, error::public_message(status))
    }
}

/// A redirect to `location` (already checked by the caller).
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (status, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The answer to a request another site sent: refused before any session is created or
/// touched.
pub(crate) fn refuse_cross_site(web: &EsiWeb) -> Response {
    tracing::debug!("refused a request sent by another site");
    web.error_page(
        StatusCode::FORBIDDEN,
        "This request came from another site, so it was refused. \
         Use the buttons and links on this site's own pages.",
    )
}

/// The 403 for a form without the session's CSRF token.
pub(crate) fn expired_form(web: &EsiWeb) -> Response {
    web.error_page(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from this site. Reload the page and try again.",
    )
}
