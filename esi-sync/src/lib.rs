//! Keeps a whole fleet's ESI data fresh: for every character with a token (or corporation,
//! through a director's token), the operations the application names, fetched again when ESI's
//! cache expires, with changes handed to the application's handlers, on one process or many.
//!
//! It depends on the runtime only and is generic over the application's generated operations
//! ([`esi_runtime::Operation`]): it chooses no spec.
//!
//! - **What to keep fresh**: a [`Fleet`] of [`Job`]s: "for every character whose token has
//!   scope S: these jobs", corporations with a director's token, one-off jobs. Jobs follow the
//!   token store: a new token adds its jobs, a deleted or revoked one pauses them with the
//!   reason.
//! - **Changes, not polls**: a job's handler ([`handler`], [`channel_handler`]) gets a typed
//!   [`Change`] only when the data changed: a 304, or an `ETag` already delivered, calls
//!   nothing. Delivery is at least once: the new `ETag` and next run are committed after the
//!   handler succeeded; a failing handler is retried with backoff and its error kept on the job.
//! - **Scheduling by `Expires`**: a job runs when its data expires plus a little jitter
//!   ([`Schedule`]), never before; revalidation goes through the client's cache
//!   (`If-None-Match`); a share of each rate-limit bucket and of the error window is left to
//!   the site's interactive calls ([`Budget`]).
//! - **State that survives restarts**: next run, `ETag`, `Last-Modified`, last error, failures,
//!   pause reason and lease per job, in the token store's database ([`SyncDb`]): SQLite for one
//!   machine, PostgreSQL for many.
//! - **Many workers**: [`Worker`]s on any number of processes take due jobs under leases
//!   (`FOR UPDATE SKIP LOCKED` on PostgreSQL), renewed while a job runs; a killed worker's
//!   leases expire and its jobs run elsewhere. Share ESI's budget between processes with the
//!   client's Redis limit store.
//! - **Seeing it work**: a `sync_job` tracing span per run (job, attempt, outcome), and
//!   [`SyncStats`] (runs, requests, 304s, changes, errors, scheduling lag p50/p99, budget used
//!   per rate-limit group), logged every 10 s and read by `esi sync run`'s progress view;
//!   [`SyncDb::status`] counts due, late, failing and paused jobs.
//!
//! With esi-client's generated API (`runtime` is the runtime client, `store` the token store):
//!
//! ```no_run
//! # async fn example(
//! #     runtime: esi_runtime::Client,
//! #     store: esi_store::TokenStore,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use esi_client::scopes::WALLET_READ_CHARACTER_WALLET_V1;
//! use esi_sync::{Change, Fleet, Job, Worker, WorkerConfig, handler};
//!
//! let api = esi_client::Client::from(runtime.clone());
//! let wallet = Job::single(
//!     "wallet",
//!     move |id| api.wallet().get_characters_character_id_wallet(id).operation().clone(),
//!     handler(|change: Change<f64>| async move {
//!         println!("{}: {} ISK", change.subject, change.data);
//!         Ok(())
//!     }),
//! );
//! let fleet = Fleet::new().characters_with_scope(WALLET_READ_CHARACTER_WALLET_V1, [wallet]);
//! let worker = Worker::new(fleet, runtime, store, WorkerConfig::default()).await?;
//! worker.run_until(async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod budget;
mod change;
mod db;
mod error;
mod fleet;
mod job;
mod migration;
mod schedule;
mod stats;
mod subject;
mod tokens;
mod worker;

pub use budget::Budget;
pub use change::{Change, Handler, HandlerError, channel_handler, handler};
pub use db::{FleetStatus, JobFilter, JobSummary, SyncDb};
pub use error::SyncError;
pub use fleet::Fleet;
pub use job::Job;
pub use migration::Migrator;
pub use schedule::Schedule;
pub use stats::{GroupUse, NO_GROUP, StatsSnapshot, SyncStats};
pub use subject::Subject;
pub use worker::{Worker, WorkerConfig};

/// The tables the sync engine's migrations create (with its migration table), for tools that
/// look at a database before migrating it.
pub fn table_names() -> Vec<String> {
    use sea_orm_migration::MigratorTrait as _;
    vec![
        "esi_sync_job".to_string(),
        Migrator::migration_table_name().to_string(),
    ]
}
