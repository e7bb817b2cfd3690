//! Model → Rust source for `esi-client`.
//!
//! [`Generator::generate`] runs in stages, one module each (its documentation describes them):
//! **versions** ([`crate::resource_versions`]) → **plan** (`plan`) → **shape** (`shape`) →
//! **placement** (`placement`) → **selection** (`selection`) → **modules** (`resource`) →
//! **file** (`file`). Names, shapes and placement are decided over the whole API, then only
//! the selected resources and the types they reach are emitted, as one file of inline modules
//! formatted with prettyplease.
//!
//! The output is meant to be `include!`d into a module of `esi-client` (one per spec): its own
//! items refer to each other by relative paths, and it reaches the runtime through `crate::`
//! paths that `esi-client` re-exports at its root (`crate::Request`, `crate::Operation`,
//! `crate::runtime::Client`...). It defines the API's own `Client`, a thin handle on the
//! runtime's client that carries the resource accessors.

mod deserialize;
mod docs;
mod file;
mod info;
mod ops;
mod placement;
mod plan;
mod resource;
mod scopes;
mod selection;
mod shape;
mod types;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::Api;
use crate::names;
use crate::resource_versions::{self, ResourceVersion};
use crate::spec_files::SpecSources;

/// Generates the typed client for an [`Api`].
///
/// ```
/// # let spec = r#"{"openapi":"3.1.0","info":{"title":"t","version":"2026-08-18"},
/// #   "paths":{"/status":{"get":{"operationId":"GetStatus","tags":["Status"],
/// #   "responses":{"200":{"description":"ok","content":{"application/json":
/// #   {"schema":{"type":"object","properties":{"players":{"type":"integer"}}}}}}}}}}}"#;
/// let api = esi_codegen::parse(spec, "inline.json")?;
/// let generated = esi_codegen::Generator::new(api).generate()?;
/// assert!(generated.source.contains("pub fn get_status"));
/// assert_eq!(generated.operations, 1);
/// # Ok::<(), esi_codegen::Error>(())
/// ```
///
/// One resource can be generated at another version than the rest (see [`resource_versions`] for the
/// rules and how shared types stay coherent):
///
/// ```no_run
/// let api = esi_codegen::load("specs/esi-openapi-2026-08-18.json")?;
/// let generated = esi_codegen::Generator::new(api)
///     .spec_dir("specs") // where esi-openapi-2025-11-06.json is
///     .resource_version("Universe", "2025-11-06")
///     .generate()?;
/// # Ok::<(), esi_codegen::Error>(())
/// ```
pub struct Generator {
    api: Api,
    resources: Option<Vec<String>>,
    versions: Vec<ResourceVersion>,
    sources: SpecSources,
}

/// What [`Generator::generate`] produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust source.
    pub source: String,
    /// Resource modules emitted (snake_case).
    pub resources: Vec<String>,
    /// Operations emitted.
    pub operations: usize,
    /// Model types emitted (merged shapes counted once, deprecated aliases not counted).
    pub types: usize,
    /// Every path at which a model of the generated file can be named, as
    /// `module::Type` (relative to the file's root), with how it is reached there.
    pub type_paths: BTreeMap<String, TypePath>,
}

/// How a model is reached at one path of the generated API (see [`Generated::type_paths`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypePath {
    /// Defined there (every model is defined in `models`).
    Defined,
    /// Re-exported by a resource module whose operations use it.
    ReExported,
    /// A `#[deprecated]` alias of another model: a shape identical to it, merged into it.
    Deprecated {
        /// The model it aliases.
        target: String,
    },
}

impl Generated {
    /// Lines of generated code.
    pub fn lines(&self) -> usize {
        self.source.lines().count()
    }
}

impl Generator {
    /// Starts from a loaded (and fixed) API.
    pub fn new(api: Api) -> Self {
        Generator {
            api,
            resources: None,
            versions: Vec::new(),
            sources: SpecSources::default(),
        }
    }

