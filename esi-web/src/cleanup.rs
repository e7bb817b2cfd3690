//! [`WebCleanup`]: the housekeeping every site must run ([`crate::EsiWeb::spawn_cleanup`]).
//! Logins never finished and the single-use tokens nobody took go once older than
//! [`WebConfig::login_max_age`](crate::WebConfig::login_max_age) (the token store's cleanup,
//! which also refreshes or deletes expired tokens hourly), and expired sessions go, among them
//! those of anonymous visits that never came back from EVE SSO. Without it both tables grow
//! with every anonymous visit to a token-requiring page.

use std::time::Duration;

use esi_store::{CleanupRunner, CleanupSchedule};
use tokio::task::JoinHandle;

use crate::web::EsiWeb;

/// The running cleanup tasks; dropping it stops them.
#[derive(Debug)]
pub struct WebCleanup {
    store: Option<CleanupRunner>,
    sessions: JoinHandle<()>,
}

impl WebCleanup {
    /// Stops the tasks, waiting for a store cleanup in progress to end.
    pub async fn stop(mut self) {
        self.sessions.abort();
        if let Some(store) = self.store.take() {
            store.stop().await;
        }
    }
}

impl Drop for WebCleanup {
    fn drop(&mut self) {
        self.sessions.abort();
    }
}

impl EsiWeb {
    /// Starts the cleanup every site must run, on the current tokio runtime: every `period`
    /// (at least a second), logins older than
    /// [`WebConfig::login_max_age`](crate::WebConfig::login_max_age) and expired sessions are
    /// deleted; expired tokens are refreshed or deleted every hour. So anonymous visits leave
    /// nothing behind after `login_max_age` plus one `period`. A minute is a good `period`.
    ///
    /// ```no_run
    /// # async fn demo(web: esi_web::EsiWeb) {
    /// let cleanup = web.spawn_cleanup(std::time::Duration::from_secs(60));
    /// // ... serve the site ...
    /// cleanup.stop().await;
    /// # }
    /// ```
    pub fn spawn_cleanup(&self, period: Duration) -> WebCleanup {
        let store = self.store().spawn_cleanup(CleanupSchedule {
            callback_interval: period,
            callback_max_age: self.config().login_max_age,
            ..CleanupSchedule::default()
        });
        let sessions = tokio::spawn(self.sessions().clone().continuously_delete_expired(period));
        WebCleanup {
            store: Some(store),
            sessions,
        }
    }
}
