//! Property tests: whatever bytes a server (or a proxy in front of it) sends, and whatever a
//! caller hands in as a token, the runtime's parsers end with a value or a typed error, never a
//! panic. Case counts are bounded so the suite stays fast.

use proptest::prelude::*;

use crate::decode::{decode_response, pages_header};
use crate::error::Error;
use crate::identity::TokenClaims;
use crate::limits::{LimitAnswer, parse_limit};
use crate::operation::{OperationInfo, RateLimitInfo};

const CASES: u32 = 512;

/// A model shaped like ESI's market orders: numbers, a date-time, an enum, optional fields.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Order {
    order_id: i64,
    #[serde(deserialize_with = "crate::timestamp::deserialize")]
    issued: chrono::DateTime<chrono::Utc>,
    range: crate::Language,
    price: f64,
    #[serde(default)]
    min_volume: Option<i32>,
}

/// An untagged model, as the generator emits for `oneOf`.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
#[serde(untagged)]
enum Either {
    Order(Order),
    Ids(Vec<i64>),
    Other(serde_json::Value),
}

static INFO: OperationInfo = crate::operation::test_operation("/thing", true, &[], None, None);

fn raw(body: Vec<u8>, headers: http::HeaderMap) -> crate::decode::Raw {
    crate::decode::Raw {
        status: 200,
        headers,
        body: body.into(),
        from_cache: false,
        not_modified: false,
    }
}

fn decodes_or_says_why<T: serde::de::DeserializeOwned>(body: Vec<u8>) {
    match decode_response::<T>(&INFO, raw(body, http::HeaderMap::new())) {
        Ok(_) | Err(Error::Decode { .. }) => {}
        Err(other) => panic!("not a decode error: {other}"),
    }
}

/// Arbitrary JSON, nested a few levels, with ESI-ish leaves.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2026-11-20T05:12:25Z")),
        ".*".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("order_id".to_string()),
                    Just("issued".to_string()),
                    Just("range".to_string()),
                    Just("price".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes_decode_or_fail_with_a_decode_error(body in prop::collection::vec(any::<u8>(), 0..512)) {
        decodes_or_says_why::<Vec<Order>>(body.clone());
        decodes_or_says_why::<Either>(body.clone());
        decodes_or_says_why::<serde_json::Value>(body);
    }

    #[test]
    fn arbitrary_json_decodes_or_fails_with_a_decode_error(value in json()) {
        let body = serde_json::to_vec(&value).unwrap_or_default();
        decodes_or_says_why::<Vec<Order>>(body.clone());
        decodes_or_says_why::<Order>(body.clone());
        decodes_or_says_why::<Vec<Either>>(body);
    }

    #[test]
    fn limit_and_page_headers_never_panic(
        limit in ".*",
        pages in ".*",
        numbers in prop::collection::vec("[0-9a-z. -]{0,24}", 4),
        status in 100u16..600,
    ) {
        let _ = parse_limit(&limit);
        let mut headers = http::HeaderMap::new();
        let pairs = [
            ("x-pages", pages.as_str()),
            ("x-ratelimit-limit", limit.as_str()),
            ("x-ratelimit-remaining", numbers[0].as_str()),
            ("x-esi-error-limit-remain", numbers[1].as_str()),
            ("x-esi-error-limit-reset", numbers[2].as_str()),
            ("retry-after", numbers[3].as_str()),
        ];
        for (name, value) in pairs {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        let _ = pages_header(&headers);
        let group = RateLimitInfo { group: "g", max_tokens: 150, window_seconds: 900 };
        let answer = LimitAnswer::from_headers(Some(&group), status, &headers);
        let _ = (answer.closed_for(), answer.blocked_for());
    }

    #[test]
    fn arbitrary_tokens_never_panic(token in ".*", payload in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = TokenClaims::read(&token);
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&payload);
        let _ = TokenClaims::read(&format!("e30.{encoded}.sig"));
        let _ = crate::identity::token_hash(&token);
    }
}
