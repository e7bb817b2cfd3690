//! What changed between two specs, operation by operation: the report `cargo xtask
//! spec-diff` and `cargo xtask refresh-spec` print, and that tools (the CLI) can reuse to show
//! what moving to a newer compatibility date would change.
//!
//! Operations are matched by method and path (a trailing slash does not count, so a Swagger
//! spec compares with an OpenAPI one). For each operation present in both, the diff lists
//! parameters added, removed or changed, request-body and response fields added, removed or
//! changed (named schemas followed), enum values added or removed anywhere in them, and
//! changes of rate-limit group, scopes, pagination, deprecation and `x-compatibility-date`.
//! Prose (descriptions, examples) is ignored. Compare specs as [`crate::load`] returns them:
//! the parameters the client supplies itself (such as `X-Compatibility-Date`, whose enum
//! changes with every date) are then out of the way.
//!
//! ```no_run
//! let old = esi_codegen::load("specs/esi-openapi-2025-11-06.json")?;
//! let new = esi_codegen::load("specs/esi-openapi-2026-08-18.json")?;
//! let diff = esi_codegen::diff::diff(&old, &new);
//! println!("{diff}");
//! assert!(!diff.is_empty());
//! # Ok::<(), esi_codegen::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{
    Api, FloatFormat, HttpMethod, IntFormat, Operation, Pagination, ParamLocation, RateLimit,
    Schema, SchemaKind, StringFormat,
};

/// How deep nested fields are followed (ESI's deepest models are far shallower).
const MAX_DEPTH: usize = 12;

/// Everything that differs between two specs.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecDiff {
    /// The old spec's compatibility date or version.
    pub old_version: String,
    /// The new spec's compatibility date or version.
    pub new_version: String,
    /// Operations in the old spec.
    pub old_operations: usize,
    /// Operations in the new spec.
    pub new_operations: usize,
    /// Operations only the new spec has.
    pub added: Vec<OpRef>,
    /// Operations only the old spec has.
    pub removed: Vec<OpRef>,
    /// Operations in both that differ.
    pub changed: Vec<OpChange>,
}

impl SpecDiff {
    /// Whether the specs describe the same operations the same way.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// An operation, as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpRef {
    /// Path template without base path or trailing slash.
    pub path: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// `operationId` (of the new spec for changed operations).
    pub operation_id: String,
    /// Resource tag.
    pub tag: String,
}

impl OpRef {
    fn of(op: &Operation) -> Self {
        OpRef {
            path: key_path(&op.path),
            method: op.method,
            operation_id: op.operation_id.clone(),
            tag: op.tag.clone(),
        }
    }
}

impl fmt::Display for OpRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}  [{}] {}",
            self.method.as_str(),
            self.path,
            self.tag,
            self.operation_id
        )
    }
}

/// The changes of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpChange {
    /// The operation.
    pub op: OpRef,
    /// What changed, in a stable order.
    pub changes: Vec<Change>,
}

/// Where a field lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The request body.
    Body,
    /// The success response body.
    Response,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Place::Body => "request body field",
            Place::Response => "response field",
        })
    }
}

