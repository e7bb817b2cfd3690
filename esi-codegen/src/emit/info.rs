//! The operation table's entries: each operation's `OperationInfo`, written as the fields
//! that differ from one `OPERATION_DEFAULTS` of the file (the values most operations share:
//! the spec's date, the client-managed parameters, the pagination...), so the table holds what
//! is particular to each operation rather than the same twenty lines for each.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::docs;
use super::ops::OpPlan;
use super::types::Ty;
use crate::model::{Api, ClientParameter, Operation, Pagination, ParamLocation};

/// Fields every operation writes out (its own by nature), blank in the defaults. `params`
/// among them: its entries complete themselves from `super::PARAM_DEFAULTS`, a path that
/// holds in the resource modules only.
const OWN: &[&str] = &["id", "name", "path", "summary", "params"];

/// The file's `OPERATION_DEFAULTS`: for each field, the value most operations have.
pub(super) struct Defaults {
    values: BTreeMap<&'static str, (String, TokenStream)>,
}

impl Defaults {
    /// The defaults of the operations `plans`.
    pub(super) fn of(api: &Api, plans: &[&OpPlan]) -> Self {
        let mut counts: BTreeMap<&'static str, BTreeMap<String, (usize, TokenStream)>> =
            BTreeMap::new();
        for plan in plans {
            let op = &api.operations[plan.op_index()];
            for (field, value) in fields(api, op, plan) {
                let entry = counts
                    .entry(field)
                    .or_default()
                    .entry(value.to_string())
                    .or_insert((0, value));
                entry.0 += 1;
            }
        }
        let values = counts
            .into_iter()
            .map(|(field, by_value)| {
                let (text, (_, tokens)) = if field == "params" {
                    (String::new(), (0, quote!(&[])))
                } else if OWN.contains(&field) {
                    (String::new(), (0, quote!("")))
                } else {
                    by_value
                        .into_iter()
                        .max_by(|(a, (na, _)), (b, (nb, _))| na.cmp(nb).then(b.cmp(a)))
                        .unwrap_or_default()
                };
                (field, (text, tokens))
            })
            .collect();
        Defaults { values }
    }

