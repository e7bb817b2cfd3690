//! Models keep their paths across spec updates: every model is defined in `models` and
//! re-exported by each resource using it, and merged shapes keep their old names as
//! deprecated aliases, so a path that names a model in the older pinned spec still names one
//! in the newer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use esi_codegen::TypePath;

fn paths(date: &str) -> BTreeMap<String, TypePath> {
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("esi-openapi-{date}.json"));
    let api = esi_codegen::load(spec).unwrap();
    esi_codegen::Generator::new(api)
        .generate()
        .unwrap()
        .type_paths
}

/// The model a path names.
fn name(path: &str) -> &str {
    path.rsplit_once("::").map_or(path, |(_, name)| name)
}

#[test]
fn every_model_path_of_the_older_spec_resolves_in_the_newer() {
    let older = paths("2025-11-06");
    let newer = paths("2026-08-18");
    // Models of both specs (ESI dropped or renamed the others between the dates).
    let in_newer: std::collections::BTreeSet<&str> = newer.keys().map(|p| name(p)).collect();
    // `Status` is the contracts' status enum in 2025-11-06 and the `/status` answer in
    // 2026-08-18 (whose contracts' enum is named after its path): the spec gave the name to
    // another model, which no placement can keep.
    let renamed_by_esi = ["contracts::Status"];
    let missing: Vec<&String> = older
        .keys()
        .filter(|p| in_newer.contains(name(p)) && !newer.contains_key(*p))
        .filter(|p| !renamed_by_esi.contains(&p.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} model paths of 2025-11-06 whose model 2026-08-18 still has are gone:\n\
         {missing:#?}",
        missing.len(),
        older.len()
    );
}

#[test]
fn every_model_is_defined_in_models_and_reexported_where_used() {
    let newer = paths("2026-08-18");
    for (path, how) in &newer {
        let (module, name) = path.split_once("::").unwrap();
        match how {
            TypePath::Defined => assert_eq!(module, "models", "{path}"),
            TypePath::ReExported => assert!(
                newer.get(&format!("models::{name}")) == Some(&TypePath::Defined),
                "{path} re-exports a model `models` does not define"
            ),
            TypePath::Deprecated { target } => assert_eq!(
                newer.get(&format!("models::{target}")),
                Some(&TypePath::Defined),
                "{path} aliases a model `models` does not define"
            ),
        }
    }
    // The twelve `{x, y, z}` copies are one `Position`, reached from `universe`.
    assert_eq!(newer["universe::Position"], TypePath::ReExported);
    assert_eq!(
        newer["universe::UniverseStationsStationIdGetPosition"],
        TypePath::Deprecated {
            target: "Position".into()
        }
    );
}
