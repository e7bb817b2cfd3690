//! What the application receives: [`Change`]s of typed data, only when the data changed, through
//! a handler it gives per job ([`Handler`]).

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use esi_runtime::BoxFuture;

use crate::subject::Subject;

/// New data of one job: handed to the job's handler only when ESI's data changed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Change<T> {
    /// The job's key (`character:90000001/wallet`).
    pub job: String,
    /// Whose data it is.
    pub subject: Subject,
    /// The data: every page's items, in order, for jobs of all pages.
    pub data: T,
    /// The answer's `ETag` (page 1's for jobs of all pages).
    pub etag: Option<String>,
    /// Until when ESI keeps serving this data.
    pub expires: Option<DateTime<Utc>>,
    /// When ESI last updated it.
    pub last_modified: Option<DateTime<Utc>>,
}

/// Why a handler did not take a change; the job is retried with backoff and the message is
/// kept as the job's last error.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// An application's handler of one job's changes: an async callback. The change counts as
/// delivered (its `ETag` and next run are committed) only when it returns `Ok`.
pub type Handler<T> =
    Arc<dyn Fn(Change<T>) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

/// Wraps an async function or closure as a [`Handler`].
///
/// ```
/// let handler = esi_sync::handler(|change: esi_sync::Change<f64>| async move {
///     println!("{} now holds {} ISK", change.subject, change.data);
///     Ok(())
/// });
/// # let _ = handler;
/// ```
pub fn handler<T, F, Fut>(f: F) -> Handler<T>
where
    F: Fn(Change<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    Arc::new(
        move |change: Change<T>| -> BoxFuture<'static, Result<(), HandlerError>> {
            Box::pin(f(change))
        },
    )
}

/// A [`Handler`] that sends every change into a channel; it fails (and the job is retried)
/// while the receiver is gone. Delivery counts once the change is in the channel.
pub fn channel_handler<T: Send + 'static>(
    sender: tokio::sync::mpsc::Sender<Change<T>>,
) -> Handler<T> {
    handler(move |change| {
        let sender = sender.clone();
        async move {
            sender
                .send(change)
                .await
                .map_err(|_| HandlerError::from("the change receiver is closed"))
        }
    })
}
