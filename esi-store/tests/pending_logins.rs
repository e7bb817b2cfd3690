//! Logins of a kind (a user's, or single-use), each one row keyed by its session, against the
//! fake SSO on SQLite and PostgreSQL: a finished login goes only to a page asking for its kind,
//! once; a session's logins can all be forgotten; a login of another session is found by its
//! state; single-use tokens nobody took are deleted with their logins.

#[macro_use]
mod support;

use esi_sso::Callback;
use esi_store::{LoginKind, StoreError, TokenStore};
use support::*;

/// Starts a login of `kind` for `session`, logs `character` in at the fake SSO and finishes it
/// (for `user`, none when single-use); returns the finished token's id.
async fn finished(
    store: &TokenStore,
    session: &str,
    kind: LoginKind,
    return_url: &str,
    character: i64,
) -> i64 {
    let go = store
        .start_login_as(session, WALLET, return_url, kind)
        .await
        .expect("start");
    let pending = store
        .pending_login(session, &go.state)
        .await
        .expect("query")
        .expect("in flight");
    assert_eq!(pending.kind, kind);
    let back = esi_fake::sso::play_login_page(&go.url, character)
        .await
        .expect("login page");
    let callback = Callback::from_query(back.query().unwrap_or("")).expect("callback");
    let user = (kind == LoginKind::User).then_some("user-1");
    let done = store
        .finish_login(session, &callback, user)
        .await
        .expect("finish");
    done.token.id
}

async fn a_finished_login_goes_to_its_kind_once(env: &Env) {
    let s = &env.store;
    let take = |kind| s.take_finished_login_as("session-k", kind, "/once");
    let once = finished(s, "session-k", LoginKind::SingleUse, "/once", PILOT_1).await;
    assert!(
        take(LoginKind::User).await.expect("take").is_none(),
        "not a user's"
    );
    assert_eq!(
        take(LoginKind::SingleUse)
            .await
            .expect("take")
            .map(|t| t.id),
        Some(once)
    );
    assert!(
        take(LoginKind::SingleUse).await.expect("take").is_none(),
        "once"
    );
    let user = finished(s, "session-k", LoginKind::User, "/once", PILOT_2).await;
    assert!(
        take(LoginKind::SingleUse).await.expect("take").is_none(),
        "not single-use"
    );
    assert_eq!(
        take(LoginKind::User).await.expect("take").map(|t| t.id),
        Some(user)
    );
    assert!(take(LoginKind::User).await.expect("take").is_none(), "once");
    // Another session, or another page, gets nothing.
    finished(s, "session-k", LoginKind::User, "/wallet", PILOT_1).await;
    assert!(
        s.take_finished_login_as("session-other", LoginKind::User, "/wallet")
            .await
            .expect("take")
            .is_none()
    );
    assert!(
        s.take_finished_login_as("session-k", LoginKind::User, "/elsewhere")
            .await
            .expect("take")
            .is_none()
    );
}
both_backends!(a_finished_login_goes_to_its_kind_once);

async fn cancelled_logins_leave_no_single_use_token(env: &Env) {
    let s = &env.store;
    let once = finished(s, "session-c", LoginKind::SingleUse, "/once", PILOT_1).await;
    let user = finished(s, "session-c", LoginKind::User, "/one", PILOT_2).await;
    let go = s
        .start_login_as("session-c", WALLET, "/", LoginKind::User)
        .await
        .expect("start");
    s.cancel_logins("session-c").await.expect("cancel");
    assert!(
        s.pending_login("session-c", &go.state)
            .await
            .expect("q")
            .is_none()
    );
    assert!(s.token(once).await.expect("q").is_none(), "nobody took it");
    assert!(
        s.token(user).await.expect("q").is_some(),
        "the user's stays"
    );
    let err = s
        .finish_login(
            "session-c",
            &Callback::from_query(&format!("code=x&state={}", go.state)).expect("cb"),
            None,
        )
        .await
        .expect_err("cancelled");
    assert!(matches!(err, StoreError::UnknownCallback), "{err:?}");
}
both_backends!(cancelled_logins_leave_no_single_use_token);

async fn cleanup_deletes_single_use_tokens_nobody_took(env: &Env) {
    let s = &env.store;
    let once = finished(s, "session-o", LoginKind::SingleUse, "/once", PILOT_1).await;
    let user = finished(s, "session-u", LoginKind::User, "/one", PILOT_2).await;
    backdate_redirects(s, 301).await;
    assert_eq!(
        s.cleanup_callbackredirect(esi_store::DEFAULT_CALLBACK_MAX_AGE)
            .await
            .expect("cleanup"),
        1,
        "the user's finished login (the single-use one went with its token)"
    );
    assert!(s.token(once).await.expect("q").is_none());
    assert!(s.token(user).await.expect("q").is_some());
}
both_backends!(cleanup_deletes_single_use_tokens_nobody_took);

async fn a_login_of_another_session_is_found_by_its_state(env: &Env) {
    let s = &env.store;
    let go = s
        .start_login_as("session-a", WALLET, "/wallet", LoginKind::User)
        .await
        .expect("start");
    let other = s
        .login_of_another_session(Some("session-b"), &go.state)
        .await
        .expect("q")
        .expect("found");
    assert_eq!(other.return_url, "/wallet");
    assert!(
        s.login_of_another_session(None, &go.state)
            .await
            .expect("q")
            .is_some()
    );
    assert!(
        s.login_of_another_session(Some("session-a"), &go.state)
            .await
            .expect("q")
            .is_none(),
        "not another session's"
    );
    assert!(
        s.login_of_another_session(None, "no-such-state")
            .await
            .expect("q")
            .is_none()
    );
}
both_backends!(a_login_of_another_session_is_found_by_its_state);
