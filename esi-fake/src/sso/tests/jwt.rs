//! Access tokens: verification through the served JWKS, claim shape, tampering, key rotation and
//! the broken tokens tests can mint.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::support::*;
use crate::sso::{
    DEFAULT_WEB_CLIENT_ID, FakeSso, MintOptions, SsoConfig, SsoKeys, StartError, VerifyError,
};

const SKILLS: &str = "esi-skills.read_skills.v1";
const WALLET: &str = "esi-wallet.read_character_wallet.v1";

/// Verifies `token` the way an outside client does: JWKS over HTTP, key by `kid`.
async fn verify_via_jwks(
    sso: &FakeSso,
    token: &str,
) -> jsonwebtoken::errors::Result<serde_json::Value> {
    let jwks = json(client().get(sso.jwks_url()).send().await.unwrap()).await;
    let kid = jsonwebtoken::decode_header(token)?.kid.expect("kid");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid is published");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["EVE Online"]);
    validation.set_issuer(&["login.eveonline.com", "https://login.eveonline.com"]);
    Ok(jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)?.claims)
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

#[tokio::test]
async fn token_verifies_with_served_jwks_and_has_eve_shape() {
    let sso = start().await;
    let body = login_web(&sso, 90_000_001, &[SKILLS, WALLET]).await;
    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let claims = verify_via_jwks(&sso, token).await.unwrap();
    assert_eq!(claims["sub"], "CHARACTER:EVE:90000001");
    assert_eq!(claims["name"], "Fake Pilot One");
    assert_eq!(claims["azp"], DEFAULT_WEB_CLIENT_ID);
    assert_eq!(
        claims["aud"],
        serde_json::json!([DEFAULT_WEB_CLIENT_ID, "EVE Online"])
    );
    assert_eq!(claims["iss"], "login.eveonline.com");
    assert_eq!(claims["tenant"], "tranquility");
    assert_eq!(claims["tier"], "live");
    assert_eq!(claims["region"], "world");
    assert_eq!(claims["kid"], header.kid.unwrap().as_str());
    assert_eq!(claims["scp"], serde_json::json!([SKILLS, WALLET]));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        1200
    );
    assert_eq!(claims["owner"].as_str().unwrap().len(), 28);
    assert_eq!(claims["jti"].as_str().unwrap().len(), 36);

    let resp = client().get(sso.jwks_url()).send().await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "max-age=300");
    let jwks = json(resp).await;
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
}

#[tokio::test]
async fn tampered_token_fails() {
    let sso = start().await;
    let token = sso
        .mint_access_token(90_000_001, &[SKILLS], DEFAULT_WEB_CLIENT_ID)
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&b64().decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = "CHARACTER:EVE:90000002".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64().encode(serde_json::to_vec(&payload).unwrap()),
        parts[2]
    );
    assert_eq!(sso.verify(&forged), Err(VerifyError::BadSignature));
    assert!(verify_via_jwks(&sso, &forged).await.is_err());
    assert!(matches!(
        sso.verify("not.a.jwt"),
        Err(VerifyError::Malformed(_))
    ));
    assert!(sso.verify("").is_err());
}

#[tokio::test]
async fn scp_is_string_for_one_scope_array_for_more_and_absent_for_none() {
    let sso = start().await;
    let claims_of = |token: String| -> serde_json::Value {
        let payload = token.split('.').nth(1).unwrap().to_owned();
        serde_json::from_slice(&b64().decode(payload).unwrap()).unwrap()
    };
    let one = sso
        .mint_access_token(90_000_001, &[SKILLS], DEFAULT_WEB_CLIENT_ID)
        .unwrap();
    assert_eq!(claims_of(one.clone())["scp"], SKILLS);
    assert_eq!(sso.verify(&one).unwrap().scopes, [SKILLS]);
    let two = sso
        .mint_access_token(90_000_001, &[SKILLS, WALLET], DEFAULT_WEB_CLIENT_ID)
        .unwrap();
    assert_eq!(
        claims_of(two.clone())["scp"],
        serde_json::json!([SKILLS, WALLET])
    );
    assert!(sso.verify(&two).unwrap().has_scope(WALLET));
    let none = sso
        .mint_access_token(90_000_001, &[], DEFAULT_WEB_CLIENT_ID)
        .unwrap();
    assert!(claims_of(none.clone()).get("scp").is_none());
    assert!(sso.verify(&none).unwrap().scopes.is_empty());
}

