//! `cargo xtask package` and `cargo xtask docs-rs`: the workspace as the registry would get it.
//!
//! - [`rust_version_findings`]: each publishable package declares a `rust-version` at least as
//!   high as the highest one in its normal and build dependency tree (from `cargo metadata`,
//!   every feature on), since no older toolchain can be installed here to try it.
//! - [`package`]: `cargo package` of every publishable package, unpacked into one directory
//!   (`DIR/<package name>/`), where a scratch workspace outside this one builds against them.
//! - [`docs_rs`]: `cargo doc` of each unpacked library package the way docs.rs builds it: the
//!   features and rustdoc arguments of its `[package.metadata.docs.rs]`, nightly features
//!   allowed (docs.rs uses nightly; `RUSTC_BOOTSTRAP=1` here), warnings denied.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

/// A `rust-version`, compared numerically (`1.94` = `1.94.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RustVersion(u64, u64, u64);

impl RustVersion {
    /// Parses `1.94` or `1.94.1`; `None` for anything else.
    pub fn parse(text: &str) -> Option<RustVersion> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        if parts.next().is_some() {
            return None;
        }
        Some(RustVersion(major, minor, patch))
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A publishable package whose `rust-version` is lower than one in its dependency tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustVersionFinding {
    /// The workspace package.
    pub package: String,
    /// What it declares (`None`: nothing).
    pub declared: Option<RustVersion>,
    /// The highest `rust-version` in its tree.
    pub needed: RustVersion,
    /// The dependency (`name version`) that declares it.
    pub because_of: String,
}

impl std::fmt::Display for RustVersionFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let declared = self.declared.map_or_else(
            || "no rust-version".to_string(),
            |v| format!("rust-version {v}"),
        );
        write!(
            f,
            "{} declares {declared}, but {} needs {}",
            self.package, self.because_of, self.needed
        )
    }
}

/// The findings for `metadata` (the JSON of `cargo metadata --format-version 1`): each
/// publishable workspace member whose declared `rust-version` is below the highest in its
/// normal and build dependency tree. Dev-dependencies do not count (users never build them).
pub fn rust_version_findings(metadata: &Value) -> anyhow::Result<Vec<RustVersionFinding>> {
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .context("cargo metadata: no packages")?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let deps: BTreeMap<&str, Vec<&str>> = metadata["resolve"]["nodes"]
        .as_array()
        .context("cargo metadata: no resolve graph")?
        .iter()
        .filter_map(|node| {
            let id = node["id"].as_str()?;
            let used: Vec<&str> = node["deps"]
                .as_array()?
                .iter()
                .filter(|d| {
                    d["dep_kinds"].as_array().is_some_and(|kinds| {
                        kinds.iter().any(|k| k["kind"].as_str() != Some("dev"))
                    })
                })
                .filter_map(|d| d["pkg"].as_str())
                .collect();
            Some((id, used))
        })
        .collect();
    let version_of = |id: &str| {
        packages
            .get(id)
            .and_then(|p| p["rust_version"].as_str())
            .and_then(RustVersion::parse)
    };
    let label = |id: &str| {
        packages.get(id).map_or_else(
            || id.to_string(),
            |p| {
                format!(
                    "{} {}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                )
            },
        )
    };

    let mut findings = Vec::new();
    for member in metadata["workspace_members"]
        .as_array()
        .context("cargo metadata: no workspace members")?
        .iter()
        .filter_map(Value::as_str)
    {
        let Some(package) = packages.get(member) else {
            continue;
        };
        if !is_published(package) {
            continue;
        }
        let mut seen = BTreeSet::new();
        let mut stack = vec![member];
        let mut highest: Option<(RustVersion, &str)> = None;
        while let Some(id) = stack.pop() {
            for &dep in deps.get(id).into_iter().flatten() {
                if !seen.insert(dep) {
                    continue;
                }
                stack.push(dep);
                if let Some(v) = version_of(dep)
                    && highest.is_none_or(|(best, _)| v > best)
                {
                    highest = Some((v, dep));
                }
            }
        }
        let declared = version_of(member);
        if let Some((needed, dep)) = highest
            && declared.is_none_or(|d| d < needed)
        {
            findings.push(RustVersionFinding {
                package: package["name"].as_str().unwrap_or(member).to_string(),
                declared,
                needed,
                because_of: label(dep),
            });
        }
    }
    Ok(findings)
}

/// `cargo metadata` of the workspace at `root`, every feature on.
fn workspace_metadata(root: &Path) -> anyhow::Result<Value> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--all-features"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("cargo metadata's JSON")
}

