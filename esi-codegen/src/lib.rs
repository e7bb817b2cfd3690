//! Reads ESI's specs (Swagger 2.0, OpenAPI 3.0 and 3.1), normalises them into one small model,
//! applies the fixes ESI's specs need, and emits a typed Rust client for `esi-client`.
//!
//! The pipeline, one module per step: [`load`] (file → JSON) → `normalize` (JSON →
//! [`model::Api`]) → [`fixes`] → [`Generator::generate`] (model → Rust source, formatted by
//! prettyplease, see [`emit`]), whose stages run in this order: **versions**
//! ([`resource_versions`], finding the specs of other dates through [`spec_files`]) → **plan**
//! → **shape** → **placement** → **selection** (the resources to keep) → **modules** →
//! **file**. [`diff`] compares two specs (what `cargo xtask spec-diff` prints).
//! [`required_drift`] finds the fields pinned specs disagree on (the table one of the fixes
//! reads).
//!
//! ```no_run
//! let api = esi_codegen::load("specs/esi-openapi-2026-08-18.json")?;
//! assert_eq!(api.operations.len(), 233);
//! let code = esi_codegen::Generator::new(api).resources(["Market", "Universe"]).generate()?;
//! std::fs::write("esi_api.rs", code.source)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod dates;
pub mod diff;
pub mod emit;
mod error;
pub mod fixes;
pub mod model;
pub mod names;
mod normalize;
pub mod renames;
pub mod required_drift;
pub mod reserved;
pub mod resource_versions;
pub mod shape_names;
pub mod spec_files;

use std::path::Path;

pub use dates::MIN_COMPATIBILITY_DATE;
pub use emit::{Generated, Generator, TypePath};
pub use error::{Error, Result};
pub use normalize::parse_window;

/// Reads a spec file, normalises it and applies [`fixes::FIXES`].
pub fn load(path: impl AsRef<Path>) -> Result<model::Api> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Like [`load`], from text already read; `path` is only used in error messages.
pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<model::Api> {
    let mut api = parse_unfixed(text, path)?;
    fixes::apply_all(&mut api);
    Ok(api)
}

/// Parses and normalises without applying any fix (for tools that compare raw specs).
pub fn parse_unfixed(text: &str, path: impl AsRef<Path>) -> Result<model::Api> {
    let path = path.as_ref();
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    normalize::normalize(&doc).map_err(|p| p.in_file(path))
}
