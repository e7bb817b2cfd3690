//! Who may refresh a token: the row lease (always), and in front of it, with the `redis`
//! feature and [`crate::TokenStore::with_redis_lock`], a per-token lock in Redis.
//!
//! The row lease is taken with one compare-and-swap `UPDATE` of the token row (see the
//! `refresh` module docs); the refresh gives it back when it stores its outcome.
//!
//! The Redis lock is `SET <prefix>lock:refresh:<token id> <owner> NX PX <lease>`; its release
//! is a script that deletes the key only while it still holds our owner id, so a holder whose
//! lock expired never frees someone else's. Only the process holding it goes on to take the
//! row lease, so with Redis a refresh costs one database write instead of one contended
//! compare-and-swap per process. The row lease stays the fence: processes whose Redis is down
//! (they fall back to the row lease alone) and processes without Redis still exclude each other
//! and the Redis holder, and the new tokens are written only under the row lease.

use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entity::token;
use crate::error::StoreError;

/// What taking the right to refresh a token needs of the store: its database (for the row
/// lease), how long a lease lasts, and its Redis lock when one is configured.
pub(crate) struct RefreshLocks<'a> {
    /// The database holding the token rows.
    pub(crate) db: &'a DatabaseConnection,
    /// How long a lease (and the Redis lock) lasts.
    pub(crate) lease: Duration,
    /// The per-token refresh lock in Redis, when configured.
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<&'a redis_lock::RedisRefreshLock>,
}

/// The right to call the SSO for one token: the row lease, and the Redis lock if one was
/// taken (released after the refresh).
pub(crate) struct Gate {
    #[cfg(feature = "redis")]
    redis: Option<redis_lock::RedisLease>,
}

impl Gate {
    /// Gives the Redis lock back (the row lease is released by the refresh itself).
    pub(crate) async fn release(self) {
        #[cfg(feature = "redis")]
        if let Some(lease) = self.redis {
            lease.release().await;
        }
    }
}

impl RefreshLocks<'_> {
    /// Takes the Redis lock (when configured and reachable), then the row lease. `None` when
    /// another process holds either.
    pub(crate) async fn take_gate(
        &self,
        token_id: i64,
        refresh_token: &str,
    ) -> Result<Option<(String, Gate)>, StoreError> {
        #[cfg(feature = "redis")]
        if let Some(lock) = self.redis {
            match lock.try_lock(token_id, self.lease).await {
                redis_lock::Attempt::Busy => return Ok(None),
                redis_lock::Attempt::Held(lease) => {
                    let row = self.take_lease(token_id, refresh_token).await;
                    return match row {
                        Ok(Some(row)) => Ok(Some((row, Gate { redis: Some(lease) }))),
                        other => {
                            lease.release().await;
                            other.map(|_| None)
                        }
                    };
                }
                // Redis is down: the row lease alone decides (logged by the Redis store).
                redis_lock::Attempt::Unavailable => {}
            }
        }
        Ok(self.take_lease(token_id, refresh_token).await?.map(|row| {
            (
                row,
                Gate {
                    #[cfg(feature = "redis")]
                    redis: None,
                },
            )
        }))
    }

    /// Compare-and-swap: the lease is ours if the row still has `refresh_token` and no live
    /// lease. Returns the lease id.
    async fn take_lease(
        &self,
        token_id: i64,
        refresh_token: &str,
    ) -> Result<Option<String>, StoreError> {
        let lease = crate::random_id();
        let now = Utc::now();
        let until =
            now + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::minutes(2));
        let res = token::Entity::update_many()
            .col_expr(token::Column::RefreshLeaseOwner, Expr::value(lease.clone()))
            .col_expr(token::Column::RefreshLeaseUntil, Expr::value(until))
            .filter(token::Column::Id.eq(token_id))
            .filter(token::Column::RefreshToken.eq(refresh_token))
            .filter(
                Condition::any()
                    .add(token::Column::RefreshLeaseUntil.is_null())
                    .add(token::Column::RefreshLeaseUntil.lt(now)),
            )
            .exec(self.db)
            .await?;
        Ok((res.rows_affected == 1).then_some(lease))
    }
}

#[cfg(feature = "redis")]
pub(crate) mod redis_lock {
    //! The lock in Redis, on the connection of an [`esi_runtime::redis::RedisStore`].

    use std::sync::LazyLock;
    use std::time::Duration;

    use esi_runtime::redis::RedisStore;
    use esi_runtime::redis::driver::{Script, cmd};

    /// Deletes the lock only while it is still ours.
    static RELEASE: LazyLock<Script> = LazyLock::new(|| {
        Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then
                return redis.call('DEL', KEYS[1])
              end
              return 0",
        )
    });

    /// The per-token refresh lock in Redis (see the module docs of `lock`).
    #[derive(Debug, Clone)]
    pub(crate) struct RedisRefreshLock {
        redis: RedisStore,
    }

    /// What trying the lock gave.
    pub(crate) enum Attempt {
        /// Ours until released or expired.
        Held(RedisLease),
        /// Another process holds it.
        Busy,
        /// Redis did not answer; the row lease alone decides.
        Unavailable,
    }

    /// A held lock.
    pub(crate) struct RedisLease {
        redis: RedisStore,
        key: String,
        owner: String,
    }

    impl RedisRefreshLock {
        pub(crate) fn new(redis: RedisStore) -> Self {
            Self { redis }
        }

        /// `SET key owner NX PX lease`.
        pub(crate) async fn try_lock(&self, token_id: i64, lease: Duration) -> Attempt {
            let key = self.redis.key(&format!("lock:refresh:{token_id}"));
            let owner = crate::random_id();
            let millis = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut set = cmd("SET");
            set.arg(&key).arg(&owner).arg("NX").arg("PX").arg(millis);
            match self.redis.query::<Option<String>>(&set).await {
                Ok(Some(_)) => Attempt::Held(RedisLease {
                    redis: self.redis.clone(),
                    key,
                    owner,
                }),
                Ok(None) => Attempt::Busy,
                Err(e) => {
                    tracing::debug!(token_id, error = %e, "Redis refresh lock unavailable; using the row lease");
                    Attempt::Unavailable
                }
            }
        }
    }

    impl RedisLease {
        /// Deletes the lock if it is still ours (best effort: it expires anyway).
        pub(crate) async fn release(self) {
            let mut invocation = RELEASE.prepare_invoke();
            invocation.key(&self.key).arg(&self.owner);
            if let Err(e) = self.redis.invoke::<i64>(&invocation).await {
                tracing::debug!(key = %self.key, error = %e, "could not release the Redis refresh lock; it will expire");
            }
        }
    }
}
