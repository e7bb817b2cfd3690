//! One answer body and its entity tag, what a request asks of a resource (page, cursor,
//! `from_id`) and what it gets: the types `pages` renders and `records` slices.

use std::fmt::Write as _;

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// A body with its entity tag.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// The JSON bytes.
    pub bytes: Bytes,
    /// `ETag` value, quoted.
    pub etag: String,
}

impl Body {
    /// Wraps bytes, computing the entity tag.
    pub(crate) fn new(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        let etag = etag_of(&bytes);
        Body { bytes, etag }
    }
}

/// `"<32 hex digits>"`: the start of the body's SHA-256.
pub(crate) fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(34);
    out.push('"');
    for b in &digest[..16] {
        let _ = write!(out, "{b:02x}");
    }
    out.push('"');
    out
}

/// What a request asks of a resource.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slice {
    /// `page` (X-Pages).
    pub page: u32,
    /// `before` cursor.
    pub before: Option<String>,
    /// `after` cursor.
    pub after: Option<String>,
    /// `limit` (cursor).
    pub limit: Option<usize>,
    /// `from_id`.
    pub from_id: Option<i64>,
}

/// The answer a slice of a resource gives.
#[derive(Debug, Clone)]
pub(crate) enum Sliced {
    /// 204.
    NoContent,
    /// 200 with this body; `pages` is the `X-Pages` value for X-Pages routes.
    Body { body: Body, pages: Option<u32> },
    /// 404, page out of range.
    NoSuchPage,
    /// 400 with this message.
    Bad(String),
}
