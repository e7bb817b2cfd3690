//! The store as the ESI client's token source, end to end: the generated client asks the store
//! for a token of the path's character, the store refreshes the expired one, and the fake ESI
//! (verifying tokens with the fake SSO's keys) answers.

#[macro_use]
mod support;

use std::sync::Arc;

use esi_client::{Client, UserAgent};
use esi_fake::esi::{FakeEsi, FakeEsiConfig};
use support::*;

async fn wallet_through_token_source(env: &Env) {
    let esi = FakeEsi::start(FakeEsiConfig::default().verifier(Arc::new(env.fake.keys())))
        .await
        .expect("fake ESI");
    let client = Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("esi-store-tests", "0").email("tests@example.invalid"))
        .build()
        .expect("client");
    let t = env.login(PILOT_1, &[WALLET], Some("u")).await;
    expire(&env.store, t.id).await;
    env.fake.clear_requests();

    let balance = client
        .wallet()
        .get_characters_character_id_wallet(PILOT_1)
        .token_source(&env.store.all_users_source())
        .await;
    assert!(balance.is_ok(), "{balance:?}");
    assert_eq!(
        env.fake.token_requests_count(),
        1,
        "the expired token was refreshed first"
    );
    let sent = esi
        .requests()
        .into_iter()
        .rev()
        .find_map(|r| {
            r.headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone())
        })
        .expect("a bearer token was sent");
    let stored = env.store.token(t.id).await.expect("q").expect("exists");
    assert_eq!(sent, format!("Bearer {}", stored.access_token().expose()));

    // A character without a token: the source says so, no request is made.
    let before = esi.requests().len();
    let err = client
        .wallet()
        .get_characters_character_id_wallet(PILOT_2)
        .token_source(&env.store.all_users_source())
        .await
        .expect_err("no token");
    assert!(err.to_string().contains("no token"), "{err}");
    assert_eq!(esi.requests().len(), before);
}
both_backends!(wallet_through_token_source);

async fn user_scoped_source_hands_out_only_that_users_tokens(env: &Env) {
    use esi_client::{TokenRequest, TokenSource, TokenSourceError};

    let esi = FakeEsi::start(FakeEsiConfig::default().verifier(Arc::new(env.fake.keys())))
        .await
        .expect("fake ESI");
    let client = Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("esi-store-tests", "0").email("tests@example.invalid"))
        .build()
        .expect("client");
    let a = env.login(PILOT_1, &[WALLET], Some("user-a")).await;
    let b = env.login(PILOT_2, &[WALLET], Some("user-b")).await;
    assert_eq!(a.user_id.as_deref(), Some("user-a"));
    assert_eq!(b.user_id.as_deref(), Some("user-b"));

    // Asked directly: B's source has no token for A's character; A's has.
    let request = TokenRequest {
        character_id: Some(PILOT_1),
        scopes: &[WALLET],
        operation: "get_characters_character_id_wallet",
    };
    let as_b = env.store.for_user("user-b");
    match as_b.access_token(request).await {
        Err(TokenSourceError::NoToken { character_id, .. }) => {
            assert_eq!(character_id, Some(PILOT_1));
        }
        other => panic!("user B got A's token: {other:?}"),
    }
    let as_a = env.store.for_user("user-a");
    let token = as_a.access_token(request).await.expect("A's own token");
    assert_eq!(token.secret(), a.access_token().expose());

    // Through the client: B reading A's wallet fails before any request is sent.
    let before = esi.requests().len();
    let err = client
        .wallet()
        .get_characters_character_id_wallet(PILOT_1)
        .token_source(&as_b)
        .await
        .expect_err("B must not read A's wallet");
    assert!(
        matches!(
            &err,
            esi_client::Error::TokenSource {
                source: TokenSourceError::NoToken { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(esi.requests().len(), before);
    client
        .wallet()
        .get_characters_character_id_wallet(PILOT_1)
        .token_source(&as_a)
        .await
        .expect("A reads A's wallet");
    client
        .wallet()
        .get_characters_character_id_wallet(PILOT_2)
        .token_source(&as_b)
        .await
        .expect("B reads B's wallet");

    // A token of no user is not handed out to a user either.
    env.login(PILOT_3, &[WALLET], None).await;
    let request = TokenRequest {
        character_id: Some(PILOT_3),
        ..request
    };
    assert!(matches!(
        as_a.access_token(request).await,
        Err(TokenSourceError::NoToken { .. })
    ));
}
both_backends!(user_scoped_source_hands_out_only_that_users_tokens);
