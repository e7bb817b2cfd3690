//! Stage 1 of [`Generator::generate`](crate::Generator::generate), versions: one resource of
//! the generated client pinned to another version of ESI than the rest, the way django-esi's
//! `esi_client_factory(Universe='v1')` did.
//!
//! Called by [`Generator::generate`](crate::Generator::generate) before anything is named, so
//! the emitter only ever sees one coherent [`Api`]:
//!
//! - **OpenAPI specs** (versioned by compatibility date): `Universe=2025-11-06` replaces the
//!   `Universe` operations of the base spec by those of the spec served for 2025-11-06, found
//!   in a spec directory as `esi-openapi-2025-11-06.json` (see [`crate::spec_files`]) or
//!   registered with [`Generator::with_spec`](crate::Generator::with_spec). Their requests send
//!   `X-Compatibility-Date: 2025-11-06`; every other operation keeps the client's date.
//! - **Swagger specs** (versioned by route): `Universe=v1` moves each `Universe` operation from
//!   `/latest/...` to `/v1/...`. Every operation of the resource must list that version in its
//!   `x-alternate-versions`; `latest` (the base path) is always allowed.
//!
//! # Types of an overridden resource
//!
//! The named schemas the other date's operations need are merged into the base spec's, so the
//! client keeps one set of models:
//!
//! - a schema with the same name and the same shape (fields, types, enums, nullability; prose
//!   may differ) in both specs is **shared**: the base one is used;
//! - a schema that no remaining operation of the base spec uses **takes the other date's
//!   shape under its own name** (the common case: a resource's own models);
//! - a schema that differs and is still used by other resources of the base spec is **renamed
//!   with the date appended** for the overridden resource: `ItemRef` → `ItemRef20250101`,
//!   emitted in that resource's module, so both shapes exist side by side without a clash.
//!
//! Inline types are named after their operation, so they follow it without clashes.

use std::collections::{BTreeMap, BTreeSet};

use crate::dates::{MIN_COMPATIBILITY_DATE, is_date};
use crate::error::{Error, Result};
use crate::model::{Api, Operation, Schema, SchemaKind, SpecKind};
use crate::names;
use crate::spec_files::{SpecSources, spec_file_name};

/// One requested override: a resource (spec tag such as `Faction Warfare`, or module name such
/// as `faction_warfare`, any case) and the version it should use (a compatibility date
/// `YYYY-MM-DD` for OpenAPI specs, a route version such as `v1` for Swagger specs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceVersion {
    /// The resource as given.
    pub resource: String,
    /// The version as given.
    pub version: String,
}

impl ResourceVersion {
    /// An override of `resource` to `version`.
    pub fn new(resource: impl Into<String>, version: impl Into<String>) -> Self {
        ResourceVersion {
            resource: resource.into().trim().to_string(),
            version: version.into().trim().to_string(),
        }
    }

    /// The resource's module name (`faction_warfare`).
    pub fn module(&self) -> String {
        names::resource(&self.resource)
    }
}

impl std::fmt::Display for ResourceVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.resource, self.version)
    }
}

/// Parses the `ESI_RESOURCE_VERSIONS` syntax: `Universe=2025-11-06,Market=2026-08-18`
/// (entries separated by commas, semicolons or newlines; spaces around names are ignored,
/// so `Faction Warfare = v2` works; empty entries are skipped).
///
/// ```
/// let list = esi_codegen::resource_versions::parse_resource_versions("Universe=v1, market = v2")?;
/// assert_eq!(list[1].module(), "market");
/// assert_eq!(list[1].version, "v2");
/// # Ok::<(), esi_codegen::Error>(())
/// ```
pub fn parse_resource_versions(text: &str) -> Result<Vec<ResourceVersion>> {
    let mut out: Vec<ResourceVersion> = Vec::new();
    for entry in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let Some((resource, version)) = entry.split_once('=') else {
            return Err(Error::Selection(format!(
                "resource version `{entry}` is not `Resource=version` \
                 (e.g. `Universe=2025-11-06` or, for Swagger specs, `Universe=v1`)"
            )));
        };
        let rv = ResourceVersion::new(resource, version);
        if rv.resource.is_empty() || rv.version.is_empty() {
            return Err(Error::Selection(format!(
                "resource version `{entry}` needs both a resource and a version"
            )));
        }
        push_unique(&mut out, rv)?;
    }
    Ok(out)
}

