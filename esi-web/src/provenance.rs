//! Who sent a request: a page of this site, another site, or nobody can tell. Browsers say it
//! in `Sec-Fetch-Site` (Fetch Metadata); without that header, a request that carries `Origin`
//! is this site's when the origin is the one the request was sent to (its `Host`) or the SSO
//! callback URL's. Without either header the sender is unknown: an old browser or a script,
//! which must then show the session's CSRF token before anything changes.
//!
//! Called before any session is created or touched, by the login route, the account forms and
//! the token-requiring layers.

use http::header::{HOST, ORIGIN};
use http::request::Parts;

/// The request header browsers set on every request (Chrome 76+, Firefox 90+, Safari 16.4+).
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Who sent a request, as far as its headers tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sender {
    /// A page of this origin, or the player typing the address (`Sec-Fetch-Site: none`).
    ThisSite,
    /// A page of another origin (another site, or a sibling origin of this one).
    AnotherSite,
    /// Neither header: an old browser, or a script.
    Unknown,
}

/// Who sent the request; `site_origin` is this site's origin as configured (the SSO callback
/// URL's), if it has one.
pub(crate) fn sender(parts: &Parts, site_origin: Option<&str>) -> Sender {
    if let Some(v) = parts.headers.get(SEC_FETCH_SITE) {
        return match v.to_str().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            Ok("same-origin") | Ok("none") => Sender::ThisSite,
            _ => Sender::AnotherSite,
        };
    }
    let Some(origin) = parts.headers.get(ORIGIN) else {
        return Sender::Unknown;
    };
    let Ok(origin) = origin.to_str().map(str::trim) else {
        return Sender::AnotherSite;
    };
    if site_origin.is_some_and(|o| o.eq_ignore_ascii_case(origin)) || sent_to(parts, origin) {
        Sender::ThisSite
    } else {
        Sender::AnotherSite
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the host the request was sent to.
fn sent_to(parts: &Parts, origin: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let target = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    target.is_some_and(|t| t.trim().eq_ignore_ascii_case(&authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder()
            .uri("/wallet")
            .header(HOST, "127.0.0.1:8000");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn fetch_metadata_decides_first() {
        let of = |v| sender(&parts(&[(SEC_FETCH_SITE, v)]), None);
        assert_eq!(of("same-origin"), Sender::ThisSite);
        assert_eq!(of("none"), Sender::ThisSite);
        assert_eq!(of("cross-site"), Sender::AnotherSite);
        assert_eq!(of("same-site"), Sender::AnotherSite);
        assert_eq!(of("bogus"), Sender::AnotherSite);
        // A same-origin claim with a foreign Origin: the browser's word wins.
        let p = parts(&[
            (SEC_FETCH_SITE, "cross-site"),
            ("origin", "http://127.0.0.1:8000"),
        ]);
        assert_eq!(sender(&p, None), Sender::AnotherSite);
    }

    #[test]
    fn origin_must_be_where_the_request_went() {
        let of = |o| sender(&parts(&[("origin", o)]), Some("https://site.example"));
        assert_eq!(of("http://127.0.0.1:8000"), Sender::ThisSite);
        assert_eq!(of("https://site.example"), Sender::ThisSite);
        assert_eq!(
            of("http://127.0.0.1:8001"),
            Sender::AnotherSite,
            "a sibling port"
        );
        assert_eq!(of("http://localhost:8000"), Sender::AnotherSite);
        assert_eq!(of("https://evil.example"), Sender::AnotherSite);
        assert_eq!(of("null"), Sender::AnotherSite);
        assert_eq!(sender(&parts(&[]), None), Sender::Unknown);
    }
}
