//! The operation table's entries: each operation's `OperationInfo`, written as the fields
//! that differ from one `OPERATION_DEFAULTS` of the file (the values most operations share:
//! the spec's date, the client-managed parameters, the pagination...), so the table holds what
//! is particular to each operation rather than the same twenty lines for each. Values many
//! operations repeat (a rate-limit group, the `character_id` parameter) are constants of the
//! file's `rate_limits` and `params` modules, written once.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::docs;
use super::plan::OpPlan;
use super::types::Ty;
use crate::model::{Api, ClientParameter, Operation, Pagination, ParamLocation, RateLimit};

/// Fields every operation writes out (its own by nature), blank in the defaults. `params`
/// among them: its entries complete themselves from `super::PARAM_DEFAULTS`, a path that
/// holds in the resource modules only. `rate_limit` defaults to `None`: its values name
/// constants of `super::rate_limits`, a path that also holds in the resource modules only.
const OWN: &[&str] = &["id", "name", "path", "summary", "params"];

/// The file's `OPERATION_DEFAULTS`, and the constants operations share.
pub(super) struct Defaults {
    values: BTreeMap<&'static str, (String, TokenStream)>,
    /// Each rate limit (its text) → its constant in `rate_limits`, and the constant's value.
    rate_limits: BTreeMap<String, (Ident, TokenStream)>,
    /// Each parameter entry used by more than one operation (its text) → its constant in
    /// `params`, and the entry.
    params: BTreeMap<String, (Ident, TokenStream)>,
    /// Whether any operation takes a parameter (else `PARAM_DEFAULTS` would be unused).
    any_params: bool,
}