/// One difference of an operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// The `operationId` changed, and with it the generated method's name.
    Renamed {
        /// The old id.
        from: String,
        /// The new id.
        to: String,
    },
    /// A parameter the new spec adds.
    ParameterAdded {
        /// Its name.
        name: String,
        /// Where it goes.
        location: ParamLocation,
        /// Its type, as the report writes it.
        ty: String,
        /// Whether it is required.
        required: bool,
    },
    /// A parameter the new spec no longer has.
    ParameterRemoved {
        /// Its name.
        name: String,
        /// Where it went.
        location: ParamLocation,
    },
    /// A parameter whose type or requiredness changed.
    ParameterChanged {
        /// Its name.
        name: String,
        /// Where it goes.
        location: ParamLocation,
        /// Type and requiredness before.
        from: String,
        /// Type and requiredness after.
        to: String,
    },
    /// A request-body or response field the new spec adds (nested fields of an added field
    /// are not listed again).
    FieldAdded {
        /// Body or response.
        place: Place,
        /// Dotted path (`[]` for array items, `{}` for map values).
        path: String,
        /// Its type.
        ty: String,
        /// Whether it is required.
        required: bool,
    },
    /// A field the new spec no longer has.
    FieldRemoved {
        /// Body or response.
        place: Place,
        /// Dotted path.
        path: String,
    },
    /// A field whose type, requiredness or nullability changed.
    FieldChanged {
        /// Body or response.
        place: Place,
        /// Dotted path.
        path: String,
        /// Before.
        from: String,
        /// After.
        to: String,
    },
    /// Enum values added or removed (of a parameter or a field).
    EnumValues {
        /// `parameter `order_type`` or `response field `[].range``.
        of: String,
        /// Values only the new spec has.
        added: Vec<String>,
        /// Values only the old spec has.
        removed: Vec<String>,
    },
    /// The request body appeared, disappeared or changed requiredness.
    BodyChanged {
        /// Before (`none`, `optional`, `required`).
        from: String,
        /// After.
        to: String,
    },
    /// The rate-limit bucket changed.
    RateLimit {
        /// Before.
        from: Option<RateLimit>,
        /// After.
        to: Option<RateLimit>,
    },
    /// Required SSO scopes changed.
    Scopes {
        /// Scopes now required.
        added: Vec<String>,
        /// Scopes no longer required.
        removed: Vec<String>,
    },
    /// The pagination kind changed.
    Pagination {
        /// Before.
        from: Pagination,
        /// After.
        to: Pagination,
    },
    /// The operation became deprecated, or stopped being.
    Deprecated {
        /// Whether the new spec deprecates it.
        now: bool,
    },
    /// `x-compatibility-date` (when ESI last changed the operation) moved.
    LastChanged {
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

fn required_word(required: bool) -> &'static str {
    if required { "required" } else { "optional" }
}

fn rate_limit_text(rl: &Option<RateLimit>) -> String {
    match rl {
        None => "none".into(),
        Some(rl) => format!(
            "{} {}/{}",
            rl.group,
            rl.max_tokens,
            window_text(rl.window_seconds)
        ),
    }
}

fn window_text(seconds: u64) -> String {
    match seconds {
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn pagination_text(p: Pagination) -> &'static str {
    match p {
        Pagination::None => "none",
        Pagination::XPages => "X-Pages",
        Pagination::Cursor => "cursor",
        Pagination::FromId => "from_id",
    }
}

fn signed(added: &[String], removed: &[String]) -> String {
    added
        .iter()
        .map(|v| format!("+{v}"))
        .chain(removed.iter().map(|v| format!("-{v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Renamed { from, to } => write!(
                f,
                "operation id: {from} → {to} (method {} → {})",
                crate::names::method(from),
                crate::names::method(to)
            ),
            Change::ParameterAdded {
                name,
                location,
                ty,
                required,
            } => write!(
                f,
                "parameter added: {} `{name}`: {ty}, {}",
                location_name(*location),
                required_word(*required)
            ),
            Change::ParameterRemoved { name, location } => {
                write!(
                    f,
                    "parameter removed: {} `{name}`",
                    location_name(*location)
                )
            }
            Change::ParameterChanged {
                name,
                location,
                from,
                to,
            } => write!(
                f,
                "parameter changed: {} `{name}`: {from} → {to}",
                location_name(*location)
            ),
            Change::FieldAdded {
                place,
                path,
                ty,
                required,
            } => write!(
                f,
                "{place} added: `{path}`: {ty}, {}",
                required_word(*required)
            ),
            Change::FieldRemoved { place, path } => write!(f, "{place} removed: `{path}`"),
            Change::FieldChanged {
                place,
                path,
                from,
                to,
            } => write!(f, "{place} changed: `{path}`: {from} → {to}"),
            Change::EnumValues { of, added, removed } => {
                write!(f, "enum values of {of}: {}", signed(added, removed))
            }
            Change::BodyChanged { from, to } => write!(f, "request body: {from} → {to}"),
            Change::RateLimit { from, to } => write!(
                f,
                "rate-limit group: {} → {}",
                rate_limit_text(from),
                rate_limit_text(to)
            ),
            Change::Scopes { added, removed } => {
                write!(f, "scopes: {}", signed(added, removed))
            }
            Change::Pagination { from, to } => write!(
                f,
                "pagination: {} → {}",
                pagination_text(*from),
                pagination_text(*to)
            ),
            Change::Deprecated { now: true } => f.write_str("deprecated"),
            Change::Deprecated { now: false } => f.write_str("no longer deprecated"),
            Change::LastChanged { from, to } => write!(
                f,
                "last changed: {} → {}",
                from.as_deref().unwrap_or("none"),
                to.as_deref().unwrap_or("none")
            ),
        }
    }
}

impl fmt::Display for SpecDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ESI spec diff: {} ({} operations) → {} ({} operations)",
            self.old_version, self.old_operations, self.new_version, self.new_operations
        )?;
        writeln!(
            f,
            "{} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )?;
        if !self.added.is_empty() {
            writeln!(f, "\nAdded ({}):", self.added.len())?;
            for op in &self.added {
                writeln!(f, "  + {op}")?;
            }
        }
        if !self.removed.is_empty() {
            writeln!(f, "\nRemoved ({}):", self.removed.len())?;
            for op in &self.removed {
                writeln!(f, "  - {op}")?;
            }
        }
        if !self.changed.is_empty() {
            writeln!(f, "\nChanged ({}):", self.changed.len())?;
            for change in &self.changed {
                writeln!(f, "  ~ {}", change.op)?;
                for c in &change.changes {
                    writeln!(f, "      {c}")?;
                }
            }
        }
        Ok(())
    }
}

