//! The login page a browser sees: `GET /v2/oauth/authorize` checks the application and callback,
//! then shows one button per character and the requested scopes; the form posts to
//! `POST /v2/oauth/authorize/grant`, which redirects (302) to `redirect_uri?code=..&state=..`.
//!
//! Stable hooks for headless browsers: the form is `#grant-form`, its hidden field
//! `name="request_id"`, each character button `name="character_id" value="<id>"` with
//! `id="character-<id>"`, the cancel button `name="deny"` / `id="deny"` (redirects with
//! `error=access_denied`), and each scope an `li.scope` inside `#scopes`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::config::FakeCharacter;
use super::paths::GRANT_PATH;
use super::state::{PendingLogin, Shared};

/// Why a login could not be started or completed programmatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// No application has this client id.
    #[error("unknown client_id {0:?}")]
    UnknownClient(String),
    /// The callback is not registered for the application.
    #[error("redirect_uri {0:?} is not registered for this client")]
    CallbackNotAllowed(String),
    /// No character has this id.
    #[error("unknown character {0}")]
    UnknownCharacter(i64),
}

/// `GET /v2/oauth/authorize`.
pub(crate) async fn page(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let Some(params) = single_params(query.as_deref().unwrap_or("").as_bytes()) else {
        return error_page("a query parameter is repeated");
    };
    let get = |k: &str| params.get(k).map(String::as_str);
    let client_id = get("client_id").unwrap_or("");
    let redirect_uri = get("redirect_uri").unwrap_or("");
    if let Err(e) = check_client(&shared, client_id, redirect_uri) {
        return error_page(&e.to_string());
    }
    let state = get("state").map(str::to_owned);
    let fail = |error: &str| redirect(redirect_uri, &[("error", error)], state.as_deref());
    if get("response_type") != Some("code") {
        return fail("unsupported_response_type");
    }
    if state.is_none() {
        return fail("invalid_request");
    }
    let challenge = get("code_challenge").map(str::to_owned);
    match (challenge.is_some(), get("code_challenge_method")) {
        (false, None) | (true, Some("S256")) => {}
        _ => return fail("invalid_request"),
    }
    let scopes = split_scopes(get("scope").unwrap_or(""));
    let request_id = shared.grants().add_pending(
        client_id.to_owned(),
        redirect_uri.to_owned(),
        scopes.clone(),
        state,
        challenge,
    );
    let characters = shared.characters().clone();
    let mut resp = Html(render(&request_id, client_id, &scopes, &characters)).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /v2/oauth/authorize/grant`: the login form's answer.
pub(crate) async fn grant(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(form) = single_params(&body) else {
        return error_page("a form field is repeated");
    };
    let Some(login) = form
        .get("request_id")
        .and_then(|id| shared.grants().take_pending(id))
    else {
        return error_page("unknown or expired login request; start again");
    };
    let PendingLogin {
        client_id,
        redirect_uri,
        scopes,
        state,
        code_challenge,
        ..
    } = login;
    if form.contains_key("deny") {
        return redirect(
            &redirect_uri,
            &[("error", "access_denied")],
            state.as_deref(),
        );
    }
    let character = form
        .get("character_id")
        .and_then(|id| id.parse::<i64>().ok())
        .and_then(|id| shared.character(id));
    let Some(character) = character else {
        return error_page("pick one of the listed characters");
    };
    let code = shared.grants().add_code(
        &client_id,
        &redirect_uri,
        character.id,
        scopes,
        code_challenge,
        shared.config.code_lifetime,
    );
    redirect(&redirect_uri, &[("code", &code)], state.as_deref())
}

/// Checks that the client exists and may use `redirect_uri`.
pub(crate) fn check_client(
    shared: &Shared,
    client_id: &str,
    redirect_uri: &str,
) -> Result<(), AuthorizeError> {
    let client = shared
        .config
        .client(client_id)
        .ok_or_else(|| AuthorizeError::UnknownClient(client_id.to_owned()))?;
    if !client.allows_callback(redirect_uri) {
        return Err(AuthorizeError::CallbackNotAllowed(redirect_uri.to_owned()));
    }
    Ok(())
}

/// Space-separated scopes, deduplicated, in order.
pub(crate) fn split_scopes(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in raw.split_whitespace() {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Form/query pairs as a map, or `None` if a name is repeated.
pub(crate) fn single_params(raw: &[u8]) -> Option<HashMap<String, String>> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw).into_owned() {
        if map.insert(k, v).is_some() {
            return None;
        }
    }
    Some(map)
}

/// 302 to `redirect_uri` with `pairs` and `state` appended to its query.
fn redirect(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("redirect_uri is not a URL");
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => error_page("redirect_uri cannot be used in a header"),
    }
}

/// 400 with a small HTML explanation.
fn error_page(message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>Fake EVE SSO: error</title></head>\
         <body><h1>Login error</h1><p id=\"error\">{}</p></body></html>\n",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The character picker.
fn render(
    request_id: &str,
    client_id: &str,
    scopes: &[String],
    characters: &[FakeCharacter],
) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <title>Fake EVE SSO: log in</title></head><body>\n",
    );
    html += &format!(
        "<h1>Log in to <span id=\"client-id\">{}</span></h1>\n",
        escape(client_id)
    );
    html += "<h2>Requested scopes</h2>\n<ul id=\"scopes\">\n";
    for s in scopes {
        html += &format!("<li class=\"scope\">{}</li>\n", escape(s));
    }
    html += &format!(
        "</ul>\n<form id=\"grant-form\" method=\"post\" action=\"{GRANT_PATH}\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{}\">\n",
        escape(request_id)
    );
    for c in characters {
        html += &format!(
            "<button type=\"submit\" id=\"character-{id}\" name=\"character_id\" \
             value=\"{id}\">{}</button>\n",
            escape(&c.name),
            id = c.id
        );
    }
    html += "<button type=\"submit\" id=\"deny\" name=\"deny\" value=\"1\">Cancel</button>\n\
             </form>\n</body></html>\n";
    html
}

/// Minimal HTML escaping for text and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
