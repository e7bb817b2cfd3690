//! The typed request handle that generated methods return. It is the runtime's
//! [`esi_runtime::Request`] under a type of this crate, because the generated code adds each
//! operation's own optional parameters to it as methods (`.order_type(..)`), which Rust allows
//! only on a type of the crate that adds them. Every other method hands over to the runtime.

use std::future::IntoFuture;

use serde::de::DeserializeOwned;

use crate::{
    AccessToken, AllPages, CursorWalk, Language, Operation, PageStream, PagedByCursor,
    PagedByFromId, PagedByXPages, Result, TokenSource, WithResponse,
};

/// One call of operation `O`, ready to be configured and awaited.
///
/// Generated code adds the operation's own optional parameters as builder methods.
///
/// ```no_run
/// # async fn demo(client: esi_client::Client) -> Result<(), esi_client::Error> {
/// let status = client.status().get_status().await?;
/// let with_meta = client.status().get_status().with_response().await?;
/// println!("{} players, expires {:?}", status.players, with_meta.expires);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is awaited"]
#[derive(Debug, Clone)]
pub struct Request<O: Operation>(esi_runtime::Request<O>);

impl<O: Operation> Request<O> {
    /// Used by generated code.
    #[doc(hidden)]
    pub fn new(client: &esi_runtime::Client, op: O) -> Self {
        Request(esi_runtime::Request::new(client.clone(), op))
    }

    /// Used by generated setters.
    #[doc(hidden)]
    pub fn op_mut(&mut self) -> &mut O {
        self.0.op_mut()
    }

    /// The operation's parameters as set so far.
    pub fn operation(&self) -> &O {
        self.0.operation()
    }

    /// The runtime's request (for crates that take one).
    pub fn into_runtime(self) -> esi_runtime::Request<O> {
        self.0
    }

    /// Authenticates the call with an SSO access token.
    pub fn token(self, access_token: impl Into<AccessToken>) -> Self {
        Request(self.0.token(access_token))
    }

    /// Gets the access token from `source` (a token store), for the call's character and the
    /// operation's scopes, refreshed if needed.
    pub fn token_source<S: TokenSource + Clone + 'static>(self, source: &S) -> Self {
        Request(self.0.token_source(source))
    }

    /// Acts as this character when asking the token source (default: the call's
    /// `character_id` parameter; set it for corporation routes).
    pub fn character(self, character_id: i64) -> Self {
        Request(self.0.character(character_id))
    }

    /// Asks for answers in this language.
    pub fn language(self, language: Language) -> Self {
        Request(self.0.language(language))
    }

    /// Uses this compatibility date (`YYYY-MM-DD`) for this call only. A date in the future
    /// (ESI's day changes at 11:00 UTC) or before 2020-01-01 fails the call with
    /// [`Error::InvalidOption`](crate::Error::InvalidOption) before anything is sent.
    pub fn compatibility_date(self, date: impl Into<String>) -> Self {
        Request(self.0.compatibility_date(date))
    }

    /// Uses this tenant for this call only.
    pub fn tenant(self, tenant: impl Into<String>) -> Self {
        Request(self.0.tenant(tenant))
    }

    /// Asks for one page of an `X-Pages` route (pages start at 1).
    pub fn page(self, page: u32) -> Self {
        Request(self.0.page(page))
    }

    /// The longest this call may take, retries and waits for ESI's limits included (default:
    /// the client's, 30 s); past it the call fails with
    /// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded). Each page of a walk gets
    /// its own.
    pub fn deadline(self, deadline: std::time::Duration) -> Self {
        Request(self.0.deadline(deadline))
    }

    /// The largest answer body this call reads, after decompression (default: the client's,
    /// 64 MiB); a larger one fails with [`Error::BodyTooLarge`](crate::Error::BodyTooLarge).
    pub fn max_body_size(self, bytes: u64) -> Self {
        Request(self.0.max_body_size(bytes))
    }

    /// Revalidates the caller's own copy: sends `etag` (the [`Response::etag`](crate::Response::etag)
    /// of the data the caller holds, e.g. kept in a database across restarts) as
    /// `If-None-Match`; [`conditional`](Self::conditional) then tells "not modified" without
    /// a body. A plain `.await` keeps returning the data: from the cache when it holds that
    /// version, else asked again without the tag. For `X-Pages` walks the tag is the set's
    /// `Response::etag` of an earlier walk: each page is sent its own.
    pub fn if_none_match(self, etag: impl Into<String>) -> Self {
        Request(self.0.if_none_match(etag))
    }

    /// Sends the request with the caller's `ETag` and answers
    /// [`Conditional::NotModified`](crate::Conditional::NotModified) (metadata only) when the
    /// caller's version is current, else [`Conditional::Modified`](crate::Conditional::Modified)
    /// with the data.
    ///
    /// ```no_run
    /// # async fn demo(client: esi_client::Client, etag: String) -> Result<(), esi_client::Error> {
    /// use esi_client::Conditional;
    /// match client.status().get_status().if_none_match(etag).conditional().await? {
    ///     Conditional::Modified(status) => println!("{} players", status.data.players),
    ///     Conditional::NotModified(meta) => println!("unchanged until {:?}", meta.expires),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn conditional(self) -> crate::BoxFuture<'static, Result<crate::Conditional<O::Output>>> {
        self.0.conditional()
    }

    /// Asks ESI even when it refused this call (403, 404) a moment ago, and does not
    /// remember this call's refusal (see [`NegativeCaching`](crate::NegativeCaching)).
    pub fn no_negative_cache(self) -> Self {
        Request(self.0.no_negative_cache())
    }

    /// Returns the data with its status, headers and cache metadata.
    pub fn with_response(self) -> WithResponse<O> {
        self.0.with_response()
    }

    /// Sends the request and decodes the answer.
    pub async fn send(self) -> Result<O::Output> {
        self.0.send().await
    }
}