/// The path an operation is matched by: no trailing slash.
fn key_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.to_string()
    }
}

fn version_of(api: &Api) -> String {
    api.compatibility_date
        .clone()
        .unwrap_or_else(|| api.version.clone())
}

/// Compares two specs.
pub fn diff(old: &Api, new: &Api) -> SpecDiff {
    let index = |api: &Api| -> BTreeMap<(String, HttpMethod), usize> {
        api.operations
            .iter()
            .enumerate()
            .map(|(i, op)| ((key_path(&op.path), op.method), i))
            .collect()
    };
    let (old_ops, new_ops) = (index(old), index(new));
    let mut added: Vec<OpRef> = new_ops
        .iter()
        .filter(|(k, _)| !old_ops.contains_key(*k))
        .map(|(_, i)| OpRef::of(&new.operations[*i]))
        .collect();
    let mut removed: Vec<OpRef> = old_ops
        .iter()
        .filter(|(k, _)| !new_ops.contains_key(*k))
        .map(|(_, i)| OpRef::of(&old.operations[*i]))
        .collect();
    let mut changed = Vec::new();
    for (key, &ni) in &new_ops {
        let Some(&oi) = old_ops.get(key) else {
            continue;
        };
        let changes = operation_changes(old, &old.operations[oi], new, &new.operations[ni]);
        if !changes.is_empty() {
            changed.push(OpChange {
                op: OpRef::of(&new.operations[ni]),
                changes,
            });
        }
    }
    added.sort();
    removed.sort();
    changed.sort_by(|a, b| a.op.cmp(&b.op));
    SpecDiff {
        old_version: version_of(old),
        new_version: version_of(new),
        old_operations: old.operations.len(),
        new_operations: new.operations.len(),
        added,
        removed,
        changed,
    }
}

