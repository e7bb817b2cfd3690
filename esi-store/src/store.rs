//! [`TokenStore`]: the handle everything else hangs off: the database, the SSO client, the
//! configuration, the in-process single-flight table and, with the `redis` feature, the
//! per-token refresh lock in Redis. Cheap to clone (one `Arc`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use esi_sso::Sso;
use futures::future::{BoxFuture, Shared};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sea_orm_migration::MigratorTrait;

use crate::config::StoreConfig;
use crate::db;
use crate::entity::token;
use crate::error::StoreError;
use crate::keys::TokenKeys;
use crate::lock::RefreshLocks;
#[cfg(feature = "redis")]
use crate::lock::redis_lock::RedisRefreshLock;
use crate::migration::Migrator;
use crate::scopes;
use crate::secrets::Row;
use crate::token::{Fresh, Token};

/// The token store. Clones share everything. As the token source of `esi_client` (or
/// `esi_runtime`) calls, pass `.token_source(&store.for_user(user_id))` in an application with
/// several users ([`TokenStore::for_user`]), or `.token_source(&store.all_users_source())` in a
/// single-user tool or a backend that owns every token (it hands out any user's token for the
/// call's character: [`TokenStore::all_users_source`]). The store itself is no token source.
///
/// ```no_run
/// # async fn demo() -> Result<(), esi_store::StoreError> {
/// use esi_store::{StoreConfig, TokenStore};
/// let sso = esi_sso::Sso::from_env()?;
/// let store = TokenStore::connect(StoreConfig::from_env()?, sso).await?;
/// if let Some(token) = store.get_token(90000001, "esi-wallet.read_character_wallet.v1").await? {
///     let access = store.valid_access_token(&token).await?;
///     # let _ = access;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenStore {
    pub(crate) inner: Arc<Inner>,
}

/// A refresh in progress, shared by every caller waiting for it (the entries of the
/// single-flight table; the `refresh` module runs them).
pub(crate) type InFlight = Shared<BoxFuture<'static, Result<Fresh, StoreError>>>;

pub(crate) struct Inner {
    pub(crate) db: DatabaseConnection,
    pub(crate) sso: Sso,
    pub(crate) config: StoreConfig,
    pub(crate) inflight: Mutex<HashMap<i64, InFlight>>,
    /// The per-token refresh lock in Redis, when configured.
    #[cfg(feature = "redis")]
    pub(crate) redis_lock: Option<RedisRefreshLock>,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("database", &db::redact_url(&self.inner.config.database_url))
            .field("sso", &self.inner.sso)
            .finish_non_exhaustive()
    }
}

impl TokenStore {
    /// Opens the database named by `config`, runs the migrations (unless
    /// [`StoreConfig::run_migrations`] is off) and returns the store.
    pub async fn connect(config: StoreConfig, sso: Sso) -> Result<Self, StoreError> {
        let conn = db::connect(&config.database_url, config.max_connections).await?;
        if config.run_migrations {
            Migrator::up(&conn, None).await?;
        }
        Ok(Self::with_connection(conn, sso, config))
    }

    /// A store over a connection you opened (migrations are yours to run: [`Migrator`]).
    pub fn with_connection(db: DatabaseConnection, sso: Sso, config: StoreConfig) -> Self {
        if config.token_keys.is_none() && !db::is_sqlite_memory(&config.database_url) {
            warn_plain_once();
        }
        Self {
            inner: Arc::new(Inner {
                db,
                sso,
                config,
                inflight: Mutex::new(HashMap::new()),
                #[cfg(feature = "redis")]
                redis_lock: None,
            }),
        }
    }

    /// A store configured entirely from the environment (`DATABASE_URL`, `ESI_SSO_*`).
    pub async fn from_env() -> Result<Self, StoreError> {
        Self::connect(StoreConfig::from_env()?, Sso::from_env()?).await
    }

