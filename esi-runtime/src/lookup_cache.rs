//! What the id/name resolvers ([`Names`](crate::Names), [`Ids`](crate::Ids)) remember, as
//! JSON in the client's [`CacheStore`](crate::CacheStore) under keys of their own (`names|…`,
//! `ids|…`: no HTTP answer's key starts so).

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::CachedResponse;
use crate::client::Client;

/// The value kept under `key`, while fresh.
pub(crate) async fn recall<T: DeserializeOwned>(client: &Client, key: &str) -> Option<T> {
    let cache = client.inner.cache.as_ref()?;
    let entry = cache.get(key).await?;
    if !entry.is_fresh(SystemTime::now()) {
        return None;
    }
    serde_json::from_slice(&entry.body).ok()
}

/// Keeps `value` under `key` for `keep` (nothing when zero or without a cache).
pub(crate) async fn remember<T: Serialize>(client: &Client, key: &str, value: &T, keep: Duration) {
    let Some(cache) = client.inner.cache.as_ref().filter(|_| !keep.is_zero()) else {
        return;
    };
    let Ok(body) = serde_json::to_vec(value) else {
        return;
    };
    let entry = CachedResponse {
        status: 200,
        headers: Vec::new(),
        body: Bytes::from(body),
        etag: None,
        fresh_until: Some(SystemTime::now() + keep),
    };
    cache.put(key, entry, keep).await;
}