fn operation_changes(
    old_api: &Api,
    old: &Operation,
    new_api: &Api,
    new: &Operation,
) -> Vec<Change> {
    let mut out = Vec::new();
    if old.operation_id != new.operation_id {
        out.push(Change::Renamed {
            from: old.operation_id.clone(),
            to: new.operation_id.clone(),
        });
    }

    // Parameters, by location and name.
    let params = |api: &Api, op: &Operation| -> BTreeMap<(ParamLocation, String), Field> {
        op.parameters
            .iter()
            .map(|p| {
                let mut field = Field::of(api, &p.schema, true);
                field.required = p.required;
                ((p.location, p.name.clone()), field)
            })
            .collect()
    };
    let (op_params, np_params) = (params(old_api, old), params(new_api, new));
    for ((location, name), field) in &np_params {
        match op_params.get(&(*location, name.clone())) {
            None => out.push(Change::ParameterAdded {
                name: name.clone(),
                location: *location,
                ty: field.ty.clone(),
                required: field.required,
            }),
            Some(before) => {
                if before.describe() != field.describe() {
                    out.push(Change::ParameterChanged {
                        name: name.clone(),
                        location: *location,
                        from: before.describe(),
                        to: field.describe(),
                    });
                }
                enum_change(&mut out, format!("parameter `{name}`"), before, field);
            }
        }
    }
    for (location, name) in op_params.keys() {
        if !np_params.contains_key(&(*location, name.clone())) {
            out.push(Change::ParameterRemoved {
                name: name.clone(),
                location: *location,
            });
        }
    }

    // Request body.
    let body_state = |op: &Operation| match &op.request_body {
        None => "none",
        Some(b) if b.required => "required",
        Some(_) => "optional",
    };
    if body_state(old) != body_state(new) {
        out.push(Change::BodyChanged {
            from: body_state(old).into(),
            to: body_state(new).into(),
        });
    }
    fields_changes(
        &mut out,
        Place::Body,
        old_api,
        old.request_body.as_ref().map(|b| &b.schema),
        new_api,
        new.request_body.as_ref().map(|b| &b.schema),
    );
    fields_changes(
        &mut out,
        Place::Response,
        old_api,
        old.success_schema(),
        new_api,
        new.success_schema(),
    );

    if old.rate_limit != new.rate_limit {
        out.push(Change::RateLimit {
            from: old.rate_limit.clone(),
            to: new.rate_limit.clone(),
        });
    }
    let (os, ns): (BTreeSet<&String>, BTreeSet<&String>) =
        (old.scopes.iter().collect(), new.scopes.iter().collect());
    if os != ns {
        out.push(Change::Scopes {
            added: ns.difference(&os).map(|s| s.to_string()).collect(),
            removed: os.difference(&ns).map(|s| s.to_string()).collect(),
        });
    }
    if old.pagination != new.pagination {
        out.push(Change::Pagination {
            from: old.pagination,
            to: new.pagination,
        });
    }
    if old.deprecated != new.deprecated {
        out.push(Change::Deprecated {
            now: new.deprecated,
        });
    }
    if old.compatibility_date != new.compatibility_date {
        out.push(Change::LastChanged {
            from: old.compatibility_date.clone(),
            to: new.compatibility_date.clone(),
        });
    }
    out
}

/// A parameter or field, reduced to what the generated code depends on.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    ty: String,
    required: bool,
    nullable: bool,
    values: Option<Vec<String>>,
}

impl Field {
    /// `through_arrays`: whether an array of enums counts as an enum (parameters; fields list
    /// their items separately).
    fn of(api: &Api, schema: &Schema, through_arrays: bool) -> Self {
        let resolved = api.resolve(schema);
        Field {
            ty: type_text(api, schema, 0),
            required: false,
            nullable: schema.nullable || resolved.nullable,
            values: match &resolved.kind {
                SchemaKind::Enum(v) => Some(v.clone()),
                SchemaKind::Array { items, .. } if through_arrays => match &api.resolve(items).kind
                {
                    SchemaKind::Enum(v) => Some(v.clone()),
                    _ => None,
                },
                _ => None,
            },
        }
    }

    fn describe(&self) -> String {
        format!(
            "{}{}, {}",
            self.ty,
            if self.nullable { " or null" } else { "" },
            required_word(self.required)
        )
    }
}

fn enum_change(out: &mut Vec<Change>, of: String, before: &Field, after: &Field) {
    let (Some(b), Some(a)) = (&before.values, &after.values) else {
        return;
    };
    let added: Vec<String> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
    let removed: Vec<String> = b.iter().filter(|v| !a.contains(v)).cloned().collect();
    if !added.is_empty() || !removed.is_empty() {
        out.push(Change::EnumValues { of, added, removed });
    }
}

