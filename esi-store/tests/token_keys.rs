//! Tokens sealed at rest with token keys, on a SQLite file and on PostgreSQL: the database file
//! holds no token; rotation keeps every token usable and `reencrypt_tokens` moves every row to
//! the new key; a wrong or missing key is a typed error that leaves the row as it was; rows
//! written before the keys read as they are and get sealed.

#[macro_use]
mod support;

use esi_store::entity::token;
use esi_store::{CryptError, StoreConfig, StoreError, TokenKey, TokenKeys, TokenStore};
use sea_orm::EntityTrait;
use support::*;

const SEALED: &str = "esi-sealed:v1:";

fn key(id: &str, byte: u8) -> TokenKey {
    TokenKey::new(id, [byte; 32]).expect("key")
}

fn keys(write: TokenKey, old: &[TokenKey]) -> TokenKeys {
    old.iter().cloned().fold(TokenKeys::new(write), |set, k| {
        set.with_old_key(k).expect("distinct ids")
    })
}

fn sealing(set: TokenKeys) -> impl FnOnce(StoreConfig) -> StoreConfig {
    move |c| c.with_token_keys(set)
}

/// The row as stored.
async fn raw(store: &TokenStore, id: i64) -> token::Model {
    token::Entity::find_by_id(id)
        .one(store.db())
        .await
        .expect("query")
        .expect("row kept")
}

/// Every secret column of every row, as stored.
async fn raw_secrets(store: &TokenStore) -> Vec<String> {
    token::Entity::find()
        .all(store.db())
        .await
        .expect("rows")
        .into_iter()
        .flat_map(|m| {
            let mut values = vec![m.access_token.expose().to_owned()];
            values.extend(m.refresh_token.map(String::from));
            values
        })
        .collect()
}

fn sealed_with(value: &str, key_id: &str) -> bool {
    value.starts_with(&format!("{SEALED}{key_id}:"))
}

/// The bytes of the SQLite file and its journals.
fn file_bytes(db: &TestDb) -> Vec<u8> {
    let path = db.url.trim_start_matches("sqlite://");
    let path = path.split('?').next().expect("path");
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{path}{suffix}")) {
            bytes.extend(b);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Logs in, refreshes (rotating the refresh token) and reads back; returns every secret the
/// SSO handed out.
async fn logins_and_a_refresh(env: &Env, store: &TokenStore) -> Vec<String> {
    let mut secrets = Vec::new();
    for (pilot, user) in [(PILOT_1, "u1"), (PILOT_2, "u2"), (PILOT_3, "u3")] {
        let t = env.login_into(store, pilot, &[WALLET], Some(user)).await;
        secrets.push(t.access_token().expose().to_owned());
        secrets.push(t.refresh_token().expect("rt").expose().to_owned());
    }
    let first = store
        .tokens()
        .character(PILOT_1)
        .first()
        .await
        .expect("q")
        .expect("t");
    let refreshed = store.refresh(&first).await.expect("refresh");
    secrets.push(refreshed.access_token().expose().to_owned());
    secrets.push(refreshed.refresh_token().expect("rt").expose().to_owned());
    secrets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_file_holds_no_token_when_a_key_is_set() {
    let Some(env) = Env::start(Backend::SqliteFile, "file_holds_no_token").await else {
        return;
    };
    let store = env.other_store(sealing(keys(key("k1", 1), &[]))).await;
    let secrets = logins_and_a_refresh(&env, &store).await;
    // The tokens still read back.
    assert_eq!(store.tokens().all().await.expect("tokens").len(), 3);
    store.db().clone().close().await.ok();
    env.store.db().clone().close().await.ok();
    let bytes = file_bytes(&env.db);
    assert!(bytes.len() > 4096, "the file was read");
    for secret in &secrets {
        assert!(!holds(&bytes, secret), "a token is in the database file");
        // Nor the JWT's payload alone (it would name the character and scopes).
        if let Some(payload) = secret.split('.').nth(1) {
            assert!(
                !holds(&bytes, payload),
                "a JWT payload is in the database file"
            );
        }
    }
    assert!(
        holds(&bytes, "esi-sealed:v1:k1:"),
        "sealed values are there"
    );
    env.fake.shutdown().await;
    env.db.cleanup().await;
}

/// The same test without a key finds the tokens: the check above can see them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_the_database_file_holds_the_tokens() {
    let Some(env) = Env::start(Backend::SqliteFile, "file_holds_tokens").await else {
        return;
    };
    let secrets = logins_and_a_refresh(&env, &env.store).await;
    env.store.db().clone().close().await.ok();
    let bytes = file_bytes(&env.db);
    let last_refresh = secrets.last().expect("refresh token");
    assert!(holds(&bytes, last_refresh), "plain refresh token not found");
    env.fake.shutdown().await;
    env.db.cleanup().await;
}

/// Plain rows written before the key, re-encrypted: the file keeps no copy of them (SQLite
/// reuses freed space without clearing it, and keeps old pages in its write-ahead log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_reencrypting_plain_rows_the_database_file_holds_no_token() {
    let Some(env) = Env::start(Backend::SqliteFile, "reencrypted_file").await else {
        return;
    };
    let secrets = logins_and_a_refresh(&env, &env.store).await;
    let store = env.other_store(sealing(keys(key("k1", 1), &[]))).await;
    let report = store.reencrypt_tokens().await.expect("re-encrypt");
    assert_eq!(report.from_plain, 3, "{report:?}");
    store.db().clone().close().await.ok();
    env.store.db().clone().close().await.ok();
    let bytes = file_bytes(&env.db);
    for secret in &secrets {
        assert!(
            !holds(&bytes, secret),
            "a token is left in the database file"
        );
    }
    env.fake.shutdown().await;
    env.db.cleanup().await;
}

