//! What a person does on the fake SSO's login page, for tests and the offline demo: open the
//! authorize URL, pick a character on the HTML form, and receive the redirect back to the
//! application's callback (with `code` and `state`). Plain HTTP to the fake on loopback.

use std::time::Duration;

use url::Url;

/// Why the login page could not be played.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    /// The HTTP exchange with the fake SSO failed.
    #[error("talking to the fake SSO: {0}")]
    Http(#[from] reqwest::Error),
    /// The page or the redirect was not what the fake SSO serves.
    #[error("unexpected answer from the fake SSO: {0}")]
    Unexpected(String),
}

/// Opens `authorize_url` (on the fake SSO), picks `character_id` on its form, and returns the
/// callback URL the SSO redirects the browser to (not followed).
pub async fn play_login_page(authorize_url: &Url, character_id: i64) -> Result<Url, BrowseError> {
    // Plain HTTP only, but reqwest still wants a TLS provider in the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()?;
    let page = http
        .get(authorize_url.clone())
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let request_id = hidden_value(&page, "request_id")
        .ok_or_else(|| BrowseError::Unexpected("no login form on the page".into()))?;
    let grant = authorize_url
        .join(super::paths::GRANT_PATH)
        .map_err(|e| BrowseError::Unexpected(e.to_string()))?;
    let answer = http
        .post(grant)
        .form(&[
            ("request_id", request_id.as_str()),
            ("character_id", &character_id.to_string()),
        ])
        .send()
        .await?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| {
            BrowseError::Unexpected(format!("no redirect back (status {})", answer.status()))
        })?;
    Url::parse(location).map_err(|e| BrowseError::Unexpected(format!("bad redirect: {e}")))
}

/// The value of `<input ... name="NAME" value="...">` in a page.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + "value=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_string())
}
