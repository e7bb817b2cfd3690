//! The token store against the fake SSO, each scenario on SQLite and PostgreSQL: login (through
//! the login page, and with PKCE), de-duplication, queries, refresh with rotation, invalid_grant,
//! owner change, an SSO outage during bulk_refresh, 50 concurrent callers, cleanup.

#[macro_use]
mod support;

use std::time::Duration;

use esi_fake::sso::DEFAULT_WEB_CLIENT_ID;
use esi_sso::{Callback, Scopes, Secret};
use esi_store::entity::scope;
use esi_store::{StoreError, TokenStore};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::*;

/// Logs in through the fake's HTML page; returns the callback query string.
async fn browser_login(url: &url::Url, character_id: i64) -> String {
    let back = esi_fake::sso::play_login_page(url, character_id)
        .await
        .expect("login page");
    back.query().unwrap_or("").to_owned()
}

async fn full_login(env: &Env) {
    let store = &env.store;
    let go = store
        .start_login("session-a", [WALLET, SKILLS], "/wallet")
        .await
        .expect("start");
    let query = browser_login(&go.url, PILOT_2).await;
    let callback = Callback::from_query(&query).expect("callback");
    assert_eq!(callback.state, go.state);

    // The state is bound to the session.
    let err = store
        .finish_login("session-b", &callback, Some("user-1"))
        .await
        .expect_err("other session");
    assert!(matches!(err, StoreError::UnknownCallback), "{err:?}");

    let done = store
        .finish_login("session-a", &callback, Some("user-1"))
        .await
        .expect("finish");
    assert_eq!(done.return_url, "/wallet");
    let t = &done.token;
    assert_eq!(t.character_id, PILOT_2);
    assert_eq!(t.character_name, "Fake Pilot Two");
    assert_eq!(t.user_id.as_deref(), Some("user-1"));
    assert_eq!(t.token_type, "character");
    assert_eq!(t.scopes, Scopes::from([WALLET, SKILLS]));
    assert!(t.can_refresh());
    assert!(!t.is_expired(Duration::from_secs(60)));
    assert_eq!(
        t.owner_hash,
        env.fake.character(PILOT_2).expect("char").owner_hash
    );

    // Scopes were created with help texts.
    let scopes = scope::Entity::find().all(store.db()).await.expect("scopes");
    let wallet = scopes
        .iter()
        .find(|s| s.name == WALLET)
        .expect("wallet scope");
    assert_eq!(wallet.help_text, "Read character wallet");

    // Stored, and handed to the view once.
    let stored = store.token(t.id).await.expect("query").expect("exists");
    assert_eq!(&stored, t);
    let handed = store.take_callback_token("session-a").await.expect("take");
    assert_eq!(handed.map(|h| h.id), Some(t.id));
    assert!(
        store
            .take_callback_token("session-a")
            .await
            .expect("take")
            .is_none()
    );

    // Secrets stay out of Debug.
    let debug = format!("{t:?} {stored:?}");
    assert!(!debug.contains(t.access_token().expose()));
    assert!(!debug.contains(t.refresh_token().expect("rt").expose()));
}
both_backends!(full_login);

async fn pkce_login(env: &Env) {
    let store = TokenStore::connect(
        esi_store::StoreConfig::new(&env.db.url),
        native_sso(&env.fake.base_url()),
    )
    .await
    .expect("native store");
    let go = store
        .start_login("session-n", SKILLS, "/skills")
        .await
        .expect("start");
    assert!(go.url.as_str().contains("code_challenge_method=S256"));
    let query = browser_login(&go.url, PILOT_1).await;
    let callback = Callback::from_query(&query).expect("callback");
    let done = store
        .finish_login("session-n", &callback, None)
        .await
        .expect("the recorded verifier is sent");
    assert_eq!(done.token.character_id, PILOT_1);
    assert_eq!(done.token.scopes, Scopes::from(SKILLS));
    // Refresh works for the native client (client_id in the body).
    expire(&store, done.token.id).await;
    store
        .valid_access_token(&done.token)
        .await
        .expect("native refresh");
}
both_backends!(pkce_login);

