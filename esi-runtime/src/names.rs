//! Resolving ids to names (`POST /universe/names`) without letting one bad id sink a batch,
//! and remembering names, which rarely change. Called by applications through
//! [`Client::names_with`] (the generated API's `client.names()` passes its own operation).
//!
//! ESI answers 404 ("Ensure all IDs are valid before resolving") for a whole batch when one
//! id is unknown, and every 404 costs an error of the 100-per-minute error window. So:
//!
//! 1. ids remembered in the client's [`CacheStore`](crate::CacheStore) (`names|<tenant>|<id>`)
//!    answer without a request, bad ids too;
//! 2. the rest go in chunks of the route's `maxItems` (1000);
//! 3. a chunk that answers 404 is halved, and each half that answers 404 halved again, until
//!    the bad ids stand alone. A half is not even sent when its sibling came back clean (it
//!    must hold the bad id), so each bad id costs at most ⌈log2 chunk⌉ + 1 errors;
//! 4. before each request the client's error window is read: a request goes only while the
//!    errors ESI says remain, less the requests in flight, are above the client's error
//!    reserve, so a 404 never takes from the reserve. Otherwise the ids not yet asked come back
//!    as [`Unresolved::ErrorBudget`].
//!
//! Invariant: every id asked for ends in exactly one of [`Resolved::names`] and
//! [`Resolved::unresolved`]. The requests go through the normal pipeline (a [`DynamicCall`](
//! crate::DynamicCall) of the operation given), so auth, retries and limits apply; this
//! module never names generated code.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::future::BoxFuture;
use crate::lookup_cache;
use crate::operation::{BodyKind, OperationInfo};

/// How long a resolved name is remembered by default: a day (names change on a rename, a
/// corporation or alliance ticker change, rarely).
pub const REMEMBER_NAMES: Duration = Duration::from_secs(24 * 3600);

/// How long an id ESI refused is remembered by default: an hour (new characters,
/// corporations and structures get ids that were unknown before).
pub const REMEMBER_INVALID: Duration = Duration::from_secs(3600);

/// The chunk size when the operation declares no `maxItems`: ESI's 1000.
const DEFAULT_CHUNK: usize = 1000;

/// A resolved id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedName {
    /// The name.
    pub name: String,
    /// ESI's category (`character`, `corporation`, `solar_system`, `inventory_type`...).
    pub category: String,
}

/// Why an id has no name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unresolved {
    /// ESI does not know the id (alone in a batch, it answered 404). Remembered.
    Invalid,
    /// Not asked: the next request could have taken from the client's error reserve. Ask
    /// again after `reset` (when ESI's error window resets).
    ErrorBudget {
        /// Time until the error window resets, as last seen.
        reset: Duration,
    },
    /// ESI answered the batch but left the id out.
    NotReturned,
    /// The batch failed otherwise (a 5xx after retries, a timeout...): the error, as text.
    Failed(String),
}

/// What [`Names::resolve`] found, with what it cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The ids with names.
    pub names: HashMap<i64, ResolvedName>,
    /// The ids without, and why, in the order they were settled.
    pub unresolved: Vec<(i64, Unresolved)>,
    /// Ids answered from the cache (names and known bad ids).
    pub remembered: usize,
    /// Requests sent to ESI (each attempt the pipeline retried counts once).
    pub requests: u32,
    /// Requests ESI answered with an error status (each spent an error of the window).
    pub errors: u32,
}

impl Resolved {
    /// The name of `id`, if resolved.
    pub fn name(&self, id: i64) -> Option<&str> {
        self.names.get(&id).map(|n| n.name.as_str())
    }
}

/// What the cache keeps for one id.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Remembered {
    Name(ResolvedName),
    Invalid { invalid: bool },
}

/// ESI's answer entry.
#[derive(Deserialize)]
struct Entry {
    id: i64,
    name: String,
    category: String,
}

/// One batch's outcome.
enum Answer {
    Names(Vec<Entry>),
    /// 404: the batch holds at least one bad id.
    Invalid,
    /// The batch was not asked, or failed for a reason that is not its ids.
    Stop(Unresolved),
}

