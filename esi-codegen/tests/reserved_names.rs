//! Names the hand-written code uses are never taken by generated ones, and names no Rust
//! identifier can be formed from fail generation with their JSON pointer.

fn spec(tag: &str, parameter: &str, property: &str) -> String {
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "2026-08-18"},
        "paths": {"/things/{thing_id}": {"get": {
            "operationId": "GetThing", "tags": [tag],
            "parameters": [
                {"in": "path", "name": "thing_id", "required": true,
                 "schema": {"type": "integer"}},
                {"in": "query", "name": parameter, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}}}
        }}},
        "components": {"schemas": {"Thing": {"type": "object", "properties": {
            property: {"type": "string"}
        }}}}
    })
    .to_string()
}

fn generate(text: &str) -> Result<String, esi_codegen::Error> {
    let api = esi_codegen::parse(text, "inline.json")?;
    esi_codegen::Generator::new(api)
        .generate()
        .map(|generated| generated.source)
}

#[test]
fn setters_and_accessors_step_around_hand_written_methods() {
    for (parameter, setter) in [
        ("walk_cursor", "walk_cursor_param"),
        ("walk_from_id", "walk_from_id_param"),
        ("operation", "operation_param"),
        ("deadline", "deadline_param"),
        ("page_size", "page_size"),
    ] {
        let code = generate(&spec("Things", parameter, "name")).unwrap();
        assert!(
            code.contains(&format!("pub fn {setter}(mut self")),
            "{parameter} → {setter}:\n{code}"
        );
    }
    let code = generate(&spec("Call", "colour", "name")).unwrap();
    assert!(code.contains("pub fn call_api(&self)"), "{code}");
    assert!(code.contains("pub mod call"), "the module keeps its name");
}

#[test]
fn a_name_without_letters_or_digits_fails_with_its_pointer() {
    let error = generate(&spec("Things", "__", "name")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("`/paths/~1things~1{thing_id}/get/parameters`"),
        "{message}"
    );
    assert!(message.contains("parameter `__`"), "{message}");

    let error = generate(&spec("Things", "colour", "☃")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("`/components/schemas/Thing`"), "{message}");
    assert!(message.contains("property `☃`"), "{message}");
}