async fn web_logins_send_pkce_and_do_not_cancel_each_other(env: &Env) {
    let store = &env.store;
    // The web client has a secret, and the SSO announces S256: PKCE all the same.
    let first = store
        .start_login("session-t", WALLET, "/wallet")
        .await
        .expect("start");
    assert!(first.url.as_str().contains("code_challenge_method=S256"));
    assert!(first.url.as_str().contains("code_challenge="));
    let second = store
        .start_login("session-t", SKILLS, "/skills")
        .await
        .expect("start another");
    for go in [&first, &second] {
        assert!(
            store
                .pending_login("session-t", &go.state)
                .await
                .expect("query")
                .is_some(),
            "both logins are in flight"
        );
    }
    // The first finishes after the second started (with its recorded verifier).
    let query = browser_login(&first.url, PILOT_1).await;
    let callback = Callback::from_query(&query).expect("callback");
    let done = store
        .finish_login("session-t", &callback, Some("user-t"))
        .await
        .expect("the first login finishes");
    assert_eq!(done.return_url, "/wallet");
    let query = browser_login(&second.url, PILOT_2).await;
    let callback = Callback::from_query(&query).expect("callback");
    let done = store
        .finish_login("session-t", &callback, Some("user-t"))
        .await
        .expect("the second login finishes");
    assert_eq!(done.return_url, "/skills");

    // A session keeps at most MAX_PENDING_LOGINS_PER_SESSION unfinished logins: the oldest go.
    let mut states = Vec::new();
    for _ in 0..esi_store::MAX_PENDING_LOGINS_PER_SESSION + 2 {
        let go = store
            .start_login("session-many", WALLET, "/")
            .await
            .expect("start");
        states.push(go.state);
    }
    let mut kept = Vec::new();
    for state in &states {
        kept.push(
            store
                .pending_login("session-many", state)
                .await
                .expect("query")
                .is_some(),
        );
    }
    assert_eq!(kept[..2], [false, false], "the two oldest are forgotten");
    assert!(
        kept[2..].iter().all(|k| *k),
        "the newest are kept: {kept:?}"
    );
}
both_backends!(web_logins_send_pkce_and_do_not_cancel_each_other);

async fn a_failed_exchange_consumes_the_state(env: &Env) {
    let store = &env.store;
    let go = store
        .start_login("session-f", WALLET, "/wallet")
        .await
        .expect("start");
    let query = browser_login(&go.url, PILOT_1).await;
    let callback = Callback::from_query(&query).expect("callback");
    // The SSO refuses the code: the exchange fails...
    let refused = Callback {
        code: Secret::new("not-a-code-the-sso-issued"),
        state: callback.state.clone(),
    };
    env.fake.clear_requests();
    let err = store
        .finish_login("session-f", &refused, None)
        .await
        .expect_err("the SSO refuses the code");
    assert!(matches!(err, StoreError::Sso(_)), "{err:?}");
    assert_eq!(env.fake.token_requests_count(), 1);
    // ...and the state is spent: the same state again, even with the good code, is unknown,
    // and the SSO is not asked.
    let err = store
        .finish_login("session-f", &callback, None)
        .await
        .expect_err("the state works once");
    assert!(matches!(err, StoreError::UnknownCallback), "{err:?}");
    assert_eq!(env.fake.token_requests_count(), 1);
    assert!(
        store
            .pending_login("session-f", &callback.state)
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        store
            .take_callback_token("session-f")
            .await
            .expect("take")
            .is_none()
    );
}
both_backends!(a_failed_exchange_consumes_the_state);

