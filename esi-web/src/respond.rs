//! The answers the login routes and the token-requiring layers give instead of a handler's:
//! error pages of the site's [`Pages`](crate::Pages) (404, 405, internal failures), each
//! saying what happened and linking home and, where one works, to the next step; redirects; and
//! the refusals of a request another site sent or of a form without the session's CSRF token.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use esi_sso::Scopes;

use crate::error::{self, WebError};
use crate::html::{self, ErrorPage, NextStep};
use crate::web::EsiWeb;

impl EsiWeb {
    /// A 404 page of the site's [`Pages`](crate::Pages), for the site's router fallback
    /// (`Router::fallback`).
    pub fn not_found(&self) -> Response {
        self.error_page(StatusCode::NOT_FOUND, "There is no page at this address.")
    }

    /// A 405 page of the site's [`Pages`](crate::Pages), for the fallbacks of the site's routes
    /// (`MethodRouter::fallback`; see [`EsiWeb::token_required`] about
    /// `Router::method_not_allowed_fallback`). It carries no `Allow` header: axum's method
    /// router adds the one listing the route's own methods.
    pub fn method_not_allowed(&self) -> Response {
        self.error_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "This page does not accept that method.",
        )
    }

    /// [`EsiWeb::method_not_allowed`] with `Allow: allow`.
    pub(crate) fn method_not_allowed_here(&self, allow: HeaderValue) -> Response {
        let mut resp = self.method_not_allowed();
        resp.headers_mut().insert(header::ALLOW, allow);
        resp
    }

    /// A page of the site's [`Pages`](crate::Pages) for an error status, linking home.
    pub(crate) fn error_page(&self, status: StatusCode, message: &str) -> Response {
        let page = ErrorPage::new(status, message, &self.inner.config.home_url);
        html::page_response(status, self.inner.pages.error(&page))
    }

    /// [`EsiWeb::error_page`] also linking to `again`, where starting again works.
    pub(crate) fn error_page_again(
        &self,
        status: StatusCode,
        message: &str,
        again: &str,
    ) -> Response {
        self.error_page_next(status, message, "Start again", again)
    }

    /// [`EsiWeb::error_page`] also linking to `href` (`label`), the next step that works.
    pub(crate) fn error_page_next(
        &self,
        status: StatusCode,
        message: &str,
        label: &str,
        href: &str,
    ) -> Response {
        let page = ErrorPage::new(status, message, &self.inner.config.home_url)
            .next(NextStep::new(label, href));
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

/// The answer to a form or request another site sent: refused before any session is created
/// or touched.
pub(crate) fn refuse_cross_site(web: &EsiWeb) -> Response {
    tracing::debug!("refused a request sent by another site");
    web.error_page(
        StatusCode::FORBIDDEN,
        "This request came from another site, so it was refused and nothing changed here. \
         Use the buttons and links on this site's own pages.",
    )
}

/// The answer to a link on another site to the login route: no login starts, but the page
/// names the scopes asked for and links to the same login (`here`), which the player may
/// start from this site.
pub(crate) fn refuse_login_from_another_site(
    web: &EsiWeb,
    scopes: &Scopes,
    here: &str,
) -> Response {
    tracing::debug!("refused a login started by another site");
    let asked = if scopes.is_empty() {
        "no scopes".to_owned()
    } else {
        scopes.to_string()
    };
    web.error_page_next(
        StatusCode::FORBIDDEN,
        &format!(
            "Another site sent you here to log in with EVE Online (asking for {asked}), so no \
             login was started. To log in to this site with these permissions, continue here."
        ),
        "Log in here",
        here,
    )
}

/// The 403 for a form without the session's CSRF token; `again` is the page to reload.
pub(crate) fn expired_form(web: &EsiWeb, again: &str) -> Response {
    web.error_page_next(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from this site, so nothing changed. Open the \
         page again and retry.",
        "Open the page again",
        again,
    )
}