/// A short type name: `integer (int32)`, `array of string`, `enum`, `object`...
fn type_text(api: &Api, schema: &Schema, depth: usize) -> String {
    let resolved = api.resolve(schema);
    match &resolved.kind {
        SchemaKind::Ref(name) => format!("unresolved `{name}`"),
        SchemaKind::Boolean => "boolean".into(),
        SchemaKind::Integer(IntFormat::I32) => "integer (int32)".into(),
        SchemaKind::Integer(IntFormat::I64) => "integer (int64)".into(),
        SchemaKind::Number(FloatFormat::F32) => "number (float)".into(),
        SchemaKind::Number(FloatFormat::F64) => "number (double)".into(),
        SchemaKind::String(StringFormat::Plain) => "string".into(),
        SchemaKind::String(StringFormat::DateTime) => "string (date-time)".into(),
        SchemaKind::String(StringFormat::Date) => "string (date)".into(),
        SchemaKind::String(StringFormat::Uuid) => "string (uuid)".into(),
        SchemaKind::String(StringFormat::Other(f)) => format!("string ({f})"),
        SchemaKind::Enum(_) => "enum".into(),
        SchemaKind::Array { items, .. } if depth < MAX_DEPTH => {
            format!("array of {}", type_text(api, items, depth + 1))
        }
        SchemaKind::Array { .. } => "array".into(),
        SchemaKind::Object {
            properties,
            additional: Some(value),
        } if properties.is_empty() && depth < MAX_DEPTH => {
            format!("map of {}", type_text(api, value, depth + 1))
        }
        SchemaKind::Object { .. } => "object".into(),
        SchemaKind::OneOf(alts) => format!("one of {} shapes", alts.len()),
        SchemaKind::Any => "any".into(),
    }
}

/// Every field under `schema`, by dotted path.
fn flatten(api: &Api, schema: &Schema) -> BTreeMap<String, Field> {
    let mut out = BTreeMap::new();
    let mut visiting = Vec::new();
    walk(api, schema, String::new(), true, &mut out, &mut visiting, 0);
    out
}

fn walk(
    api: &Api,
    schema: &Schema,
    path: String,
    required: bool,
    out: &mut BTreeMap<String, Field>,
    visiting: &mut Vec<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut field = Field::of(api, schema, false);
    field.required = required;
    if !path.is_empty() {
        out.insert(path.clone(), field);
    }
    // Follow references, guarding against cycles.
    let mut pushed = 0;
    let mut current = schema;
    while let SchemaKind::Ref(name) = &current.kind {
        if visiting.contains(name) {
            visiting.truncate(visiting.len() - pushed);
            return;
        }
        visiting.push(name.clone());
        pushed += 1;
        match api.schemas.get(name) {
            Some(next) => current = next,
            None => break,
        }
    }
    let join = |suffix: &str| {
        if path.is_empty() {
            suffix.trim_start_matches('.').to_string()
        } else {
            format!("{path}{suffix}")
        }
    };
    match &current.kind {
        SchemaKind::Array { items, .. } => {
            walk(api, items, join("[]"), true, out, visiting, depth + 1);
        }
        SchemaKind::Object {
            properties,
            additional,
        } => {
            for p in properties {
                walk(
                    api,
                    &p.schema,
                    join(&format!(".{}", p.name)),
                    p.required,
                    out,
                    visiting,
                    depth + 1,
                );
            }
            if let Some(value) = additional {
                walk(api, value, join("{}"), true, out, visiting, depth + 1);
            }
        }
        SchemaKind::OneOf(alts) => {
            for (i, alt) in alts.iter().enumerate() {
                let label = alt.title.clone().unwrap_or_else(|| (i + 1).to_string());
                walk(
                    api,
                    alt,
                    join(&format!("<{label}>")),
                    true,
                    out,
                    visiting,
                    depth + 1,
                );
            }
        }
        _ => {}
    }
    visiting.truncate(visiting.len() - pushed);
}

/// The path a field hangs under (`a[].b` → `a[]`, `a[]` → `a`, `a` → none).
fn parent(path: &str) -> Option<&str> {
    if let Some(stripped) = path.strip_suffix("[]").or_else(|| path.strip_suffix("{}")) {
        return Some(stripped).filter(|p| !p.is_empty());
    }
    if path.ends_with('>') {
        return path
            .rfind('<')
            .map(|i| &path[..i])
            .filter(|p| !p.is_empty());
    }
    path.rfind('.').map(|i| &path[..i])
}

fn under_any(path: &str, set: &BTreeSet<&str>) -> bool {
    let mut current = parent(path);
    while let Some(p) = current {
        if set.contains(p) {
            return true;
        }
        current = parent(p);
    }
    false
}