async fn concurrent_callbacks_exchange_once(env: &Env) {
    let store = &env.store;
    let go = store
        .start_login("session-c", WALLET, "/wallet")
        .await
        .expect("start");
    let query = browser_login(&go.url, PILOT_2).await;
    let callback = Callback::from_query(&query).expect("callback");
    env.fake.clear_requests();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let callback = callback.clone();
            tokio::spawn(async move { store.finish_login("session-c", &callback, None).await })
        })
        .collect();
    let mut finished = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(done) => finished.push(done),
            Err(StoreError::UnknownCallback) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(finished.len(), 1, "exactly one callback wins");
    assert_eq!(
        env.fake.token_requests_count(),
        1,
        "the code is exchanged once"
    );
    // The finished login is still there for the view, once.
    let handed = store
        .take_finished_login("session-c", &callback.state, "/wallet")
        .await
        .expect("take");
    assert_eq!(handed.map(|t| t.id), Some(finished[0].token.id));
}
both_backends!(concurrent_callbacks_exchange_once);

async fn equivalent_tokens_are_updated(env: &Env) {
    let a = env.login(PILOT_1, &[WALLET, SKILLS], Some("u1")).await;
    let b = env.login(PILOT_1, &[SKILLS, WALLET], Some("u1")).await;
    assert_eq!(a.id, b.id, "same character, scopes and user: updated");
    assert_ne!(a.access_token(), b.access_token());
    let c = env.login(PILOT_1, &[WALLET], Some("u1")).await;
    assert_ne!(c.id, a.id, "other scopes: new token");
    let d = env.login(PILOT_1, &[WALLET, SKILLS], Some("u2")).await;
    assert_ne!(d.id, a.id, "other user: new token");
    assert_eq!(env.store.tokens().count().await.expect("count"), 3);

    let eq = env.store.equivalent_to(&a).await.expect("equivalent");
    assert!(eq.is_empty(), "u2's token is not equivalent to u1's");
    let orphan = env.login(PILOT_1, &[WALLET, SKILLS], None).await;
    let eq = env.store.equivalent_to(&a).await.expect("equivalent");
    assert_eq!(eq.iter().map(|t| t.id).collect::<Vec<_>>(), vec![orphan.id]);
}
both_backends!(equivalent_tokens_are_updated);

async fn always_create_token(env: &Env) {
    let mut config = env.store.config().clone();
    config.always_create_token = true;
    config.run_migrations = false;
    let store =
        TokenStore::with_connection(env.store.db().clone(), env.store.sso().clone(), config);
    for _ in 0..2 {
        let code = env
            .fake
            .authorize_code(
                DEFAULT_WEB_CLIENT_ID,
                esi_fake::sso::DEFAULT_CALLBACK_URL,
                PILOT_1,
                &[WALLET],
                None,
            )
            .expect("code");
        store
            .create_from_code(&Secret::new(code), None, Some("u"))
            .await
            .expect("created");
    }
    assert_eq!(store.tokens().count().await.expect("count"), 2);
}
both_backends!(always_create_token);