#[tokio::test]
async fn key_rotation_changes_kid_and_jwks() {
    let sso = start().await;
    let keys: SsoKeys = sso.keys();
    let old_kid = keys.signing_kid();
    let old_token = sso
        .mint_access_token(90_000_001, &[SKILLS], DEFAULT_WEB_CLIENT_ID)
        .unwrap();

    let new_kid = sso.rotate_keys(true);
    assert_ne!(new_kid, old_kid);
    assert_eq!(keys.signing_kid(), new_kid);
    let token = sso
        .mint_access_token(90_000_001, &[SKILLS], DEFAULT_WEB_CLIENT_ID)
        .unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(),
        Some(new_kid.as_str())
    );
    let jwks = json(client().get(sso.jwks_url()).send().await.unwrap()).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [old_kid.as_str(), new_kid.as_str()]);
    assert!(verify_via_jwks(&sso, &token).await.is_ok());
    assert!(keys.verify(&old_token).is_ok());

    let newest = sso.rotate_keys(false);
    assert_eq!(keys.published_kids(), vec![newest]);
    assert_eq!(
        keys.verify(&old_token),
        Err(VerifyError::UnknownKid(old_kid))
    );
    assert!(matches!(
        keys.verify(&token),
        Err(VerifyError::UnknownKid(_))
    ));
}

#[tokio::test]
async fn minted_broken_tokens_are_refused_with_typed_errors() {
    let sso = start().await;
    let base = MintOptions::new(90_000_001, [SKILLS], DEFAULT_WEB_CLIENT_ID);
    let mint = |o: MintOptions| sso.mint_with(&o).unwrap();
    assert_eq!(
        sso.verify(&mint(base.clone().expires_in(-120))),
        Err(VerifyError::Expired)
    );
    assert_eq!(
        sso.verify(&mint(base.clone().issuer("evil.example"))),
        Err(VerifyError::WrongIssuer)
    );
    assert_eq!(
        sso.verify(&mint(base.clone().audience([DEFAULT_WEB_CLIENT_ID]))),
        Err(VerifyError::WrongAudience)
    );
    let current = sso.keys().signing_kid();
    assert_eq!(
        sso.verify(&mint(base.clone().signed_with(1).kid(current))),
        Err(VerifyError::BadSignature)
    );
    assert!(matches!(
        sso.verify(&mint(base.clone().signed_with(2))),
        Err(VerifyError::UnknownKid(_))
    ));
    let https = mint(base.clone().issuer("https://login.eveonline.com"));
    assert_eq!(
        sso.verify(&https).unwrap().issuer,
        "https://login.eveonline.com"
    );
    assert!(sso.mint_with(&MintOptions::new(1, [SKILLS], "x")).is_err());
}

#[tokio::test]
async fn refuses_non_loopback_bind() {
    let config = SsoConfig {
        bind: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    };
    assert!(matches!(
        FakeSso::start(config).await,
        Err(StartError::NonLoopback(_))
    ));
}

#[tokio::test]
async fn debug_output_redacts_secrets() {
    let sso = start().await;
    let text = format!("{sso:?} {:?}", SsoConfig::default());
    assert!(!text.contains(crate::sso::DEFAULT_WEB_CLIENT_SECRET));
    assert!(text.contains("<redacted>"));
    sso.shutdown().await;
}
