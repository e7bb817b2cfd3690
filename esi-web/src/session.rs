//! What this crate keeps in the browser session (all under `esi_web.`): the session key that
//! binds logins to this browser, the CSRF token of the site's forms and the token picked on the
//! select-token page. The logins in flight are not here: each is a row of the token store,
//! under the session key, so that requests of one session running at the same moment (each
//! saving its own copy of the session) cannot lose each other's logins.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::WebError;

const KEY: &str = "esi_web.key";
const CSRF: &str = "esi_web.csrf";
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

/// Forgets the session's CSRF token: the next form gets a new one (at login, so that a token
/// seen before the login does not outlive it).
pub(crate) async fn rotate_csrf(session: &Session) -> Result<(), WebError> {
    session.remove_value(CSRF).await?;
    Ok(())
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