async fn queries(env: &Env) {
    let s = &env.store;
    let t1 = env.login(PILOT_1, &[WALLET, SKILLS], Some("u1")).await;
    let t2 = env.login(PILOT_1, &[WALLET], Some("u1")).await;
    let t3 = env
        .login(PILOT_2, &[WALLET, SKILLS, ASSETS], Some("u2"))
        .await;
    let t4 = env.login(PILOT_3, &[], None).await;
    let ids = |v: Vec<esi_store::Token>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();

    assert_eq!(
        ids(s.tokens().require_scopes(WALLET).all().await.expect("q")),
        vec![t3.id, t2.id, t1.id]
    );
    assert_eq!(
        ids(s
            .tokens()
            .require_scopes(format!("{SKILLS} {WALLET}"))
            .all()
            .await
            .expect("q")),
        vec![t3.id, t1.id]
    );
    assert_eq!(
        ids(s
            .tokens()
            .require_scopes_exact([WALLET, SKILLS])
            .all()
            .await
            .expect("q")),
        vec![t1.id]
    );
    assert_eq!(
        ids(s
            .tokens()
            .require_scopes_exact(Scopes::new())
            .all()
            .await
            .expect("q")),
        vec![t4.id]
    );
    assert_eq!(
        ids(s
            .tokens()
            .require_scopes(Scopes::new())
            .all()
            .await
            .expect("q"))
        .len(),
        4
    );
    assert!(
        s.tokens()
            .require_scopes("esi-unknown.scope.v1")
            .all()
            .await
            .expect("q")
            .is_empty()
    );
    assert_eq!(
        ids(s
            .tokens()
            .character(PILOT_1)
            .user("u1")
            .all()
            .await
            .expect("q")),
        vec![t2.id, t1.id]
    );
    assert_eq!(
        ids(s.tokens().user("u2").all().await.expect("q")),
        vec![t3.id]
    );
    assert_eq!(
        ids(s.tokens().without_user().all().await.expect("q")),
        vec![t4.id]
    );

    // get_token: the newest valid token holding the scopes.
    let got = s
        .get_token(PILOT_1, WALLET)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(got.id, t2.id);
    assert!(s.get_token(PILOT_1, ASSETS).await.expect("get").is_none());

    // Expired ones, and require_valid refreshing them.
    expire(s, t1.id).await;
    expire(s, t3.id).await;
    assert_eq!(
        ids(s.tokens().expired().await.expect("q")),
        vec![t1.id, t3.id]
    );
    assert_eq!(
        ids(s.tokens().user("u1").expired().await.expect("q")),
        vec![t1.id]
    );
    env.fake.clear_requests();
    let valid = s
        .tokens()
        .require_scopes(WALLET)
        .require_valid()
        .await
        .expect("valid");
    assert_eq!(ids(valid), vec![t3.id, t2.id, t1.id]);
    assert_eq!(
        env.fake.token_requests_count(),
        2,
        "only the expired ones were refreshed"
    );
    assert!(s.tokens().expired().await.expect("q").is_empty());
}
both_backends!(queries);

async fn refresh_with_rotation(env: &Env) {
    let s = &env.store;
    let t = env.login(PILOT_1, &[WALLET], Some("u")).await;
    let first_rt = stored_refresh_token(s, t.id).await.expect("rt");
    // Fresh: no SSO request.
    env.fake.clear_requests();
    let access = s.valid_access_token(&t).await.expect("fresh");
    assert_eq!(&access, t.access_token());
    assert_eq!(env.fake.token_requests_count(), 0);

    expire(s, t.id).await;
    let new_access = s.valid_access_token(&t).await.expect("refreshed");
    assert_ne!(&new_access, t.access_token());
    assert_eq!(env.fake.token_requests_count(), 1);
    let second_rt = stored_refresh_token(s, t.id).await.expect("rt");
    assert_ne!(second_rt, first_rt, "the rotated refresh token was stored");
    let claims = s
        .sso()
        .verify(new_access.expose())
        .await
        .expect("valid JWT");
    let row = s.token(t.id).await.expect("q").expect("exists");
    assert_eq!(row.expires, claims.expires_at);
    // Again: fresh now, no request.
    s.valid_access_token(&t).await.expect("fresh");
    assert_eq!(env.fake.token_requests_count(), 1);
    // A forced refresh rotates again.
    let forced = s.refresh(&t).await.expect("forced");
    assert_ne!(
        forced.refresh_token().map(Secret::expose),
        Some(second_rt.as_str())
    );
    assert_eq!(env.fake.token_requests_count(), 2);
}
both_backends!(refresh_with_rotation);

async fn invalid_grant_deletes(env: &Env) {
    let s = &env.store;
    let t = env.login(PILOT_1, &[WALLET], Some("u")).await;
    env.fake.revoke_all_for_character(PILOT_1);
    expire(s, t.id).await;
    let err = s.valid_access_token(&t).await.expect_err("revoked");
    assert!(
        matches!(err, StoreError::Revoked { token_id } if token_id == t.id),
        "{err:?}"
    );
    assert!(s.token(t.id).await.expect("q").is_none(), "deleted");
}
both_backends!(invalid_grant_deletes);

