//! How long a browser session lives. A session that exists only because a login was started in
//! it (an anonymous visit to a token-requiring page) expires with the login, after
//! [`WebConfig::login_max_age`](crate::WebConfig::login_max_age) unused; a login that finishes
//! in it makes it a lasting one, with the session layer's own expiry
//! ([`WebConfig::session_inactivity`](crate::WebConfig::session_inactivity) for
//! [`crate::EsiWeb::session_layer`]). So visits that never come back from EVE SSO leave no
//! session behind once the cleanup ([`crate::EsiWeb::spawn_cleanup`]) has run.
//!
//! Sessions the site keeps for its own reasons are never shortened: only one created by a
//! login, or one already marked short, is.

use std::time::Duration;

use tower_sessions::Session;
use tower_sessions::session::Expiry;

use crate::error::WebError;

/// Marks a session that lives only for its logins in flight.
const SHORT: &str = "esi_web.short";

/// Before a login is recorded: a session that did not exist before this request, or that is
/// already short, lives `login_max_age` from now.
pub(crate) async fn hold_for_login(
    session: &Session,
    login_max_age: Duration,
) -> Result<(), WebError> {
    // Reading loads the stored record: only then does `id()` say whether there was one.
    let short = session.get::<bool>(SHORT).await?.unwrap_or(false);
    if !short && session.id().is_some() {
        return Ok(());
    }
    let ttl = time::Duration::try_from(login_max_age).unwrap_or(time::Duration::minutes(5));
    session.insert(SHORT, true).await?;
    session.set_expiry(Some(Expiry::OnInactivity(ttl)));
    Ok(())
}

/// After a login finished, or the site logged a user in: the session lasts as the session layer
/// says.
pub(crate) async fn keep(session: &Session) -> Result<(), WebError> {
    // Saved with the expiry this request started with: the layer's.
    session.remove_value(SHORT).await?;
    Ok(())
}