/// Adds `rv`, refusing a second override of the same resource.
pub(crate) fn push_unique(list: &mut Vec<ResourceVersion>, rv: ResourceVersion) -> Result<()> {
    if let Some(earlier) = list.iter().find(|e| e.module() == rv.module()) {
        return Err(Error::Selection(format!(
            "resource `{}` is given two versions: `{earlier}` and `{rv}`",
            rv.resource
        )));
    }
    list.push(rv);
    Ok(())
}

/// The API after overrides, and what the emitter must know about them.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The merged API.
    pub api: Api,
    /// Operation id → compatibility date pinned for it.
    pub pinned: BTreeMap<String, String>,
    /// Applied overrides as (module, version), in the order given.
    pub versions: Vec<(String, String)>,
}

/// Applies `overrides` to `base`.
pub(crate) fn apply(
    base: &Api,
    overrides: &[ResourceVersion],
    sources: &SpecSources,
) -> Result<Applied> {
    let mut applied = Applied {
        api: base.clone(),
        pinned: BTreeMap::new(),
        versions: Vec::new(),
    };
    if overrides.is_empty() {
        return Ok(applied);
    }
    if base.kind.uses_compatibility_date() {
        for rv in overrides {
            apply_date(&mut applied, rv, sources)?;
        }
    } else {
        apply_routes(&mut applied, overrides)?;
    }
    Ok(applied)
}

/// Tags of `api` for messages, sorted: `Alliance, Assets, Faction Warfare, ...`.
fn resource_list(api: &Api) -> String {
    let mut tags = api.used_tags();
    tags.sort_unstable();
    tags.join(", ")
}

/// The spec tag of resource `module` in `api`.
fn tag_of<'a>(api: &'a Api, module: &str) -> Option<&'a str> {
    api.used_tags()
        .into_iter()
        .find(|t| names::resource(t) == module)
}

fn spec_label(api: &Api) -> String {
    match (&api.compatibility_date, api.kind) {
        (Some(date), _) => format!("the ESI spec of {date}"),
        (None, SpecKind::Swagger2) => format!("the Swagger spec {}", api.version),
        (None, _) => format!("the ESI spec {}", api.version),
    }
}

// ---------------------------------------------------------------- OpenAPI: dates

