//! [`DbSessionStore`]: a `tower-sessions` store kept in the token store's database (SQLite or
//! PostgreSQL), through the same sea-orm connection, in the table `esi_web_session`.
//!
//! Why not `tower-sessions-sqlx-store`: it is built on sqlx 0.8 while sea-orm 2 uses sqlx 0.9, so
//! it could not share the token store's pool, and the two sqlx versions would each link their
//! own `libsqlite3-sys` (Cargo refuses two crates linking `sqlite3`). The store is four short
//! statements over sea-orm, which also makes it work unchanged on both databases. Saving only
//! updates: a session deleted by another request (log-out, a new id at login) stays deleted.

use std::time::Duration;

use async_trait::async_trait;
use esi_store::entity::SecretText;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use sea_orm_migration::MigratorTrait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The `esi_web_session` table.
pub mod entity {
    use esi_store::entity::SecretText;
    use sea_orm::entity::prelude::*;

    /// One session. `Debug` shows only the expiry: the id is the cookie value, and the data
    /// holds the CSRF token. Both columns are [`SecretText`], so the active models sea-orm
    /// derives (with their own `Debug`) redact them too.
    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "esi_web_session")]
    pub struct Model {
        /// The session id (the cookie value).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: SecretText,
        /// The session data as JSON.
        #[sea_orm(column_type = "Text")]
        pub data: SecretText,
        /// When the session expires, in Unix seconds.
        pub expiry_date: i64,
    }

    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("esi_web_session::Model")
                .field("id", &"<redacted>")
                .field("expiry_date", &self.expiry_date)
                .finish_non_exhaustive()
        }
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The session table's migrations, tracked in their own table (`esi_web_migrations`) so they
/// never mix with the token store's or the site's.
pub mod migration {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::*;

    /// The migrations, oldest first.
    #[derive(Debug)]
    pub struct Migrator;

    #[sea_orm_migration::async_trait::async_trait]
    impl MigratorTrait for Migrator {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(Initial)]
        }

        fn migration_table_name() -> DynIden {
            "esi_web_migrations".into_iden()
        }
    }

    #[derive(DeriveIden)]
    enum EsiWebSession {
        Table,
        Id,
        Data,
        ExpiryDate,
    }

    /// Creates `esi_web_session` and its expiry index.
    struct Initial;

    impl MigrationName for Initial {
        fn name(&self) -> &str {
            "m20260201_000001_esi_web_session"
        }
    }

    #[sea_orm_migration::async_trait::async_trait]
    impl MigrationTrait for Initial {
        async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
            m.create_table(
                Table::create()
                    .table(EsiWebSession::Table)
                    .if_not_exists()
                    .col(string(EsiWebSession::Id).primary_key())
                    .col(text(EsiWebSession::Data))
                    .col(big_integer(EsiWebSession::ExpiryDate))
                    .to_owned(),
            )
            .await?;
            m.create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_esi_web_session_expiry")
                    .table(EsiWebSession::Table)
                    .col(EsiWebSession::ExpiryDate)
                    .to_owned(),
            )
            .await
        }

        async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
            m.drop_table(Table::drop().table(EsiWebSession::Table).to_owned())
                .await
        }
    }
}

/// Sessions in the database. Cheap to clone (the connection is a pool handle).
///
/// ```no_run
/// # async fn demo(store: esi_store::TokenStore) -> Result<(), sea_orm::DbErr> {
/// let sessions = esi_web::DbSessionStore::new(store.db().clone());
/// sessions.migrate().await?;
/// let layer = tower_sessions::SessionManagerLayer::new(sessions.clone());
/// tokio::spawn(sessions.continuously_delete_expired(std::time::Duration::from_secs(3600)));
/// # let _ = layer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSessionStore").finish_non_exhaustive()
    }
}

impl DbSessionStore {
    /// A store over `db` (run [`DbSessionStore::migrate`] once before use).
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Creates the session table if it does not exist.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        migration::Migrator::up(&self.db, None).await
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, DbErr> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let res = entity::Entity::delete_many()
            .filter(entity::Column::ExpiryDate.lte(now))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Deletes expired sessions every `period`, forever (spawn it). Failures are logged.
    pub async fn continuously_delete_expired(self, period: Duration) {
        let mut tick = tokio::time::interval(period.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.delete_expired().await {
                Ok(n) => tracing::debug!(deleted = n, "deleted expired sessions"),
                Err(e) => tracing::warn!(error = %e, "expired session cleanup failed"),
            }
        }
    }