/// Resolves ids to names through `POST /universe/names`: remembered names first, then chunks;
/// a batch ESI refuses over a bad id is halved until the bad ids stand alone, and the client's
/// error reserve is never spent.
///
/// ```no_run
/// # async fn demo(client: esi_runtime::Client, op: &'static esi_runtime::OperationInfo)
/// # -> esi_runtime::Result<()> {
/// // `op`: the generated API's `PostUniverseNames` (esi_client's `client.names()` passes it).
/// let resolved = client.names_with(op).resolve([30000142, 95465499, 0]).await?;
/// assert_eq!(resolved.name(30000142), Some("Jita"));
/// for (id, why) in &resolved.unresolved {
///     eprintln!("{id}: {why:?}"); // 0: Invalid
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Names {
    client: Client,
    info: &'static OperationInfo,
    remember_for: Duration,
    remember_invalid_for: Duration,
}

impl Client {
    /// A resolver of ids to names sending `info`, the generated API's `PostUniverseNames`
    /// (`esi_client::Client::names` passes it for you).
    pub fn names_with(&self, info: &'static OperationInfo) -> Names {
        Names {
            client: self.clone(),
            info,
            remember_for: REMEMBER_NAMES,
            remember_invalid_for: REMEMBER_INVALID,
        }
    }
}

impl Names {
    /// How long resolved names are remembered ([`REMEMBER_NAMES`] by default; zero: never).
    pub fn remember_for(mut self, keep: Duration) -> Self {
        self.remember_for = keep;
        self
    }

    /// How long refused ids are remembered ([`REMEMBER_INVALID`] by default; zero: never).
    pub fn remember_invalid_for(mut self, keep: Duration) -> Self {
        self.remember_invalid_for = keep;
        self
    }

    /// Resolves `ids` (duplicates asked once): remembered ones first, the rest from ESI in
    /// chunks, bad ids isolated by halving the batches ESI refuses. Fails only when the
    /// operation given takes no list body; everything else ends in [`Resolved::unresolved`].
    pub async fn resolve(&self, ids: impl IntoIterator<Item = i64>) -> Result<Resolved> {
        let max = match self.info.body {
            BodyKind::Required { max_items } | BodyKind::Optional { max_items } => max_items,
            BodyKind::None => {
                return Err(Error::InvalidOption {
                    operation: self.info.id,
                    message: "resolving names needs an operation with a list body \
                              (PostUniverseNames)"
                        .into(),
                });
            }
        };
        let chunk = max.map_or(DEFAULT_CHUNK, |m| m.max(1) as usize);
        let mut seen = HashSet::new();
        let mut out = Resolved::default();
        let mut ask = Vec::new();
        for id in ids {
            if !seen.insert(id) {
                continue;
            }
            match self.recall(id).await {
                Some(Remembered::Name(name)) => {
                    out.names.insert(id, name);
                    out.remembered += 1;
                }
                Some(Remembered::Invalid { .. }) => {
                    out.unresolved.push((id, Unresolved::Invalid));
                    out.remembered += 1;
                }
                None => ask.push(id),
            }
        }
        let mut stopped = None;
        for batch in ask.chunks(chunk) {
            self.bisect(batch, false, &mut out, &mut stopped).await;
        }
        Ok(out)
    }