/// Runs `cargo metadata` (every feature on) in `root` and fails on any finding.
pub fn check_rust_versions(root: &Path) -> anyhow::Result<()> {
    report_rust_versions(&workspace_metadata(root)?)
}

/// Prints the findings for `metadata`; fails on any.
fn report_rust_versions(metadata: &Value) -> anyhow::Result<()> {
    let findings = rust_version_findings(metadata)?;
    if findings.is_empty() {
        eprintln!("rust-version: every publishable package covers its dependency tree");
        return Ok(());
    }
    for finding in &findings {
        eprintln!("rust-version: {finding}");
    }
    bail!(
        "{} package(s) declare too low a rust-version",
        findings.len()
    );
}

/// Checks rust-versions, packages every publishable package (`cargo package --workspace`,
/// without `cargo package`'s own verification: the scratch workspace builds them instead), and
/// unpacks each into `into/<name>/`, replacing what was there.
pub fn package(root: &Path, into: &Path, allow_dirty: bool) -> anyhow::Result<()> {
    let metadata = workspace_metadata(root)?;
    report_rust_versions(&metadata)?;
    let package_dir = root.join("target").join("package");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["package", "--workspace", "--no-verify"])
        .current_dir(root);
    // xtask and the cross-crate tests (`publish = false`) are never uploaded.
    for name in unpublished_members(&metadata) {
        cmd.args(["--exclude", &name]);
    }
    if allow_dirty {
        cmd.arg("--allow-dirty");
    }
    let status = cmd.status().context("running cargo package")?;
    if !status.success() {
        bail!("cargo package failed");
    }

    std::fs::create_dir_all(into).with_context(|| format!("creating {}", into.display()))?;
    for (name, version) in publishable_packages(&metadata) {
        let archive = package_dir.join(format!("{name}-{version}.crate"));
        let dir = into.join(&name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        // Archives hold one folder, `<name>-<version>/`.
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(into)
            .status()
            .context("running tar")?;
        if !status.success() {
            bail!("could not unpack {}", archive.display());
        }
        std::fs::rename(into.join(format!("{name}-{version}")), &dir)
            .with_context(|| format!("moving the unpacked {name} to {}", dir.display()))?;
        eprintln!("unpacked {name} {version} into {}", dir.display());
    }
    Ok(())
}

/// The workspace's members in `metadata`.
fn workspace_members(metadata: &Value) -> impl Iterator<Item = &Value> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |p| p["id"].as_str().is_some_and(|id| members.contains(id)))
}

/// Names of the workspace's members that are never published (`publish = false`).
fn unpublished_members(metadata: &Value) -> Vec<String> {
    workspace_members(metadata)
        .filter(|p| !is_published(p))
        .filter_map(|p| Some(p["name"].as_str()?.to_string()))
        .collect()
}

