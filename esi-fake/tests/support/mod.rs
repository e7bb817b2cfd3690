//! Helpers shared by the fake ESI's integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use esi_codegen::model::{Api, Operation, ParamLocation, SchemaKind};
use esi_fake::esi::config::specs_dir;
use esi_fake::esi::{FakeEsi, FakeEsiConfig, StaticTokens, VerifiedToken};

/// The character the test tokens are for.
pub const CHARACTER: i64 = 90_000_001;
/// A token with every scope of the spec, for [`CHARACTER`].
pub const ALL_SCOPES: &str = "all-scopes-token";

/// A loopback client: no proxy, 30 s timeout.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client builds")
}

/// Loads a pinned spec.
pub fn load(file: &str) -> Api {
    esi_codegen::load(specs_dir().join(file)).expect("pinned spec loads")
}

/// Every scope any operation of `api` needs.
pub fn all_scopes(api: &Api) -> Vec<String> {
    let mut scopes: Vec<String> = api.scopes.keys().cloned().collect();
    for op in &api.operations {
        for scope in &op.scopes {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
    }
    scopes
}

/// A verifier knowing [`ALL_SCOPES`] and `tokens` (token, character, scopes).
pub fn verifier(api: &Api, tokens: &[(&str, i64, &[&str])]) -> Arc<StaticTokens> {
    let table = StaticTokens::new();
    table.allow(
        ALL_SCOPES,
        VerifiedToken {
            character_id: CHARACTER,
            scopes: all_scopes(api),
            client_id: "test-app".into(),
        },
    );
    for (token, character, scopes) in tokens {
        table.allow(
            *token,
            VerifiedToken {
                character_id: *character,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                client_id: "test-app".into(),
            },
        );
    }
    Arc::new(table)
}

/// Starts a fake ESI on `file` with `config` changes and the all-scopes verifier.
pub async fn start(
    file: &str,
    change: impl FnOnce(FakeEsiConfig) -> FakeEsiConfig,
) -> (FakeEsi, Api) {
    let api = load(file);
    let config = FakeEsiConfig::default()
        .spec(specs_dir().join(file))
        .verifier(verifier(&api, &[]));
    let esi = FakeEsi::start(change(config))
        .await
        .expect("fake ESI starts");
    (esi, api)
}

/// A valid value for a parameter of this schema.
fn sample_value(api: &Api, name: &str, schema: &esi_codegen::model::Schema) -> String {
    let resolved = api.resolve(schema);
    match &resolved.kind {
        SchemaKind::Integer(_) if name == "character_id" => CHARACTER.to_string(),
        SchemaKind::Integer(_) | SchemaKind::Number(_) => resolved
            .minimum
            .map(|m| (m.ceil() as i64).max(1))
            .unwrap_or(10_000_002)
            .min(resolved.maximum.map_or(i64::MAX, |m| m as i64))
            .to_string(),
        SchemaKind::Boolean => "true".into(),
        SchemaKind::Enum(values) => values.first().cloned().unwrap_or_default(),
        SchemaKind::Array { items, .. } => sample_value(api, name, items),
        _ => "sample".into(),
    }
}

/// A request path (after the base path) with valid values for every path parameter and
/// required query parameter of `op`.
pub fn sample_path(api: &Api, op: &Operation) -> String {
    let mut path = op.path.clone();
    let mut query = Vec::new();
    for param in &op.parameters {
        let value = sample_value(api, &param.name, &param.schema);
        match param.location {
            ParamLocation::Path => path = path.replace(&format!("{{{}}}", param.name), &value),
            ParamLocation::Query if param.required => query.push(format!("{}={value}", param.name)),
            _ => {}
        }
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The first operation with this path template (without trailing slash) and method.
pub fn op<'a>(
    api: &'a Api,
    method: esi_codegen::model::HttpMethod,
    template: &str,
) -> &'a Operation {
    api.operations
        .iter()
        .find(|op| op.method == method && op.path.trim_end_matches('/') == template)
        .unwrap_or_else(|| panic!("no operation {template}"))
}

/// A header's value as text.
pub fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A header's value as a number.
pub fn number(resp: &reqwest::Response, name: &str) -> i64 {
    header(resp, name)
        .unwrap_or_else(|| panic!("header {name} missing"))
        .parse()
        .unwrap_or_else(|_| panic!("header {name} is not a number"))
}

/// An HTTP date header's value as seconds since the Unix epoch.
pub fn date_secs(resp: &reqwest::Response, name: &str) -> u64 {
    let text = header(resp, name).unwrap_or_else(|| panic!("header {name} missing"));
    let at = chrono::DateTime::parse_from_rfc2822(&text)
        .unwrap_or_else(|_| panic!("header {name} is not an HTTP date: {text}"));
    u64::try_from(at.timestamp()).expect("after 1970")
}

/// `max-age` of `Cache-Control`.
pub fn max_age(resp: &reqwest::Response) -> u64 {
    header(resp, "cache-control")
        .and_then(|cc| {
            cc.split(',')
                .find_map(|d| d.trim().strip_prefix("max-age=")?.parse().ok())
        })
        .expect("Cache-Control: max-age")
}

/// Advances the fake's clock to just after the start of a window of `length` seconds aligned
/// on the Unix epoch ([`esi_fake::esi::CachePhase::EPOCH`]), plus `into`: a test then has
/// `length - into` seconds of real time before the next boundary.
pub fn to_window_start(esi: &FakeEsi, length: u64, into: Duration) {
    let now = esi
        .clock()
        .wall()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let length = Duration::from_secs(length);
    let past = Duration::from_nanos((now.as_nanos() % length.as_nanos()) as u64);
    esi.advance(length - past + into);
}
