//! Per-call options over the client's defaults ([`CallOptions`]), and the setters every kind of
//! call (typed [`Request`](crate::Request)s, by-name [`DynamicCall`](crate::DynamicCall)s)
//! offers for them.

use std::sync::Arc;

use crate::auth::{AccessToken, TokenSource};
use crate::enums::Language;

/// Per-call options; unset ones fall back to the client's.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// Bearer token.
    pub token: Option<AccessToken>,
    /// Where to get a token when none is given.
    pub token_source: Option<Arc<dyn TokenSource>>,
    /// The character to ask the token source for (default: the `character_id` parameter).
    pub character_id: Option<i64>,
    /// Response language.
    pub language: Option<Language>,
    /// Compatibility date for this call.
    pub compatibility_date: Option<String>,
    /// Tenant for this call.
    pub tenant: Option<String>,
    /// Page of an `X-Pages` route.
    pub page: Option<u32>,
    /// The longest the call may take, retries and waits for ESI's limits included (default:
    /// the client's).
    pub deadline: Option<std::time::Duration>,
    /// The largest answer body the call reads, after decompression (default: the client's).
    pub max_body_size: Option<u64>,
    /// The caller's `ETag` of the data it holds, sent as `If-None-Match` (see
    /// [`Request::if_none_match`](crate::Request::if_none_match)).
    pub if_none_match: Option<String>,
    /// Don't answer from, or keep, a remembered 403 or 404 (see
    /// [`NegativeCaching`](crate::NegativeCaching)).
    pub no_negative_cache: bool,
    /// Query parameters set by the runtime's walkers (cursor, `from_id`), replacing the
    /// operation's own.
    pub(crate) query: Vec<(&'static str, String)>,
    /// Ask ESI even when the cache holds a fresh answer, revalidating it with its `ETag` (a
    /// page walk that met two of ESI's cache windows).
    pub(crate) revalidate: bool,
    /// Read the cache but store nothing (streamed pages, too big to keep).
    pub(crate) no_store: bool,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("token", &self.token)
            .field(
                "token_source",
                &self.token_source.as_ref().map(|_| "<dyn TokenSource>"),
            )
            .field("character_id", &self.character_id)
            .field("language", &self.language)
            .field("compatibility_date", &self.compatibility_date)
            .field("tenant", &self.tenant)
            .field("page", &self.page)
            .field("deadline", &self.deadline)
            .field("max_body_size", &self.max_body_size)
            .field("if_none_match", &self.if_none_match)
            .field("no_negative_cache", &self.no_negative_cache)
            .field("query", &self.query)
            .field("revalidate", &self.revalidate)
            .field("no_store", &self.no_store)
            .finish()
    }
}

/// The per-call options every kind of call offers (typed [`Request`]s and by-name
/// [`DynamicCall`](crate::DynamicCall)s): both keep them in a field `options`.
macro_rules! call_option_setters {
    () => {
        /// Authenticates the call with an SSO access token.
        pub fn token(mut self, access_token: impl Into<$crate::auth::AccessToken>) -> Self {
            self.options.token = Some(access_token.into());
            self
        }

        /// Gets the access token from `source` (a token store), for the call's character and
        /// the operation's scopes, refreshed if needed.
        pub fn token_source<S: $crate::auth::TokenSource + Clone + 'static>(
            mut self,
            source: &S,
        ) -> Self {
            self.options.token_source = Some(::std::sync::Arc::new(source.clone()));
            self
        }

        /// Acts as this character when asking the token source (default: the call's
        /// `character_id` parameter; set it for corporation routes).
        pub fn character(mut self, character_id: i64) -> Self {
            self.options.character_id = Some(character_id);
            self
        }

        /// Asks for answers in this language.
        pub fn language(mut self, language: $crate::enums::Language) -> Self {
            self.options.language = Some(language);
            self
        }

        /// Uses this compatibility date (`YYYY-MM-DD`) for this call only. A date in the future
        /// (ESI's day changes at 11:00 UTC) or before 2020-01-01 fails the call with
        /// [`Error::InvalidOption`](crate::Error::InvalidOption) before anything is sent.
        pub fn compatibility_date(mut self, date: impl Into<String>) -> Self {
            self.options.compatibility_date = Some(date.into());
            self
        }

        /// Uses this tenant for this call only.
        pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
            self.options.tenant = Some(tenant.into());
            self
        }

        /// Asks for one page of an `X-Pages` route (pages start at 1).
        pub fn page(mut self, page: u32) -> Self {
            self.options.page = Some(page);
            self
        }

        /// The longest this call may take, retries and waits for ESI's limits included
        /// (default: the client's, 30 s); past it the call fails with
        /// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded). Each page of a walk
        /// gets its own.
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.options.deadline = Some(deadline);
            self
        }

        /// Revalidates the caller's own copy: sends `etag` (the [`Response::etag`]($crate::Response::etag)
        /// of the data the caller holds, e.g. kept in its database across restarts) as
        /// `If-None-Match`; `.conditional()` then tells "not modified" without a body. A plain
        /// `.await` keeps returning the data: from the cache when it holds that version, else
        /// asked again without the tag. A fresh cached answer is served without a request.
        /// For `X-Pages` walks the tag is the set's [`Response::etag`]($crate::Response::etag)
        /// of an earlier walk: each page is sent its own.
        pub fn if_none_match(mut self, etag: impl Into<String>) -> Self {
            self.options.if_none_match = Some(etag.into());
            self
        }

        /// Asks ESI even when it refused this call (403, 404) a moment ago, and does not
        /// remember this call's refusal (see [`NegativeCaching`]($crate::NegativeCaching)).
        pub fn no_negative_cache(mut self) -> Self {
            self.options.no_negative_cache = true;
            self
        }

        /// The largest answer body this call reads, after decompression (default: the
        /// client's, 64 MiB); a larger one fails with
        /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge).
        pub fn max_body_size(mut self, bytes: u64) -> Self {
            self.options.max_body_size = Some(bytes);
            self
        }
    };
}
pub(crate) use call_option_setters;