impl<O: Operation> From<Request<O>> for esi_runtime::Request<O> {
    fn from(request: Request<O>) -> Self {
        request.0
    }
}

impl<O: Operation> IntoFuture for Request<O> {
    type Output = Result<O::Output>;
    type IntoFuture = <esi_runtime::Request<O> as IntoFuture>::IntoFuture;

    fn into_future(self) -> Self::IntoFuture {
        self.0.into_future()
    }
}

impl<O, T> Request<O>
where
    O: PagedByXPages<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    /// Fetches every page of an `X-Pages` route and returns all items in page order
    /// (django-esi's `result_all_pages`).
    ///
    /// ```no_run
    /// # async fn demo(client: esi_client::Client) -> Result<(), esi_client::Error> {
    /// let orders = client.market().get_markets_region_id_orders(10000002).all_pages().await?;
    /// # let _ = orders; Ok(()) }
    /// ```
    ///
    /// Only operations with `X-Pages` have it (they implement [`PagedByXPages`]): a list
    /// that ESI answers in one piece does not compile.
    ///
    /// ```compile_fail,E0277
    /// # async fn demo(client: esi_client::Client) -> Result<(), esi_client::Error> {
    /// let alliances = client.alliance().get_alliances().all_pages().await?;
    /// # let _ = alliances; Ok(()) }
    /// ```
    #[doc(alias = "result_all_pages")]
    pub fn all_pages(self) -> AllPages<O> {
        self.0.all_pages()
    }

    /// Streams the pages of an `X-Pages` route in order, fetching a few ahead.
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// # async fn demo(client: esi_client::Client) -> Result<(), esi_client::Error> {
    /// let mut pages = client.market().get_markets_region_id_orders(10000002).pages();
    /// while let Some(page) = pages.next().await {
    ///     let page = page?;
    ///     println!("{} orders", page.data.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> PageStream<T> {
        self.0.pages()
    }
}

impl<O, T> Request<O>
where
    O: PagedByFromId<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    /// Walks a `from_id` route (wallet transactions) from the newest record back to the
    /// oldest ESI keeps, without duplicates. Only `from_id` operations have it
    /// ([`PagedByFromId`]).
    pub async fn walk_from_id(self) -> Result<Vec<T>> {
        self.0.walk_from_id().await
    }
}

impl<O: PagedByCursor + Clone> Request<O> {
    /// Walks a cursor route (`x-pagination: cursor`) back to its oldest record, following
    /// `before` until an answer has no records. Only cursor operations have it
    /// ([`PagedByCursor`]).
    pub async fn walk_cursor(self) -> Result<CursorWalk<O::Output>> {
        self.0.walk_cursor().await
    }
}
