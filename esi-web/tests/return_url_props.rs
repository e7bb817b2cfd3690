//! `safe_return_url` fed arbitrary strings, and strings built from the pieces open redirects are
//! made of: it never panics, and whatever it accepts stays on the site when a browser resolves
//! it against any page of the site. Bounded case counts, so it runs in seconds.

use esi_web::safe_return_url;
use proptest::prelude::*;
use url::Url;

const CASES: u32 = 1024;

/// Pages a return URL may be resolved against: the site's root, a deep page, another port.
const BASES: [&str; 3] = [
    "https://site.example/",
    "https://site.example/a/b/c?x=1#f",
    "http://site.example:8080/sso/callback",
];

/// Pieces of open redirects: slashes and backslashes, schemes, hosts, user info, encodings,
/// whitespace and control characters browsers strip, Unicode look-alikes.
const PIECES: &[&str] = &[
    "/",
    "//",
    "\\",
    "\\\\",
    ":",
    "@",
    "?",
    "#",
    ".",
    "..",
    "%2F",
    "%2f",
    "%5C",
    "%09",
    "%00",
    "%2E",
    "http:",
    "https:",
    "javascript:",
    "data:",
    "evil.com",
    "site.example",
    "wallet",
    "\t",
    "\n",
    "\r",
    " ",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{3000}",
    "\u{feff}",
    "\u{ff0f}",
    "\u{2215}",
    "\u{29f5}",
    "\u{fe68}",
    "\u{ff3c}",
    "a",
    "1",
];

fn pieced() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|p| p.concat())
}

/// The properties of one accepted URL.
fn check(raw: &str) -> Result<(), TestCaseError> {
    let Some(accepted) = safe_return_url(raw) else {
        return Ok(());
    };
    prop_assert_eq!(accepted, raw, "it returns its input or nothing");
    prop_assert!(raw.starts_with('/'));
    prop_assert!(!raw.starts_with("//"), "{:?} is protocol-relative", raw);
    prop_assert!(!raw.contains('\\'), "{:?} has a backslash", raw);
    prop_assert!(
        !raw.chars().any(|c| c.is_whitespace() || c.is_control()),
        "{:?} has characters browsers strip",
        raw
    );
    for base in BASES {
        let base = Url::parse(base).expect("base");
        let joined = base
            .join(raw)
            .map_err(|e| TestCaseError::fail(format!("{raw:?} accepted but unparsable: {e}")))?;
        prop_assert_eq!(
            joined.scheme(),
            base.scheme(),
            "{:?} changes the scheme",
            raw
        );
        prop_assert_eq!(
            joined.host_str(),
            base.host_str(),
            "{:?} leaves the site",
            raw
        );
        prop_assert_eq!(joined.port(), base.port(), "{:?} changes the port", raw);
        prop_assert!(joined.username().is_empty() && joined.password().is_none());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_strings(raw in any::<String>()) {
        check(&raw)?;
    }

    #[test]
    fn strings_starting_with_a_slash(rest in any::<String>()) {
        check(&format!("/{rest}"))?;
    }

    #[test]
    fn strings_made_of_redirect_pieces(raw in pieced()) {
        check(&raw)?;
    }

    #[test]
    fn a_path_then_redirect_pieces(path in "/[a-z0-9/]{0,8}", tail in pieced()) {
        check(&format!("{path}{tail}"))?;
    }
}