    /// The `OPERATION_DEFAULTS` item (`None` without operations).
    pub(super) fn item(&self) -> Option<TokenStream> {
        if self.values.is_empty() {
            return None;
        }
        let fields = self.values.iter().map(|(field, (_, value))| {
            let field = format_ident!("{}", field);
            quote!(#field: #value,)
        });
        let params = param_defaults_item();
        Some(quote! {
            /// What most operations of this API share; each operation's `INFO` gives the rest.
            const OPERATION_DEFAULTS: crate::OperationInfo = crate::OperationInfo { #(#fields)* };
            #params
        })
    }

    /// An operation's `OperationInfo` from all its `fields`: those that differ from the
    /// defaults, then the defaults.
    pub(super) fn expr(&self, fields: Vec<(&'static str, TokenStream)>) -> TokenStream {
        let own = fields.into_iter().filter_map(|(field, value)| {
            let text = value.to_string();
            let same = match self.values.get(field) {
                Some(_) if field == "params" => text == quote!(&[]).to_string(),
                Some((default, _)) => !OWN.contains(&field) && *default == text,
                None => false,
            };
            let field = format_ident!("{}", field);
            (!same).then(|| quote!(#field: #value,))
        });
        quote!(crate::OperationInfo { #(#own)* ..super::OPERATION_DEFAULTS })
    }
}

/// Every field of the operation's `OperationInfo`, as (field, value).
pub(super) fn fields(api: &Api, op: &Operation, plan: &OpPlan) -> Vec<(&'static str, TokenStream)> {
    let id = &op.operation_id;
    let name = &plan.method_name;
    let resource = &plan.resource;
    let tag = &op.tag;
    let method = format_ident!("{}", op.method.as_str());
    let path = format!("{}{}", api.base_path, op.path);
    let summary = op.summary.clone().unwrap_or_default();
    let scopes = &op.scopes;
    let roles = &op.required_roles;
    let cache = match op.cache_seconds {
        Some(s) => {
            let s = u32::try_from(s).unwrap_or(u32::MAX);
            quote!(Some(#s))
        }
        None => quote!(None),
    };
    let rate_limit = match &op.rate_limit {
        Some(rl) => {
            let (group, max, window) = (&rl.group, rl.max_tokens, rl.window_seconds);
            quote!(Some(crate::RateLimitInfo { group: #group, max_tokens: #max, window_seconds: #window }))
        }
        None => quote!(None),
    };
    let pagination = format_ident!(
        "{}",
        match op.pagination {
            Pagination::None => "None",
            Pagination::XPages => "XPages",
            Pagination::Cursor => "Cursor",
            Pagination::FromId => "FromId",
        }
    );
    let client_params = op.client_parameters.iter().map(|cp| {
        let v = format_ident!(
            "{}",
            match cp {
                ClientParameter::CompatibilityDate => "CompatibilityDate",
                ClientParameter::Tenant => "Tenant",
                ClientParameter::Datasource => "Datasource",
                ClientParameter::AcceptLanguage => "AcceptLanguage",
                ClientParameter::Language => "Language",
                ClientParameter::IfNoneMatch => "IfNoneMatch",
                ClientParameter::IfModifiedSince => "IfModifiedSince",
                ClientParameter::Token => "Token",
                ClientParameter::Page => "Page",
                ClientParameter::UserAgent => "UserAgent",
            }
        );
        quote!(crate::ClientParam::#v)
    });
    let body = match &plan.body {
        None => quote!(crate::BodyKind::None),
        Some((_, true, max, _)) => {
            let max = opt_u32(*max);
            quote!(crate::BodyKind::Required { max_items: #max })
        }
        Some((_, false, max, _)) => {
            let max = opt_u32(*max);
            quote!(crate::BodyKind::Optional { max_items: #max })
        }
    };
    let date = match &op.compatibility_date {
        Some(d) => quote!(Some(#d)),
        None => quote!(None),
    };
    let params = op.parameters.iter().map(|p| param_info(api, p));
    let pinned = match &plan.pinned_date {
        Some(d) => quote!(Some(#d)),
        None => quote!(None),
    };
    let empty = plan.output == Ty::Unit;
    let from_id_field = match &op.from_id_field {
        Some(field) => quote!(Some(#field)),
        None => quote!(None),
    };
    let retry_safe = op.read_only || !matches!(op.method, crate::model::HttpMethod::Post);
    let spec_date = match &api.compatibility_date {
        Some(d) => quote!(Some(#d)),
        None => quote!(None),
    };
    vec![
        ("id", quote!(#id)),
        ("name", quote!(#name)),
        ("resource", quote!(#resource)),
        ("tag", quote!(#tag)),
        ("method", quote!(http::Method::#method)),
        ("path", quote!(#path)),
        ("summary", quote!(#summary)),
        ("scopes", quote!(&[#(#scopes),*])),
        ("roles", quote!(&[#(#roles),*])),
        ("cache_seconds", quote!(#cache)),
        ("rate_limit", quote!(#rate_limit)),
        ("pagination", quote!(crate::Pagination::#pagination)),
        ("client_params", quote!(&[#(#client_params),*])),
        ("body", quote!(#body)),
        ("empty_response", quote!(#empty)),
        ("retry_safe", quote!(#retry_safe)),
        ("from_id_field", quote!(#from_id_field)),
        ("params", quote!(&[#(#params),*])),
        ("last_changed", quote!(#date)),
        ("compatibility_date", quote!(#pinned)),
        ("spec_date", quote!(#spec_date)),
    ]
}

/// A parameter's entry in the operation table, for callers that build calls by name (the CLI).
fn param_info(api: &Api, p: &crate::model::Parameter) -> TokenStream {
    let name = &p.name;
    let location = format_ident!(
        "{}",
        match p.location {
            ParamLocation::Path => "Path",
            ParamLocation::Query => "Query",
            ParamLocation::Header => "Header",
        }
    );
    let required = p.required;
    let kind = param_kind(api, &p.schema, 0);
    let default = match p.default() {
        Some(Value::String(s)) => quote!(Some(#s)),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => {
            let text = v.to_string();
            quote!(Some(#text))
        }
        _ => quote!(None),
    };
    let description = docs::clean(p.description.as_deref().unwrap_or_default());
    // Only what differs from `PARAM_DEFAULTS` (an optional query parameter without default).
    let location = (p.location != ParamLocation::Query)
        .then(|| quote!(location: crate::ParamLocation::#location,));
    let required = required.then(|| quote!(required: true,));
    let default = (default.to_string() != "None").then(|| quote!(default: #default,));
    let description = (!description.is_empty()).then(|| quote!(description: #description,));
    quote! {
        crate::ParamInfo {
            name: #name,
            #location
            #required
            kind: #kind,
            #default
            #description
            ..super::PARAM_DEFAULTS
        }
    }
}

/// The `PARAM_DEFAULTS` item the operations' parameters complete themselves from.
pub(super) fn param_defaults_item() -> TokenStream {
    quote! {
        /// An optional query parameter without default, which each parameter's entry in the
        /// operation table completes.
        const PARAM_DEFAULTS: crate::ParamInfo = crate::ParamInfo {
            name: "",
            location: crate::ParamLocation::Query,
            required: false,
            kind: crate::ParamKind::String,
            default: None,
            description: "",
        };
    }
}

fn param_kind(api: &Api, schema: &crate::model::Schema, depth: usize) -> TokenStream {
    use crate::model::{SchemaKind as K, StringFormat};
    match &api.resolve(schema).kind {
        K::Boolean => quote!(crate::ParamKind::Boolean),
        K::Integer(_) => quote!(crate::ParamKind::Integer),
        K::Number(_) => quote!(crate::ParamKind::Number),
        K::String(StringFormat::Date) => quote!(crate::ParamKind::Date),
        K::String(StringFormat::DateTime) => quote!(crate::ParamKind::DateTime),
        K::Enum(values) => quote!(crate::ParamKind::Enum(&[#(#values),*])),
        K::Array { items, .. } if depth == 0 => {
            let inner = param_kind(api, items, depth + 1);
            quote!(crate::ParamKind::List(&#inner))
        }
        _ => quote!(crate::ParamKind::String),
    }
}

fn opt_u32(v: Option<u64>) -> TokenStream {
    match v.and_then(|v| u32::try_from(v).ok()) {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}
