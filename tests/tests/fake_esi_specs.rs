//! Every GET operation of each pinned spec answers schema-valid data, and two servers answer
//! identical bytes.

mod support;

use esi_codegen::model::HttpMethod;
use esi_fake::esi::{PageShape, Validator};
use support::{ALL_SCOPES, client, sample_path, start};

/// Calls every GET operation of `file` and validates each answer against its success schema.
async fn every_get_answer_is_schema_valid(file: &str) {
    let (esi, api) = start(file, |mut config| {
        config.limits.rate_limits = false;
        config.limits.error_limit = u32::MAX;
        config.pages("/markets/{region_id}/orders", PageShape::new(2, 50))
    })
    .await;
    let client = client();
    let validator = Validator::new(&api);
    let mut checked = 0;
    let mut failures = Vec::new();
    for op in api
        .operations
        .iter()
        .filter(|op| op.method == HttpMethod::Get)
    {
        let url = format!("{}{}", esi.api_url(), sample_path(&api, op));
        let resp = client
            .get(&url)
            .bearer_auth(ALL_SCOPES)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let Some(schema) = op.success_schema() else {
            if status != 204 {
                failures.push(format!(
                    "{} {url}: {status} without a success schema",
                    op.operation_id
                ));
            }
            continue;
        };
        if status != 200 {
            failures.push(format!(
                "{} {url}: status {status}: {text}",
                op.operation_id
            ));
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => {
                failures.push(format!("{} {url}: not JSON: {e}", op.operation_id));
                continue;
            }
        };
        for violation in validator.validate(schema, &value).into_iter().take(3) {
            failures.push(format!("{} {url}: {violation}", op.operation_id));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 150, "only {checked} operations checked");
}

#[tokio::test]
async fn openapi_2026_08_18_answers_are_schema_valid() {
    every_get_answer_is_schema_valid("esi-openapi-2026-08-18.json").await;
}

#[tokio::test]
async fn openapi_2025_11_06_answers_are_schema_valid() {
    every_get_answer_is_schema_valid("esi-openapi-2025-11-06.json").await;
}

#[tokio::test]
async fn swagger_latest_answers_are_schema_valid() {
    every_get_answer_is_schema_valid("esi-swagger-latest-v1.3.8.json").await;
}

#[tokio::test]
async fn two_servers_answer_identical_bytes() {
    let quiet = |mut config: esi_fake::esi::FakeEsiConfig| {
        config.limits.rate_limits = false;
        config.limits.error_limit = u32::MAX;
        config.pages("/markets/{region_id}/orders", PageShape::new(2, 100))
    };
    let (first, api) = start("esi-openapi-2026-08-18.json", quiet).await;
    let (second, _) = start("esi-openapi-2026-08-18.json", quiet).await;
    let client = client();
    for op in api
        .operations
        .iter()
        .filter(|op| op.method == HttpMethod::Get)
    {
        let path = sample_path(&api, op);
        let mut bodies = Vec::new();
        for esi in [&first, &second] {
            let resp = client
                .get(format!("{}{path}", esi.api_url()))
                .bearer_auth(ALL_SCOPES)
                .send()
                .await
                .expect("request");
            let etag = support::header(&resp, "etag");
            bodies.push((etag, resp.bytes().await.expect("body")));
        }
        assert_eq!(bodies[0], bodies[1], "{path} differs between servers");
    }
    // Other parameters give other data.
    let a = client
        .get(format!("{}/markets/10000002/orders", first.base_url()))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");
    let b = client
        .get(format!("{}/markets/10000043/orders", first.base_url()))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");
    assert_ne!(a, b);
}
