//! Model → Rust source for `esi-client`.
//!
//! Names and type placement are decided over the whole API (`types`), operations are planned
//! (`ops`), then only the selected resources and the types they reach are emitted, as one file
//! of inline modules formatted with prettyplease. The output is meant to be `include!`d into a
//! module of `esi-client` (one per spec): its own items refer to each other by relative paths,
//! and it reaches the runtime through `crate::` paths that `esi-client` re-exports at its root
//! (`crate::Request`, `crate::Operation`, `crate::runtime::Client`...). It defines the API's own
//! `Client`, a thin handle on the runtime's client that carries the resource accessors.

mod docs;
mod ops;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::model::{Api, SpecKind};
use crate::names;
use crate::overrides::{self, ResourceVersion, SpecSources};
use crate::reserved;
use types::{Placement, Registry, SHARED_MODULE};

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
/// One resource can be generated at another version than the rest (see [`overrides`] for the
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
    /// Model types emitted.
    pub types: usize,
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
    /// [`overrides::parse_resource_versions`].
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

    /// Emits the code.
    pub fn generate(&self) -> Result<Generated> {
        let mut checked = Vec::new();
        for rv in &self.versions {
            overrides::push_unique(&mut checked, rv.clone())?;
        }
        let applied = overrides::apply(&self.api, &checked, &self.sources)?;
        let api = &applied.api;
        let struct_names = api.operations.iter().map(ops::struct_name);
        let root_types = reserved::ROOT_TYPES.iter().map(|t| t.to_string());
        let mut reg = Registry::new(api, struct_names.chain(root_types));
        let mut plans: Vec<ops::OpPlan> = (0..api.operations.len())
            .map(|i| ops::plan(&mut reg, api, i))
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

        // Which resources reach each type, over the whole API, so names and homes are stable.
        let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for plan in &plans {
            for ty in reg.closure(&plan.roots()) {
                users.entry(ty).or_default().insert(plan.resource.clone());
            }
        }
        let home: BTreeMap<String, String> = users
            .iter()
            .map(|(ty, rs)| {
                let home = match rs.len() {
                    1 => rs.iter().next().cloned().unwrap_or_default(),
                    _ => SHARED_MODULE.to_string(),
                };
                (ty.clone(), home)
            })
            .collect();
        let integer_aliases = reg
            .defs
            .values()
            .filter(|d| {
                matches!(
                    d.body,
                    types::DefBody::Alias(types::Ty::I32 | types::Ty::I64)
                )
            })
            .map(|d| d.name.clone())
            .collect();
        let place = Placement {
            home,
            integer_aliases,
        };

        let selected = |resource: &str| {
            self.resources
                .as_ref()
                .is_none_or(|keep| keep.iter().any(|k| k == resource))
        };
        let kept: Vec<&ops::OpPlan> = plans.iter().filter(|p| selected(&p.resource)).collect();
        let mut emitted_types: BTreeSet<String> = BTreeSet::new();
        for plan in &kept {
            emitted_types.extend(reg.closure(&plan.roots()));
        }

        // Resources in spec tag order.
        let mut resources: Vec<(String, String)> = Vec::new();
        for tag in api.used_tags() {
            let module = names::resource(tag);
            if selected(&module) && !resources.iter().any(|(m, _)| *m == module) {
                resources.push((module, tag.to_string()));
            }
        }

        let mut modules = Vec::new();
        let mut accessors = Vec::new();
        let mut op_infos = Vec::new();
        let mut decode_arms = Vec::new();
        for (module, tag) in &resources {
            let module_plans: Vec<&&ops::OpPlan> =
                kept.iter().filter(|p| &p.resource == module).collect();
            let api_struct = format_ident!("{}Api", names::type_name(module));
            let module_ident = format_ident!("{}", module);
            let accessor = reserved::accessor_name(module);
            let accessor_ident = format_ident!("{}", accessor);
            let methods = module_plans
                .iter()
                .map(|p| ops::emit_method(api, p, &place));
            let op_items = module_plans.iter().map(|p| ops::emit_op(api, p, &place));
            let type_items = emitted_types
                .iter()
                .filter(|t| place.home.get(*t) == Some(module))
                .filter_map(|t| reg.defs.get(t))
                .map(|def| types::emit_def(def, &place, module));
            let tag_desc = api
                .tags
                .iter()
                .find(|t| t.name == *tag)
                .and_then(|t| t.description.clone());
            let version_note = applied
                .versions
                .iter()
                .find(|(m, _)| m == module)
                .map(|(_, v)| {
                    let rest = match &api.compatibility_date {
                        Some(date) => format!("compatibility date `{date}`"),
                        None => format!("routes under `{}/`", self.api.base_path),
                    };
                    format!(
                        "Generated at version `{v}` (a resource version, see `RESOURCE_VERSIONS`); \
                         the rest of the client follows {rest}."
                    )
                });
            let module_doc = docs::attrs(&docs::join([
                Some(format!("The `{tag}` resource of ESI: [`Client::{accessor}`](super::Client::{accessor}).").as_str()),
                tag_desc.as_deref(),
                version_note.as_deref(),
            ]));
            let struct_doc =
                format!(" Operations of the `{tag}` resource; get it with `client.{accessor}()`.");
            let accessor_doc = format!(" Operations of the `{tag}` resource.");
            for p in &module_plans {
                let s = format_ident!("{}", p.struct_name);
                op_infos.push(quote!(<#module_ident::#s as crate::Operation>::INFO));
                let id = &api.operations[p.op_index()].operation_id;
                decode_arms.push(quote! {
                    #id => Some(serde_json::from_slice::<<#module_ident::#s as crate::Operation>::Output>(body).map(drop)),
                });
            }
            modules.push(quote! {
                #module_doc
                #[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags, rustdoc::bare_urls, clippy::all)]
                pub mod #module_ident {
                    #[doc = #struct_doc]
                    #[derive(Debug, Clone, Copy)]
                    pub struct #api_struct<'a> {
                        pub(crate) client: &'a super::Client,
                    }

                    impl<'a> #api_struct<'a> {
                        #(#methods)*
                    }

                    #(#op_items)*
                    #(#type_items)*
                }
            });
            accessors.push(quote! {
                #[doc = #accessor_doc]
                pub fn #accessor_ident(&self) -> #module_ident::#api_struct<'_> {
                    #module_ident::#api_struct { client: self }
                }
            });
        }

        let shared: Vec<TokenStream> = emitted_types
            .iter()
            .filter(|t| place.home.get(*t).map(String::as_str) == Some(SHARED_MODULE))
            .filter_map(|t| reg.defs.get(t))
            .map(|def| types::emit_def(def, &place, SHARED_MODULE))
            .collect();
        let shared_module = (!shared.is_empty()).then(|| {
            let ident = format_ident!("{}", SHARED_MODULE);
            quote! {
                /// Models shared by several resources.
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
        let resource_names = resources.iter().map(|(m, _)| m);
        let version_pairs = applied.versions.iter().map(|(m, v)| quote!((#m, #v)));
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
            pub const OPERATIONS: &[&crate::OperationInfo] = &[#(#op_infos),*];

            /// Decodes `body` as the success type of `operation_id` (for tests of fake servers and
            /// tools that must agree with the generated models). `None` for an unknown id.
            #[doc(hidden)]
            #[allow(clippy::all)]
            #[cfg(feature = "decode-check")]
            pub fn __decode_check(operation_id: &str, body: &[u8]) -> Option<serde_json::Result<()>> {
                let _ = body;
                match operation_id {
                    #(#decode_arms)*
                    _ => None,
                }
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
            kept.len(),
            prettyplease::unparse(&syntax)
        );
        Ok(Generated {
            source,
            resources: resources.into_iter().map(|(m, _)| m).collect(),
            operations: kept.len(),
            types: emitted_types.len(),
        })
    }
}
