//! Generates the typed ESI APIs from the specs chosen by cargo features or `ESI_SPEC_PATH`.
//!
//! - Each `spec-*` feature that is on is generated, exactly as pinned, into a module named for
//!   it (`spec_2026_08_18.rs`, included as `esi_client::spec_2026_08_18`). Crates of one build
//!   that ask for different specs (cargo merges their features) each find theirs.
//! - The crate root (`root.rs`) re-exports the newest of them, or, when `ESI_SPEC_PATH` or
//!   `ESI_RESOURCE_VERSIONS` is set (build-wide: application settings), an API generated from
//!   that spec and those versions (`root_api.rs`).
//! - `ESI_SPEC_PATH=/abs/path/spec.json`: the root's spec.
//! - Only enabled resource features are generated; a resource the spec has but this crate has
//!   no feature for (a newer spec) is always generated.
//! - `ESI_RESOURCE_VERSIONS=Universe=2025-11-06,Market=2026-08-18` generates single resources
//!   of the root API at another version (see `esi_codegen::resource_versions`): for OpenAPI specs a
//!   compatibility date, whose spec `esi-openapi-<date>.json` is looked for in `ESI_SPEC_DIR`
//!   (absolute path), then in the pinned `specs/`; for Swagger specs a route version such as
//!   `v1`. Resources are spec tags or module names, any case. A resource or version that does
//!   not exist fails the build with a list of what does.

use std::path::{Path, PathBuf};

/// Pinned specs by feature, newest first; the module is the feature's name in snake case.
const PINNED: &[(&str, &str)] = &[
    ("spec-2026-08-18", "esi-openapi-2026-08-18.json"),
    ("spec-2025-11-06", "esi-openapi-2025-11-06.json"),
    ("spec-swagger-latest", "esi-swagger-latest-v1.3.8.json"),
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ESI_SPEC_PATH");
    println!("cargo::rerun-if-env-changed=ESI_RESOURCE_VERSIONS");
    println!("cargo::rerun-if-env-changed=ESI_SPEC_DIR");
    if let Err(message) = run() {
        for line in message.lines() {
            println!("cargo::error={line}");
        }
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env("OUT_DIR")?);
    let declared = declared_resources(&manifest_dir)?;
    // Lets this crate's own tests know which spec's names the root API has.
    println!("cargo::rustc-check-cfg=cfg(esi_spec, values(any()))");

    let pinned: Vec<(&str, PathBuf)> = PINNED
        .iter()
        .filter(|(feature, _)| feature_on(feature))
        .map(|(feature, file)| Ok((*feature, pinned_spec(&manifest_dir, file)?)))
        .collect::<Result<_, String>>()?;
    for (feature, spec) in &pinned {
        let api = load(spec)?;
        let generator = esi_codegen::Generator::new(api);
        let generator = select_resources(generator, &declared, &[]);
        write(
            &out_dir,
            &module_name(feature),
            &generate(&generator, spec)?,
        )?;
    }

    let custom_spec = custom_spec_path()?;
    let versions = resource_versions()?;
    let root = if custom_spec.is_some() || !versions.is_empty() {
        let spec = match (&custom_spec, pinned.first()) {
            (Some(path), _) => path.clone(),
            (None, Some((_, path))) => path.clone(),
            (None, None) => return Err(no_spec_message()),
        };
        let api = load(&spec)?;
        announce_spec(&api);
        let mut generator =
            select_resources(esi_codegen::Generator::new(api), &declared, &versions);
        if !versions.is_empty() {
            for dir in spec_dirs(&manifest_dir)? {
                println!("cargo::rerun-if-changed={}", dir.display());
                generator = generator.spec_dir(dir);
            }
            generator = generator.resource_versions(versions);
        }
        write(&out_dir, "root_api", &generate(&generator, &spec)?)?;
        "/// The API of `ESI_SPEC_PATH` or `ESI_RESOURCE_VERSIONS`, re-exported at the root.\n\
         #[doc(hidden)]\n\
         pub mod root_api { include!(concat!(env!(\"OUT_DIR\"), \"/root_api.rs\")); }\n\
         pub use root_api::*;\n"
            .to_string()
    } else {
        let Some((feature, spec)) = pinned.first() else {
            return Err(no_spec_message());
        };
        announce_spec(&load(spec)?);
        format!("pub use crate::{}::*;\n", module_name(feature))
    };
    write(&out_dir, "root", &root)
}

fn no_spec_message() -> String {
    "esi-client: no spec chosen: enable one of the features spec-2026-08-18, \
     spec-2025-11-06, spec-swagger-latest, or set ESI_SPEC_PATH"
        .into()
}

/// `spec-2025-11-06` → `spec_2025_11_06`.
fn module_name(feature: &str) -> String {
    feature.replace('-', "_")
}

fn load(spec: &Path) -> Result<esi_codegen::model::Api, String> {
    println!("cargo::rerun-if-changed={}", spec.display());
    esi_codegen::load(spec).map_err(|e| format!("esi-client: bad ESI spec: {e}"))
}

