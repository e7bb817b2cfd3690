//! Resolving names to ids (`POST /universe/ids`), remembered like [`Names`](crate::Names):
//! ESI answers only exact matches and leaves unknown names out (no 404 to isolate), so a batch
//! is one request of at most the route's `maxItems` (500) names, and both the matches and the
//! names ESI did not know are kept in the client's [`CacheStore`](crate::CacheStore)
//! (`ids|<tenant>|<name>`) for the resolver's time. Called through [`Client::ids_with`] (the
//! generated API's `client.ids()` passes its own operation).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::lookup_cache;
use crate::names::REMEMBER_NAMES;
use crate::operation::{BodyKind, OperationInfo};

/// The chunk size when the operation declares no `maxItems`: ESI's 500.
const DEFAULT_CHUNK: usize = 500;

/// A name's id, with ESI's category (`characters`, `corporations`, `systems`...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedId {
    /// The id.
    pub id: i64,
    /// The answer's list it came in: `characters`, `corporations`, `alliances`, `systems`...
    pub category: String,
}

/// What [`Ids::resolve`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedIds {
    /// Names with ids (several categories can share a name: the first ESI lists is kept).
    pub ids: HashMap<String, ResolvedId>,
    /// Names ESI did not know (remembered too).
    pub unknown: Vec<String>,
    /// Batches that failed (a 5xx after retries, the error window...): their names and why.
    pub failed: Vec<(String, String)>,
    /// Names answered from the cache.
    pub remembered: usize,
    /// Requests sent to ESI.
    pub requests: u32,
}

/// What the cache keeps for one name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Remembered {
    Found(ResolvedId),
    Unknown { unknown: bool },
}

/// Resolves names to ids through `POST /universe/ids`: exact matches, unknown names listed,
/// both remembered in the client's cache; chunks of the route's limit.
#[derive(Debug, Clone)]
pub struct Ids {
    client: Client,
    info: &'static OperationInfo,
    remember_for: Duration,
}

impl Client {
    /// A resolver of names to ids sending `info`, the generated API's `PostUniverseIds`
    /// (`esi_client::Client::ids` passes it for you).
    pub fn ids_with(&self, info: &'static OperationInfo) -> Ids {
        Ids {
            client: self.clone(),
            info,
            remember_for: REMEMBER_NAMES,
        }
    }
}

impl Ids {
    /// How long answers (matches and unknown names) are remembered (a day by default; zero:
    /// never).
    pub fn remember_for(mut self, keep: Duration) -> Self {
        self.remember_for = keep;
        self
    }

    /// Resolves `names` (duplicates asked once): remembered ones first, the rest from ESI in
    /// chunks of the route's limit. Fails only when the operation given takes no list body.
    pub async fn resolve<S: Into<String>>(
        &self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<ResolvedIds> {
        let chunk = match self.info.body {
            BodyKind::Required { max_items } | BodyKind::Optional { max_items } => {
                max_items.map_or(DEFAULT_CHUNK, |m| m.max(1) as usize)
            }
            BodyKind::None => {
                return Err(Error::InvalidOption {
                    operation: self.info.id,
                    message: "resolving ids needs an operation with a list body \
                              (PostUniverseIds)"
                        .into(),
                });
            }
        };
        let mut out = ResolvedIds::default();
        let mut seen = HashSet::new();
        let mut ask = Vec::new();
        for name in names {
            let name: String = name.into();
            if !seen.insert(name.clone()) {
                continue;
            }
            match self.recall(&name).await {
                Some(Remembered::Found(id)) => {
                    out.ids.insert(name, id);
                    out.remembered += 1;
                }
                Some(Remembered::Unknown { .. }) => {
                    out.unknown.push(name);
                    out.remembered += 1;
                }
                None => ask.push(name),
            }
        }
        for batch in ask.chunks(chunk) {
            out.requests += 1;
            let sent = self
                .client
                .call(self.info)
                .body(serde_json::Value::from(batch.to_vec()))
                .send()
                .await;
            let answer = sent.and_then(|response| {
                serde_json::from_value::<HashMap<String, Vec<Entry>>>(response.data).map_err(
                    |source| Error::Decode {
                        operation: self.info.id,
                        source,
                        excerpt: String::new(),
                    },
                )
            });
            match answer {
                Ok(lists) => self.settle(batch, lists, &mut out).await,
                Err(error) => out
                    .failed
                    .extend(batch.iter().map(|n| (n.clone(), error.to_string()))),
            }
        }
        Ok(out)
    }

    /// Files one answer: each asked name found (exact match) or unknown, remembered.
    async fn settle(
        &self,
        batch: &[String],
        lists: HashMap<String, Vec<Entry>>,
        out: &mut ResolvedIds,
    ) {
        let mut found: HashMap<String, ResolvedId> = HashMap::new();
        let mut categories: Vec<_> = lists.into_iter().collect();
        categories.sort_by(|a, b| a.0.cmp(&b.0));
        for (category, entries) in categories {
            for entry in entries {
                found.entry(entry.name).or_insert(ResolvedId {
                    id: entry.id,
                    category: category.clone(),
                });
            }
        }
        for name in batch {
            match found.remove(name) {
                Some(id) => {
                    self.remember(name, &Remembered::Found(id.clone())).await;
                    out.ids.insert(name.clone(), id);
                }
                None => {
                    self.remember(name, &Remembered::Unknown { unknown: true })
                        .await;
                    out.unknown.push(name.clone());
                }
            }
        }
    }

    fn key(&self, name: &str) -> String {
        format!("ids|{}|{name}", self.client.tenant())
    }

    async fn recall(&self, name: &str) -> Option<Remembered> {
        lookup_cache::recall(&self.client, &self.key(name)).await
    }

    async fn remember(&self, name: &str, what: &Remembered) {
        lookup_cache::remember(&self.client, &self.key(name), what, self.remember_for).await;
    }
}

/// One match in ESI's answer.
#[derive(Deserialize)]
struct Entry {
    id: i64,
    name: String,
}
