//! Walking ESI's three kinds of pagination.
//!
//! - `X-Pages`: [`Request::all_pages`] fetches page 1, then pages 2..N concurrently (the
//!   client's page concurrency in flight at every moment, each page decoded on its own task;
//!   see `page_window`) and returns the items in page order; [`Request::pages`] streams them
//!   page by page, in order, for data too big to hold. Every page must carry page 1's `X-Pages` and `Last-Modified`: when ESI's cache
//!   refreshed mid-way, `all_pages` starts over (at most twice) and `pages` ends with
//!   [`Error::PagesChanged`], never mixing data of two versions.
//! - Cursor (`before`/`after`): [`Request::walk_cursor`] follows `before` to the oldest
//!   record and keeps the first answer's `after` token for polling.
//! - `from_id` (wallet transactions): [`Request::walk_from_id`] pages back from the newest.
//!
//! Each walker compiles only for operations of its kind (the marker traits of `paginated`,
//! implemented by generated code). Calls by name ([`DynamicCall::all_pages`]) walk `X-Pages`
//! through the same [`fetch_all`] as typed calls.
//!
//! [`DynamicCall::all_pages`]: crate::DynamicCall::all_pages

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::stream::{self, BoxStream, StreamExt};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::decode::{
    Raw, decode_response, decode_response_seed, header_text, pages_header, with_metadata,
};
use crate::error::{Error, Result, excerpt};
use crate::future::BoxFuture;
use crate::list_seed::ListSeed;
use crate::operation::{Operation, Pagination};
use crate::options::CallOptions;
use crate::page_set::{PageSet, split_tags};
use crate::page_window::{PageWindow, StartPage};
use crate::paginated::{PagedByCursor, PagedByFromId, PagedByXPages};
use crate::prepare::CallParts;
use crate::request::Request;
use crate::response::{Conditional, Response, http_date};
use crate::send::{send_parts, send_raw};

/// The most `all_pages` reserves ahead for the pages still to come; past it the list grows as
/// pages arrive.
const MAX_RESERVED_BYTES: usize = 256 * 1024 * 1024;
/// How many items `all_pages` reserves for the pages after page 1: as many as page 1 holds for
/// each (the server's page count trusted up to 500 pages), at most [`MAX_RESERVED_BYTES`].
fn reservation<T>(page_len: usize, total_pages: u32) -> usize {
    let later = total_pages.saturating_sub(1).min(500) as usize;
    let most = MAX_RESERVED_BYTES / std::mem::size_of::<T>().max(1);
    page_len.saturating_mul(later).min(most)
}

/// How often `all_pages` starts over when the page set changes under it.
const MAX_RESTARTS: u32 = 2;
/// The most pages a walk fetches: a larger `X-Pages` is refused, and the cursor and
/// `from_id` walkers stop there. Typed and by-name ([`DynamicCall`](crate::DynamicCall))
/// calls share the walkers, and so this bound.
pub const MAX_PAGES: u32 = 10_000;

/// Page 1's `X-Pages` (1 when absent), refused beyond [`MAX_PAGES`].
fn page_count(operation: &'static str, pages: Option<u32>) -> Result<u32> {
    match pages.unwrap_or(1) {
        pages if pages > MAX_PAGES => Err(Error::TooManyPages {
            operation,
            pages,
            max: MAX_PAGES,
        }),
        pages => Ok(pages),
    }
}

/// Called after each page of a by-name walk
/// ([`DynamicCall::all_pages`](crate::DynamicCall::all_pages)) with (pages done, pages in all).
pub type PageProgress = Arc<dyn Fn(u32, u32) + Send + Sync>;

/// The pages of an `X-Pages` route, in order, as [`Request::pages`] streams them.
pub type PageStream<T> = BoxStream<'static, Result<Response<Vec<T>>>>;

