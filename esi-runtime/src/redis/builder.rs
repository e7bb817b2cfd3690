//! [`ClientBuilder::redis`]: a client's cache and limits in one Redis, in one call.

use super::RedisStore;
use crate::client::{Client, ClientBuilder};

impl<C: From<Client>> ClientBuilder<C> {
    /// Keeps the response cache and the limits in Redis, shared by every process that uses
    /// the same Redis (and prefix): `.cache(redis.cache())` and
    /// `.limit_store(redis.limits())` in one call.
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis(self, redis: &RedisStore) -> Self {
        self.cache(redis.cache()).limit_store(redis.limits())
    }
}
