//! What this crate keeps in the browser session (all under `esi_web.`): the session key that
//! binds logins to this browser, the CSRF token of the site's forms, the logins in flight and
//! whether each is a single-use one, and the token picked on the select-token page.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::WebError;

const KEY: &str = "esi_web.key";
const CSRF: &str = "esi_web.csrf";
const LOGINS: &str = "esi_web.logins";
const PICK: &str = "esi_web.pick";

/// 32 random bytes as hex.
pub(crate) fn random_hex() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The key logins of this session are recorded under (`CallbackRedirect.session_key`). It is
/// this crate's own random value, not the cookie, so it survives session id changes and the
/// cookie never lands in the login table.
pub(crate) async fn key(session: &Session) -> Result<Option<String>, WebError> {
    Ok(session.get::<String>(KEY).await?)
}

/// [`key`], created when missing.
pub(crate) async fn key_or_create(session: &Session) -> Result<String, WebError> {
    if let Some(k) = key(session).await? {
        return Ok(k);
    }
    let k = random_hex();
    session.insert(KEY, &k).await?;
    Ok(k)
}

/// The session's CSRF token, created when missing (which creates the session).
pub(crate) async fn csrf_token(session: &Session) -> Result<String, WebError> {
    if let Some(t) = session.get::<String>(CSRF).await? {
        return Ok(t);
    }
    let t = random_hex();
    session.insert(CSRF, &t).await?;
    Ok(t)
}

/// Whether `sent` is the session's CSRF token (compared in constant time).
pub(crate) async fn check_csrf(session: &Session, sent: Option<&str>) -> Result<bool, WebError> {
    let Some(expected) = session.get::<String>(CSRF).await? else {
        return Ok(false);
    };
    let Some(sent) = sent else {
        return Ok(false);
    };
    Ok(constant_time_eq(expected.as_bytes(), sent.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A login this session started and has not handed out yet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct PendingLogin {
    /// Its `state`.
    pub(crate) state: String,
    /// A single-use login: the token is stored for no user and only handed to a
    /// `single_use_token` page.
    pub(crate) single_use: bool,
}

/// The logins this session has in flight, oldest first (one per tab, say); at most
/// [`esi_store::MAX_PENDING_LOGINS_PER_SESSION`], like the store keeps.
pub(crate) async fn pending_logins(session: &Session) -> Result<Vec<PendingLogin>, WebError> {
    Ok(session
        .get::<Vec<PendingLogin>>(LOGINS)
        .await?
        .unwrap_or_default())
}

/// The session's login started with `state`, if any.
pub(crate) async fn pending_login(
    session: &Session,
    state: &str,
) -> Result<Option<PendingLogin>, WebError> {
    Ok(pending_logins(session)
        .await?
        .into_iter()
        .find(|p| p.state == state))
}

/// Adds a login in flight (the oldest beyond the limit are dropped).
pub(crate) async fn add_pending_login(
    session: &Session,
    login: PendingLogin,
) -> Result<(), WebError> {
    let mut all = pending_logins(session).await?;
    all.push(login);
    let excess = all
        .len()
        .saturating_sub(esi_store::MAX_PENDING_LOGINS_PER_SESSION);
    all.drain(..excess);
    session.insert(LOGINS, &all).await?;
    Ok(())
}

/// Forgets the login started with `state`.
pub(crate) async fn remove_pending_login(session: &Session, state: &str) -> Result<(), WebError> {
    let mut all = pending_logins(session).await?;
    all.retain(|p| p.state != state);
    session.insert(LOGINS, &all).await?;
    Ok(())
}

/// A token picked on the select-token page, for the next GET of `path`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Pick {
    pub(crate) path: String,
    pub(crate) token_id: i64,
}

pub(crate) async fn set_pick(session: &Session, pick: &Pick) -> Result<(), WebError> {
    session.insert(PICK, pick).await?;
    Ok(())
}

/// The pick for `path`, removed (a pick is used once).
pub(crate) async fn take_pick(session: &Session, path: &str) -> Result<Option<i64>, WebError> {
    let Some(pick) = session.get::<Pick>(PICK).await? else {
        return Ok(None);
    };
    if pick.path != path {
        return Ok(None);
    }
    session.remove_value(PICK).await?;
    Ok(Some(pick.token_id))
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
        assert_eq!(super::random_hex().len(), 64);
    }
}