impl<O, T> Request<O>
where
    O: PagedByXPages<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    /// Fetches every page of an `X-Pages` route and returns all items in page order
    /// (django-esi's `result_all_pages`). With esi-client's generated API:
    ///
    /// ```ignore
    /// let orders = client.market().get_markets_region_id_orders(10000002).all_pages().await?;
    /// ```
    #[doc(alias = "result_all_pages")]
    pub fn all_pages(self) -> AllPages<O> {
        AllPages(self)
    }

    /// Streams the pages of an `X-Pages` route in order, fetching a few ahead. With
    /// esi-client's generated API:
    ///
    /// ```ignore
    /// use futures::StreamExt;
    /// let mut pages = client.market().get_markets_region_id_orders(10000002).pages();
    /// while let Some(page) = pages.next().await {
    ///     let page = page?;
    ///     println!("{} orders", page.data.len());
    /// }
    /// ```
    pub fn pages(self) -> PageStream<T> {
        let Request {
            client,
            op,
            options,
        } = self;
        let parts = match CallParts::of(&op) {
            Ok(parts) => parts,
            Err(error) => return stream::iter([Err(error)]).boxed(),
        };
        // Streamed pages are for data too big to hold: they are not kept in the cache.
        let mut options = options;
        options.no_store = true;
        let first = {
            let (client, parts) = (client.clone(), parts.clone());
            let options = page_options(&options, 1, false);
            async move {
                let raw = send_parts(&client, &parts, &options).await?;
                decode_response::<Vec<T>>(parts.info, raw)
            }
        };
        let operation = O::INFO.id;
        stream::once(first)
            .flat_map(move |first| match first {
                Err(error) => stream::iter([Err(error)]).boxed(),
                Ok(first) => {
                    let total = match page_count(operation, first.pages) {
                        Ok(total) => total,
                        Err(error) => return stream::iter([Err(error)]).boxed(),
                    };
                    let expected = (first.pages, first.last_modified);
                    let first_page = FirstPage {
                        version: expected,
                        current: !first.from_cache,
                    };
                    // A stream holds at most twice its concurrency in pages.
                    let window = u32::try_from(client.inner.page_concurrency.saturating_mul(2))
                        .unwrap_or(u32::MAX);
                    let page_len = Arc::new(AtomicUsize::new(first.data.len()));
                    // The later pages are fetched while the caller works on page 1.
                    let rest = later_pages(
                        &client, &parts, &options, total, page_len, first_page, window,
                    )
                    .scan(false, move |failed, page| {
                        if *failed {
                            return futures::future::ready(None);
                        }
                        let page = page.and_then(|p| check_page(operation, p, expected));
                        *failed = page.is_err();
                        futures::future::ready(Some(page))
                    });
                    stream::iter([Ok(first)]).chain(rest).boxed()
                }
            })
            .boxed()
    }
}

/// Options for one page.
fn page_options(options: &CallOptions, page: u32, revalidate: bool) -> CallOptions {
    let mut options = options.clone();
    options.page = Some(page);
    options.revalidate |= revalidate;
    options
}

/// Pages 2..=total, each fetched and decoded on its own task, the client's page concurrency
/// in flight at every moment, yielded in page order. Each is decoded into a list sized like
/// page 1 (`page_len` items, once known); `window` bounds how many pages past the next one
/// yielded are fetched or held. The first fetches start at once, before the stream is polled.
///
/// A page of page 1's set (`expected`) is used as it comes, from the cache or from ESI; a page
/// of an older cache window, or a cached page of another when page 1 is ESI's current answer
/// (`first_is_current`), is revalidated (`If-None-Match`), that page alone. So a walk that
/// starts over after ESI refreshed its data reuses the pages it already fetched at the new
/// version, and revalidates the older ones instead of downloading them again.
fn later_pages<T>(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
    total: u32,
    page_len: Arc<AtomicUsize>,
    first: FirstPage,
    window: u32,
) -> PageWindow<Response<Vec<T>>>
where
    T: DeserializeOwned + Send + 'static,
{
    let concurrency = client.inner.page_concurrency;
    let info = parts.info;
    let (client, parts, options) = (client.clone(), Arc::new(parts.clone()), options.clone());
    let start: StartPage<Response<Vec<T>>> = Box::new(move |page| {
        let (client, parts) = (client.clone(), parts.clone());
        let options = page_options(&options, page, false);
        let page_len = page_len.clone();
        Box::pin(async move {
            let mut raw = send_parts(&client, &parts, &options).await?;
            if first.wants_again(&raw) {
                let again = page_options(&options, page, true);
                raw = send_parts(&client, &parts, &again).await?;
            }
            let seed = ListSeed::<T>::new(page_len.load(Ordering::Relaxed));
            decode_response_seed(parts.info, raw, seed)
        })
    });
    let mut pages = PageWindow::new(info.id, 2..=total, concurrency, window, start);
    pages.start();
    pages
}

/// Which version of a page set an answer belongs to: its `X-Pages` and `Last-Modified`.
type PageVersion = (Option<u32>, Option<chrono::DateTime<chrono::Utc>>);

/// The [`PageVersion`] an answer's headers give.
fn version_of(headers: &reqwest::header::HeaderMap) -> PageVersion {
    (
        pages_header(headers),
        http_date(headers.get("last-modified")),
    )
}

