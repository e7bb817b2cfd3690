//! Data with the metadata of the answer that carried it.

use chrono::{DateTime, Utc};

/// The decoded data of a call with its status, headers and cache metadata.
///
/// **What changed is told by the `ETag`.** ESI's `Last-Modified` is when its own cache entry
/// was made: it moves at every cache refresh while the data (and its `ETag`) stays the same.
/// Compare [`etag`](Self::etag) with the one you hold to know whether the data changed (a page
/// set's is a digest of every page's); use `last_modified` for that only where an answer has
/// no `ETag`.
#[derive(Debug, Clone)]
pub struct Response<T> {
    /// The decoded data.
    pub data: T,
    /// HTTP status of the answer.
    pub status: u16,
    /// All response headers.
    pub headers: http::HeaderMap,
    /// `ETag`: the data's version; a different one means different data.
    pub etag: Option<String>,
    /// `Expires`: do not ask ESI again before then.
    pub expires: Option<DateTime<Utc>>,
    /// `Last-Modified`: when ESI made the cache entry this answer came from (it moves at
    /// each cache refresh, changed data or not: see the `ETag`).
    pub last_modified: Option<DateTime<Utc>>,
    /// `X-Pages`: how many pages the route has.
    pub pages: Option<u32>,
    /// Whether this call sent no request: the data came from the client's cache, or from an
    /// identical request already in flight (see the crate docs on sharing).
    pub from_cache: bool,
    /// Whether ESI answered 304 and the cached data was used.
    pub not_modified: bool,
}

impl<T> Response<T> {
    /// The data, dropping the metadata.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Maps the data, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            data: f(self.data),
            status: self.status,
            headers: self.headers,
            etag: self.etag,
            expires: self.expires,
            last_modified: self.last_modified,
            pages: self.pages,
            from_cache: self.from_cache,
            not_modified: self.not_modified,
        }
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The answer to a call carrying the caller's `ETag` ([`Request::conditional`]): the data,
/// when it is not the version the caller holds, or only the metadata when it is.
///
/// [`Request::conditional`]: crate::Request::conditional
#[derive(Debug, Clone)]
pub enum Conditional<T> {
    /// Another version than the caller's: the data with its metadata (its new `ETag`).
    Modified(Response<T>),
    /// The caller's version is current (ESI answered 304, or the cache holds that version
    /// fresh): no body, and the answer's metadata (the new `Expires`, `Last-Modified`).
    NotModified(Response<()>),
}

impl<T> Conditional<T> {
    /// Whether the data changed from the caller's version.
    pub fn is_modified(&self) -> bool {
        matches!(self, Conditional::Modified(_))
    }

    /// The new data, if it changed.
    pub fn modified(self) -> Option<Response<T>> {
        match self {
            Conditional::Modified(response) => Some(response),
            Conditional::NotModified(_) => None,
        }
    }

    /// The answer's `Expires`: do not ask again before then.
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        match self {
            Conditional::Modified(response) => response.expires,
            Conditional::NotModified(response) => response.expires,
        }
    }

    /// The `ETag` of the version now current (keep it for the next call).
    pub fn etag(&self) -> Option<&str> {
        match self {
            Conditional::Modified(response) => response.etag.as_deref(),
            Conditional::NotModified(response) => response.etag.as_deref(),
        }
    }
}

/// Parses an HTTP date (`Expires`, `Last-Modified`).
pub(crate) fn http_date(value: Option<&http::HeaderValue>) -> Option<DateTime<Utc>> {
    let text = value?.to_str().ok()?;
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}
