//! `Sso::verify`, the public entry point for access tokens, fed arbitrary text and base64url
//! segments against the fake SSO on 127.0.0.1: it never panics and refuses everything with a
//! typed `SsoError::InvalidJwt`. Bounded case count; the JWKS is fetched once and cached.

use std::time::Duration;

use base64::Engine as _;
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, FakeSso,
    SsoConfig as FakeConfig,
};
use esi_sso::{Sso, SsoConfig, SsoError};
use proptest::prelude::*;

const CASES: u32 = 256;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Text shaped like a token: arbitrary, or segments of arbitrary bytes, or an RS256 header that
/// names the fake's key over arbitrary claims and signature bytes.
fn token_like() -> impl Strategy<Value = String> {
    let header = b64(br#"{"alg":"RS256","typ":"JWT","kid":"JWT-Signature-Key-1"}"#);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..256)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        (
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..128), 1..5),
            any::<bool>()
        )
            .prop_map(|(parts, trailing)| {
                let mut t = parts.iter().map(|p| b64(p)).collect::<Vec<_>>().join(".");
                if trailing {
                    t.push('.');
                }
                t
            }),
        (
            prop::collection::vec(any::<u8>(), 0..256),
            prop::collection::vec(any::<u8>(), 0..300)
        )
            .prop_map(move |(claims, sig)| format!(
                "{header}.{}.{}",
                b64(&claims),
                b64(&sig)
            )),
    ]
}

#[test]
fn verify_refuses_arbitrary_tokens_with_a_typed_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (fake, sso) = rt.block_on(async {
        let fake = FakeSso::start(FakeConfig::default())
            .await
            .expect("fake SSO");
        let config = SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
            .client_secret(DEFAULT_WEB_CLIENT_SECRET)
            .base_url(&fake.base_url())
            .expect("base")
            .request_timeout(Duration::from_secs(5));
        (fake, Sso::new(config).expect("sso"))
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(CASES));
    let outcome = runner.run(&token_like(), |token| {
        let r = rt.block_on(sso.verify(&token));
        prop_assert!(
            matches!(r, Err(SsoError::InvalidJwt(_))),
            "{:?} gave {:?}",
            token,
            r
        );
        Ok(())
    });
    rt.block_on(fake.shutdown());
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