    /// Settles every id of `ids`; `known_bad`: a batch holding them answered 404 and a clean
    /// sibling proved the bad id is here, so asking would only spend an error. Returns whether
    /// the ids were all resolved clean (so a sibling holds the bad id).
    fn bisect<'a>(
        &'a self,
        ids: &'a [i64],
        known_bad: bool,
        out: &'a mut Resolved,
        stopped: &'a mut Option<Unresolved>,
    ) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            if let Some(why) = stopped.as_ref() {
                out.unresolved
                    .extend(ids.iter().map(|&id| (id, why.clone())));
                return false;
            }
            if !known_bad {
                match self.ask(ids, out).await {
                    Answer::Names(entries) => {
                        self.settle(ids, entries, out).await;
                        return true;
                    }
                    Answer::Invalid => {}
                    Answer::Stop(why @ Unresolved::ErrorBudget { .. }) => {
                        out.unresolved
                            .extend(ids.iter().map(|&id| (id, why.clone())));
                        *stopped = Some(why);
                        return false;
                    }
                    Answer::Stop(why) => {
                        out.unresolved
                            .extend(ids.iter().map(|&id| (id, why.clone())));
                        return false;
                    }
                }
            }
            if let [id] = ids {
                out.unresolved.push((*id, Unresolved::Invalid));
                self.remember(*id, &Remembered::Invalid { invalid: true }, true)
                    .await;
                return false;
            }
            let (left, right) = ids.split_at(ids.len() / 2);
            let left_clean = self.bisect(left, false, out, stopped).await;
            // A clean left half puts the bad id on the right: no need to ask ESI again.
            self.bisect(right, left_clean, out, stopped).await;
            false
        })
    }

    /// Sends one batch, if the error window allows it.
    async fn ask(&self, ids: &[i64], out: &mut Resolved) -> Answer {
        if let Some(reset) = self.error_budget_spent() {
            return Answer::Stop(Unresolved::ErrorBudget { reset });
        }
        out.requests += 1;
        let sent = self
            .client
            .call(self.info)
            .body(serde_json::Value::from(ids.to_vec()))
            .send()
            .await;
        match sent {
            Ok(response) => match serde_json::from_value::<Vec<Entry>>(response.data) {
                Ok(entries) => Answer::Names(entries),
                Err(e) => Answer::Stop(Unresolved::Failed(format!(
                    "{}: unexpected answer: {e}",
                    self.info.id
                ))),
            },
            Err(Error::Status { status: 404, .. }) => {
                out.errors += 1;
                Answer::Invalid
            }
            Err(Error::ErrorLimited { reset, .. }) => {
                Answer::Stop(Unresolved::ErrorBudget { reset })
            }
            Err(e) => {
                if matches!(e, Error::Status { .. }) {
                    out.errors += 1;
                }
                Answer::Stop(Unresolved::Failed(e.to_string()))
            }
        }
    }

    /// `Some(time to reset)` when one more error would take from the client's reserve.
    fn error_budget_spent(&self) -> Option<Duration> {
        let window = self.client.error_window();
        let reserve = self.client.inner.limits.error_reserve();
        let now = Instant::now();
        match (window.remain, window.reset_at) {
            (Some(remain), Some(reset_at))
                if reset_at > now && remain.saturating_sub(window.in_flight) <= reserve =>
            {
                Some(reset_at - now)
            }
            _ => None,
        }
    }

    /// Files ESI's answer to a batch: names, and the ids it left out.
    async fn settle(&self, ids: &[i64], entries: Vec<Entry>, out: &mut Resolved) {
        let mut answered = HashMap::with_capacity(entries.len());
        for entry in entries {
            answered.insert(
                entry.id,
                ResolvedName {
                    name: entry.name,
                    category: entry.category,
                },
            );
        }
        for &id in ids {
            match answered.remove(&id) {
                Some(name) => {
                    let remembered = Remembered::Name(name);
                    self.remember(id, &remembered, false).await;
                    if let Remembered::Name(name) = remembered {
                        out.names.insert(id, name);
                    }
                }
                None => out.unresolved.push((id, Unresolved::NotReturned)),
            }
        }
    }

    fn key(&self, id: i64) -> String {
        format!("names|{}|{id}", self.client.tenant())
    }

    async fn recall(&self, id: i64) -> Option<Remembered> {
        lookup_cache::recall(&self.client, &self.key(id)).await
    }

    async fn remember(&self, id: i64, what: &Remembered, invalid: bool) {
        let keep = if invalid {
            self.remember_invalid_for
        } else {
            self.remember_for
        };
        lookup_cache::remember(&self.client, &self.key(id), what, keep).await;
    }
}
