//! Telling requests sent by another site apart, by the browser's `Sec-Fetch-Site` header
//! (Fetch Metadata): the login route and every state-changing POST refuse a request the browser
//! marks `cross-site` or `same-site` (another origin), before any session is created or touched.
//! A request without the header (an old browser, a script) is let through: the forms are also
//! protected by the session's CSRF token, and logins are bound to the session.

use http::request::Parts;

/// The request header browsers set on every request (Chrome 76+, Firefox 90+, Safari 16.4+).
pub(crate) const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Whether the browser says this request was made by a page of another origin.
pub(crate) fn from_another_site(parts: &Parts) -> bool {
    match parts.headers.get(SEC_FETCH_SITE) {
        None => false,
        Some(v) => !matches!(
            v.to_str().map(|s| s.trim().to_ascii_lowercase()).as_deref(),
            Ok("same-origin") | Ok("none")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(value: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri("/sso/login");
        if let Some(v) = value {
            b = b.header(SEC_FETCH_SITE, v);
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn only_same_origin_and_user_typed_requests_pass() {
        assert!(!from_another_site(&parts(None)));
        assert!(!from_another_site(&parts(Some("same-origin"))));
        assert!(!from_another_site(&parts(Some("none"))));
        assert!(from_another_site(&parts(Some("cross-site"))));
        assert!(from_another_site(&parts(Some("same-site"))));
        assert!(from_another_site(&parts(Some("bogus"))));
    }
}