async fn owner_change_rejects(env: &Env) {
    let s = &env.store;
    let t = env.login(PILOT_2, &[WALLET], Some("u")).await;
    assert!(env.fake.set_owner_hash(PILOT_2, "c29tZW9uZS1lbHNlLWhhc2g="));
    expire(s, t.id).await;
    let err = s.valid_access_token(&t).await.expect_err("owner changed");
    assert!(
        matches!(err, StoreError::OwnerChanged { character_id, .. } if character_id == PILOT_2),
        "{err:?}"
    );
    assert!(
        s.token(t.id).await.expect("q").is_none(),
        "rejected, not saved"
    );
}
both_backends!(owner_change_rejects);

async fn outage_during_bulk_refresh(env: &Env) {
    let s = &env.store;
    let mut ids = Vec::new();
    for (c, scopes) in [
        (PILOT_1, &[WALLET][..]),
        (PILOT_2, &[WALLET][..]),
        (PILOT_3, &[SKILLS][..]),
        (PILOT_1, &[SKILLS][..]),
    ] {
        let t = env.login(c, scopes, Some("u")).await;
        expire(s, t.id).await;
        ids.push(t.id);
    }
    s.sso().metadata().await.expect("metadata cached");
    env.fake.outage(503, None).expect("outage");
    let report = s.tokens().bulk_refresh().await.expect("report");
    assert_eq!(report.unavailable.len(), 4, "{report:?}");
    assert!(report.deleted.is_empty() && report.refreshed.is_empty());
    assert_eq!(
        s.tokens().count().await.expect("count"),
        4,
        "nothing deleted"
    );
    for id in &ids {
        let e = s
            .valid_access_token_by_id(*id)
            .await
            .expect_err("still down");
        assert!(e.is_temporary(), "{e:?}");
    }
    assert_eq!(s.tokens().count().await.expect("count"), 4);

    // Back up: one of them has been revoked meanwhile, the others refresh.
    env.fake.clear_faults();
    env.fake.revoke_all_for_character(PILOT_3);
    let report = s.tokens().bulk_refresh().await.expect("report");
    assert_eq!(report.refreshed.len(), 3, "{report:?}");
    assert_eq!(report.deleted.len(), 1);
    assert_eq!(s.tokens().count().await.expect("count"), 3);
}
both_backends!(outage_during_bulk_refresh);

async fn fifty_tasks_refresh_once(env: &Env) {
    let s = &env.store;
    let t = env.login(PILOT_1, &[WALLET], Some("u")).await;
    expire(s, t.id).await;
    env.fake.clear_requests();
    env.fake.slow_token_endpoint(Duration::from_millis(200));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = s.clone();
        let id = t.id;
        tasks.push(tokio::spawn(async move {
            store.valid_access_token_by_id(id).await
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.expect("task").expect("valid token"));
    }
    env.fake.slow_token_endpoint(Duration::ZERO);
    assert_eq!(
        env.fake.token_requests_count(),
        1,
        "exactly one refresh reached the SSO"
    );
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "everyone got the same token"
    );
    s.sso()
        .verify(tokens[0].expose())
        .await
        .expect("and it is valid");
    let stored = s.token(t.id).await.expect("q").expect("exists");
    assert_eq!(stored.access_token(), &tokens[0]);
    // The stored refresh token is the newest: the SSO accepts it.
    let rt = Secret::new(stored_refresh_token(s, t.id).await.expect("rt"));
    s.sso()
        .refresh(&rt, None)
        .await
        .expect("stored refresh token is live");
}
both_backends!(fifty_tasks_refresh_once);

