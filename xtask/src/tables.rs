//! The committed tables esi-codegen reads that are computed from the pinned specs (build.rs
//! generates each spec on its own, so what takes two specs to know is found here, ahead of
//! time): `cargo xtask spec-tables` rewrites them, `--check` only says whether they are
//! current; `cargo xtask refresh-spec` rewrites them after it adds a spec to `specs/`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// One committed table: its file and what it should hold for the specs in a folder.
struct Table {
    /// Path from the workspace root.
    file: &'static str,
    /// The file's expected text for the specs in the folder.
    render: fn(&Path) -> esi_codegen::Result<String>,
}

const TABLES: &[Table] = &[
    Table {
        file: "esi-codegen/src/required_drift_table.rs",
        render: esi_codegen::required_drift::table_for,
    },
    Table {
        file: "esi-codegen/src/renames_table.rs",
        render: esi_codegen::renames::table_for,
    },
];

/// Rewrites (or with `check`, compares) every table for the specs in `specs_dir`; returns
/// the tables that were out of date.
pub fn update(root: &Path, specs_dir: &Path, check: bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for table in TABLES {
        let path = root.join(table.file);
        let wanted =
            (table.render)(specs_dir).with_context(|| format!("computing {}", table.file))?;
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != wanted {
            if !check {
                std::fs::write(&path, &wanted)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            stale.push(path);
        }
    }
    Ok(stale)
}
