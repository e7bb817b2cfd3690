//! Operations renamed between pinned dates keep their old method name as a deprecated alias,
//! from a committed table that must be current.

use std::path::PathBuf;

use esi_codegen::renames;

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

fn character_code(date: &str) -> String {
    let api = esi_codegen::load(specs_dir().join(format!("esi-openapi-{date}.json"))).unwrap();
    esi_codegen::Generator::new(api)
        .resources(["Character"])
        .generate()
        .unwrap()
        .source
}

#[test]
fn the_committed_table_is_current() {
    let wanted = renames::table_for(&specs_dir()).unwrap();
    let committed = include_str!("../src/renames_table.rs");
    assert!(
        committed == wanted,
        "esi-codegen/src/renames_table.rs is out of date: run `cargo xtask spec-tables`\n\
         wanted:\n{wanted}"
    );
    assert!(renames::TABLE.contains(&(
        "GET",
        "/characters/{character_id}",
        "get_characters_character_id"
    )));
}

#[test]
fn the_old_name_is_a_deprecated_alias_in_the_newer_spec_only() {
    let new = character_code("2026-08-18");
    assert!(new.contains("pub fn get_characters_detail("), "{new}");
    assert!(
        new.contains(
            "#[deprecated(note = \"renamed to `get_characters_detail` by ESI\")]\n        \
             pub fn get_characters_character_id("
        ),
        "{new}"
    );
    assert!(new.contains("self.get_characters_detail(character_id)"));

    let old = character_code("2025-11-06");
    assert!(old.contains("pub fn get_characters_character_id("));
    assert!(
        !old.contains("#[deprecated(note = \"renamed to"),
        "no alias where the name is current"
    );
}