fn apply_date(applied: &mut Applied, rv: &ResourceVersion, sources: &SpecSources) -> Result<()> {
    let module = rv.module();
    let date = rv.version.as_str();
    if !is_date(date) {
        let (dates, _) = sources.available();
        return Err(Error::Selection(format!(
            "`{rv}`: this client is generated from an OpenAPI spec, versioned by compatibility \
             date: give a date YYYY-MM-DD (route versions such as `v1` are for Swagger specs); \
             dates available: {}",
            list_or_none(&dates)
        )));
    }
    if date < MIN_COMPATIBILITY_DATE {
        return Err(Error::Selection(format!(
            "`{rv}`: ESI's oldest compatibility date is {MIN_COMPATIBILITY_DATE}"
        )));
    }
    let base_date = applied.api.compatibility_date.clone();
    if base_date.as_deref() == Some(date) {
        // Same spec: only pin the date, so a client-wide date does not move this resource.
        let tag = tag_of(&applied.api, &module).ok_or_else(|| unknown(rv, &applied.api))?;
        let tag = tag.to_string();
        for op in applied.api.operations.iter().filter(|op| op.tag == tag) {
            applied
                .pinned
                .insert(op.operation_id.clone(), date.to_string());
        }
        applied.versions.push((module, date.to_string()));
        return Ok(());
    }
    let other = sources.find(date)?.ok_or_else(|| {
        let (dates, notes) = sources.available();
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        Error::Selection(format!(
            "`{rv}`: no spec for compatibility date {date}: looked for {} in {}{notes}; \
             dates available: {}",
            spec_file_name(date),
            sources.describe(),
            list_or_none(&dates)
        ))
    })?;
    let tag = tag_of(&other, &module)
        .ok_or_else(|| unknown(rv, &other))?
        .to_string();
    merge_resource(&mut applied.api, &other, &tag, date);
    for op in applied.api.operations.iter().filter(|op| op.tag == tag) {
        applied
            .pinned
            .insert(op.operation_id.clone(), date.to_string());
    }
    applied.versions.push((module, date.to_string()));
    Ok(())
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn unknown(rv: &ResourceVersion, api: &Api) -> Error {
    Error::Selection(format!(
        "`{rv}`: {} has no resource `{}`; its resources are: {}",
        spec_label(api),
        rv.resource,
        resource_list(api)
    ))
}

/// Replaces the operations of `tag` in `base` by those of `other`, merging the schemas they
/// need as the module documentation describes.
fn merge_resource(base: &mut Api, other: &Api, tag: &str, date: &str) {
    let position = base.operations.iter().position(|op| op.tag == tag);
    base.operations.retain(|op| op.tag != tag);
    let mut incoming: Vec<Operation> = other
        .operations
        .iter()
        .filter(|op| op.tag == tag)
        .cloned()
        .collect();

    // Schemas the remaining base operations need, and those the incoming ones need.
    let still_used = closure(base, base.operations.iter());
    let needed = closure(other, incoming.iter());

    // Shared: same name and shape in both, still used by the base, and (recursively) only
    // pointing at schemas that are shared too.
    let mut shared: BTreeSet<String> = needed
        .iter()
        .filter(|n| still_used.contains(*n))
        .filter(|n| match (base.schemas.get(*n), other.schemas.get(*n)) {
            (Some(a), Some(b)) => same_shape(a, b),
            _ => false,
        })
        .cloned()
        .collect();
    loop {
        let before = shared.len();
        let snapshot = shared.clone();
        shared.retain(|n| {
            let mut refs = BTreeSet::new();
            if let Some(s) = other.schemas.get(n) {
                collect_refs(s, &mut refs);
            }
            refs.iter().all(|r| snapshot.contains(r))
        });
        if shared.len() == before {
            break;
        }
    }

    // The rest keep their name when the base no longer uses it, else get the date appended.
    let suffix = date.replace('-', "");
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for name in needed.iter().filter(|n| !shared.contains(*n)) {
        if still_used.contains(name) {
            let mut candidate = format!("{name}{suffix}");
            let mut n = 2;
            while base.schemas.contains_key(&candidate)
                || other.schemas.contains_key(&candidate)
                || renames.values().any(|v| *v == candidate)
            {
                candidate = format!("{name}{suffix}_{n}");
                n += 1;
            }
            renames.insert(name.clone(), candidate);
        }
    }
    for name in needed.iter().filter(|n| !shared.contains(*n)) {
        let Some(schema) = other.schemas.get(name) else {
            continue;
        };
        let mut schema = schema.clone();
        rename_refs(&mut schema, &renames);
        let target = renames.get(name).cloned().unwrap_or_else(|| name.clone());
        base.schemas.insert(target, schema);
    }
    for op in &mut incoming {
        rename_op_refs(op, &renames);
    }

    match position {
        Some(at) => {
            let at = at.min(base.operations.len());
            base.operations.splice(at..at, incoming);
        }
        None => base.operations.extend(incoming),
    }
    if !base.tags.iter().any(|t| t.name == tag)
        && let Some(t) = other.tags.iter().find(|t| t.name == tag)
    {
        base.tags.push(t.clone());
    }
    for (scope, desc) in &other.scopes {
        base.scopes
            .entry(scope.clone())
            .or_insert_with(|| desc.clone());
    }
}

/// Every schema of an operation: parameters, body, responses and their headers.
fn op_schemas(op: &Operation) -> impl Iterator<Item = &Schema> {
    op.parameters
        .iter()
        .map(|p| &p.schema)
        .chain(op.request_body.iter().map(|b| &b.schema))
        .chain(op.responses.iter().flat_map(|r| {
            r.schema
                .iter()
                .chain(r.headers.iter().map(|(_, schema)| schema))
        }))
}

fn op_schemas_mut(op: &mut Operation) -> Vec<&mut Schema> {
    let mut out: Vec<&mut Schema> = op.parameters.iter_mut().map(|p| &mut p.schema).collect();
    out.extend(op.request_body.iter_mut().map(|b| &mut b.schema));
    for r in &mut op.responses {
        out.extend(r.schema.iter_mut());
        out.extend(r.headers.iter_mut().map(|(_, schema)| schema));
    }
    out
}

/// Named schemas reachable from `ops` in `api`.
fn closure<'a>(api: &Api, ops: impl Iterator<Item = &'a Operation>) -> BTreeSet<String> {
    let mut stack: Vec<String> = Vec::new();
    for op in ops {
        let mut refs = BTreeSet::new();
        for schema in op_schemas(op) {
            collect_refs(schema, &mut refs);
        }
        stack.extend(refs);
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = api.schemas.get(&name) {
            let mut refs = BTreeSet::new();
            collect_refs(schema, &mut refs);
            stack.extend(refs.into_iter().filter(|r| !seen.contains(r)));
        }
    }
    seen
}

