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
    let mut decoded = 0;
    let mut failures = Vec::new();
    let decodes_with_client = client_spec_file() == file;
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
        // Both sides checked: the generated client decodes what the fake serves.
        if decodes_with_client {
            match esi_client::__decode_check(&op.operation_id, text.as_bytes()) {
                Some(Ok(())) => decoded += 1,
                Some(Err(e)) => failures.push(format!(
                    "{} {url}: the generated client cannot decode it: {e}",
                    op.operation_id
                )),
                None => failures.push(format!("{}: not in the generated client", op.operation_id)),
            }
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
    if decodes_with_client {
        assert_eq!(
            decoded, checked,
            "every answer decoded by the generated client"
        );
    }
}

/// The pinned spec file esi-client was generated from in this build (`ESI_SPEC_PATH` or
/// its spec feature): CI runs these tests once per pinned spec.
fn client_spec_file() -> String {
    if let Some(path) = option_env!("ESI_SPEC_PATH").filter(|p| !p.is_empty()) {
        return std::path::Path::new(path)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    match esi_client::SPEC.kind {
        esi_client::SpecKind::Swagger2 => "esi-swagger-latest-v1.3.8.json".into(),
        _ => format!("esi-openapi-{}.json", esi_client::SPEC.version),
    }
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