/// What the later pages of a walk are held against: page 1's version, and whether page 1 is
/// ESI's current answer (it came from ESI, not from the cache).
#[derive(Debug, Clone, Copy)]
struct FirstPage {
    version: PageVersion,
    current: bool,
}

impl FirstPage {
    fn of(raw: &Raw) -> Self {
        FirstPage {
            version: version_of(&raw.headers),
            current: !raw.from_cache,
        }
    }

    /// Whether a later page must be asked again (revalidated): it is not of page 1's version,
    /// and it is of an older cache window than page 1 (its own window has ended), or it came
    /// from the cache while page 1 is ESI's current answer. A page of a newer window is kept:
    /// page 1 is the stale one, and the walk starts over from it.
    fn wants_again(&self, raw: &Raw) -> bool {
        let version = version_of(&raw.headers);
        version != self.version && (version.1 < self.version.1 || (raw.from_cache && self.current))
    }
}

/// A later page must belong to the same page set as page 1.
fn check_page<T>(
    operation: &'static str,
    page: Response<Vec<T>>,
    (pages, last_modified): PageVersion,
) -> Result<Response<Vec<T>>> {
    if page.pages != pages || page.last_modified != last_modified {
        return Err(Error::PagesChanged { operation });
    }
    Ok(page)
}

/// Every page of an `X-Pages` call, items in page order with page 1's metadata but the
/// set's `Expires` and `ETag` (see `page_set`): the one walker of typed ([`AllPages`]) and
/// by-name ([`DynamicCall`](crate::DynamicCall)) calls.
/// Refuses more than [`MAX_PAGES`] pages; starts over (at most [`MAX_RESTARTS`] times, page 1
/// revalidated with its `ETag` even when the cache holds it fresh, later pages reused from the
/// cache only when of page 1's version) when the page set changes under it; reports each page to `progress` as (pages done, pages
/// in all).
pub(crate) async fn fetch_all<T>(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
    progress: Option<&PageProgress>,
) -> Result<Response<Vec<T>>>
where
    T: DeserializeOwned + Send + 'static,
{
    let info = parts.info;
    // The caller's set tag is for `fetch_all_conditional`; each page revalidates its own.
    let plain;
    let options = if options.if_none_match.is_some() {
        plain = CallOptions {
            if_none_match: None,
            ..options.clone()
        };
        &plain
    } else {
        options
    };
    for restart in 0..=MAX_RESTARTS {
        let revalidate = restart > 0;
        let raw = send_parts(client, parts, &page_options(options, 1, revalidate)).await?;
        let total = page_count(info.id, pages_header(&raw.headers))?;
        let first_page = FirstPage::of(&raw);
        let expected = first_page.version;
        // Every page is kept anyway: any page may finish ahead of the others. The later pages
        // start at once; page 1 decodes while they are out.
        let page_len = Arc::new(AtomicUsize::new(0));
        let mut rest = later_pages(
            client,
            parts,
            options,
            total,
            page_len.clone(),
            first_page,
            u32::MAX,
        );
        let mut first = decode_response::<Vec<T>>(info, raw)?;
        page_len.store(first.data.len(), Ordering::Relaxed);
        if let Some(progress) = progress {
            progress(1, total);
        }
        // Pages are as long as the first (bar the last): grow the result once, trusting the
        // server's page count and page length only so far (a hostile page 1 with a huge
        // X-Pages must not reserve gigabytes before a single later page arrived).
        let ahead = reservation::<T>(first.data.len(), total);
        first.data.reserve(ahead);
        let mut set = PageSet::default();
        set.add(first.etag.as_deref(), first.expires);
        let mut changed = false;
        let mut done = 1;
        while let Some(page) = rest.next().await {
            match check_page(info.id, page?, expected) {
                Ok(page) => {
                    set.add(page.etag.as_deref(), page.expires);
                    first.data.extend(page.data);
                    first.from_cache &= page.from_cache;
                    first.not_modified &= page.not_modified;
                    done += 1;
                    if let Some(progress) = progress {
                        progress(done, total);
                    }
                }
                Err(_) => {
                    changed = true;
                    // The pages out and to come are still fetched (into the cache), not
                    // dropped half-way: the walk that starts over revalidates them, a 304
                    // each, instead of downloading them again.
                    while rest.next().await.is_some() {}
                    break;
                }
            }
        }
        if !changed {
            first.expires = set.expires();
            first.etag = set.etag();
            return Ok(first);
        }
        tracing::warn!(
            operation = info.id,
            restart = restart + 1,
            "the page set changed while paging (ESI refreshed its cache); starting over"
        );
    }
    Err(Error::PagesChanged { operation: info.id })
}