async fn rotation_keeps_every_token_usable(env: &Env) {
    let old = env.other_store(sealing(keys(key("old", 1), &[]))).await;
    let mut ids = Vec::new();
    for pilot in [PILOT_1, PILOT_2, PILOT_3] {
        ids.push(env.login_into(&old, pilot, &[WALLET], Some("u")).await.id);
    }
    assert!(
        raw_secrets(&old)
            .await
            .iter()
            .all(|v| sealed_with(v, "old"))
    );

    // Rotate: `new` writes, `old` still opens.
    let rotated = env
        .other_store(sealing(keys(key("new", 2), &[key("old", 1)])))
        .await;
    for &id in &ids {
        let token = rotated.token(id).await.expect("opens").expect("exists");
        rotated.valid_access_token(&token).await.expect("usable");
    }
    // A refresh writes with the new key.
    expire(&rotated, ids[0]).await;
    rotated
        .valid_access_token_by_id(ids[0])
        .await
        .expect("refreshed");
    let row = raw(&rotated, ids[0]).await;
    assert!(sealed_with(&row.access_token, "new"));
    assert!(sealed_with(
        row.refresh_token.as_deref().expect("rt"),
        "new"
    ));

    // The command moves every other row.
    let report = rotated.reencrypt_tokens().await.expect("re-encrypt");
    assert_eq!(report.key_id, "new");
    assert_eq!(
        (
            report.from_old_key,
            report.from_plain,
            report.already_current
        ),
        (2, 0, 1),
        "{report:?}"
    );
    assert!(report.complete(), "{report:?}");
    assert!(
        raw_secrets(&rotated)
            .await
            .iter()
            .all(|v| sealed_with(v, "new"))
    );
    let again = rotated.reencrypt_tokens().await.expect("again");
    assert_eq!((again.moved(), again.already_current), (0, 3));

    // The old key can go: the new one alone opens every token, and they still work.
    let new_only = env.other_store(sealing(keys(key("new", 2), &[]))).await;
    for &id in &ids {
        let token = new_only.token(id).await.expect("opens").expect("exists");
        expire(&new_only, id).await;
        new_only
            .valid_access_token(&token)
            .await
            .expect("refreshes");
    }
    // The old key alone no longer opens them.
    let err = old.token(ids[1]).await.expect_err("rotated away");
    assert!(
        matches!(
            &err,
            StoreError::Sealed {
                source: CryptError::UnknownKey { key_id },
                ..
            } if key_id == "new"
        ),
        "{err:?}"
    );
}
shared_backends!(rotation_keeps_every_token_usable);

async fn a_wrong_key_is_a_typed_error_and_the_row_is_kept(env: &Env) {
    let right = env.other_store(sealing(keys(key("k", 1), &[]))).await;
    let t = env.login_into(&right, PILOT_1, &[WALLET], Some("u")).await;
    expire(&right, t.id).await;
    let before = raw(&right, t.id).await;
    env.fake.clear_requests();

    // Same id, other key material.
    let wrong = env.other_store(sealing(keys(key("k", 9), &[]))).await;
    let rejected = |e: &StoreError| {
        matches!(
            e,
            StoreError::Sealed {
                token_id,
                source: CryptError::Rejected { key_id },
                ..
            } if *token_id == t.id && key_id == "k"
        )
    };
    let err = wrong.token(t.id).await.expect_err("wrong key");
    assert!(rejected(&err), "{err:?}");
    assert!(err.to_string().contains("token key \"k\""), "{err}");
    assert!(!err.is_temporary() && !err.token_deleted());
    let err = wrong.valid_access_token(&t).await.expect_err("no refresh");
    assert!(rejected(&err), "{err:?}");
    let err = wrong
        .get_token(PILOT_1, WALLET)
        .await
        .expect_err("get_token says why");
    assert!(rejected(&err), "{err:?}");
    let report = wrong.reencrypt_tokens().await.expect("runs");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(rejected(&report.failed[0].1));
    assert!(!report.complete());
    // Refreshing in bulk and cleaning up keep it too.
    let mut keep = StoreConfig::new(&env.db.url).with_token_keys(keys(key("k", 9), &[]));
    keep.delete_tokens_without_user = false;
    let cleaning = TokenStore::connect(keep, web_sso(&env.fake.base_url()))
        .await
        .expect("store");
    let _ = cleaning.cleanup_token().await;

    // No key at all: told apart.
    let err = env.store.token(t.id).await.expect_err("no key");
    assert!(
        matches!(
            &err,
            StoreError::Sealed {
                source: CryptError::NoKey { .. },
                ..
            }
        ),
        "{err:?}"
    );

    // Nothing reached the SSO, the row is as it was, and the right key still works.
    assert_eq!(env.fake.token_requests_count(), 0);
    assert_eq!(raw(&right, t.id).await, before);
    right
        .valid_access_token(&t)
        .await
        .expect("the right key refreshes");
}
shared_backends!(a_wrong_key_is_a_typed_error_and_the_row_is_kept);

