//! Property tests of the token checks: arbitrary text, bytes, base64url segments and JSON
//! claims never make them panic, and whatever passes the claim checks names a positive character
//! id in exactly `CHARACTER:EVE:<id>`, has an owner, the right issuer and audience, and no
//! `nbf` or `iat` in the future. Bounded case counts, so they run in seconds.

use std::sync::LazyLock;

use base64::Engine as _;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::jwks::Key;

const NOW: i64 = 1_999_999_000;
const LEEWAY: std::time::Duration = std::time::Duration::from_secs(30);
const CASES: u32 = 256;

/// The fake SSO's first published key, as the client would read it from a JWKS.
fn key() -> Key {
    static KEYS: LazyLock<Vec<Key>> = LazyLock::new(|| {
        let jwks = esi_fake::sso::SsoKeys::load("login.eveonline.com")
            .expect("shipped keys")
            .jwks();
        crate::jwks::parse_keys(jwks.to_string().as_bytes()).expect("a usable JWKS")
    });
    KEYS.first().expect("one key").clone()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A claim that is absent, plausible, or anything at all.
fn claim(plausible: BoxedStrategy<Value>) -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop_oneof![3 => plausible, 1 => json_value()])
}

fn time() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (NOW - 100_000..NOW + 100_000).prop_map(Value::from),
    ]
    .boxed()
}

/// Claims objects near EVE's shape: each known claim absent, well formed, subtly wrong, or of
/// any type.
fn claims() -> impl Strategy<Value = Value> {
    let sub = prop_oneof![
        any::<i64>().prop_map(|id| format!("CHARACTER:EVE:{id}")),
        "(CHARACTER|CORPORATION|character|)(:|::)?(EVE|eve|)?:[-+0-9 a-z:]{0,12}",
        any::<String>(),
    ]
    .prop_map(Value::from)
    .boxed();
    let owner = prop_oneof![Just(String::new()), "[A-Za-z0-9+/=]{1,28}"]
        .prop_map(Value::from)
        .boxed();
    let iss = prop_oneof![
        Just(ACCEPTED_ISSUERS[0].to_owned()),
        Just(ACCEPTED_ISSUERS[1].to_owned()),
        any::<String>(),
    ]
    .prop_map(Value::from)
    .boxed();
    let aud = prop_oneof![
        Just(json!(["cid", EVE_AUDIENCE])),
        Just(json!("cid")),
        prop::collection::vec(prop_oneof![Just("cid".to_owned()), any::<String>()], 0..3)
            .prop_map(Value::from),
    ]
    .boxed();
    let text = any::<String>().prop_map(Value::from).boxed();
    let scp = prop_oneof![
        any::<String>().prop_map(Value::from),
        prop::collection::vec(any::<String>(), 0..4).prop_map(Value::from),
    ]
    .boxed();
    (
        claim(sub),
        claim(owner),
        claim(time()),
        claim(time()),
        claim(time()),
        claim(iss),
        claim(aud),
        (
            claim(scp),
            claim(text.clone()),
            claim(text.clone()),
            claim(text),
        ),
    )
        .prop_map(
            |(sub, owner, exp, iat, nbf, iss, aud, (scp, name, azp, jti))| {
                let mut m = serde_json::Map::new();
                for (k, v) in [
                    ("sub", sub),
                    ("owner", owner),
                    ("exp", exp),
                    ("iat", iat),
                    ("nbf", nbf),
                    ("iss", iss),
                    ("aud", aud),
                    ("scp", scp),
                    ("name", name),
                    ("azp", azp),
                    ("jti", jti),
                ] {
                    if let Some(v) = v {
                        m.insert(k.to_owned(), v);
                    }
                }
                Value::Object(m)
            },
        )
}

/// The token header of an RS256 token, or something else shaped like a header.
fn header_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"alg": "RS256", "typ": "JWT", "kid": "JWT-Signature-Key-1"})),
        Just(json!({"alg": "RS256"})),
        Just(json!({"alg": "none"})),
        Just(json!({"alg": "HS256", "kid": "JWT-Signature-Key-1"})),
        json_value(),
    ]
}

/// Checks the claim-check invariants for `raw` as it came in.
fn check_invariants(doc: &Value) -> Result<(), TestCaseError> {
    let Ok(raw) = serde_json::from_value::<RawClaims>(doc.clone()) else {
        return Ok(());
    };
    let Ok(c) = check_claims(raw, "cid", NOW, LEEWAY) else {
        return Ok(());
    };
    prop_assert!(c.character_id > 0);
    let sub = format!("CHARACTER:EVE:{}", c.character_id);
    prop_assert_eq!(doc.get("sub").and_then(Value::as_str), Some(sub.as_str()));
    prop_assert!(!c.owner_hash.is_empty());
    prop_assert!(ACCEPTED_ISSUERS.contains(&c.issuer.as_str()));
    let latest = NOW + 30;
    for k in ["nbf", "iat"] {
        if let Some(t) = doc.get(k).and_then(Value::as_i64) {
            prop_assert!(t <= latest, "{} {} is in the future", k, t);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_text_is_refused_without_panicking(text in any::<String>()) {
        let _ = header(&text);
        prop_assert!(verify(&text, &key(), "cid", LEEWAY).is_err());
    }

    #[test]
    fn arbitrary_bytes_are_refused_without_panicking(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = header(&text);
        prop_assert!(verify(&text, &key(), "cid", LEEWAY).is_err());
    }

    #[test]
    fn arbitrary_segments_are_refused_without_panicking(
        head in prop::collection::vec(any::<u8>(), 0..64),
        body in prop::collection::vec(any::<u8>(), 0..256),
        sig in prop::collection::vec(any::<u8>(), 0..300),
        dots in 0usize..4,
    ) {
        let mut parts = vec![b64(&head), b64(&body), b64(&sig)];
        parts.truncate(dots.max(1));
        let token = parts.join(".");
        let _ = header(&token);
        prop_assert!(verify(&token, &key(), "cid", LEEWAY).is_err());
    }

    #[test]
    fn json_shaped_tokens_with_forged_signatures_are_refused(
        head in header_json(),
        body in prop_oneof![claims(), json_value()],
        sig in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let token = format!(
            "{}.{}.{}",
            b64(head.to_string().as_bytes()),
            b64(body.to_string().as_bytes()),
            b64(&sig)
        );
        let _ = header(&token);
        prop_assert!(verify(&token, &key(), "cid", LEEWAY).is_err());
    }

    #[test]
    fn claims_that_pass_are_sound(doc in claims()) {
        check_invariants(&doc)?;
    }

    #[test]
    fn any_json_as_claims_never_panics(doc in json_value()) {
        check_invariants(&doc)?;
    }
}
