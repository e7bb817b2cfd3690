//! Snapshots of the code generated for small hand-made specs of each input kind, and the
//! errors a broken spec gives.

use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn generate(name: &str) -> String {
    let api = esi_codegen::load(fixture(name)).unwrap();
    esi_codegen::Generator::new(api).generate().unwrap().source
}

#[test]
fn openapi_3_1_fixture() {
    insta::assert_snapshot!(generate("openapi31.json"));
}

#[test]
fn openapi_3_0_fixture() {
    insta::assert_snapshot!(generate("openapi30.json"));
}

#[test]
fn swagger_2_0_fixture() {
    insta::assert_snapshot!(generate("swagger2.json"));
}

#[test]
fn resource_filter_keeps_only_chosen_resources() {
    let api = esi_codegen::load(fixture("openapi31.json")).unwrap();
    let generated = esi_codegen::Generator::new(api)
        .resources(["market", "Nonexistent"])
        .generate()
        .unwrap();
    assert_eq!(generated.resources, ["market"]);
    assert_eq!(generated.operations, 1);
    assert!(!generated.source.contains("post_universe_names"));
    assert!(
        generated
            .source
            .contains("pub fn get_markets_region_id_orders(")
    );
}

fn broken(text: &str) -> String {
    esi_codegen::parse(text, "broken.json")
        .unwrap_err()
        .to_string()
}

#[test]
fn broken_specs_name_the_file_and_json_pointer() {
    let bad_type = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
        "/a/{id}": {"get": {"operationId": "GetA", "responses": {"200": {"description": "ok",
        "content": {"application/json": {"schema": {"type": "object",
        "properties": {"n": {"type": "strnig"}}}}}}}}}}}"#;
    assert_eq!(
        broken(bad_type),
        "broken.json: at JSON pointer `/paths/~1a~1{id}/get/responses/200/content/application~1json/schema/properties/n/type`: unsupported schema type `strnig`"
    );

    let dangling = r##"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {
        "/a/": {"get": {"operationId": "get_a", "parameters": [{"$ref": "#/parameters/missing"}],
        "responses": {}}}}}"##;
    assert_eq!(
        broken(dangling),
        "broken.json: at JSON pointer `/paths/~1a~1/get/parameters/0/$ref`: reference `#/parameters/missing` points to nothing"
    );

    let no_id = r#"{"openapi": "3.0.0", "info": {}, "paths": {"/a": {"get": {"responses": {}}}}}"#;
    assert_eq!(
        broken(no_id),
        "broken.json: at JSON pointer `/paths/~1a/get`: operation has no `operationId`"
    );

    assert_eq!(
        broken(r#"{"openapi": "4.0.0"}"#),
        "broken.json: at JSON pointer `/openapi`: unsupported OpenAPI version \"4.0.0\"; expected 3.0.x or 3.1.x"
    );

    let not_json = broken("{\"openapi\": \"3.1.0\",\n  \"paths\": [}");
    assert!(
        not_json.starts_with("broken.json: not valid JSON at line 2, column"),
        "{not_json}"
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let err = esi_codegen::load("/nonexistent/spec.json").unwrap_err();
    assert!(matches!(err, esi_codegen::Error::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/spec.json"));
}

/// Two routes answering the same `{x, y, z}` shape: one `Position` model, the old names kept
/// as deprecated aliases, re-exported by the resource using them.
#[test]
fn identical_shapes_become_one_model() {
    let position = r#"{"type": "object", "required": ["x", "y", "z"], "properties": {
        "x": {"type": "number", "format": "double"}, "y": {"type": "number", "format": "double"},
        "z": {"type": "number", "format": "double"}}}"#;
    let route = |name: &str| {
        format!(
            r#""/universe/{name}/{{id}}": {{"get": {{"operationId": "GetUniverse{name}Id",
            "tags": ["Universe"], "parameters": [{{"name": "id", "in": "path", "required": true,
            "schema": {{"type": "integer"}}}}], "responses": {{"200": {{"description": "ok",
            "content": {{"application/json": {{"schema": {{"type": "object", "properties": {{
            "name": {{"type": "string"}}, "position": {position}}}}}}}}}}}}}}}}}"#
        )
    };
    let spec = format!(
        r#"{{"openapi": "3.1.0", "info": {{"title": "t", "version": "2026-08-18"}},
        "paths": {{{}, {}}}}}"#,
        route("Moons"),
        route("Planets")
    );
    let api = esi_codegen::parse(&spec, "inline.json").unwrap();
    let source = esi_codegen::Generator::new(api).generate().unwrap().source;
    let models = source
        .split("pub mod models {")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .unwrap_or_default();
    let reexports: Vec<&str> = source
        .lines()
        .filter(|l| l.contains("pub use super::models"))
        .collect();
    insta::assert_snapshot!(format!("{models}\n---\n{}", reexports.join("\n")));
}
