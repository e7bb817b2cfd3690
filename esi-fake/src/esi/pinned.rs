//! The pinned specs, embedded in the crate: the fake serves them wherever it runs (another
//! crate's tests, an installed `esi` binary) without looking for a file.
//!
//! In this workspace `specs/` inside the package links to the top-level `specs/`, where specs
//! are kept and refreshed; `cargo package` copies their contents into the package.

/// One pinned spec file, embedded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PinnedSpec {
    /// Its file name in `specs/` (`esi-openapi-2026-08-18.json`).
    pub file_name: &'static str,
    /// Its text, as CCP served it.
    pub text: &'static str,
}

impl PinnedSpec {
    /// The compatibility date of a pinned OpenAPI spec (`2026-08-18`); `None` for Swagger.
    pub fn compatibility_date(&self) -> Option<&'static str> {
        self.file_name
            .strip_prefix("esi-openapi-")?
            .strip_suffix(".json")
            .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
    }
}

impl std::fmt::Debug for PinnedSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinnedSpec")
            .field("file_name", &self.file_name)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// Every pinned spec, sorted by file name.
pub const PINNED_SPECS: &[PinnedSpec] = &[
    PinnedSpec {
        file_name: "esi-openapi-2025-11-06.json",
        text: include_str!("../../specs/esi-openapi-2025-11-06.json"),
    },
    PinnedSpec {
        file_name: "esi-openapi-2026-08-18.json",
        text: include_str!("../../specs/esi-openapi-2026-08-18.json"),
    },
    PinnedSpec {
        file_name: "esi-swagger-latest-v1.3.8.json",
        text: include_str!("../../specs/esi-swagger-latest-v1.3.8.json"),
    },
];

/// The pinned spec with this file name.
pub fn pinned_spec(file_name: &str) -> Option<&'static PinnedSpec> {
    PINNED_SPECS.iter().find(|s| s.file_name == file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_file_of_the_package_is_embedded() {
        let dir = crate::esi::config::specs_dir();
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("specs dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("esi-") && n.ends_with(".json"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = PINNED_SPECS.iter().map(|s| s.file_name).collect();
        assert_eq!(on_disk, embedded);
        for spec in PINNED_SPECS {
            let text = std::fs::read_to_string(dir.join(spec.file_name)).expect("spec file");
            assert!(
                text == spec.text,
                "{} differs from its file",
                spec.file_name
            );
        }
    }

    #[test]
    fn dates_come_from_openapi_file_names_only() {
        let dates: Vec<_> = PINNED_SPECS
            .iter()
            .filter_map(PinnedSpec::compatibility_date)
            .collect();
        assert_eq!(dates, ["2025-11-06", "2026-08-18"]);
    }
}