    fn active_model(record: &Record) -> session_store::Result<entity::ActiveModel> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        Ok(entity::ActiveModel {
            id: Set(SecretText::new(record.id.to_string())),
            data: Set(SecretText::new(data)),
            expiry_date: Set(record.expiry_date.unix_timestamp()),
        })
    }
}

fn backend(e: DbErr) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id that collides with a stored one gets another id, never the other session.
        for _ in 0..8 {
            let inserted = entity::Entity::insert(Self::active_model(record)?)
                .on_conflict(
                    OnConflict::column(entity::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted > 0 {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(session_store::Error::Backend(
            "could not find a free session id".into(),
        ))
    }

    /// Updates a stored session. A session that is no longer stored (logged out, or given a
    /// new id at login, by a request running at the same time; or expired) stays gone: saving
    /// a stale copy under its old id would bring back a session id that must be dead.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let model = Self::active_model(record)?;
        let updated = entity::Entity::update_many()
            .set(model)
            .filter(entity::Column::Id.eq(SecretText::new(record.id.to_string())))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        if updated.rows_affected == 0 {
            tracing::debug!("not saving a session that is no longer stored");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(row) = entity::Entity::find_by_id(SecretText::new(id.to_string()))
            .filter(entity::Column::ExpiryDate.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(row.data.expose())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(row.expiry_date)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        entity::Entity::delete_by_id(SecretText::new(id.to_string()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    async fn store() -> DbSessionStore {
        let db = sea_orm::Database::connect("sqlite::memory:")
            .await
            .expect("sqlite");
        let s = DbSessionStore::new(db);
        s.migrate().await.expect("migrate");
        s.migrate().await.expect("migrations are idempotent");
        s
    }

    fn record(secs: i64) -> Record {
        let mut data = HashMap::new();
        data.insert("k".to_owned(), serde_json::json!({"a": 1}));
        Record {
            id: Id::default(),
            data,
            expiry_date: OffsetDateTime::now_utc() + time::Duration::seconds(secs),
        }
    }

    #[test]
    fn debug_output_hides_the_id_and_the_data() {
        let r = record(60);
        let id = r.id.to_string();
        let am = DbSessionStore::active_model(&r).expect("active model");
        let shown = format!("{am:?}");
        assert!(!shown.contains(&id), "{shown}");
        assert!(!shown.contains("\"a\""), "{shown}");
        let model = entity::Model {
            id: SecretText::new(id.clone()),
            data: SecretText::new("{}"),
            expiry_date: 0,
        };
        assert!(!format!("{model:?}").contains(&id));
    }

    #[tokio::test]
    async fn create_save_load_delete_expire() {
        let s = store().await;
        let mut r = record(60);
        s.create(&mut r).await.expect("create");
        let loaded = s.load(&r.id).await.expect("load").expect("exists");
        assert_eq!(loaded.data, r.data);

        // A colliding id gets a new one; the first session is untouched.
        let mut clash = record(60);
        clash.id = r.id;
        clash.data.clear();
        s.create(&mut clash).await.expect("create");
        assert_ne!(clash.id, r.id);
        assert_eq!(
            s.load(&r.id).await.expect("load").expect("kept").data,
            r.data
        );

        r.data.insert("b".into(), serde_json::json!(2));
        s.save(&r).await.expect("save");
        // A stale copy of a deleted session (a new id given at login by another request) is
        // not brought back.
        let mut gone = record(60);
        s.create(&mut gone).await.expect("create");
        s.delete(&gone.id).await.expect("delete");
        s.save(&gone).await.expect("save");
        assert!(
            s.load(&gone.id).await.expect("load").is_none(),
            "stays gone"
        );
        assert_eq!(
            s.load(&r.id)
                .await
                .expect("load")
                .expect("exists")
                .data
                .len(),
            2
        );

        s.delete(&r.id).await.expect("delete");
        assert!(s.load(&r.id).await.expect("load").is_none());

        let mut old = record(-5);
        s.create(&mut old).await.expect("create");
        assert!(s.load(&old.id).await.expect("load").is_none(), "expired");
        assert_eq!(s.delete_expired().await.expect("cleanup"), 1);
    }
}
