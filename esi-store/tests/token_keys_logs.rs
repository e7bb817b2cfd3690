//! Keys and tokens never reach the logs or `Debug` output, and a store without keys says once
//! per process that it stores tokens in plain text. One test in its own binary: it installs
//! the process's global subscriber, recording every event (and every span as it opens, with
//! its fields) at TRACE level.

#[macro_use]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use esi_store::{StoreConfig, TokenKey, TokenKeys, TokenStore};
use support::*;

/// Everything logged, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const PLAIN_WARNING: &str = "no token key configured";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_tokens_stay_out_of_logs_and_debug() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::NEW)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let Some(env) = Env::start(Backend::SqliteFile, "keys_stay_out_of_logs").await else {
        return;
    };
    // The store without keys said so, once, however many stores open.
    let _second = env.other_store(|c| c).await;
    let _third = TokenStore::connect(StoreConfig::new(&env.db.url), web_sso(&env.fake.base_url()))
        .await
        .expect("store");
    assert_eq!(
        log.text().matches(PLAIN_WARNING).count(),
        1,
        "{}",
        log.text()
    );

    let old = TokenKey::generate("old").expect("key");
    let new = TokenKey::generate("new").expect("key");
    let wrong = TokenKey::new("new", [7; 32]).expect("key");
    let mut secrets: Vec<String> = [&old, &new, &wrong]
        .iter()
        .map(|k| k.expose_encoded())
        .collect();
    // The key material alone, without its id.
    let material: Vec<String> = secrets
        .iter()
        .filter_map(|s| s.split_once(':').map(|(_, m)| m.to_owned()))
        .collect();
    secrets.extend(material);

    let before = env
        .other_store(|c| c.with_token_keys(TokenKeys::new(old.clone())))
        .await;
    let plain = env.login(PILOT_1, &[WALLET], Some("u")).await;
    let sealed = env.login_into(&before, PILOT_2, &[WALLET], Some("u")).await;
    let store = env
        .other_store(|c| {
            c.with_token_keys(
                TokenKeys::new(new.clone())
                    .with_old_key(old.clone())
                    .expect("ids"),
            )
        })
        .await;
    for t in [&plain, &sealed] {
        expire(&store, t.id).await;
        let refreshed = store.refresh(t).await.expect("refresh");
        secrets.push(refreshed.access_token().expose().to_owned());
        secrets.extend(refreshed.refresh_token().map(|s| s.expose().to_owned()));
        secrets.push(t.access_token().expose().to_owned());
        secrets.extend(t.refresh_token().map(|s| s.expose().to_owned()));
    }
    let report = store.reencrypt_tokens().await.expect("re-encrypt");
    let wrong_store = env
        .other_store(|c| c.with_token_keys(TokenKeys::new(wrong.clone())))
        .await;
    let err = wrong_store.token(plain.id).await.expect_err("wrong key");
    let failed = wrong_store.reencrypt_tokens().await.expect("runs");
    let bad_key = "k:not-a-key".parse::<TokenKeys>().expect_err("bad");

    let debug = format!(
        "{store:?} {:?} {report:?} {failed:?} {err:?} {err} {bad_key:?} {bad_key} {plain:?} {sealed:?} {old:?} {:?}",
        store.config(),
        TokenKeys::new(new.clone()),
    );
    let logged = log.text();
    // The slow steps are INFO spans (their fields checked for secrets below with the rest).
    for event in [
        "stored SSO token",
        "token refreshed",
        "re-encrypted the stored tokens",
        "sso.exchange_code",
        "sso.refresh",
        "esi_store.refresh",
    ] {
        assert!(logged.contains(event), "{event} not captured:\n{logged}");
    }
    assert!(debug.contains("new") && debug.contains("old"), "{debug}");
    for secret in &secrets {
        assert!(
            !logged.contains(secret.as_str()),
            "a secret is in the logs:\n{logged}"
        );
        assert!(
            !debug.contains(secret.as_str()),
            "a secret is in Debug output:\n{debug}"
        );
    }
    assert_eq!(log.text().matches(PLAIN_WARNING).count(), 1);
    env.finish().await;
}