fn fields_changes(
    out: &mut Vec<Change>,
    place: Place,
    old_api: &Api,
    old: Option<&Schema>,
    new_api: &Api,
    new: Option<&Schema>,
) {
    let before = old.map(|s| flatten(old_api, s)).unwrap_or_default();
    let after = new.map(|s| flatten(new_api, s)).unwrap_or_default();
    // A change of the root type itself (object → array...).
    if let (Some(o), Some(n)) = (old, new) {
        let (ot, nt) = (type_text(old_api, o, 0), type_text(new_api, n, 0));
        if ot != nt {
            out.push(Change::FieldChanged {
                place,
                path: "(root)".into(),
                from: ot,
                to: nt,
            });
        }
        enum_change(
            out,
            format!("{place} `(root)`"),
            &Field::of(old_api, o, false),
            &Field::of(new_api, n, false),
        );
    }
    let added: BTreeSet<&str> = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .map(String::as_str)
        .collect();
    let removed: BTreeSet<&str> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .map(String::as_str)
        .collect();
    for path in &added {
        if !under_any(path, &added) {
            let field = &after[*path];
            out.push(Change::FieldAdded {
                place,
                path: path.to_string(),
                ty: field.ty.clone(),
                required: field.required,
            });
        }
    }
    for path in &removed {
        if !under_any(path, &removed) {
            out.push(Change::FieldRemoved {
                place,
                path: path.to_string(),
            });
        }
    }
    for (path, now) in &after {
        let Some(was) = before.get(path) else {
            continue;
        };
        if was.describe() != now.describe() {
            out.push(Change::FieldChanged {
                place,
                path: path.clone(),
                from: was.describe(),
                to: now.describe(),
            });
        }
        enum_change(out, format!("{place} `{path}`"), was, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(paths: &str, schemas: &str) -> Api {
        let text = format!(
            r#"{{"openapi":"3.1.0","info":{{"title":"t","version":"2026-01-01"}},
            "components":{{"schemas":{{{schemas}}}}},"paths":{{{paths}}}}}"#
        );
        crate::parse(&text, "inline.json").expect("spec")
    }

    #[test]
    fn nested_changes_are_reported_once_at_the_top() {
        let old = spec(
            r##""/a":{"get":{"operationId":"GetA","tags":["A"],
              "parameters":[{"in":"query","name":"kind","schema":{"enum":["x","y"],"type":"string"}}],
              "responses":{"200":{"description":"ok","content":{"application/json":{"schema":
              {"$ref":"#/components/schemas/Thing"}}}}}}},
              "/gone":{"get":{"operationId":"GetGone","tags":["A"],"responses":{}}}"##,
            r#""Thing":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"},
              "old":{"type":"object","properties":{"x":{"type":"string"}}}}}"#,
        );
        let new = spec(
            r##""/a/":{"get":{"operationId":"GetA","tags":["A"],
              "parameters":[{"in":"query","name":"kind","schema":{"enum":["x","z"],"type":"string"}},
                            {"in":"query","name":"n","required":true,"schema":{"type":"integer","format":"int32"}}],
              "responses":{"200":{"description":"ok","content":{"application/json":{"schema":
              {"$ref":"#/components/schemas/Thing"}}}}},
              "x-rate-limit":{"group":"a","max-tokens":10,"window-size":"15m"}}},
              "/new":{"post":{"operationId":"PostNew","tags":["B"],"responses":{}}}"##,
            r#""Thing":{"type":"object","required":["id"],"properties":{"id":{"type":"string"},
              "added":{"type":"object","properties":{"y":{"type":"string"}}}}}"#,
        );
        let d = diff(&old, &new);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.changed.len(), 1, "trailing slash does not count");
        let text = d.to_string();
        for line in [
            "+ POST /new  [B] PostNew",
            "- GET /gone  [A] GetGone",
            "parameter added: query `n`: integer (int32), required",
            "enum values of parameter `kind`: +z -y",
            "response field added: `added`: object, optional",
            "response field removed: `old`",
            "response field changed: `id`: integer (int64), required → string, required",
            "rate-limit group: none → a 10/15m",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains("`added.y`"), "{text}");
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn parents_of_paths() {
        assert_eq!(parent("a[].b"), Some("a[]"));
        assert_eq!(parent("a[]"), Some("a"));
        assert_eq!(parent("[]"), None);
        assert_eq!(parent("[].x"), Some("[]"));
        assert_eq!(parent("a<isk>"), Some("a"));
        assert_eq!(parent("a"), None);
    }
}