    /// The database connection, for crates that keep tables of their own beside the store's in
    /// the same database (esi-web's sessions): they create them with migrations of their own,
    /// and ask the store, through its methods, for what is in its tables. The store's tables
    /// and their layout are not an API.
    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The SSO client.
    pub fn sso(&self) -> &Sso {
        &self.inner.sso
    }

    /// The configuration.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// The keys sealing stored tokens, if any.
    pub(crate) fn keys(&self) -> Option<&TokenKeys> {
        self.inner.config.token_keys.as_ref()
    }

    /// The token with this id, if it exists.
    pub async fn token(&self, id: i64) -> Result<Option<Token>, StoreError> {
        let Some(model) = token::Entity::find_by_id(id).one(self.db()).await? else {
            return Ok(None);
        };
        Ok(self.with_scopes(vec![model]).await?.pop())
    }

    /// Deletes a token (its scope links and callback rows go with it). True if it existed.
    pub async fn delete(&self, token_id: i64) -> Result<bool, StoreError> {
        let res = token::Entity::delete_many()
            .filter(token::Column::Id.eq(token_id))
            .exec(self.db())
            .await?;
        Ok(res.rows_affected > 0)
    }

    /// Revokes the token's refresh token at the SSO (RFC 7009), then deletes the token. The
    /// token is kept when the SSO is unavailable, so the revocation can be tried again.
    pub async fn revoke(&self, token: &Token) -> Result<(), StoreError> {
        if let Some(rt) = token.refresh_token() {
            self.sso().revoke(rt).await?;
        }
        self.delete(token.id).await?;
        Ok(())
    }

    /// What taking the right to refresh a token needs: the database, the lease length and
    /// the Redis lock when configured (see the `lock` module).
    pub(crate) fn refresh_locks(&self) -> RefreshLocks<'_> {
        RefreshLocks {
            db: self.db(),
            lease: self.config().refresh_lease,
            #[cfg(feature = "redis")]
            redis: self.inner.redis_lock.as_ref(),
        }
    }

    /// Attaches scopes to models (one query per thousand tokens) and opens their secrets. A
    /// secret that cannot be opened fails the whole call ([`StoreError::Sealed`]): the keys
    /// are misconfigured, and the rows are left as they are.
    pub(crate) async fn with_scopes(
        &self,
        models: Vec<token::Model>,
    ) -> Result<Vec<Token>, StoreError> {
        let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
        let mut by_id = scopes::load(self.db(), &ids).await?;
        models
            .into_iter()
            .map(|m| {
                let s = by_id.remove(&m.id).unwrap_or_default();
                let secrets = Row::of(&m).open_all(self.keys(), &m)?;
                Ok(Token::from_model(m, s, secrets))
            })
            .collect()
    }

    /// The secrets of a row, opened, with its expiry.
    pub(crate) fn fresh_of(&self, m: &token::Model) -> Result<Fresh, StoreError> {
        Ok(Fresh::from_row(m, Row::of(m).open_all(self.keys(), m)?))
    }
}

/// Says once per process that tokens go to the database unsealed.
fn warn_plain_once() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "no token key configured: access and refresh tokens are stored in plain text, so a \
             copy of the database is every character's access (set ESI_TOKEN_KEY; see \
             esi_store::TokenKeys)"
        );
    });
}

#[cfg(feature = "redis")]
impl TokenStore {
    /// This store, taking a per-token lock in `redis` before each refresh, so one process
    /// of all those sharing the Redis refreshes a token (see the `lock` module docs). The
    /// row lease still fences every refresh; an unreachable Redis falls back to it.
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn with_redis_lock(self, redis: &esi_runtime::redis::RedisStore) -> Self {
        let inner = &self.inner;
        let mut store =
            TokenStore::with_connection(inner.db.clone(), inner.sso.clone(), inner.config.clone());
        if let Some(fresh) = Arc::get_mut(&mut store.inner) {
            fresh.redis_lock = Some(RedisRefreshLock::new(redis.clone()));
        }
        store
    }

    /// Whether refreshes take a Redis lock first.
    pub fn has_redis_lock(&self) -> bool {
        self.inner.redis_lock.is_some()
    }
}
