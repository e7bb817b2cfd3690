//! The spec differ on the two pinned OpenAPI specs: the report `cargo xtask spec-diff` prints.

fn spec(name: &str) -> esi_codegen::model::Api {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name);
    esi_codegen::load(path).expect("pinned spec loads")
}

#[test]
fn pinned_openapi_specs() {
    let old = spec("esi-openapi-2025-11-06.json");
    let new = spec("esi-openapi-2026-08-18.json");
    let diff = esi_codegen::diff::diff(&old, &new);
    assert_eq!(diff.old_version, "2025-11-06");
    assert_eq!(diff.new_version, "2026-08-18");
    assert_eq!(
        diff.new_operations - diff.old_operations,
        diff.added.len() - diff.removed.len()
    );
    insta::assert_snapshot!(diff.to_string());
}

#[test]
fn a_spec_does_not_differ_from_itself() {
    let new = spec("esi-openapi-2026-08-18.json");
    let diff = esi_codegen::diff::diff(&new, &new);
    assert!(diff.is_empty());
    assert_eq!(
        diff.to_string(),
        "ESI spec diff: 2026-08-18 (233 operations) → 2026-08-18 (233 operations)\n\
         0 added, 0 removed, 0 changed\n"
    );
}
