//! Operations → a request struct, its `Operation` impl, builder setters and an accessor method.
//!
//! What is emitted per operation is only a description of the request (path, parameters, body,
//! metadata); sending, auth, caching, pagination and limits are the runtime's job.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs;
use super::info::Defaults;
use super::plan::{OpPlan, Supply};
use super::types::{Placement, Ty};
use crate::model::{Api, Operation, Pagination, ParamLocation};
use crate::names::{self, ident};

/// Emits the struct, `Operation` impl and setters of one operation (inside its resource module).
pub(crate) fn emit_op(
    api: &Api,
    plan: &OpPlan,
    place: &Placement,
    scopes: &std::collections::BTreeMap<String, String>,
    defaults: &Defaults,
) -> TokenStream {
    let op = &api.operations[plan.op_index()];
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
    let op = &api.operations[plan.op_index()];
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