/// Tells the crate's own tests (cfg `esi_spec`) which spec the root API comes from.
fn announce_spec(api: &esi_codegen::model::Api) {
    let spec_name = match api.kind {
        esi_codegen::model::SpecKind::Swagger2 => format!("swagger-{}", api.version),
        _ => api.version.clone(),
    };
    println!("cargo::rustc-cfg=esi_spec=\"{spec_name}\"");
}

/// Keeps the resources whose features are on (and those this crate has no feature for).
fn select_resources(
    generator: esi_codegen::Generator,
    declared: &[String],
    versions: &[esi_codegen::resource_versions::ResourceVersion],
) -> esi_codegen::Generator {
    let enabled: Vec<String> = generator
        .api()
        .used_tags()
        .into_iter()
        .map(esi_codegen::names::resource)
        .chain(versions.iter().map(|rv| rv.module()))
        .filter(|r| !declared.contains(r) || feature_on(r))
        .collect();
    generator.resources(&enabled)
}

fn generate(generator: &esi_codegen::Generator, spec: &Path) -> Result<String, String> {
    generator
        .generate()
        .map(|generated| generated.source)
        .map_err(|e| match e {
            esi_codegen::Error::Selection(message) => {
                format!("esi-client: ESI_RESOURCE_VERSIONS: {message}")
            }
            e => format!(
                "esi-client: cannot generate the API from {}: {e}",
                spec.display()
            ),
        })
}

fn write(out_dir: &Path, name: &str, source: &str) -> Result<(), String> {
    let out = out_dir.join(format!("{name}.rs"));
    std::fs::write(&out, source.as_bytes())
        .map_err(|e| format!("esi-client: cannot write {}: {e}", out.display()))
}

/// `ESI_SPEC_PATH`, checked, when set.
fn custom_spec_path() -> Result<Option<PathBuf>, String> {
    let Some(path) = std::env::var_os("ESI_SPEC_PATH").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    if !path.is_absolute() {
        return Err(format!(
            "esi-client: ESI_SPEC_PATH must be an absolute path, got {}",
            path.display()
        ));
    }
    if !path.is_file() {
        return Err(format!(
            "esi-client: ESI_SPEC_PATH {} is not a file",
            path.display()
        ));
    }
    Ok(Some(path))
}

/// Where a pinned spec is: `specs/` inside the package (in the workspace, links to the top-level
/// `specs/`, where specs are kept and refreshed; `cargo package` copies their contents).
fn pinned_spec(manifest_dir: &Path, file: &str) -> Result<PathBuf, String> {
    let path = manifest_dir.join("specs").join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "esi-client: pinned spec {} not found",
            path.display()
        ))
    }
}

/// `ESI_RESOURCE_VERSIONS`, parsed (empty when unset).
fn resource_versions() -> Result<Vec<esi_codegen::resource_versions::ResourceVersion>, String> {
    let Some(text) = std::env::var_os("ESI_RESOURCE_VERSIONS") else {
        return Ok(Vec::new());
    };
    let text = text
        .into_string()
        .map_err(|_| "esi-client: ESI_RESOURCE_VERSIONS is not valid UTF-8".to_string())?;
    esi_codegen::resource_versions::parse_resource_versions(&text)
        .map_err(|e| format!("esi-client: ESI_RESOURCE_VERSIONS={text:?}: {e}"))
}

/// Where specs of other compatibility dates are looked for: `ESI_SPEC_DIR`, then the pinned
/// specs.
fn spec_dirs(manifest_dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("ESI_SPEC_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        if !dir.is_absolute() {
            return Err(format!(
                "esi-client: ESI_SPEC_DIR must be an absolute path, got {}",
                dir.display()
            ));
        }
        if !dir.is_dir() {
            return Err(format!(
                "esi-client: ESI_SPEC_DIR {} is not a directory",
                dir.display()
            ));
        }
        dirs.push(dir);
    }
    let pinned = manifest_dir.join("specs");
    if pinned.is_dir() {
        dirs.push(pinned);
    }
    Ok(dirs)
}

/// The resource features this crate declares, read from its manifest's `all-resources` list.
fn declared_resources(manifest_dir: &Path) -> Result<Vec<String>, String> {
    let manifest = manifest_dir.join("Cargo.toml");
    println!("cargo::rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("esi-client: cannot read {}: {e}", manifest.display()))?;
    let start = text
        .find("all-resources = [")
        .ok_or("esi-client: Cargo.toml has no `all-resources` feature list")?;
    let list = &text[start + "all-resources = [".len()..];
    let end = list
        .find(']')
        .ok_or("esi-client: unterminated `all-resources` list")?;
    Ok(list[..end]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

fn feature_on(feature: &str) -> bool {
    let var = format!(
        "CARGO_FEATURE_{}",
        feature.to_ascii_uppercase().replace('-', "_")
    );
    std::env::var_os(var).is_some()
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("esi-client: {name} is not set"))
}
