//! Every access-token check against tokens minted by the fake SSO: bad signature, unknown kid
//! (then a rotated JWKS), wrong issuer, wrong audience, expired, and the happy paths; and
//! tokens with odd claims signed by the fake's own key (bad subjects, no owner, `nbf` or `iat`
//! in the future), which only the claim checks can refuse.

use std::time::Duration;

use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeSso, JWKS_PATH,
    MintOptions, SsoConfig as FakeConfig,
};
use esi_sso::{JwtError, Scopes, Sso, SsoConfig, SsoError};

const WALLET: &str = "esi-wallet.read_character_wallet.v1";

async fn setup(min_refetch: Duration) -> (FakeSso, Sso) {
    let fake = FakeSso::start(FakeConfig::default())
        .await
        .expect("fake SSO");
    let config = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url(&fake.base_url())
        .expect("base")
        .jwks_min_refetch_interval(min_refetch);
    let sso = Sso::new(config).expect("sso");
    (fake, sso)
}

fn opts() -> MintOptions {
    MintOptions::new(90_000_001, [WALLET], DEFAULT_WEB_CLIENT_ID)
}

fn jwt_err(r: Result<esi_sso::Claims, SsoError>) -> JwtError {
    match r {
        Err(SsoError::InvalidJwt(e)) => e,
        other => panic!("expected an invalid JWT, got {other:?}"),
    }
}

#[tokio::test]
async fn valid_token_claims_are_typed() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = fake.mint_with(&opts()).expect("mint");
    let c = sso.verify(&t).await.expect("valid");
    assert_eq!(c.character_id, 90_000_001);
    assert_eq!(c.character_name, "Fake Pilot One");
    assert_eq!(
        c.owner_hash,
        fake.character(90_000_001).expect("char").owner_hash
    );
    assert_eq!(
        c.scopes,
        Scopes::from(WALLET),
        "a single scope arrives as a string"
    );
    assert_eq!(c.authorized_party.as_deref(), Some(DEFAULT_WEB_CLIENT_ID));
    // Both spellings of the issuer pass.
    let t = fake
        .mint_with(&opts().issuer("https://login.eveonline.com"))
        .expect("mint");
    sso.verify(&t).await.expect("https issuer is accepted");
}

#[tokio::test]
async fn bad_signature() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let current = fake.keys().signing_kid();
    let t = fake
        .mint_with(&opts().signed_with(1).kid(current))
        .expect("mint");
    assert_eq!(jwt_err(sso.verify(&t).await), JwtError::BadSignature);
}

#[tokio::test]
async fn wrong_issuer() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = fake
        .mint_with(&opts().issuer("logineveonline.com"))
        .expect("mint");
    assert_eq!(
        jwt_err(sso.verify(&t).await),
        JwtError::WrongIssuer("logineveonline.com".into())
    );
}

#[tokio::test]
async fn wrong_audience() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = fake
        .mint_with(&opts().audience(["someone-else", "EVE Online"]))
        .expect("mint");
    assert!(matches!(
        jwt_err(sso.verify(&t).await),
        JwtError::WrongAudience(_)
    ));
    let t = fake
        .mint_with(&opts().audience([DEFAULT_WEB_CLIENT_ID]))
        .expect("mint");
    assert!(matches!(
        jwt_err(sso.verify(&t).await),
        JwtError::WrongAudience(_)
    ));
}

#[tokio::test]
async fn expired_beyond_the_leeway() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = fake.mint_with(&opts().expires_in(-120)).expect("mint");
    assert_eq!(jwt_err(sso.verify(&t).await), JwtError::Expired);
    // Within the 30 s leeway it still passes.
    let t = fake.mint_with(&opts().expires_in(-5)).expect("mint");
    sso.verify(&t).await.expect("within leeway");
}