    /// Generates `resource` (a spec tag such as `Faction Warfare` or a module name such as
    /// `faction_warfare`, any case) at another `version`: a compatibility date `YYYY-MM-DD` for
    /// OpenAPI specs (its operations and models come from that date's spec, found with
    /// [`Generator::spec_dir`] or [`Generator::with_spec`], and its requests send that date),
    /// or a route version such as `v1` for Swagger specs (its paths move from `/latest/` to
    /// `/v1/`). Checked by [`Generator::generate`], which fails with a message listing what
    /// exists when the resource or version does not.
    pub fn resource_version(mut self, resource: impl AsRef<str>, version: impl AsRef<str>) -> Self {
        self.versions
            .push(ResourceVersion::new(resource.as_ref(), version.as_ref()));
        self
    }

    /// Several [`Generator::resource_version`]s at once, e.g. from
    /// [`resource_versions::parse_resource_versions`].
    pub fn resource_versions(
        mut self,
        versions: impl IntoIterator<Item = ResourceVersion>,
    ) -> Self {
        self.versions.extend(versions);
        self
    }

    /// A folder holding OpenAPI specs named `esi-openapi-<date>.json`, searched (in the order
    /// given, after the specs of [`Generator::with_spec`]) for the dates of resource versions.
    pub fn spec_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.sources.dirs.push(dir.into());
        self
    }

    /// An already loaded OpenAPI spec to take resource versions from (its compatibility date
    /// is the version it provides).
    pub fn with_spec(mut self, api: Api) -> Self {
        self.sources.loaded.push(api);
        self
    }

    /// Keeps only these resources, given as spec tags (`Faction Warfare`) or module names
    /// (`faction_warfare`). Names the spec does not have are ignored. By default all are kept.
    pub fn resources<I, S>(mut self, resources: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.resources = Some(
            resources
                .into_iter()
                .map(|r| names::resource(r.as_ref()))
                .collect(),
        );
        self
    }

    /// The API being generated.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Emits the code, stage by stage (each a module of its own), in this order:
    ///
    /// 1. **versions** (`resource_versions`): resources asked for at another version are
    ///    swapped in;
    /// 2. **plan** (`plan`): every type and operation of the whole API is named and
    ///    planned, before any resource is filtered out, so names do not depend on features;
    /// 3. **shape** (`shape`): identical shapes merged into one type, their old names kept
    ///    as deprecated aliases, over the whole API (what each operation reached before is
    ///    noted first, for placement);
    /// 4. **placement** (`placement`): every model in `models`, re-exported by the resources
    ///    using it, over the whole API;
    /// 5. **selection** (`selection`): the resources kept and the types they reach;
    /// 6. **modules** (`resource`): the scope constants (`scopes`) and the operations'
    ///    shared `OPERATION_DEFAULTS` (`info`), then one module per kept resource, with its
    ///    accessor;
    /// 7. **file** (`file`): the spec's constants, the operation table, the `Client`, and
    ///    the formatted source.
    pub fn generate(&self) -> Result<Generated> {
        // 1. versions
        let applied = self.apply_versions()?;
        let api = &applied.api;
        // 2. plan
        let (mut reg, mut plans) = plan::plan_all(api, &applied)?;
        // 3. shape
        let reached_before = placement::reach(&reg, &plans);
        let shaped = shape::merge_identical(&mut reg, &mut plans);
        // 4. placement
        let place = placement::place(&reg, &plans, &shaped, &reached_before);
        // 5. selection
        let chosen = selection::select(api, &reg, &plans, self.resources.as_deref());
        // 6. modules
        let scope_constants = scopes::constants(api)?;
        let defaults = info::Defaults::of(api, &chosen.kept);
        let context = resource::Context {
            api,
            base_path: &self.api.base_path,
            versions: &applied.versions,
            place: &place,
            chosen: &chosen,
            scopes: &scope_constants,
            defaults: &defaults,
        };
        let rendered: Vec<resource::Rendered> = chosen
            .resources
            .iter()
            .map(|(module, tag)| resource::render(&context, module, tag))
            .collect();
        // 7. file
        let scopes_module = scopes::module(api, &scope_constants);
        let defaults_item = defaults.item();
        file::render(
            &context,
            &reg,
            rendered,
            defaults_item.into_iter().chain([scopes_module]).collect(),
        )
    }

    /// Stage 1: the resource versions asked for, checked and applied.
    fn apply_versions(&self) -> Result<resource_versions::Applied> {
        let mut checked = Vec::new();
        for rv in &self.versions {
            resource_versions::push_unique(&mut checked, rv.clone())?;
        }
        resource_versions::apply(&self.api, &checked, &self.sources)
    }
}
