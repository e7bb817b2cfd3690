//! Per-resource versions in the generator: OpenAPI resources taken from another compatibility
//! date's spec (with their types merged coherently), Swagger resources moved to another route
//! version, and the errors for resources and versions that do not exist.

use std::path::{Path, PathBuf};

use esi_codegen::Generator;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn dates_dir() -> PathBuf {
    fixtures().join("dates")
}

fn pinned_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// The 2026-08-18 fixture, with the fixture dates folder to find other dates in.
fn openapi() -> Generator {
    let api = esi_codegen::load(dates_dir().join("esi-openapi-2026-08-18.json")).unwrap();
    Generator::new(api).spec_dir(dates_dir())
}

fn swagger() -> Generator {
    Generator::new(esi_codegen::load(fixtures().join("swagger2.json")).unwrap())
}

fn error(generator: Generator) -> String {
    match generator.generate() {
        Ok(_) => panic!("generation should fail"),
        Err(e) => e.to_string(),
    }
}

/// What overrides change in generated code, one line per item: the `RESOURCE_VERSIONS`
/// table, each module's types, and each operation's emitted path (table and request) and
/// pinned compatibility date.
fn summary(source: &str) -> String {
    let mut out = Vec::new();
    let mut op = Vec::new();
    let mut table: Option<String> = None;
    for line in source.lines().map(str::trim) {
        if let Some(text) = &mut table {
            text.push_str(line);
            if line.ends_with(';') {
                out.push(text.replace(",]", "]"));
                table = None;
            }
        } else if let Some(rest) = line.strip_prefix("pub mod ") {
            out.push(format!("mod {}", rest.trim_end_matches(" {")));
        } else if line.starts_with("pub const RESOURCE_VERSIONS") {
            if line.ends_with(';') {
                out.push(line.to_string());
            } else {
                table = Some(line.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("id: ") {
            op = vec![format!("  op {}", rest.trim_end_matches(','))];
        } else if (line.starts_with("path: \"") || line.starts_with("compatibility_date: "))
            && !op.is_empty()
        {
            op.push(line.trim_end_matches(',').to_string());
        } else if (line.starts_with("format!(") || line.starts_with("String::from("))
            && !op.is_empty()
        {
            op.push(format!("sends {line}"));
            out.push(op.join(" | "));
            op.clear();
        } else {
            for kw in ["pub struct ", "pub type ", "pub enum "] {
                if let Some(pos) = line.find(kw) {
                    let name: String = line[pos + kw.len()..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.ends_with("Api") {
                        out.push(format!("  type {name}"));
                    }
                }
            }
        }
    }
    out.join("\n")
}

#[test]
fn openapi_date_override_pins_the_date_and_merges_types() {
    let generated = openapi()
        .resource_version("market", "2025-01-01")
        .generate()
        .unwrap();
    let source = &generated.source;
    // Market comes from the 2025-01-01 spec: its history route, its enum values.
    assert!(source.contains("pub fn get_markets_region_id_history("));
    assert!(source.contains("Solarsystem = \"solarsystem\""));
    // `Money` has the same shape in both specs: shared, emitted once.
    assert_eq!(source.matches("pub struct Money ").count(), 1);
    // `ItemRef` differs and Universe still uses the 2026 one: the 2025 one is renamed.
    assert!(source.contains("pub struct ItemRef20250101 "));
    assert!(source.contains("pub item: ItemRef20250101,"));
    assert!(source.contains("type Output = super::models::ItemRef;"));
    assert!(source.contains("Generated at version `2025-01-01`"));
    insta::assert_snapshot!(summary(source));
}

#[test]
fn a_resource_owning_its_types_keeps_their_names() {
    let generated = openapi()
        .resource_version("Status", "2025-01-01")
        .generate()
        .unwrap();
    // `StatusGet` is used by Status only: the 2025 shape under its own name.
    assert!(generated.source.contains("pub struct StatusGet {"));
    assert!(!generated.source.contains("StatusGet20250101"));
    assert!(!generated.source.contains("pub fees:"));
    assert!(generated.source.contains(
        "pub const RESOURCE_VERSIONS: &[(&str, &str)] = &[(\"status\", \"2025-01-01\")];"
    ));
}

#[test]
fn the_base_date_pins_without_changing_anything_else() {
    let plain = openapi().generate().unwrap().source;
    let pinned = openapi()
        .resource_version("MARKET", "2026-08-18")
        .generate()
        .unwrap()
        .source;
    assert_eq!(
        plain
            .matches("compatibility_date: Some(\"2026-08-18\")")
            .count(),
        1
    );
    assert_eq!(
        pinned
            .matches("compatibility_date: Some(\"2026-08-18\")")
            .count(),
        2
    );
    assert!(plain.contains("pub const RESOURCE_VERSIONS: &[(&str, &str)] = &[];"));
}

#[test]
fn swagger_route_override_moves_paths() {
    let generated = swagger()
        .resource_version("wallet", "v6")
        .resource_version("Fittings", "latest")
        .generate()
        .unwrap();
    insta::assert_snapshot!(summary(&generated.source));
}

#[test]
fn pinned_specs_override_universe_to_the_older_date() {
    let api = esi_codegen::load(pinned_dir().join("esi-openapi-2026-08-18.json")).unwrap();
    let generated = Generator::new(api)
        .spec_dir(pinned_dir())
        .resource_version("Universe", "2025-11-06")
        .generate()
        .unwrap();
    let source = &generated.source;
    assert_eq!(
        source
            .matches("compatibility_date: Some(\"2025-11-06\")")
            .count(),
        30,
        "every Universe operation"
    );
    assert_eq!(generated.operations, 233);
}

#[test]
fn unknown_resources_list_what_exists() {
    assert_eq!(
        error(openapi().resource_version("Univers", "2025-01-01")),
        "`Univers=2025-01-01`: the ESI spec of 2025-01-01 has no resource `Univers`; its \
         resources are: Market, Status"
    );
    // Universe exists at 2026-08-18 but not at 2025-01-01.
    assert!(
        error(openapi().resource_version("Universe", "2025-01-01"))
            .contains("the ESI spec of 2025-01-01 has no resource `Universe`")
    );
    assert_eq!(
        error(openapi().resource_version("Nope", "2026-08-18")),
        "`Nope=2026-08-18`: the ESI spec of 2026-08-18 has no resource `Nope`; its resources \
         are: Market, Status, Universe"
    );
    assert_eq!(
        error(swagger().resource_version("Market", "v1")),
        "`Market=v1`: the Swagger spec 1.3.8 has no resource `Market`; its resources are: \
         Fittings, User Interface, Wallet"
    );
}

#[test]
fn unknown_dates_list_the_dates_available() {
    let message = error(openapi().resource_version("Market", "2024-05-05"));
    assert!(
        message.starts_with(
            "`Market=2024-05-05`: no spec for compatibility date 2024-05-05: looked for \
             esi-openapi-2024-05-05.json in "
        ),
        "{message}"
    );
    assert!(
        message.ends_with("; dates available: 2025-01-01, 2026-08-18"),
        "{message}"
    );
    assert_eq!(
        error(openapi().resource_version("Market", "v1")),
        "`Market=v1`: this client is generated from an OpenAPI spec, versioned by compatibility \
         date: give a date YYYY-MM-DD (route versions such as `v1` are for Swagger specs); dates \
         available: 2025-01-01, 2026-08-18"
    );
    assert_eq!(
        error(openapi().resource_version("Market", "2019-12-31")),
        "`Market=2019-12-31`: ESI's oldest compatibility date is 2020-01-01"
    );
    let api = esi_codegen::load(dates_dir().join("esi-openapi-2026-08-18.json")).unwrap();
    let nowhere = error(Generator::new(api).resource_version("Market", "2025-01-01"));
    assert!(nowhere.contains("no spec directory was given"), "{nowhere}");
    let missing_dir = error(
        openapi()
            .spec_dir("/nonexistent/specs")
            .resource_version("Market", "2024-01-01"),
    );
    assert!(
        missing_dir.contains("/nonexistent/specs cannot be read"),
        "{missing_dir}"
    );
}

#[test]
fn unknown_route_versions_list_the_versions() {
    assert_eq!(
        error(swagger().resource_version("Wallet", "v1")),
        "`Wallet=v1`: Wallet has no route version v1; versions every operation of Wallet has: \
         latest, dev, v6; versions of Wallet (operations that have each): dev (1 of 1), v6 (1 of 1)"
    );
    assert_eq!(
        error(swagger().resource_version("Wallet", "2025-11-06")),
        "`Wallet=2025-11-06`: this client is generated from a Swagger spec, versioned by route, \
         not by compatibility date: give a route version; versions every operation of Wallet \
         has: latest, dev, v6"
    );
    assert!(
        error(
            swagger()
                .resource_version("Wallet", "v6")
                .resource_version("wallet", "dev")
        )
        .contains("given two versions")
    );
}

#[test]
fn a_version_some_operations_lack_is_an_error() {
    let api = esi_codegen::load(pinned_dir().join("esi-swagger-latest-v1.3.8.json")).unwrap();
    let message = error(Generator::new(api).resource_version("Universe", "v1"));
    assert!(
        message.starts_with(
            "`Universe=v1`: 7 of the 30 operations of Universe have no route version v1: \
             get_universe_factions (dev, v2), "
        ),
        "{message}"
    );
    assert!(
        message.contains("versions every operation of Universe has: latest, dev;"),
        "{message}"
    );
    assert!(message.ends_with(
        "dev (30 of 30), legacy (23 of 30), v1 (23 of 30), v2 (4 of 30), v3 (2 of 30), v4 (1 of 30)"
    ), "{message}");
}

#[test]
fn pinned_swagger_status_moves_to_v1() {
    let api = esi_codegen::load(pinned_dir().join("esi-swagger-latest-v1.3.8.json")).unwrap();
    let source = Generator::new(api)
        .resource_version("status", "v1")
        .generate()
        .unwrap()
        .source;
    assert!(source.contains("path: \"/v1/status/\""));
    assert!(source.contains("String::from(\"/v1/status/\")"));
    assert!(source.contains("path: \"/latest/universe/regions/\""));
}
