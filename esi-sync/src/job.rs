//! [`Job`]: one kind of data kept fresh (an operation built from the subject's id, one page or
//! all pages, and the handler of its changes), type-erased so one fleet holds operations of
//! any types. Fetching goes through the runtime's [`Request`]: its cache revalidates with
//! `If-None-Match`, its limits pace the calls.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use esi_runtime::{
    BoxFuture, Client, Conditional, Operation, OperationInfo, PagedByXPages, Params, Request,
    Response,
};

use crate::change::{Change, Handler};
use crate::subject::Subject;
use crate::tokens::RunTokens;

/// One kind of data to keep fresh, for any subject it is declared for: a name (unique within a
/// subject), how to build the operation from the subject's id, and the handler of changes.
#[derive(Clone)]
pub struct Job {
    pub(crate) name: String,
    pub(crate) fetch: Arc<dyn Fetch>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("operation", &self.fetch.info().id)
            .finish()
    }
}

impl Job {
    /// A job of one answer: `build` makes the operation from the subject's id (the
    /// character's, or the corporation's), `handler` gets its data when it changed.
    ///
    /// `build` takes the operation out of a request made with esi-client's generated API:
    ///
    /// ```
    /// # fn example(api: esi_client::Client) {
    /// use esi_sync::{Change, Job, handler};
    ///
    /// let wallet = Job::single(
    ///     "wallet",
    ///     move |id| api.wallet().get_characters_character_id_wallet(id).operation().clone(),
    ///     handler(|change: Change<f64>| async move {
    ///         println!("{} holds {} ISK", change.subject, change.data);
    ///         Ok(())
    ///     }),
    /// );
    /// # let _ = wallet;
    /// # }
    /// ```
    pub fn single<O: Operation>(
        name: impl Into<String>,
        build: impl Fn(i64) -> O + Send + Sync + 'static,
        handler: Handler<O::Output>,
    ) -> Job {
        Job {
            name: name.into(),
            fetch: Arc::new(Single {
                build: Box::new(build),
                handler,
            }),
        }
    }

    /// A job of every page of an `X-Pages` route: the handler gets all items, in page order,
    /// when any page changed.
    pub fn all_pages<O, T>(
        name: impl Into<String>,
        build: impl Fn(i64) -> O + Send + Sync + 'static,
        handler: Handler<Vec<T>>,
    ) -> Job
    where
        O: PagedByXPages<Output = Vec<T>> + Clone,
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        Job {
            name: name.into(),
            fetch: Arc::new(AllPages {
                build: Box::new(build),
                handler,
            }),
        }
    }

    /// The job's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operation it calls.
    pub fn operation(&self) -> &'static OperationInfo {
        self.fetch.info()
    }
}

/// What a run needs besides the job.
pub(crate) struct RunContext<'a> {
    pub client: &'a Client,
    pub tokens: &'a RunTokens,
    pub key: &'a str,
    pub subject: Subject,
    /// The stored version: (`ETag`, `Last-Modified` in Unix ms).
    pub seen: (Option<&'a str>, Option<i64>),
}

/// What a run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetched {
    pub etag: Option<String>,
    pub expires_ms: Option<i64>,
    pub last_modified_ms: Option<i64>,
    /// Whether the handler was called (the data changed).
    pub delivered: bool,
    /// Whether ESI answered 304 (every page, for all pages).
    pub not_modified: bool,
    /// Requests the data took: the pages fetched (0 when the client's cache answered).
    pub pages: u32,
}

/// Why a run failed.
#[derive(Debug)]
pub(crate) enum RunFailure {
    /// The call failed (ESI, the network, the token).
    Esi(esi_runtime::Error),
    /// The handler did not take the change (the answer stays in the client's cache for the
    /// retry).
    Handler { message: String },
}

/// Fetching one job for one subject, and handing changes to its handler.
pub(crate) trait Fetch: Send + Sync {
    fn info(&self) -> &'static OperationInfo;
    /// The request path and query, for the job's `params` column.
    fn describe(&self, subject_id: i64) -> String;
    fn run<'a>(&'a self, ctx: RunContext<'a>) -> BoxFuture<'a, Result<Fetched, RunFailure>>;
}

struct Single<O: Operation> {
    build: Box<dyn Fn(i64) -> O + Send + Sync>,
    handler: Handler<O::Output>,
}

struct AllPages<O: Operation> {
    build: Box<dyn Fn(i64) -> O + Send + Sync>,
    handler: Handler<O::Output>,
}

fn describe<O: Operation>(op: &O) -> String {
    let mut params = Params::default();
    op.params(&mut params);
    let mut text = op.path();
    for (i, (name, value)) in params.query.iter().enumerate() {
        text.push(if i == 0 { '?' } else { '&' });
        text.push_str(name);
        text.push('=');
        text.push_str(value);
    }
    text
}

fn request<O: Operation>(ctx: &RunContext<'_>, op: O) -> Request<O> {
    Request::new(ctx.client.clone(), op)
        .token_source(ctx.tokens)
        .character(ctx.subject.acting_character())
}

impl<O: Operation> Fetch for Single<O> {
    fn info(&self) -> &'static OperationInfo {
        O::INFO
    }

    fn describe(&self, subject_id: i64) -> String {
        describe(&(self.build)(subject_id))
    }

    fn run<'a>(&'a self, ctx: RunContext<'a>) -> BoxFuture<'a, Result<Fetched, RunFailure>> {
        Box::pin(async move {
            let op = (self.build)(ctx.subject.id());
            let mut call = request(&ctx, op);
            if let Some(etag) = ctx.seen.0 {
                call = call.if_none_match(etag);
            }
            match call.conditional().await.map_err(RunFailure::Esi)? {
                Conditional::Modified(response) => {
                    let pages = u32::from(!response.from_cache);
                    deliver(&ctx, &self.handler, response, pages).await
                }
                Conditional::NotModified(meta) => {
                    let pages = u32::from(!meta.from_cache);
                    Ok(unchanged(meta, pages))
                }
            }
        })
    }
}

