//! Stage 2, plan: every operation of the whole API named and planned (its request struct, its
//! parameters and how each is supplied, its body, its response type), before any resource is
//! filtered out, so names do not depend on the resource features. The plans are what the later
//! stages read: shaping renames their types, placement and selection follow their roots, and
//! `ops` and `info` emit them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::types::{DefBody, Registry, Ty};
use crate::error::{Error, Result, child};
use crate::model::{Api, Operation, ParamLocation, SchemaKind};
use crate::names;
use crate::reserved;
use crate::resource_versions;

/// How a caller supplies a parameter.
#[derive(Debug, Clone)]
pub(super) enum Supply {
    /// A positional argument of the accessor method.
    Positional,
    /// A builder setter over a spec default.
    Defaulted(TokenStream),
    /// A builder setter over `None`.
    Optional,
}

/// A parameter of an operation ready to emit.
#[derive(Debug, Clone)]
pub(super) struct ParamPlan {
    /// Its name in the spec (and on the wire).
    pub json: String,
    /// Its field in the request struct.
    pub ident: String,
    /// Its builder setter.
    pub setter: String,
    /// Its type.
    pub ty: Ty,
    /// Where it goes in the request.
    pub location: ParamLocation,
    /// How a caller supplies it.
    pub supply: Supply,
    /// Its description in the spec.
    pub doc: String,
}

/// An operation ready to emit.
#[derive(Debug, Clone)]
pub(crate) struct OpPlan {
    pub struct_name: String,
    pub method_name: String,
    pub resource: String,
    pub output: Ty,
    pub(super) params: Vec<ParamPlan>,
    pub(super) body: Option<(Ty, bool, Option<u64>, String)>,
    /// The field of each `{placeholder}` of the path, in order.
    pub(super) path_fields: Vec<String>,
    op_index: usize,
    /// A compatibility date pinned for this operation by a resource version (else `None`:
    /// the client's date).
    pub pinned_date: Option<String>,
}

impl OpPlan {
    /// Index of the operation in [`Api::operations`].
    pub(crate) fn op_index(&self) -> usize {
        self.op_index
    }

    /// Renames the types of its signature that `renames` lists (merged shapes).
    pub(crate) fn rename_types(&mut self, renames: &std::collections::BTreeMap<String, String>) {
        self.output.rename(renames);
        for p in &mut self.params {
            p.ty.rename(renames);
        }
        if let Some((ty, ..)) = &mut self.body {
            ty.rename(renames);
        }
    }

    /// Named types the operation's signature mentions.
    pub(crate) fn roots(&self) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        self.output.named(&mut out);
        for p in &self.params {
            p.ty.named(&mut out);
        }
        if let Some((ty, ..)) = &self.body {
            ty.named(&mut out);
        }
        out
    }
}

/// Struct name of an operation.
fn struct_name(op: &Operation) -> String {
    names::type_name(&op.operation_id)
}

/// A name of the spec that no Rust identifier can be formed from.
fn unnamed(pointer: &str, what: &str, name: &str) -> Error {
    Error::Name {
        pointer: pointer.to_string(),
        message: format!(
            "{what} `{name}` has no name usable in Rust (it needs an ASCII letter or digit)"
        ),
    }
}

