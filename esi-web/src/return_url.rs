//! Return targets after a login: only same-site relative URLs (a path with an optional query),
//! so `/sso/login?next=...` and stored callback URLs can never send the browser to another site
//! (no open redirect).

use url::Url;

/// Longest accepted return URL.
const MAX_LEN: usize = 2048;

/// Host of the base URL relative targets are resolved against, to check they stay on it.
const PROBE_HOST: &str = "esi-web.invalid";

/// `raw` if it is a same-site relative URL: it starts with exactly one `/`, holds no
/// backslash, whitespace or control character (browsers turn `\` into `/` and drop tabs and
/// newlines, which would make `/\evil` or `/\t/evil` a `//evil` host), and resolves to this
/// site. Everything else (`//evil`, `https://evil`, `\\evil`, `javascript:...`, `wallet`) is
/// `None`.
///
/// ```
/// use esi_web::safe_return_url;
/// assert_eq!(safe_return_url("/wallet?x=1"), Some("/wallet?x=1"));
/// for bad in ["//evil.com", "https://evil.com", "\\\\evil.com", "/\\evil.com", "/\t/evil.com", "wallet", ""] {
///     assert_eq!(safe_return_url(bad), None, "{bad:?}");
/// }
/// ```
pub fn safe_return_url(raw: &str) -> Option<&str> {
    if raw.is_empty() || raw.len() > MAX_LEN || !raw.starts_with('/') {
        return None;
    }
    if raw.starts_with("//") {
        return None;
    }
    if raw
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return None;
    }
    let base = Url::parse(&format!("http://{PROBE_HOST}/")).ok()?;
    let joined = base.join(raw).ok()?;
    if joined.scheme() != "http"
        || joined.host_str() != Some(PROBE_HOST)
        || joined.port().is_some()
        || !joined.username().is_empty()
        || joined.password().is_some()
    {
        return None;
    }
    Some(raw)
}

#[cfg(test)]
mod tests {
    use super::safe_return_url;

    #[test]
    fn accepts_paths() {
        for ok in ["/", "/wallet", "/a/b?c=d&e=%2F%2Fx", "/x#frag", "/%5Cevil"] {
            assert_eq!(safe_return_url(ok), Some(ok), "{ok:?}");
        }
    }

    #[test]
    fn rejects_other_sites() {
        for bad in [
            "//evil.com",
            "///evil.com",
            "https://evil.com",
            "http:evil.com",
            "\\\\evil.com",
            "\\/evil.com",
            "/\\evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "/ /evil.com",
            "javascript:alert(1)",
            "evil.com",
            "",
            "\u{0}/",
        ] {
            assert_eq!(safe_return_url(bad), None, "{bad:?}");
        }
        assert_eq!(safe_return_url(&format!("/{}", "a".repeat(4096))), None);
    }
}