impl Defaults {
    /// The defaults of the operations `plans`.
    pub(super) fn of(api: &Api, plans: &[&OpPlan]) -> Self {
        let ops = || plans.iter().map(|plan| &api.operations[plan.op_index()]);
        let rate_limits = constants(ops().filter_map(|op| {
            let rl = op.rate_limit.as_ref()?;
            Some((rl.group.clone(), rate_limit_info(rl)))
        }));
        // Every parameter entry: (parameter name, entry's text, entry).
        let entries: Vec<(&str, String, TokenStream)> = ops()
            .flat_map(|op| &op.parameters)
            .map(|p| {
                let entry = param_info(api, p);
                (p.name.as_str(), entry.to_string(), entry)
            })
            .collect();
        let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, text, _) in &entries {
            *uses.entry(text).or_default() += 1;
        }
        let params = constants(
            entries
                .iter()
                .filter(|(_, text, _)| uses[text.as_str()] > 1)
                .map(|(name, _, entry)| (name.to_string(), entry.clone())),
        );
        let mut this = Defaults {
            values: BTreeMap::new(),
            rate_limits,
            params,
            any_params: ops().any(|op| !op.parameters.is_empty()),
        };
        let mut counts: BTreeMap<&'static str, BTreeMap<String, (usize, TokenStream)>> =
            BTreeMap::new();
        for plan in plans {
            let op = &api.operations[plan.op_index()];
            for (field, value) in this.fields(api, op, plan) {
                let entry = counts
                    .entry(field)
                    .or_default()
                    .entry(value.to_string())
                    .or_insert((0, value));
                entry.0 += 1;
            }
        }
        this.values = counts
            .into_iter()
            .map(|(field, by_value)| {
                let (text, (_, tokens)) = if field == "params" {
                    (String::new(), (0, quote!(&[])))
                } else if field == "rate_limit" {
                    (quote!(None).to_string(), (0, quote!(None)))
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
        this
    }

    /// The `OPERATION_DEFAULTS` item with the `rate_limits` and `params` modules (`None`
    /// without operations).
    pub(super) fn item(&self) -> Option<TokenStream> {
        if self.values.is_empty() {
            return None;
        }
        let fields = self.values.iter().map(|(field, (_, value))| {
            let field = format_ident!("{}", field);
            quote!(#field: #value,)
        });
        let params = self.any_params.then(param_defaults_item);
        let rate_limits = (!self.rate_limits.is_empty()).then(|| {
            let consts = self.rate_limits.values().map(
                |(name, value)| quote!(pub(super) const #name: crate::RateLimitInfo = #value;),
            );
            quote! {
                /// ESI's rate-limit groups, as the operations' `INFO` name them.
                mod rate_limits { #(#consts)* }
            }
        });
        let shared_params = (!self.params.is_empty()).then(|| {
            let consts = self
                .params
                .values()
                .map(|(name, value)| quote!(pub(super) const #name: crate::ParamInfo = #value;));
            quote! {
                /// Parameters several operations take alike, as their `INFO` lists them.
                mod params { #(#consts)* }
            }
        });
        Some(quote! {
            /// What most operations of this API share; each operation's `INFO` gives the rest.
            const OPERATION_DEFAULTS: crate::OperationInfo = crate::OperationInfo { #(#fields)* };
            #params
            #rate_limits
            #shared_params
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

    /// Every field of the operation's `OperationInfo`, as (field, value), with shared values
    /// written as their constants.
    pub(super) fn fields(
        &self,
        api: &Api,
        op: &Operation,
        plan: &OpPlan,
    ) -> Vec<(&'static str, TokenStream)> {
        let mut fields = fields(api, op, plan);
        for (field, value) in &mut fields {
            match *field {
                "rate_limit" => {
                    if let Some((name, _)) = op
                        .rate_limit
                        .as_ref()
                        .and_then(|rl| self.rate_limits.get(&rate_limit_info(rl).to_string()))
                    {
                        *value = quote!(Some(super::rate_limits::#name));
                    }
                }
                "params" => {
                    let entries = op.parameters.iter().map(|p| {
                        let entry = param_info(api, p);
                        match self.params.get(&entry.to_string()) {
                            Some((name, _)) => quote!(super::params::#name),
                            None => entry,
                        }
                    });
                    *value = quote!(&[#(#entries),*]);
                }
                _ => {}
            }
        }
        fields
    }
}

/// Constants for `values` (a wished name, the value), keyed by the value's text: one per
/// distinct value, named by the wish, with `_2`, `_3`... for a name already taken.
fn constants(
    values: impl Iterator<Item = (String, TokenStream)>,
) -> BTreeMap<String, (Ident, TokenStream)> {
    let mut out: BTreeMap<String, (Ident, TokenStream)> = BTreeMap::new();
    let mut taken = std::collections::BTreeSet::new();
    for (wish, value) in values {
        let text = value.to_string();
        if out.contains_key(&text) {
            continue;
        }
        let base = const_name(&wish);
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|name| !taken.contains(name))
            .unwrap_or(base);
        taken.insert(name.clone());
        out.insert(text, (format_ident!("{}", name), value));
    }
    out
}

/// A constant's name from `wish` (a rate-limit group, a parameter name): ASCII capitals,
/// digits and underscores, not starting with a digit.
fn const_name(wish: &str) -> String {
    let name = crate::names::shouty(wish);
    match name.chars().next() {
        Some(c) if c.is_ascii_uppercase() => name,
        _ => format!("N_{name}"),
    }
}

/// A rate limit's `RateLimitInfo` value.
fn rate_limit_info(rl: &RateLimit) -> TokenStream {
    let (group, max, window) = (&rl.group, rl.max_tokens, rl.window_seconds);
    quote!(crate::RateLimitInfo { group: #group, max_tokens: #max, window_seconds: #window })
}

/// Every field of the operation's `OperationInfo`, as (field, value), each written out.
fn fields(api: &Api, op: &Operation, plan: &OpPlan) -> Vec<(&'static str, TokenStream)> {
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
            let info = rate_limit_info(rl);
            quote!(Some(#info))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_names_are_identifiers() {
        assert_eq!(const_name("char-asset"), "CHAR_ASSET");
        assert_eq!(const_name("character_id"), "CHARACTER_ID");
        assert_eq!(const_name("2fa"), "N_2FA");
        assert_eq!(const_name("x.y"), "X_Y");
    }

    #[test]
    fn one_constant_per_value_and_taken_names_get_a_number() {
        let consts = constants(
            [
                ("page".to_string(), quote!(1)),
                ("page".to_string(), quote!(1)),
                ("page".to_string(), quote!(2)),
                ("Page".to_string(), quote!(3)),
            ]
            .into_iter(),
        );
        let names: BTreeMap<String, String> = consts
            .iter()
            .map(|(text, (name, _))| (text.clone(), name.to_string()))
            .collect();
        assert_eq!(names.len(), 3);
        assert_eq!(names["1"], "PAGE");
        assert_eq!(names["2"], "PAGE_2");
        assert_eq!(names["3"], "PAGE_3");
    }
}
