//! Query parameters of the login routes, keeping every value of repeated names so that a
//! repeated `code`, `state` or `next` can be refused rather than silently picked.

/// Query parameters, keeping every value of repeated names.
pub(crate) fn params(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// A parameter given more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Repeated;

/// The only value of `name`: `Ok(None)` when absent or empty.
pub(crate) fn single<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, Repeated> {
    let mut found = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(Repeated);
    }
    Ok(first.map(String::as_str).filter(|v| !v.is_empty()))
}