async fn cleanup_tasks(env: &Env) {
    let s = &env.store;
    s.start_login("old-1", WALLET, "/").await.expect("start");
    s.start_login("old-2", WALLET, "/").await.expect("start");
    backdate_redirects(s, 301).await;
    s.start_login("new", WALLET, "/").await.expect("start");
    assert_eq!(
        s.cleanup_callbackredirect(esi_store::DEFAULT_CALLBACK_MAX_AGE)
            .await
            .expect("cleanup"),
        2
    );
    let left = esi_store::entity::callback_redirect::Entity::find()
        .count(s.db())
        .await
        .expect("count");
    assert_eq!(left, 1);

    let orphan = env.login(PILOT_1, &[WALLET], None).await;
    let fresh = env.login(PILOT_1, &[SKILLS], Some("u")).await;
    let expired = env.login(PILOT_2, &[WALLET], Some("u")).await;
    let revoked = env.login(PILOT_3, &[WALLET], Some("u")).await;
    expire(s, expired.id).await;
    expire(s, revoked.id).await;
    env.fake.revoke_all_for_character(PILOT_3);
    let report = s.cleanup_token().await.expect("cleanup");
    assert_eq!(report.deleted_without_user, 1);
    assert_eq!(report.refresh.refreshed.len(), 1);
    assert_eq!(report.refresh.deleted, vec![revoked.id]);
    let left: Vec<i64> = s
        .tokens()
        .all()
        .await
        .expect("q")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(left, vec![expired.id, fresh.id]);
    assert!(s.token(orphan.id).await.expect("q").is_none());

    // The periodic runner.
    s.start_login("old-3", WALLET, "/").await.expect("start");
    backdate_redirects(s, 1000).await;
    let runner = s.spawn_cleanup(esi_store::CleanupSchedule {
        callback_interval: Duration::from_millis(20),
        callback_max_age: Duration::from_secs(300),
        token_interval: Duration::from_secs(3600),
    });
    let mut gone = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let n = esi_store::entity::callback_redirect::Entity::find()
            .count(s.db())
            .await
            .expect("count");
        if n == 0 {
            gone = true;
            break;
        }
    }
    runner.stop().await;
    assert!(gone, "the runner cleaned the old redirects");
}
both_backends!(cleanup_tasks);

async fn stale_lease_is_taken_over(env: &Env) {
    use esi_store::entity::token;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let s = &env.store;
    let t = env.login(PILOT_1, &[WALLET], Some("u")).await;
    expire(s, t.id).await;
    // A process that crashed while refreshing left its lease behind, expired.
    token::Entity::update_many()
        .col_expr(token::Column::RefreshLeaseOwner, Expr::value("crashed"))
        .col_expr(
            token::Column::RefreshLeaseUntil,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(token::Column::Id.eq(t.id))
        .exec(s.db())
        .await
        .expect("lease");
    s.valid_access_token(&t).await.expect("taken over");

    // A live lease held elsewhere for longer than we wait: a temporary error, token kept.
    let mut config = s.config().clone();
    config.refresh_lease = Duration::from_millis(300);
    config.run_migrations = false;
    let impatient = TokenStore::with_connection(s.db().clone(), s.sso().clone(), config);
    expire(s, t.id).await;
    token::Entity::update_many()
        .col_expr(token::Column::RefreshLeaseOwner, Expr::value("busy"))
        .col_expr(
            token::Column::RefreshLeaseUntil,
            Expr::value(chrono::Utc::now() + chrono::Duration::minutes(10)),
        )
        .filter(token::Column::Id.eq(t.id))
        .exec(s.db())
        .await
        .expect("lease");
    let err = impatient
        .valid_access_token(&t)
        .await
        .expect_err("lease held");
    assert!(matches!(err, StoreError::LeaseTimeout { .. }), "{err:?}");
    assert!(err.is_temporary());
    assert!(s.token(t.id).await.expect("q").is_some());
}
both_backends!(stale_lease_is_taken_over);