#[tokio::test]
async fn unknown_kid_refetches_the_rotated_jwks_once() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let before = fake.mint_with(&opts()).expect("mint");
    sso.verify(&before).await.expect("valid with key 1");
    assert_eq!(fake.request_count("GET", JWKS_PATH), 1);

    fake.rotate_keys(false);
    let after = fake.mint_with(&opts()).expect("mint");
    let c = sso
        .verify(&after)
        .await
        .expect("rotated key found after a refetch");
    assert_eq!(c.character_id, 90_000_001);
    assert_eq!(fake.request_count("GET", JWKS_PATH), 2);

    // A kid nobody publishes: the forced refetch was just used, so no new request.
    let forged = fake.mint_with(&opts().kid("nobody")).expect("mint");
    assert_eq!(
        jwt_err(sso.verify(&forged).await),
        JwtError::UnknownKid("nobody".into())
    );
    assert_eq!(fake.request_count("GET", JWKS_PATH), 2, "rate-limited");
}

#[tokio::test]
async fn unknown_kid_refetch_is_rate_limited_then_allowed_again() {
    let (fake, sso) = setup(Duration::from_millis(300)).await;
    sso.verify(&fake.mint_with(&opts()).expect("mint"))
        .await
        .expect("valid");
    let forged = fake.mint_with(&opts().kid("nobody")).expect("mint");
    for _ in 0..3 {
        assert!(matches!(
            jwt_err(sso.verify(&forged).await),
            JwtError::UnknownKid(_)
        ));
    }
    assert_eq!(
        fake.request_count("GET", JWKS_PATH),
        2,
        "one forced refetch for three"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(matches!(
        jwt_err(sso.verify(&forged).await),
        JwtError::UnknownKid(_)
    ));
    assert_eq!(fake.request_count("GET", JWKS_PATH), 3);
}

#[tokio::test]
async fn garbage_is_malformed() {
    let (_fake, sso) = setup(Duration::from_secs(60)).await;
    assert!(matches!(
        jwt_err(sso.verify("not.a.jwt").await),
        JwtError::Malformed(_)
    ));
}

/// A token signed by the fake's current key whose claims are a normal token's, changed by
/// `change`.
fn forged(
    fake: &FakeSso,
    change: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> String {
    let mut claims = fake.claims_json(&opts()).expect("claims");
    let map = claims.as_object_mut().expect("claims are an object");
    change(map);
    fake.sign_claims(&claims).expect("sign")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn subject_must_be_a_positive_character_id() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let ok = forged(&fake, |_| {});
    assert_eq!(
        sso.verify(&ok).await.expect("valid").character_id,
        90_000_001
    );
    for sub in [
        "CORPORATION:EVE:90000001",
        "CHARACTER:EVE:90000001:1",
        "CHARACTER:EVE:0",
        "CHARACTER:EVE:-90000001",
        "CHARACTER:EVE:abc",
    ] {
        let t = forged(&fake, |c| {
            c.insert("sub".into(), sub.into());
        });
        assert_eq!(
            jwt_err(sso.verify(&t).await),
            JwtError::BadSubject(sub.into()),
            "{sub}"
        );
    }
}

#[tokio::test]
async fn missing_owner_is_refused() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = forged(&fake, |c| {
        c.remove("owner");
    });
    assert_eq!(
        jwt_err(sso.verify(&t).await),
        JwtError::MissingClaim("owner")
    );
}

#[tokio::test]
async fn nbf_in_the_future_is_refused() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = forged(&fake, |c| {
        c.insert("nbf".into(), (now() + 600).into());
    });
    assert_eq!(jwt_err(sso.verify(&t).await), JwtError::NotYetValid);
    // Within the 30 s leeway, and in the past, it passes.
    let t = forged(&fake, |c| {
        c.insert("nbf".into(), (now() + 5).into());
    });
    sso.verify(&t).await.expect("nbf within the leeway");
}

#[tokio::test]
async fn iat_in_the_future_is_refused() {
    let (fake, sso) = setup(Duration::from_secs(60)).await;
    let t = forged(&fake, |c| {
        c.insert("iat".into(), (now() + 600).into());
    });
    assert_eq!(jwt_err(sso.verify(&t).await), JwtError::IssuedInFuture);
    let t = forged(&fake, |c| {
        c.insert("iat".into(), (now() + 5).into());
    });
    sso.verify(&t).await.expect("iat within the leeway");
}