/// Every page of an `X-Pages` call revalidated against the set tag the caller holds (its
/// `if_none_match`, a set's [`Response::etag`] from an earlier walk): each page is sent its own
/// tag. When every page is the caller's version, in as many pages, the answer is
/// [`Conditional::NotModified`] with the set's metadata and nothing decoded; otherwise the
/// walk of [`fetch_all`], which takes the pages just fetched from the cache.
pub(crate) async fn fetch_all_conditional<T>(
    client: &Client,
    parts: &CallParts,
    options: &CallOptions,
) -> Result<Conditional<Vec<T>>>
where
    T: DeserializeOwned + Send + 'static,
{
    let Some(held) = options.if_none_match.as_deref() else {
        return fetch_all(client, parts, options, None)
            .await
            .map(Conditional::Modified);
    };
    let tags = split_tags(held);
    let probe = |page: u32| {
        let mut options = page_options(options, page, false);
        options.if_none_match = tags.get(page as usize - 1).cloned();
        options
    };
    let held_by_caller = |raw: &Raw, page: u32| {
        raw.status == 304
            || header_text(&raw.headers, "etag").as_deref()
                == tags.get(page as usize - 1).map(String::as_str)
    };
    let first = send_parts(client, parts, &probe(1)).await?;
    let total = page_count(parts.info.id, pages_header(&first.headers))?;
    let version = version_of(&first.headers);
    let mut set = PageSet::default();
    let mut unchanged = total as usize == tags.len() && held_by_caller(&first, 1);
    if unchanged {
        set.add(tags.first().map(String::as_str), expires_of(&first));
        let mut rest = stream::iter(2..=total)
            .map(|page| {
                let options = probe(page);
                async move { (page, send_parts(client, parts, &options).await) }
            })
            .buffered(client.inner.page_concurrency.max(1));
        while let Some((page, raw)) = rest.next().await {
            let raw = raw?;
            if version_of(&raw.headers) != version || !held_by_caller(&raw, page) {
                unchanged = false;
                break;
            }
            set.add(
                tags.get(page as usize - 1).map(String::as_str),
                expires_of(&raw),
            );
        }
    }
    if unchanged {
        let mut meta = with_metadata(first, ());
        meta.expires = set.expires();
        meta.etag = set.etag();
        return Ok(Conditional::NotModified(meta));
    }
    fetch_all(client, parts, options, None)
        .await
        .map(Conditional::Modified)
}

fn expires_of(raw: &Raw) -> Option<chrono::DateTime<chrono::Utc>> {
    http_date(raw.headers.get("expires"))
}

/// [`fetch_all`] of a typed request.
async fn fetch_all_typed<O, T>(request: Request<O>) -> Result<Response<Vec<T>>>
where
    O: Operation<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    let parts = CallParts::of(&request.op)?;
    fetch_all(&request.client, &parts, &request.options, None).await
}

/// All pages of an `X-Pages` route; await it for the items, or call
/// [`with_response`](AllPages::with_response) for the items with the page set's metadata.
#[must_use = "a request does nothing until it is awaited"]
#[derive(Debug)]
pub struct AllPages<O: Operation>(Request<O>);

impl<O, T> AllPages<O>
where
    O: PagedByXPages<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    /// Returns the items with the page set's metadata: page 1's status, headers and
    /// `Last-Modified` (every page shares it); `pages`, how many were fetched; `expires`, the
    /// latest of the pages' (asking sooner would fetch a page before its own `Expires`);
    /// `etag`, every page's tag in order (`"a", "b"`: it changes when any page changes; give
    /// it back to [`if_none_match`](Self::if_none_match)); `from_cache` and `not_modified`
    /// only when true of every page.
    pub fn with_response(self) -> BoxFuture<'static, Result<Response<Vec<T>>>> {
        Box::pin(fetch_all_typed(self.0))
    }

    /// Revalidates the page set the caller holds: `etag` is the set's
    /// [`Response::etag`] of an earlier walk, and each page is sent its own tag by
    /// [`conditional`](Self::conditional). A plain `.await` keeps returning the items.
    pub fn if_none_match(self, etag: impl Into<String>) -> Self {
        AllPages(self.0.if_none_match(etag))
    }

    /// Walks the pages with the caller's set tag ([`if_none_match`](Self::if_none_match)):
    /// [`Conditional::NotModified`] (no body decoded) when every page is still the caller's
    /// version, else [`Conditional::Modified`] with every item.
    pub fn conditional(self) -> BoxFuture<'static, Result<Conditional<Vec<T>>>> {
        let request = self.0;
        Box::pin(async move {
            let parts = CallParts::of(&request.op)?;
            fetch_all_conditional(&request.client, &parts, &request.options).await
        })
    }
}

