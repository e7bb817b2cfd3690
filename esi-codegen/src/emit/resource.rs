//! Stage 6, modules: one resource: its module (the resource struct with a method per operation,
//! the operations' request types, the types only it uses) and its accessor on `Client`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs;
use super::ops;
use super::plan::OpPlan;
use super::selection::Selection;
use super::types::{Placement, SHARED_MODULE};
use crate::model::Api;
use crate::names;
use crate::renames;
use crate::reserved;

/// What every resource, and then the file holding them (`file::render`), is rendered from.
pub(super) struct Context<'a> {
    /// The API (after resource versions).
    pub api: &'a Api,
    /// The base path of the API as loaded (Swagger's `/latest`), for version notes.
    pub base_path: &'a str,
    /// Resources generated at another version, as (module, version).
    pub versions: &'a [(String, String)],
    /// Where each type lives.
    pub place: &'a Placement,
    /// What is emitted.
    pub chosen: &'a Selection<'a>,
    /// Scope name → its constant in `scopes`.
    pub scopes: &'a std::collections::BTreeMap<String, String>,
    /// The file's `OPERATION_DEFAULTS`.
    pub defaults: &'a super::info::Defaults,
}

/// One rendered resource.
pub(super) struct Rendered {
    /// The module.
    pub module: TokenStream,
    /// Its accessor method on `Client`.
    pub accessor: TokenStream,
    /// Its operations' request types, as paths from the file's root (`market::GetX`).
    pub op_paths: Vec<TokenStream>,
}

/// Renders resource `module` (spec tag `tag`).
pub(super) fn render(cx: &Context<'_>, module: &str, tag: &str) -> Rendered {
    let api = cx.api;
    let plans: Vec<&OpPlan> = cx
        .chosen
        .kept
        .iter()
        .copied()
        .filter(|p| p.resource == module)
        .collect();
    let api_struct = format_ident!("{}Api", names::type_name(module));
    let module_ident = format_ident!("{}", module);
    let accessor = reserved::accessor_name(module);
    let accessor_ident = format_ident!("{}", accessor);
    // Old names of renamed operations, unless an operation of the resource has the name now
    // or the resource struct has a method of that name.
    let current: Vec<&str> = plans.iter().map(|p| p.method_name.as_str()).collect();
    let methods = plans.iter().map(|p| {
        let op = &api.operations[p.op_index()];
        let old: Vec<&str> = renames::old_names(op.method.as_str(), &op.path, &p.method_name)
            .into_iter()
            .filter(|old| !current.contains(old) && !reserved::RESOURCE_METHODS.contains(old))
            .collect();
        ops::emit_method(api, p, cx.place, &old)
    });
    let op_items = plans
        .iter()
        .map(|p| ops::emit_op(api, p, cx.place, cx.scopes, cx.defaults));
    let (current, old) = exported(cx.place, cx.chosen, module);
    let current: Vec<_> = current.iter().map(|t| format_ident!("{}", t)).collect();
    let old: Vec<_> = old.iter().map(|t| format_ident!("{}", t)).collect();
    let models = format_ident!("{}", SHARED_MODULE);
    let reexports = (!current.is_empty()).then(|| {
        quote! {
            pub use super::#models::{#(#current),*};
        }
    });
    let old_reexports = (!old.is_empty()).then(|| {
        quote! {
            #[allow(deprecated)]
            pub use super::#models::{#(#old),*};
        }
    });
    let tag_desc = api
        .tags
        .iter()
        .find(|t| t.name == tag)
        .and_then(|t| t.description.clone());
    let version_note = cx.versions.iter().find(|(m, _)| m == module).map(|(_, v)| {
        let rest = match &api.compatibility_date {
            Some(date) => format!("compatibility date `{date}`"),
            None => format!("routes under `{}/`", cx.base_path),
        };
        format!(
            "Generated at version `{v}` (a resource version, see `RESOURCE_VERSIONS`); \
                 the rest of the client follows {rest}."
        )
    });
    let module_doc = docs::attrs(&docs::join([
        Some(
            format!(
                "The `{tag}` resource of ESI: [`Client::{accessor}`](super::Client::{accessor})."
            )
            .as_str(),
        ),
        tag_desc.as_deref(),
        version_note.as_deref(),
    ]));
    let struct_doc =
        format!(" Operations of the `{tag}` resource; get it with `client.{accessor}()`.");
    let accessor_doc = format!(" Operations of the `{tag}` resource.");
    let op_paths: Vec<TokenStream> = plans
        .iter()
        .map(|p| {
            let s = format_ident!("{}", p.struct_name);
            quote!(#module_ident::#s)
        })
        .collect();
    let module = quote! {
        #module_doc
        #[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags, rustdoc::bare_urls, clippy::all)]
        pub mod #module_ident {
            #[doc = #struct_doc]
            #[derive(Debug, Clone, Copy)]
            pub struct #api_struct<'a> {
                pub(crate) client: &'a super::Client,
            }

            impl<'a> #api_struct<'a> {
                /// A request of `op` on this client.
                fn request<O: crate::Operation>(&self, op: O) -> crate::Request<O> {
                    crate::Request::new(&self.client.inner, op)
                }
                #(#methods)*
            }

            #reexports
            #old_reexports
            #(#op_items)*
        }
    };
    let accessor = quote! {
        #[doc = #accessor_doc]
        pub fn #accessor_ident(&self) -> #module_ident::#api_struct<'_> {
            #module_ident::#api_struct { client: self }
        }
    };
    Rendered {
        module,
        accessor,
        op_paths,
    }
}

/// The models resource `module` re-exports, and the deprecated names of merged shapes it
/// re-exports, among those emitted.
pub(super) fn exported<'p>(
    place: &'p Placement,
    chosen: &Selection<'_>,
    module: &str,
) -> (Vec<&'p String>, Vec<&'p String>) {
    let current = place
        .exports
        .get(module)
        .into_iter()
        .flatten()
        .filter(|t| chosen.types.contains(*t))
        .collect();
    let old = place
        .alias_exports
        .get(module)
        .into_iter()
        .flatten()
        .filter(|t| {
            place
                .aliases
                .get(*t)
                .is_some_and(|n| chosen.types.contains(n))
        })
        .collect();
    (current, old)
}
