//! The `scopes` module: a [`Scope`](https://docs.rs/esi-runtime) constant for every SSO scope
//! the spec declares or an operation requires, which operations list as their `SCOPES`.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::model::{Api, SpecKind};
use crate::names;

/// Scope name → its constant's name; fails with the pointer of the scopes' declaration when
/// a scope has no usable name or two share one.
pub(super) fn constants(api: &Api) -> Result<BTreeMap<String, String>> {
    let pointer = match api.kind {
        SpecKind::Swagger2 => "/securityDefinitions",
        _ => "/components/securitySchemes",
    };
    let used = api.operations.iter().flat_map(|op| op.scopes.iter());
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for scope in api.scopes.keys().chain(used) {
        if out.contains_key(scope) {
            continue;
        }
        let Some(name) = names::scope_const(scope) else {
            return Err(problem(
                pointer,
                format!("scope `{scope}` has no name usable in Rust"),
            ));
        };
        if let Some((other, _)) = out.iter().find(|(_, n)| **n == name) {
            return Err(problem(
                pointer,
                format!("scopes `{other}` and `{scope}` would both be the constant `{name}`"),
            ));
        }
        out.insert(scope.clone(), name);
    }
    Ok(out)
}

fn problem(pointer: &str, message: String) -> Error {
    Error::Name {
        pointer: pointer.to_string(),
        message,
    }
}

/// The module of constants.
pub(super) fn module(api: &Api, constants: &BTreeMap<String, String>) -> TokenStream {
    let items = constants.iter().map(|(scope, name)| {
        let ident = format_ident!("{}", name);
        let doc = match api.scopes.get(scope).filter(|d| !d.is_empty()) {
            Some(description) => format!(" `{scope}`: {description}"),
            None => format!(" `{scope}`"),
        };
        quote! {
            #[doc = #doc]
            pub const #ident: crate::Scope = crate::Scope::new(#scope);
        }
    });
    quote! {
        /// The SSO scopes of this API, as constants the compiler checks: ask for them at
        /// login (`esi_sso`'s `Scopes` takes them) and find each operation's in its
        /// `Operation::SCOPES`.
        pub mod scopes {
            #(#items)*
        }
    }
}

/// `const SCOPES` of an operation requiring `scopes` (nothing for a public route).
pub(super) fn operation_const(
    scopes: &[String],
    constants: &BTreeMap<String, String>,
) -> Option<TokenStream> {
    if scopes.is_empty() {
        return None;
    }
    let items = scopes
        .iter()
        .filter_map(|s| constants.get(s))
        .map(|name| format_ident!("{}", name));
    Some(quote! {
        const SCOPES: &'static [crate::Scope] = &[#(super::scopes::#items),*];
    })
}