/// Names and versions of the workspace's publishable packages in `metadata`.
fn publishable_packages(metadata: &Value) -> Vec<(String, String)> {
    workspace_members(metadata)
        .filter(|p| is_published(p))
        .filter_map(|p| {
            Some((
                p["name"].as_str()?.to_string(),
                p["version"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Whether a package of `cargo metadata` may be published (`publish = false` is an empty list
/// of registries).
fn is_published(package: &Value) -> bool {
    !package["publish"].as_array().is_some_and(Vec::is_empty)
}

/// How docs.rs builds one package, read from its `[package.metadata.docs.rs]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocsRsSettings {
    /// `features`.
    pub features: Vec<String>,
    /// `all-features`.
    pub all_features: bool,
    /// `no-default-features`.
    pub no_default_features: bool,
    /// `rustdoc-args`.
    pub rustdoc_args: Vec<String>,
}

/// The docs.rs settings of the manifest `text`; `None` when it has none or no library.
pub fn docs_rs_settings(text: &str) -> anyhow::Result<Option<DocsRsSettings>> {
    let manifest: toml_edit::DocumentMut = text.parse().context("parsing Cargo.toml")?;
    let Some(table) = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("docs"))
        .and_then(|d| d.get("rs"))
    else {
        return Ok(None);
    };
    let strings = |key: &str| -> Vec<String> {
        table
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let flag = |key: &str| table.get(key).and_then(|v| v.as_bool()).unwrap_or(false);
    Ok(Some(DocsRsSettings {
        features: strings("features"),
        all_features: flag("all-features"),
        no_default_features: flag("no-default-features"),
        rustdoc_args: strings("rustdoc-args"),
    }))
}

/// One `cargo doc` run: packages whose docs.rs settings differ only in their features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRun {
    /// The packages documented (`-p`).
    pub packages: Vec<String>,
    /// Each package's features, as `package/feature`.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
    /// `RUSTDOCFLAGS`, before `-D warnings`.
    pub rustdoc_args: Vec<String>,
}

/// Groups packages into as few `cargo doc` runs as keep each package's docs.rs settings:
/// packages with the same flags and rustdoc arguments share a run (one build of the
/// dependencies instead of one per package), each still with its own features.
pub fn doc_runs(packages: &[(String, DocsRsSettings)]) -> Vec<DocRun> {
    let mut runs: Vec<DocRun> = Vec::new();
    for (name, settings) in packages {
        let features = settings.features.iter().map(|f| format!("{name}/{f}"));
        let same = |run: &&mut DocRun| {
            run.all_features == settings.all_features
                && run.no_default_features == settings.no_default_features
                && run.rustdoc_args == settings.rustdoc_args
        };
        match runs.iter_mut().find(same) {
            Some(run) => {
                run.packages.push(name.clone());
                run.features.extend(features);
            }
            None => runs.push(DocRun {
                packages: vec![name.clone()],
                features: features.collect(),
                all_features: settings.all_features,
                no_default_features: settings.no_default_features,
                rustdoc_args: settings.rustdoc_args.clone(),
            }),
        }
    }
    runs
}

/// Documents each unpacked library package in `packages` as docs.rs would (its features and
/// rustdoc arguments), from the workspace of `manifest` (which must have them as members),
/// with warnings denied. Packages with the same settings share one `cargo doc` run, built in
/// `target_dir` when given.
pub fn docs_rs(manifest: &Path, packages: &Path, target_dir: Option<&Path>) -> anyhow::Result<()> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(packages)
        .with_context(|| format!("reading {}", packages.display()))?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    let mut libraries = Vec::new();
    for dir in dirs {
        if !dir.join("src").join("lib.rs").is_file() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join("Cargo.toml"))?;
        let Some(settings) = docs_rs_settings(&text)? else {
            bail!("{} has no [package.metadata.docs.rs]", dir.display());
        };
        let manifest_doc: toml_edit::DocumentMut = text.parse()?;
        let name = manifest_doc["package"]["name"]
            .as_str()
            .context("package without a name")?
            .to_string();
        libraries.push((name, settings));
    }
    if libraries.is_empty() {
        bail!("no library package found in {}", packages.display());
    }
    for run in doc_runs(&libraries) {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["doc", "--no-deps", "-q"])
            .arg("--manifest-path")
            .arg(manifest);
        if let Some(dir) = target_dir {
            cmd.arg("--target-dir").arg(dir);
        }
        for name in &run.packages {
            cmd.args(["-p", name]);
        }
        if run.all_features {
            cmd.arg("--all-features");
        }
        if run.no_default_features {
            cmd.arg("--no-default-features");
        }
        if !run.features.is_empty() {
            cmd.arg("--features").arg(run.features.join(","));
        }
        let mut flags = run.rustdoc_args.clone();
        flags.extend(["-D".to_string(), "warnings".to_string()]);
        cmd.env("RUSTDOCFLAGS", flags.join(" "))
            .env("RUSTC_BOOTSTRAP", "1");
        eprintln!(
            "docs.rs build of {}: features {:?}, rustdoc {:?}",
            run.packages.join(", "),
            run.features,
            run.rustdoc_args
        );
        let status = cmd.status().context("running cargo doc")?;
        if !status.success() {
            bail!(
                "docs of {} do not build as docs.rs builds them",
                run.packages.join(", ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(features: &[&str], no_default: bool) -> DocsRsSettings {
        DocsRsSettings {
            features: features.iter().map(|f| f.to_string()).collect(),
            all_features: false,
            no_default_features: no_default,
            rustdoc_args: vec!["--cfg".into(), "docsrs".into()],
        }
    }

    #[test]
    fn doc_runs_share_a_run_only_when_flags_and_arguments_agree() {
        let runs = doc_runs(&[
            ("a".into(), settings(&["redis"], false)),
            ("b".into(), settings(&[], false)),
            ("c".into(), settings(&["x"], true)),
            ("d".into(), settings(&["redis", "tls"], false)),
        ]);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].packages, ["a", "b", "d"]);
        assert_eq!(runs[0].features, ["a/redis", "d/redis", "d/tls"]);
        assert!(!runs[0].no_default_features);
        assert_eq!(runs[1].packages, ["c"]);
        assert_eq!(runs[1].features, ["c/x"]);
        assert!(runs[1].no_default_features);
    }

    fn metadata(member_rv: &str, dep_rv: &str, kind: Value) -> Value {
        json!({
            "packages": [
                {"id": "app", "name": "app", "version": "0.1.0", "rust_version": member_rv, "publish": null},
                {"id": "mid", "name": "mid", "version": "1.0.0", "rust_version": "1.70", "publish": null},
                {"id": "deep", "name": "deep", "version": "2.0.0", "rust_version": dep_rv, "publish": null},
            ],
            "workspace_members": ["app"],
            "resolve": {"nodes": [
                {"id": "app", "deps": [{"pkg": "mid", "dep_kinds": [{"kind": kind, "target": null}]}]},
                {"id": "mid", "deps": [{"pkg": "deep", "dep_kinds": [{"kind": null, "target": null}]}]},
                {"id": "deep", "deps": []},
            ]}
        })
    }

    #[test]
    fn a_deep_dependency_needing_more_is_found() {
        let findings = rust_version_findings(&metadata("1.88", "1.94", Value::Null)).unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].needed, RustVersion(1, 94, 0));
        assert_eq!(findings[0].because_of, "deep 2.0.0");
        assert_eq!(
            findings[0].to_string(),
            "app declares rust-version 1.88.0, but deep 2.0.0 needs 1.94.0"
        );
    }

    #[test]
    fn enough_or_dev_only_is_fine() {
        assert!(
            rust_version_findings(&metadata("1.94", "1.94.0", Value::Null))
                .unwrap()
                .is_empty()
        );
        assert!(
            rust_version_findings(&metadata("1.60", "1.94", json!("dev")))
                .unwrap()
                .is_empty()
        );
        // Build dependencies count.
        assert_eq!(
            rust_version_findings(&metadata("1.60", "1.94", json!("build")))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn unpublished_members_are_skipped() {
        let mut m = metadata("1.60", "1.94", Value::Null);
        m["packages"][0]["publish"] = json!([]);
        assert!(rust_version_findings(&m).unwrap().is_empty());
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(RustVersion::parse("1.100").unwrap() > RustVersion::parse("1.94.3").unwrap());
        assert_eq!(RustVersion::parse("1.94"), Some(RustVersion(1, 94, 0)));
        assert_eq!(RustVersion::parse("1.x"), None);
        assert_eq!(RustVersion::parse("1.2.3.4"), None);
    }

    #[test]
    fn docs_rs_settings_are_read() {
        let text = r#"
[package]
name = "a"
[package.metadata.docs.rs]
features = ["redis"]
rustdoc-args = ["--cfg", "docsrs"]
"#;
        let s = docs_rs_settings(text).unwrap().unwrap();
        assert_eq!(s.features, ["redis"]);
        assert_eq!(s.rustdoc_args, ["--cfg", "docsrs"]);
        assert!(!s.all_features);
        assert_eq!(docs_rs_settings("[package]\nname = \"a\"\n").unwrap(), None);
    }
}