/// Names a schema refers to directly (through nested inline schemas, not through refs).
fn collect_refs(schema: &Schema, out: &mut BTreeSet<String>) {
    match &schema.kind {
        SchemaKind::Ref(name) => {
            out.insert(name.clone());
        }
        SchemaKind::Array { items, .. } => collect_refs(items, out),
        SchemaKind::Object {
            properties,
            additional,
        } => {
            for p in properties {
                collect_refs(&p.schema, out);
            }
            if let Some(a) = additional {
                collect_refs(a, out);
            }
        }
        SchemaKind::OneOf(alts) => alts.iter().for_each(|a| collect_refs(a, out)),
        _ => {}
    }
}

fn rename_refs(schema: &mut Schema, renames: &BTreeMap<String, String>) {
    match &mut schema.kind {
        SchemaKind::Ref(name) => {
            if let Some(new) = renames.get(name) {
                *name = new.clone();
            }
        }
        SchemaKind::Array { items, .. } => rename_refs(items, renames),
        SchemaKind::Object {
            properties,
            additional,
        } => {
            for p in properties {
                rename_refs(&mut p.schema, renames);
            }
            if let Some(a) = additional {
                rename_refs(a, renames);
            }
        }
        SchemaKind::OneOf(alts) => alts.iter_mut().for_each(|a| rename_refs(a, renames)),
        _ => {}
    }
}

fn rename_op_refs(op: &mut Operation, renames: &BTreeMap<String, String>) {
    if renames.is_empty() {
        return;
    }
    for schema in op_schemas_mut(op) {
        rename_refs(schema, renames);
    }
}

/// Whether two schemas generate the same Rust type: same kinds, fields, requiredness,
/// nullability and enum values (prose and examples may differ). Refs compare by name.
pub(crate) fn same_shape(a: &Schema, b: &Schema) -> bool {
    if a.nullable != b.nullable {
        return false;
    }
    match (&a.kind, &b.kind) {
        (
            SchemaKind::Array {
                items: ia,
                unique: ua,
                max_items: ma,
                ..
            },
            SchemaKind::Array {
                items: ib,
                unique: ub,
                max_items: mb,
                ..
            },
        ) => ua == ub && ma == mb && same_shape(ia, ib),
        (
            SchemaKind::Object {
                properties: pa,
                additional: aa,
            },
            SchemaKind::Object {
                properties: pb,
                additional: ab,
            },
        ) => {
            pa.len() == pb.len()
                && pa.iter().zip(pb).all(|(x, y)| {
                    x.name == y.name && x.required == y.required && same_shape(&x.schema, &y.schema)
                })
                && match (aa, ab) {
                    (None, None) => true,
                    (Some(x), Some(y)) => same_shape(x, y),
                    _ => false,
                }
        }
        (SchemaKind::OneOf(xa), SchemaKind::OneOf(xb)) => {
            xa.len() == xb.len()
                && xa
                    .iter()
                    .zip(xb)
                    .all(|(x, y)| x.title == y.title && same_shape(x, y))
        }
        (x, y) => x == y,
    }
}

