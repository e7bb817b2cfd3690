//! Operations → a request struct, its `Operation` impl, builder setters and an accessor method.
//!
//! What is emitted per operation is only a description of the request (path, parameters, body,
//! metadata); sending, auth, caching, pagination and limits are the runtime's job.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::docs;
use super::types::{DefBody, Placement, Registry, Ty};
use crate::error::{Error, Result, child};
use crate::model::{Api, Operation, Pagination, ParamLocation, SchemaKind};
use crate::names::{self, ident};
use crate::reserved;

/// How a caller supplies a parameter.
#[derive(Debug, Clone)]
enum Supply {
    /// A positional argument of the accessor method.
    Positional,
    /// A builder setter over a spec default.
    Defaulted(TokenStream),
    /// A builder setter over `None`.
    Optional,
}

#[derive(Debug, Clone)]
struct ParamPlan {
    json: String,
    ident: String,
    setter: String,
    ty: Ty,
    location: ParamLocation,
    supply: Supply,
    doc: String,
}

/// An operation ready to emit.
#[derive(Debug, Clone)]
pub(crate) struct OpPlan {
    pub struct_name: String,
    pub method_name: String,
    pub resource: String,
    pub output: Ty,
    params: Vec<ParamPlan>,
    pub(super) body: Option<(Ty, bool, Option<u64>, String)>,
    /// The field of each `{placeholder}` of the path, in order.
    path_fields: Vec<String>,
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
pub(crate) fn struct_name(op: &Operation) -> String {
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
pub(crate) fn plan(reg: &mut Registry<'_>, api: &Api, index: usize) -> Result<OpPlan> {
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

/// Emits the struct, `Operation` impl and setters of one operation (inside its resource module).
pub(crate) fn emit_op(
    api: &Api,
    plan: &OpPlan,
    place: &Placement,
    scopes: &std::collections::BTreeMap<String, String>,
    defaults: &super::info::Defaults,
) -> TokenStream {
    let op = &api.operations[plan.op_index];
    let module = plan.resource.as_str();
    let name = format_ident!("{}", plan.struct_name);

    let fields = plan.params.iter().map(|p| {
        let ident = ident(&p.ident);
        let ty = place.tokens(&p.ty, module);
        match p.supply {
            Supply::Optional => quote!(#ident: Option<#ty>,),
            _ => quote!(#ident: #ty,),
        }
    });
    let body_field = plan.body.as_ref().map(|(ty, ..)| {
        let ty = place.tokens(ty, module);
        quote!(body: Option<#ty>,)
    });

    let path_expr = path_expr(api, op, &plan.path_fields);
    let param_calls = plan
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .map(|p| {
            let ident = ident(&p.ident);
            let json = &p.json;
            let method = match (p.location, &p.supply) {
                (ParamLocation::Header, Supply::Optional) => quote!(header_opt),
                (ParamLocation::Header, _) => quote!(header),
                (_, Supply::Optional) => quote!(query_opt),
                _ => quote!(query),
            };
            quote!(p.#method(#json, &self.#ident);)
        })
        .collect::<Vec<_>>();
    let params_fn = (!param_calls.is_empty()).then(|| {
        quote! {
            fn params(&self, p: &mut crate::Params) { #(#param_calls)* }
        }
    });
    let body_fn = plan.body.as_ref().map(|_| {
        quote! {
            fn body(&self) -> Option<serde_json::Result<Vec<u8>>> {
                self.body.as_ref().map(serde_json::to_vec)
            }
        }
    });
    // The character a call acts as, for token sources: its `character_id` path parameter.
    let character_fn = plan
        .params
        .iter()
        .find(|p| p.location == ParamLocation::Path && p.json == "character_id")
        .filter(|p| matches!(p.ty, Ty::I32 | Ty::I64) || place.is_integer_alias(&p.ty))
        .map(|p| {
            let field = ident(&p.ident);
            quote! {
                fn character_id(&self) -> Option<i64> { Some(i64::from(self.#field)) }
            }
        });
    let output = place.tokens(&plan.output, module);
    let info = defaults.expr(defaults.fields(api, op, plan));
    let scopes_const = super::scopes::operation_const(&op.scopes, scopes);
    let paged_impl = pagination_marker(op).map(|marker| {
        let marker = format_ident!("{}", marker);
        quote!(impl crate::#marker for #name {})
    });

    let setters = plan
        .params
        .iter()
        .filter(|p| !matches!(p.supply, Supply::Positional))
        .map(|p| {
            let setter = ident(&p.setter);
            let field = ident(&p.ident);
            let ty = place.tokens(&p.ty, module);
            let value = match p.supply {
                Supply::Optional => quote!(Some(value)),
                _ => quote!(value),
            };
            let doc = docs::attrs(&docs::join([
                Some(p.doc.as_str()),
                Some(&format!("Sets the `{}` parameter.", p.json)),
            ]));
            quote! {
                #doc
                pub fn #setter(mut self, value: #ty) -> Self {
                    self.op_mut().#field = #value;
                    self
                }
            }
        });
    let body_setter = plan.body.as_ref().map(|(ty, required, max_items, desc)| {
        let ty = place.tokens(ty, module);
        let note = match (required, max_items) {
            (true, Some(n)) => format!(
                "Sets the request body (required). ESI takes at most {n} items per request."
            ),
            (true, None) => "Sets the request body (required).".to_string(),
            (false, _) => "Sets the request body.".to_string(),
        };
        let doc = docs::attrs(&docs::join([Some(desc.as_str()), Some(&note)]));
        quote! {
            #doc
            pub fn body(mut self, value: #ty) -> Self {
                self.op_mut().body = Some(value);
                self
            }
        }
    });
    let setters: Vec<TokenStream> = setters.chain(body_setter).collect();
    let setters_impl = (!setters.is_empty()).then(|| {
        quote! {
            impl crate::Request<#name> {
                #(#setters)*
            }
        }
    });
    let struct_doc = format!(
        " Request of `{}` (`{} {}`); built by [`{}Api::{}`].",
        op.operation_id,
        op.method.as_str(),
        op.path,
        names::type_name(module),
        plan.method_name
    );

    quote! {
        #[doc = #struct_doc]
        #[derive(Debug, Clone)]
        pub struct #name { #(#fields)* #body_field }

        impl crate::Operation for #name {
            type Output = #output;
            const INFO: &'static crate::OperationInfo = &#info;
            #scopes_const
            fn path(&self) -> String { #path_expr }
            #params_fn
            #body_fn
            #character_fn
        }

        #paged_impl
        #setters_impl
    }
}

/// The runtime's marker trait for the operation's pagination, if it has one: the page walkers
/// (`all_pages`, `pages`, `walk_cursor`, `walk_from_id`) compile only where it is implemented.
/// A `from_id` route whose record field is unknown (no entry in `fixes::FROM_ID_FIELDS`)
/// cannot be walked and gets none.
fn pagination_marker(op: &Operation) -> Option<&'static str> {
    match op.pagination {
        Pagination::None => None,
        Pagination::XPages => Some("PagedByXPages"),
        Pagination::Cursor => Some("PagedByCursor"),
        Pagination::FromId => op.from_id_field.is_some().then_some("PagedByFromId"),
    }
}

/// The accessor method on the resource struct, and a `#[deprecated]` alias under each of
/// `old_names` (names the operation had in an older pinned spec, see `renames`).
pub(crate) fn emit_method(
    api: &Api,
    plan: &OpPlan,
    place: &Placement,
    old_names: &[&str],
) -> TokenStream {
    let op = &api.operations[plan.op_index];
    let module = plan.resource.as_str();
    let name = format_ident!("{}", plan.struct_name);
    let method = ident(&plan.method_name);
    let mut args = Vec::new();
    let mut forwarded = Vec::new();
    let mut inits = Vec::new();
    for p in &plan.params {
        let field = ident(&p.ident);
        let ty = place.tokens(&p.ty, module);
        match &p.supply {
            Supply::Positional if p.ty == Ty::String => {
                args.push(quote!(#field: impl Into<String>));
                forwarded.push(quote!(#field));
                inits.push(quote!(#field: #field.into(),));
            }
            Supply::Positional => {
                args.push(quote!(#field: #ty));
                forwarded.push(quote!(#field));
                inits.push(quote!(#field,));
            }
            Supply::Defaulted(expr) => inits.push(quote!(#field: #expr,)),
            Supply::Optional => inits.push(quote!(#field: None,)),
        }
    }
    if plan.body.is_some() {
        inits.push(quote!(body: None,));
    }
    let doc = docs::attrs(&method_doc(op));
    let aliases = old_names.iter().map(|old| {
        let old = ident(old);
        let note = format!("renamed to `{}` by ESI", plan.method_name);
        let doc = format!(
            " The name of [`{new}`](Self::{new}) before ESI renamed the operation (its id is \
             now `{id}`); kept for one release.",
            new = plan.method_name,
            id = op.operation_id,
        );
        quote! {
            #[doc = #doc]
            #[deprecated(note = #note)]
            pub fn #old(&self, #(#args),*) -> crate::Request<#name> {
                self.#method(#(#forwarded),*)
            }
        }
    });
    quote! {
        #doc
        pub fn #method(&self, #(#args),*) -> crate::Request<#name> {
            self.request(#name { #(#inits)* })
        }
        #(#aliases)*
    }
}

fn method_doc(op: &Operation) -> String {
    let mut meta = vec![format!("`{} {}`", op.method.as_str(), op.path)];
    meta.push(String::new());
    meta.push(if op.scopes.is_empty() {
        "- SSO scopes: none (public route)".to_string()
    } else {
        format!(
            "- SSO scopes: {}",
            op.scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    if !op.required_roles.is_empty() {
        meta.push(format!(
            "- Corporation roles: any of {}",
            op.required_roles
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(secs) = op.cache_seconds {
        meta.push(format!("- Cached by ESI for {secs} s"));
    }
    if let Some(rl) = &op.rate_limit {
        meta.push(format!(
            "- Rate-limit group `{}`: {} tokens per {} s",
            rl.group, rl.max_tokens, rl.window_seconds
        ));
    }
    meta.push(match op.pagination {
        Pagination::None => "- Pagination: none".to_string(),
        Pagination::XPages => "- Pagination: `X-Pages` (pages of `page`)".to_string(),
        Pagination::Cursor => "- Pagination: cursor (`before`/`after`)".to_string(),
        Pagination::FromId => "- Pagination: `from_id`".to_string(),
    });
    if let Some(date) = &op.compatibility_date {
        meta.push(format!("- Last changed at compatibility date {date}"));
    }
    if op.deprecated {
        meta.push("- Deprecated by ESI".to_string());
    }
    docs::join([
        op.summary.as_deref(),
        op.description.as_deref(),
        Some(&meta.join("\n")),
    ])
}

/// The path with its placeholders filled from the fields `path_fields` (one per placeholder
/// of the operation's path, in order).
fn path_expr(api: &Api, op: &Operation, path_fields: &[String]) -> TokenStream {
    let full = format!("{}{}", api.base_path, op.path);
    let mut template = String::new();
    let mut args = Vec::new();
    let mut rest = full.as_str();
    let mut fields = path_fields.iter();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let Some(field_name) = fields.next() else {
            break;
        };
        template.push_str(&rest[..open]);
        let field = ident(field_name);
        let bare = field_name.trim_start_matches("r#");
        let local = if bare == field_name {
            format_ident!("{}", bare)
        } else {
            format_ident!("{}_", bare)
        };
        template.push_str(&format!("{{{local}}}"));
        args.push(quote!(let #local = crate::path_segment(&self.#field);));
        rest = &rest[open + close + 1..];
    }
    template.push_str(rest);
    if args.is_empty() {
        quote!(String::from(#template))
    } else {
        quote!(#(#args)* format!(#template))
    }
}
