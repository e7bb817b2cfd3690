//! Stage 7, file: the spec's constants, the operation table, the shared `models` module, the
//! API's `Client` with every accessor, the resource modules; parsed back and formatted with
//! prettyplease.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use std::collections::BTreeMap;

use super::deserialize;
use super::resource::{Context, Rendered, exported};
use super::types::{self, Registry, SHARED_MODULE};
use super::{Generated, TypePath};
use crate::error::{Error, Result};
use crate::model::SpecKind;

/// Renders the whole file from what the resources were rendered from (`cx`), the types
/// (`reg`), the rendered resources and the items of the file's root (`root_items`).
pub(super) fn render(
    cx: &Context<'_>,
    reg: &Registry<'_>,
    rendered: Vec<Rendered>,
    root_items: Vec<TokenStream>,
) -> Result<Generated> {
    let Context {
        api,
        versions,
        chosen,
        place,
        ..
    } = *cx;
    let mut modules = Vec::new();
    let mut accessors = Vec::new();
    let mut op_paths = Vec::new();
    for r in rendered {
        modules.push(r.module);
        accessors.push(r.accessor);
        op_paths.extend(r.op_paths);
    }
    let mut type_paths = BTreeMap::new();
    let mut shared: Vec<TokenStream> = Vec::new();
    for def in chosen.types.iter().filter_map(|t| reg.defs.get(t)) {
        let sent = chosen.sent.contains(&def.name);
        shared.push(types::emit_def(def, place, SHARED_MODULE, sent));
        shared.extend(deserialize::impl_for(def, place, SHARED_MODULE));
        type_paths.insert(format!("{SHARED_MODULE}::{}", def.name), TypePath::Defined);
    }
    for (old, target) in &place.aliases {
        if !chosen.types.contains(target) {
            continue;
        }
        shared.push(types::emit_alias(old, target));
        let target = target.clone();
        type_paths.insert(
            format!("{SHARED_MODULE}::{old}"),
            TypePath::Deprecated { target },
        );
    }
    for (module, _) in &chosen.resources {
        let (current, old) = exported(place, chosen, module);
        for ty in current {
            type_paths.insert(format!("{module}::{ty}"), TypePath::ReExported);
        }
        for ty in old {
            let target = place.aliases[ty].clone();
            type_paths.insert(format!("{module}::{ty}"), TypePath::Deprecated { target });
        }
    }
    let shared_module = (!shared.is_empty()).then(|| {
        let ident = format_ident!("{}", SHARED_MODULE);
        quote! {
            /// Every model of the API, defined once; each resource module re-exports the
            /// models its operations use, so a model keeps its paths when ESI starts using it
            /// in another resource.
            #[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags, rustdoc::bare_urls, clippy::all)]
            pub mod #ident { #(#shared)* }
        }
    });

    let kind = format_ident!(
        "{}",
        match api.kind {
            SpecKind::Swagger2 => "Swagger2",
            SpecKind::OpenApi30 => "OpenApi30",
            SpecKind::OpenApi31 => "OpenApi31",
        }
    );
    let (title, version, base_url) = (&api.title, &api.version, &api.base_url);
    let date = match &api.compatibility_date {
        Some(d) => quote!(Some(#d)),
        None => quote!(None),
    };
    let resource_names = chosen.resources.iter().map(|(m, _)| m);
    let version_pairs = versions.iter().map(|(m, v)| quote!((#m, #v)));
    let file = quote! {
        /// The spec this client was generated from.
        pub const SPEC: crate::SpecInfo = crate::SpecInfo {
            kind: crate::SpecKind::#kind,
            title: #title,
            version: #version,
            compatibility_date: #date,
            base_url: #base_url,
            resources: &[#(#resource_names),*],
        };

        /// Resources generated at another version than the rest of the spec, as
        /// `(module, version)`: a compatibility date (OpenAPI) or a route version (Swagger),
        /// from `ESI_RESOURCE_VERSIONS` or the generator's `resource_version`.
        pub const RESOURCE_VERSIONS: &[(&str, &str)] = &[#(#version_pairs),*];

        /// Every operation this build of the client offers, in spec order.
        pub const OPERATIONS: &[&crate::OperationInfo] = &[#(<#op_paths as crate::Operation>::INFO),*];

        /// Decodes `body` as the success type of `operation_id` (for tests of fake servers and
        /// tools that must agree with the generated models). `None` for an unknown id.
        #[doc(hidden)]
        #[allow(clippy::all)]
        #[cfg(feature = "decode-check")]
        pub fn __decode_check(operation_id: &str, body: &[u8]) -> Option<serde_json::Result<()>> {
            type Decoder = fn(&str, &[u8]) -> Option<serde_json::Result<()>>;
            fn decode<O: crate::Operation>(id: &str, body: &[u8]) -> Option<serde_json::Result<()>> {
                (O::INFO.id == id).then(|| serde_json::from_slice::<O::Output>(body).map(drop))
            }
            const DECODERS: &[Decoder] = &[#(decode::<#op_paths>),*];
            DECODERS.iter().find_map(|check| check(operation_id, body))
        }

        /// The ESI client of this API: build it once and clone it anywhere (clones share
        /// the connection pool, the cache and the limits). Each resource of ESI is an
        /// accessor (`client.market()`, `client.universe()`...), each operation a method
        /// returning a request to configure and `.await`.
        ///
        /// It is a thin handle on the runtime's client ([`crate::runtime::Client`], reached
        /// through `Deref` and [`Client::runtime`]): the clients of APIs of several dates
        /// can share one runtime client, and each operation sends the compatibility date of
        /// the spec it came from.
        #[derive(Clone)]
        pub struct Client {
            inner: crate::runtime::Client,
        }

        impl Client {
            /// Starts configuring a client.
            pub fn builder() -> crate::runtime::ClientBuilder<Client> {
                crate::runtime::ClientBuilder::new()
            }

            /// The runtime's client underneath: share it with the client of another API
            /// (`other::Client::from(client.runtime().clone())`) or with crates that take
            /// a runtime client.
            pub fn runtime(&self) -> &crate::runtime::Client {
                &self.inner
            }

            #(#accessors)*
        }

        impl ::core::convert::From<crate::runtime::Client> for Client {
            fn from(inner: crate::runtime::Client) -> Self {
                Client { inner }
            }
        }

        impl ::core::ops::Deref for Client {
            type Target = crate::runtime::Client;
            fn deref(&self) -> &crate::runtime::Client {
                &self.inner
            }
        }

        impl ::core::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.inner, f)
            }
        }

        #(#root_items)*
        #shared_module
        #(#modules)*
    };
    let syntax: syn::File = syn::parse2(file).map_err(|e| Error::Emit {
        what: "the generated API".into(),
        message: e.to_string(),
    })?;
    let source = format!(
        "// @generated by esi-codegen from {} {} ({} operations). Do not edit.\n\n{}",
        match api.kind {
            SpecKind::Swagger2 => "Swagger 2.0",
            SpecKind::OpenApi30 => "OpenAPI 3.0",
            SpecKind::OpenApi31 => "OpenAPI 3.1",
        },
        api.version,
        chosen.kept.len(),
        prettyplease::unparse(&syntax)
    );
    Ok(Generated {
        source,
        resources: chosen.resources.iter().map(|(m, _)| m.clone()).collect(),
        operations: chosen.kept.len(),
        types: chosen.types.len(),
        type_paths,
    })
}