impl<O, T> Fetch for AllPages<O>
where
    O: PagedByXPages<Output = Vec<T>> + Clone,
    T: serde::de::DeserializeOwned + Send + 'static,
{
    fn info(&self) -> &'static OperationInfo {
        O::INFO
    }

    fn describe(&self, subject_id: i64) -> String {
        describe(&(self.build)(subject_id))
    }

    fn run<'a>(&'a self, ctx: RunContext<'a>) -> BoxFuture<'a, Result<Fetched, RunFailure>> {
        Box::pin(async move {
            let op = (self.build)(ctx.subject.id());
            let mut walk = request(&ctx, op).all_pages();
            if let Some(etag) = ctx.seen.0 {
                // Each page is sent its own tag of the set last delivered.
                walk = walk.if_none_match(etag);
            }
            let requests = |from_cache: bool, pages: Option<u32>| {
                if from_cache { 0 } else { pages.unwrap_or(1) }
            };
            match walk.conditional().await.map_err(RunFailure::Esi)? {
                Conditional::Modified(response) => {
                    let pages = requests(response.from_cache, response.pages);
                    deliver(&ctx, &self.handler, response, pages).await
                }
                Conditional::NotModified(meta) => {
                    let pages = requests(meta.from_cache, meta.pages);
                    Ok(unchanged(meta, pages))
                }
            }
        })
    }
}

/// Calls the handler when the data is not the version last delivered: its `ETag` differs from
/// the stored one (`Last-Modified` decides only for answers without one: on ESI it moves at
/// every cache refresh). Of all pages, the `ETag` is the page set's,
/// which changes when any page changes, and `Expires` the latest page's. A 304 of the version
/// delivered calls nothing, and neither does a 200 of it (a restart with a cold cache); a 304
/// of a version whose delivery failed (the handler's retry, served from the client's cache)
/// delivers it.
async fn deliver<T>(
    ctx: &RunContext<'_>,
    handler: &Handler<T>,
    response: Response<T>,
    pages: u32,
) -> Result<Fetched, RunFailure> {
    let expires_ms = response
        .expires
        .as_ref()
        .map(DateTime::<Utc>::timestamp_millis);
    let last_modified_ms = response
        .last_modified
        .as_ref()
        .map(DateTime::<Utc>::timestamp_millis);
    // Change is the `ETag`: ESI's `Last-Modified` moves at every cache refresh, data changed or
    // not. It decides only for answers without an `ETag`.
    let (seen_etag, seen_modified) = ctx.seen;
    let same = match (seen_etag, response.etag.as_deref()) {
        (Some(seen), Some(now)) => seen == now,
        (None, None) => seen_modified.is_some() && seen_modified == last_modified_ms,
        _ => false,
    };
    let changed = !same;
    let mut fetched = Fetched {
        etag: response.etag.clone(),
        expires_ms,
        last_modified_ms,
        delivered: false,
        not_modified: response.not_modified,
        pages,
    };
    if !changed {
        return Ok(fetched);
    }
    let change = Change {
        job: ctx.key.to_string(),
        subject: ctx.subject,
        data: response.data,
        etag: response.etag,
        expires: response.expires,
        last_modified: response.last_modified,
    };
    handler(change).await.map_err(|e| RunFailure::Handler {
        message: e.to_string(),
    })?;
    fetched.delivered = true;
    Ok(fetched)
}

/// The version last delivered is still current (ESI's 304 to the job's own `ETag`, or the
/// client's cache holding that version): nothing to deliver.
fn unchanged(meta: Response<()>, pages: u32) -> Fetched {
    Fetched {
        etag: meta.etag,
        expires_ms: meta.expires.as_ref().map(DateTime::<Utc>::timestamp_millis),
        last_modified_ms: meta
            .last_modified
            .as_ref()
            .map(DateTime::<Utc>::timestamp_millis),
        delivered: false,
        not_modified: !meta.from_cache,
        pages,
    }
}

/// A job of a hand-written operation, for the crate's unit tests.
#[cfg(test)]
pub(crate) fn test_job(name: &str) -> Job {
    #[derive(Clone)]
    struct GetThing(i64);
    static INFO: OperationInfo = OperationInfo {
        id: "GetThing",
        name: "get_thing",
        resource: "thing",
        tag: "Thing",
        method: http_get(),
        path: "/things/{id}",
        summary: "",
        scopes: &[],
        roles: &[],
        cache_seconds: None,
        rate_limit: None,
        pagination: esi_runtime::Pagination::None,
        client_params: &[],
        body: esi_runtime::BodyKind::None,
        empty_response: false,
        retry_safe: true,
        from_id_field: None,
        params: &[],
        last_changed: None,
        compatibility_date: None,
        spec_date: None,
    };
    const fn http_get() -> http::Method {
        http::Method::GET
    }
    impl Operation for GetThing {
        type Output = i64;
        const INFO: &'static OperationInfo = &INFO;
        fn path(&self) -> String {
            format!("/things/{}", self.0)
        }
    }
    Job::single(name, GetThing, crate::handler(|_change| async { Ok(()) }))
}
