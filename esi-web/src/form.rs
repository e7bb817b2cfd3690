//! Posted forms: whether a request carries an `application/x-www-form-urlencoded` body
//! ([`is_form`]) and its fields ([`Form`]), for the select-token page and the account forms.

use axum::http::header;
use http::request::Parts;

/// A posted form's fields.
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// The fields of an `application/x-www-form-urlencoded` body.
    pub(crate) fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether the request's body is an `application/x-www-form-urlencoded` form.
pub(crate) fn is_form(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}