async fn plain_rows_from_before_read_and_get_sealed(env: &Env) {
    // Written by a store without keys.
    let a = env.login(PILOT_1, &[WALLET], Some("u")).await;
    let b = env.login(PILOT_2, &[WALLET], Some("u")).await;
    let c = env.login(PILOT_3, &[WALLET], Some("u")).await;
    assert!(
        raw_secrets(&env.store)
            .await
            .iter()
            .all(|v| !v.starts_with(SEALED))
    );

    let sealed = env.other_store(sealing(keys(key("k", 1), &[]))).await;
    // Read as they are.
    for t in [&a, &b, &c] {
        let read = sealed.token(t.id).await.expect("opens").expect("exists");
        assert_eq!(&read, t);
        assert_eq!(read.refresh_token(), t.refresh_token());
    }
    // A write seals the row: a refresh...
    expire(&sealed, a.id).await;
    sealed.valid_access_token(&a).await.expect("refreshed");
    let row = raw(&sealed, a.id).await;
    assert!(sealed_with(&row.access_token, "k"));
    assert!(sealed_with(row.refresh_token.as_deref().expect("rt"), "k"));
    // ... and a new login of an equivalent token.
    let b2 = env.login_into(&sealed, PILOT_2, &[WALLET], Some("u")).await;
    assert_eq!(b2.id, b.id, "the equivalent was updated");
    assert!(sealed_with(&raw(&sealed, b.id).await.access_token, "k"));
    assert!(!raw(&sealed, c.id).await.access_token.starts_with(SEALED));

    // The command seals the rest.
    let report = sealed.reencrypt_tokens().await.expect("re-encrypt");
    assert_eq!(
        (report.from_plain, report.already_current),
        (1, 2),
        "{report:?}"
    );
    assert!(
        raw_secrets(&sealed)
            .await
            .iter()
            .all(|v| sealed_with(v, "k"))
    );
    let read = sealed.token(c.id).await.expect("opens").expect("exists");
    assert_eq!(read.refresh_token(), c.refresh_token());
    expire(&sealed, c.id).await;
    sealed
        .valid_access_token(&c)
        .await
        .expect("still refreshes");
}
shared_backends!(plain_rows_from_before_read_and_get_sealed);

async fn a_sealed_value_moved_to_another_row_does_not_open(env: &Env) {
    let store = env.other_store(sealing(keys(key("k", 1), &[]))).await;
    let a = env.login_into(&store, PILOT_1, &[WALLET], Some("u")).await;
    let b = env.login_into(&store, PILOT_2, &[WALLET], Some("u")).await;
    // Someone with write access to the database (and no key) swaps the refresh tokens.
    let a_row = raw(&store, a.id).await;
    let mut b_row: token::ActiveModel = raw(&store, b.id).await.into();
    b_row.refresh_token = sea_orm::Set(a_row.refresh_token.clone());
    sea_orm::ActiveModelTrait::update(b_row, store.db())
        .await
        .expect("swap");
    let err = store.token(b.id).await.expect_err("moved value");
    assert!(
        matches!(
            &err,
            StoreError::Sealed {
                column: "refresh_token",
                source: CryptError::Rejected { .. },
                ..
            }
        ),
        "{err:?}"
    );
}
shared_backends!(a_sealed_value_moved_to_another_row_does_not_open);

#[tokio::test]
async fn reencrypting_without_a_key_is_refused() {
    let Some(env) = Env::start(Backend::SqliteMemory, "reencrypt_without_key").await else {
        return;
    };
    let err = env.store.reencrypt_tokens().await.expect_err("no key");
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("ESI_TOKEN_KEY"), "{err}");
    env.finish().await;
}
