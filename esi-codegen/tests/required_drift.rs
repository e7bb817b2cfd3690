//! The required-field rule: fields the pinned specs disagree on being required at the same
//! route version are generated optional, from a committed table that must be current.

use std::path::PathBuf;

use esi_codegen::model::{Api, SchemaKind};
use esi_codegen::required_drift;

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// A one-route OpenAPI spec of `date` whose `/status` answer requires `required`.
fn status_spec(date: &str, route_version: &str, required: &[&str]) -> Api {
    let spec = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": date},
        "paths": {"/status": {"get": {
            "operationId": "GetStatus", "tags": ["Status"],
            "x-compatibility-date": route_version,
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object", "required": required, "properties": {
                    "players": {"type": "integer"},
                    "vip": {"type": "boolean", "description": "Running in VIP mode"},
                    "servers": {"type": "array", "items": {"type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}}}}
                }}}}}}
        }}}
    });
    esi_codegen::parse_unfixed(&spec.to_string(), "inline.json").unwrap()
}

#[test]
fn the_committed_table_is_current() {
    let wanted = required_drift::table_for(&specs_dir()).unwrap();
    let committed = include_str!("../src/required_drift_table.rs");
    assert!(
        committed == wanted,
        "esi-codegen/src/required_drift_table.rs is out of date: run `cargo xtask spec-tables`\n\
         wanted:\n{wanted}"
    );
    assert!(
        required_drift::TABLE.contains(&("GET", "/status", "2020-01-01", "vip")),
        "the pinned specs disagree on /status `vip`"
    );
}

#[test]
fn disagreements_count_only_at_the_same_route_version() {
    let old = status_spec("2025-11-06", "2020-01-01", &["players"]);
    let new = status_spec("2026-08-18", "2020-01-01", &["players", "vip"]);
    let found = required_drift::find(&[&old, &new]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "vip");
    assert_eq!(found[0].route_version, "2020-01-01");

    // A new route version may change the shape: no disagreement.
    let newer = status_spec("2026-08-18", "2026-08-18", &["players", "vip"]);
    assert!(required_drift::find(&[&old, &newer]).is_empty());
    // Agreeing specs: none.
    assert!(required_drift::find(&[&new, &new.clone()]).is_empty());
}

#[test]
fn the_rendered_table_reads_back() {
    let old = status_spec("2025-11-06", "2020-01-01", &[]);
    let new = status_spec("2026-08-18", "2020-01-01", &["vip"]);
    let text = required_drift::render(&required_drift::find(&[&old, &new]));
    assert!(
        text.contains(r#"("GET", "/status", "2020-01-01", "vip"),"#),
        "{text}"
    );
    assert!(text.contains("Do not edit"));
}

#[test]
fn vip_of_the_newest_spec_is_optional_and_says_why() {
    let api = esi_codegen::load(specs_dir().join("esi-openapi-2026-08-18.json")).unwrap();
    let op = api
        .operations
        .iter()
        .find(|op| op.path == "/status")
        .unwrap();
    let schema = api.resolve(op.success_schema().unwrap());
    let SchemaKind::Object { properties, .. } = &schema.kind else {
        panic!("/status answers an object");
    };
    let vip = properties.iter().find(|p| p.name == "vip").unwrap();
    assert!(!vip.required);
    let doc = vip.schema.description.clone().unwrap_or_default();
    assert!(doc.contains("Optional here"), "{doc}");
    let players = properties.iter().find(|p| p.name == "players").unwrap();
    assert!(players.required, "only the fields in question are loosened");

    let code = esi_codegen::Generator::new(api)
        .resources(["Status"])
        .generate()
        .unwrap()
        .source;
    assert!(code.contains("pub vip: Option<bool>"), "{code}");
}