// ---------------------------------------------------------------- Swagger: route versions

fn apply_routes(applied: &mut Applied, overrides: &[ResourceVersion]) -> Result<()> {
    let api = &mut applied.api;
    let base = api.base_path.clone();
    let base_version = base.trim_matches('/').to_string();
    let mut prefixes: BTreeMap<String, String> = BTreeMap::new();
    for rv in overrides {
        let module = rv.module();
        let version = rv.version.trim_matches('/');
        let Some(tag) = tag_of(api, &module).map(str::to_string) else {
            return Err(unknown(rv, api));
        };
        let ops: Vec<&Operation> = api.operations_of(&tag).collect();
        let mut offered: BTreeMap<&str, usize> = BTreeMap::new();
        for op in &ops {
            for v in &op.alternate_versions {
                *offered.entry(v.as_str()).or_default() += 1;
            }
        }
        let every: Vec<String> = std::iter::once(base_version.clone())
            .filter(|v| !v.is_empty())
            .chain(
                offered
                    .iter()
                    .filter(|(_, n)| **n == ops.len())
                    .map(|(v, _)| v.to_string()),
            )
            .collect();
        if is_date(version) {
            return Err(Error::Selection(format!(
                "`{rv}`: this client is generated from a Swagger spec, versioned by route, not by \
                 compatibility date: give a route version; versions every operation of {tag} \
                 has: {}",
                list_or_none(&every)
            )));
        }
        if version == base_version {
            applied.versions.push((module, version.to_string()));
            continue;
        }
        let lacking: Vec<String> = ops
            .iter()
            .filter(|op| !op.alternate_versions.iter().any(|v| v == version))
            .map(|op| {
                format!(
                    "{} ({})",
                    names::method(&op.operation_id),
                    op.alternate_versions.join(", ")
                )
            })
            .collect();
        if !lacking.is_empty() {
            let all: Vec<String> = offered
                .iter()
                .map(|(v, n)| format!("{v} ({n} of {})", ops.len()))
                .collect();
            let what = if offered.contains_key(version) {
                format!(
                    "{} of the {} operations of {tag} have no route version {version}: {}",
                    lacking.len(),
                    ops.len(),
                    lacking.join(", ")
                )
            } else {
                format!("{tag} has no route version {version}")
            };
            return Err(Error::Selection(format!(
                "`{rv}`: {what}; versions every operation of {tag} has: {}; versions of {tag} \
                 (operations that have each): {}",
                list_or_none(&every),
                list_or_none(&all)
            )));
        }
        prefixes.insert(tag, format!("/{version}"));
        applied.versions.push((module, version.to_string()));
    }
    if prefixes.is_empty() {
        return Ok(());
    }
    // The emitter prefixes every path with the base path; put each operation's own prefix in
    // its path instead.
    for op in &mut api.operations {
        let prefix = prefixes.get(&op.tag).map(String::as_str).unwrap_or(&base);
        op.path = format!("{prefix}{}", op.path);
    }
    api.base_path = String::new();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_syntax_parses() {
        let list = parse_resource_versions(" Universe=2025-11-06,Faction Warfare = v2;").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].module(), "universe");
        assert_eq!(list[0].version, "2025-11-06");
        assert_eq!(list[1].module(), "faction_warfare");
        assert_eq!(list[1].to_string(), "Faction Warfare=v2");
        assert!(parse_resource_versions("Universe").is_err());
        assert!(parse_resource_versions("Universe=").is_err());
        let twice = parse_resource_versions("Universe=v1,UNIVERSE=v2")
            .unwrap_err()
            .to_string();
        assert!(twice.contains("two versions"), "{twice}");
        assert!(parse_resource_versions("").unwrap().is_empty());
    }
}