/// Plans one operation, naming its inline types in `reg`.
fn plan(reg: &mut Registry<'_>, api: &Api, index: usize) -> Result<OpPlan> {
    let op = &api.operations[index];
    let struct_name = struct_name(op);
    reg.origin = op.pointer.clone();
    let path_fields = placeholders(&op.path)
        .map(|name| names::field(name).ok_or_else(|| unnamed(&op.pointer, "path parameter", name)))
        .collect::<Result<Vec<_>>>()?;
    let output = match op.success_schema() {
        None => Ty::Unit,
        Some(schema) => root_ty(reg, api, schema, &struct_name, "Response"),
    };
    let mut params = Vec::new();
    for p in &op.parameters {
        let ctx = format!("{struct_name}{}", names::type_name(&p.name));
        let ty = reg.ty(&p.schema, &ctx, Some(&p.name));
        let default = p.default().and_then(|d| default_expr(reg, &ty, d));
        let supply = match (p.location, p.required, default) {
            (ParamLocation::Path, ..) => Supply::Positional,
            (_, true, Some(expr)) => Supply::Defaulted(expr),
            (_, true, None) => Supply::Positional,
            (_, false, _) => Supply::Optional,
        };
        let ident = names::field(&p.name)
            .ok_or_else(|| unnamed(&child(&op.pointer, "parameters"), "parameter", &p.name))?;
        let setter = reserved::setter_name(&ident);
        params.push(ParamPlan {
            json: p.name.clone(),
            ident,
            setter,
            ty,
            location: p.location,
            supply,
            doc: p.description.clone().unwrap_or_default(),
        });
    }
    let body = op.request_body.as_ref().map(|b| {
        let ty = root_ty(reg, api, &b.schema, &struct_name, "Body");
        let max_items = match &api.resolve(&b.schema).kind {
            SchemaKind::Array { max_items, .. } => *max_items,
            _ => None,
        };
        (
            ty,
            b.required,
            max_items,
            b.description.clone().unwrap_or_default(),
        )
    });
    Ok(OpPlan {
        struct_name,
        method_name: reserved::method_name(&names::method(&op.operation_id)),
        resource: names::resource(&op.tag),
        output,
        params,
        body,
        path_fields,
        op_index: index,
        pinned_date: None,
    })
}

/// The `{placeholder}` names of a path template, in order.
fn placeholders(path: &str) -> impl Iterator<Item = &str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// A response or body root: inline arrays name their items `{Op}Item`, objects `{Op}{suffix}`.
fn root_ty(
    reg: &mut Registry<'_>,
    _api: &Api,
    schema: &crate::model::Schema,
    op: &str,
    suffix: &str,
) -> Ty {
    match &schema.kind {
        SchemaKind::Array { items, .. } => {
            let item_ctx = if suffix == "Body" {
                format!("{op}BodyItem")
            } else {
                format!("{op}Item")
            };
            Ty::Vec(Box::new(reg.ty(items, &item_ctx, None)))
        }
        _ => reg.ty(schema, &format!("{op}{suffix}"), None),
    }
}

/// A Rust expression for a spec default, when the type can hold it.
fn default_expr(reg: &Registry<'_>, ty: &Ty, value: &Value) -> Option<TokenStream> {
    match (ty, value) {
        (Ty::Named(name), Value::String(s)) => {
            let def = reg.defs.get(name)?;
            match &def.body {
                DefBody::Enum(values) if values.contains(s) => {
                    let ident = format_ident!("{}", name);
                    Some(quote!(#ident::from(#s)))
                }
                _ => None,
            }
        }
        (Ty::I32, Value::Number(n)) => n
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
            .map(|v| quote!(#v)),
        (Ty::I64, Value::Number(n)) => n.as_i64().map(|v| quote!(#v)),
        (Ty::F64, Value::Number(n)) => n.as_f64().map(|v| quote!(#v)),
        (Ty::Bool, Value::Bool(b)) => Some(quote!(#b)),
        (Ty::String, Value::String(s)) => Some(quote!(String::from(#s))),
        _ => None,
    }
}

/// Names every type of the whole API and plans every operation; a name no Rust
/// identifier can be formed from fails with its JSON pointer.
pub(super) fn plan_all<'a>(
    api: &'a Api,
    applied: &resource_versions::Applied,
) -> Result<(Registry<'a>, Vec<OpPlan>)> {
    let struct_names = api.operations.iter().map(struct_name);
    let root_types = reserved::ROOT_TYPES.iter().map(|t| t.to_string());
    let mut reg = Registry::new(api, struct_names.chain(root_types));
    let mut plans: Vec<OpPlan> = (0..api.operations.len())
        .map(|i| plan(&mut reg, api, i))
        .collect::<Result<_>>()?;
    if let Some((pointer, message)) = reg.problems.first() {
        return Err(Error::Name {
            pointer: pointer.clone(),
            message: message.clone(),
        });
    }
    for plan in &mut plans {
        plan.pinned_date = applied
            .pinned
            .get(&api.operations[plan.op_index()].operation_id)
            .cloned();
    }
    Ok((reg, plans))
}
