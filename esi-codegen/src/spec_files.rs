//! Spec files of other compatibility dates: the name of a date's OpenAPI spec
//! (`esi-openapi-<date>.json`), the dates a folder holds, and where the generator finds the
//! spec of a resource version (specs given in memory, then spec folders, in order).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::dates::is_date;
use crate::error::{Error, Result};
use crate::model::Api;

/// Where specs of other compatibility dates come from.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpecSources {
    /// Specs registered in memory, by compatibility date.
    pub loaded: Vec<Api>,
    /// Folders holding `esi-openapi-<date>.json`, searched in order.
    pub dirs: Vec<PathBuf>,
}

/// File name of the OpenAPI spec of a compatibility date.
pub fn spec_file_name(date: &str) -> String {
    format!("esi-openapi-{date}.json")
}

/// Compatibility dates of the `esi-openapi-<date>.json` files in `dir`, sorted.
pub fn dates_in_dir(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut dates: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(std::result::Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let date = name.strip_prefix("esi-openapi-")?.strip_suffix(".json")?;
            is_date(date).then(|| date.to_string())
        })
        .collect();
    dates.sort();
    dates.dedup();
    Ok(dates)
}

impl SpecSources {
    /// Every date available, sorted, and a note per folder that could not be read.
    pub(crate) fn available(&self) -> (Vec<String>, Vec<String>) {
        let mut dates: BTreeSet<String> = self
            .loaded
            .iter()
            .filter_map(|a| a.compatibility_date.clone())
            .collect();
        let mut notes = Vec::new();
        for dir in &self.dirs {
            match dates_in_dir(dir) {
                Ok(found) => dates.extend(found),
                Err(e) => notes.push(format!("{} cannot be read: {e}", dir.display())),
            }
        }
        (dates.into_iter().collect(), notes)
    }

    /// The spec of `date`, from memory or the first folder that has it.
    pub(crate) fn find(&self, date: &str) -> Result<Option<Api>> {
        if let Some(api) = self
            .loaded
            .iter()
            .find(|a| a.compatibility_date.as_deref() == Some(date))
        {
            return Ok(Some(api.clone()));
        }
        for dir in &self.dirs {
            let path = dir.join(spec_file_name(date));
            if path.is_file() {
                let api = crate::load(&path)?;
                if !api.kind.uses_compatibility_date() {
                    return Err(Error::Selection(format!(
                        "{} is not an OpenAPI spec, so it has no compatibility date",
                        path.display()
                    )));
                }
                if let Some(served) = api.compatibility_date.as_deref()
                    && served != date
                {
                    return Err(Error::Selection(format!(
                        "{} was served for compatibility date {served}, not {date} \
                         (its name says {date})",
                        path.display()
                    )));
                }
                return Ok(Some(api));
            }
        }
        Ok(None)
    }

    /// Paths searched, for messages.
    pub(crate) fn describe(&self) -> String {
        let mut places: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
        if !self.loaded.is_empty() {
            places.push("specs given with `Generator::with_spec`".into());
        }
        if places.is_empty() {
            "nowhere: no spec directory was given (`Generator::spec_dir`, or ESI_SPEC_DIR for \
             esi-client)"
                .into()
        } else {
            places.join(", ")
        }
    }
}