impl<O, T> IntoFuture for AllPages<O>
where
    O: PagedByXPages<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    type Output = Result<Vec<T>>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { fetch_all_typed(self.0).await.map(Response::into_data) })
    }
}

/// What a cursor walk found.
#[derive(Debug, Clone)]
pub struct CursorWalk<T> {
    /// Every answer, newest first.
    pub pages: Vec<T>,
    /// The `after` token of the newest answer: pass it later to get only what changed.
    pub after: Option<String>,
}

impl<O> Request<O>
where
    O: PagedByCursor + Clone,
{
    /// Walks a cursor route (`x-pagination: cursor`) back to its oldest record, following
    /// `before` until an answer has no records.
    pub async fn walk_cursor(self) -> Result<CursorWalk<O::Output>> {
        let info = O::INFO;
        if info.pagination != Pagination::Cursor {
            return Err(wrong_kind(info.id, "cursor"));
        }
        let mut pages = Vec::new();
        let mut after = None;
        let mut before: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut options = self.options.clone();
            if let Some(token) = &before {
                options.query.push(("before", token.clone()));
            }
            let raw = send_raw(&self.client, &self.op, &options).await?;
            let value: serde_json::Value = parse(info.id, &raw.body)?;
            let cursor = value.get("cursor");
            let token = |name: &str| {
                cursor
                    .and_then(|c| c.get(name))
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
            };
            if pages.is_empty() {
                after = token("after");
            }
            let empty = value
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| k.as_str() != "cursor")
                        .any(|(_, v)| v.as_array().is_some_and(Vec::is_empty))
                })
                .unwrap_or(true);
            let next = token("before");
            if !empty {
                pages.push(decode_response::<O::Output>(info, raw)?.data);
            }
            if empty || next.is_none() || next == before {
                return Ok(CursorWalk { pages, after });
            }
            before = next;
        }
        Ok(CursorWalk { pages, after })
    }
}

impl<O, T> Request<O>
where
    O: PagedByFromId<Output = Vec<T>> + Clone,
    T: DeserializeOwned + Send + 'static,
{
    /// Walks a `from_id` route (wallet transactions) from the newest record back to the
    /// oldest ESI keeps, without duplicates.
    pub async fn walk_from_id(self) -> Result<Vec<T>> {
        let info = O::INFO;
        let (Pagination::FromId, Some(field)) = (info.pagination, info.from_id_field) else {
            return Err(wrong_kind(info.id, "from_id"));
        };
        let mut items = Vec::new();
        let mut from: Option<i64> = None;
        for _ in 0..MAX_PAGES {
            let mut options = self.options.clone();
            if let Some(id) = from {
                options.query.push(("from_id", id.to_string()));
            }
            let raw = send_raw(&self.client, &self.op, &options).await?;
            let values: Vec<serde_json::Value> = parse(info.id, &raw.body)?;
            let ids: Vec<Option<i64>> = values
                .iter()
                .map(|v| v.get(field).and_then(serde_json::Value::as_i64))
                .collect();
            let mut page = decode_response::<Vec<T>>(info, raw)?.data;
            // Each later answer starts with the record named by `from_id`: already kept.
            let skip = usize::from(from.is_some() && ids.first().copied().flatten() == from);
            let fresh = page.len().saturating_sub(skip);
            items.extend(page.drain(skip.min(page.len())..));
            let last = ids.last().copied().flatten();
            if fresh == 0 || last.is_none() || last == from {
                return Ok(items);
            }
            from = last;
        }
        Ok(items)
    }
}

fn parse<V: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<V> {
    serde_json::from_slice(body).map_err(|source| Error::Decode {
        operation,
        source,
        excerpt: excerpt(body, 200),
    })
}

fn wrong_kind(operation: &'static str, kind: &str) -> Error {
    Error::InvalidOption {
        operation,
        message: format!("the route does not use {kind} pagination"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_pages_reserves_a_bounded_amount_ahead() {
        // Ordinary: 50 pages of 1000 orders, all reserved.
        assert_eq!(reservation::<[u8; 100]>(1_000, 50), 49_000);
        // Hostile: a huge page 1 announcing 501 pages asks for 256 MiB at the most.
        let items = reservation::<[u8; 100]>(10_000_000, 501);
        assert_eq!(items, MAX_RESERVED_BYTES / 100);
        assert_eq!(
            reservation::<u64>(usize::MAX, u32::MAX),
            MAX_RESERVED_BYTES / 8
        );
        assert_eq!(reservation::<()>(usize::MAX, 2), MAX_RESERVED_BYTES);
    }
}
