//! The fixes ESI's specs need before code is generated from them, as one explicit list.
//!
//! Each fix is a named function over the normalised [`Api`]; [`apply_all`] runs them in order
//! and reports what each changed. A quirk of ESI belongs here, never as a special case in the
//! emitter or the runtime.

use crate::model::{Api, ClientParameter, HttpMethod, ParamLocation, Schema, SchemaKind, Status};

/// One fix: its name, what it is for, and the function.
pub struct Fix {
    /// Short name.
    pub name: &'static str,
    /// Why ESI's spec needs it.
    pub why: &'static str,
    /// Applies it; returns how many places changed.
    pub apply: fn(&mut Api) -> usize,
}

/// Every fix, in the order they run.
pub const FIXES: &[Fix] = &[
    Fix {
        name: "client-managed-parameters",
        why: "X-Compatibility-Date, X-Tenant/datasource, Accept-Language/language, If-None-Match, \
              If-Modified-Since, token, user_agent and page are supplied by the client runtime, \
              never method arguments (the compatibility date header is even `required`)",
        apply: client_managed_parameters,
    },
    Fix {
        name: "no-content-on-204",
        why: "some 204 responses declare a content type; a 204 has no body",
        apply: no_content_on_204,
    },
    Fix {
        name: "304-without-content",
        why: "304 Not Modified answers carry no body; the client serves its cached copy",
        apply: not_modified_without_content,
    },
    Fix {
        name: "read-only-posts",
        why: "some lookups are POSTs because their ID lists are long (`/universe/names`, \
              `/universe/ids`, affiliation, asset names and locations, CSPA cost, routes); they \
              only read, so they may be retried like GETs",
        apply: read_only_posts,
    },
    Fix {
        name: "from-id-record-field",
        why: "`from_id` routes page back by a record id that the spec does not name: the wallet \
              transactions routes take the last `transaction_id` seen",
        apply: from_id_record_field,
    },
    Fix {
        name: "status-vip-optional",
        why: "`vip` of /status is required in the 2026-08-18 spec at the route version \
              (2020-01-01) where the 2025-11-06 spec had it optional, and a recorded answer of \
              the real ESI (December 2025) has none: a required `vip` fails the whole call",
        apply: status_vip_optional,
    },
    Fix {
        name: "required-disagreements-optional",
        why: "when pinned specs disagree on whether a field is required at the same route \
              version, ESI tightened a spec without a new version and older answers lack the \
              field: it is generated optional (the table of `required_drift`)",
        apply: required_disagreements_optional,
    },
    Fix {
        name: "bloodlines-ship-type-id-nullable",
        why: "`ship_type_id` of /universe/bloodlines is declared required but ESI sends null",
        apply: bloodlines_ship_type_id,
    },
];

/// What [`apply_all`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixReport {
    /// Per fix name, how many places it changed.
    pub changed: Vec<(&'static str, usize)>,
}

/// Runs every fix in [`FIXES`].
pub fn apply_all(api: &mut Api) -> FixReport {
    FixReport {
        changed: FIXES.iter().map(|f| (f.name, (f.apply)(api))).collect(),
    }
}

/// Classifies a parameter the runtime supplies itself.
pub fn client_parameter(location: ParamLocation, name: &str) -> Option<ClientParameter> {
    let lower = name.to_ascii_lowercase();
    match (location, lower.as_str()) {
        (ParamLocation::Header, "x-compatibility-date") => Some(ClientParameter::CompatibilityDate),
        (ParamLocation::Query, "compatibility_date") => Some(ClientParameter::CompatibilityDate),
        (ParamLocation::Header, "x-tenant") => Some(ClientParameter::Tenant),
        (ParamLocation::Query, "datasource") => Some(ClientParameter::Datasource),
        (ParamLocation::Header, "accept-language") => Some(ClientParameter::AcceptLanguage),
        (ParamLocation::Query, "language") => Some(ClientParameter::Language),
        (ParamLocation::Header, "if-none-match") => Some(ClientParameter::IfNoneMatch),
        (ParamLocation::Header, "if-modified-since") => Some(ClientParameter::IfModifiedSince),
        (ParamLocation::Query, "token") => Some(ClientParameter::Token),
        (ParamLocation::Query, "page") => Some(ClientParameter::Page),
        (ParamLocation::Query, "user_agent") | (ParamLocation::Header, "x-user-agent") => {
            Some(ClientParameter::UserAgent)
        }
        _ => None,
    }
}

fn client_managed_parameters(api: &mut Api) -> usize {
    let mut changed = 0;
    for op in &mut api.operations {
        let mut kept = Vec::with_capacity(op.parameters.len());
        for param in op.parameters.drain(..) {
            match client_parameter(param.location, &param.name) {
                Some(cp) => {
                    if !op.client_parameters.contains(&cp) {
                        op.client_parameters.push(cp);
                    }
                    changed += 1;
                }
                None => kept.push(param),
            }
        }
        op.parameters = kept;
    }
    changed
}

/// POST routes that only read, as path templates without a trailing slash.
pub const READ_ONLY_POSTS: &[&str] = &[
    "/universe/names",
    "/universe/ids",
    "/characters/affiliation",
    "/characters/{character_id}/assets/names",
    "/characters/{character_id}/assets/locations",
    "/corporations/{corporation_id}/assets/names",
    "/corporations/{corporation_id}/assets/locations",
    "/characters/{character_id}/cspa",
    "/route/{origin_system_id}/{destination_system_id}",
    "/route/{origin}/{destination}",
];

fn read_only_posts(api: &mut Api) -> usize {
    let mut changed = 0;
    for op in &mut api.operations {
        if op.method == HttpMethod::Post
            && !op.read_only
            && READ_ONLY_POSTS.contains(&op.path.trim_end_matches('/'))
        {
            op.read_only = true;
            changed += 1;
        }
    }
    changed
}

/// The record field `from_id` refers to, for each `from_id` route ESI has.
pub const FROM_ID_FIELDS: &[(&str, &str)] = &[
    (
        "/characters/{character_id}/wallet/transactions",
        "transaction_id",
    ),
    (
        "/corporations/{corporation_id}/wallets/{division}/transactions",
        "transaction_id",
    ),
];

fn from_id_record_field(api: &mut Api) -> usize {
    let mut changed = 0;
    for op in &mut api.operations {
        let path = op.path.trim_end_matches('/');
        if let Some((_, field)) = FROM_ID_FIELDS.iter().find(|(p, _)| *p == path) {
            op.from_id_field = Some(field.to_string());
            changed += 1;
        }
    }
    changed
}

fn no_content_on_204(api: &mut Api) -> usize {
    clear_content(api, 204)
}

fn not_modified_without_content(api: &mut Api) -> usize {
    clear_content(api, 304)
}

fn clear_content(api: &mut Api, code: u16) -> usize {
    let mut changed = 0;
    for op in &mut api.operations {
        for response in &mut op.responses {
            if response.status == Status::Code(code) && response.schema.take().is_some() {
                changed += 1;
            }
        }
    }
    changed
}

fn status_vip_optional(api: &mut Api) -> usize {
    loosen_fields(api, &[("GET", "/status", None, "vip")], |_| {
        "Optional here although the spec requires it: real answers of ESI lack it \
             (a recorded answer of December 2025)."
            .to_string()
    })
}

fn required_disagreements_optional(api: &mut Api) -> usize {
    let table: Vec<(&str, &str, Option<&str>, &str)> = crate::required_drift::TABLE
        .iter()
        .map(|&(method, path, version, field)| (method, path, Some(version), field))
        .collect();
    loosen_fields(api, &table, |version| {
        format!(
            "Optional here: ESI's pinned specs disagree on whether it is required at route \
             version {version} (a spec tightened without a new version), and answers without \
             it must still decode."
        )
    })
}

/// Makes the listed success-answer fields optional: `(method, path, route version, field)`,
/// a `None` version matching any; `note(version)` is added to each field's doc.
fn loosen_fields(
    api: &mut Api,
    fields: &[(&str, &str, Option<&str>, &str)],
    note: impl Fn(&str) -> String,
) -> usize {
    let Api {
        operations,
        schemas,
        ..
    } = api;
    let mut changed = 0;
    for op in operations.iter_mut() {
        let path = op.path.trim_end_matches('/').to_string();
        let version = op.compatibility_date.clone().unwrap_or_default();
        for &(method, fixed_path, fixed_version, field) in fields {
            if op.method.as_str() != method
                || path != fixed_path
                || fixed_version.is_some_and(|v| v != version)
            {
                continue;
            }
            let segments: Vec<&str> = field.split('.').collect();
            let note = note(&version);
            for response in &mut op.responses {
                if let (Status::Code(200..=299), Some(schema)) =
                    (response.status, &mut response.schema)
                {
                    changed += crate::required_drift::loosen(schema, schemas, &segments, &note);
                }
            }
        }
    }
    changed
}

fn bloodlines_ship_type_id(api: &mut Api) -> usize {
    let Some(op) = api
        .operations
        .iter()
        .find(|op| op.path.trim_end_matches('/') == "/universe/bloodlines")
    else {
        return 0;
    };
    let Some(schema) = op.success_schema().cloned() else {
        return 0;
    };
    // The item object may be inline in the operation or behind named schemas.
    let mut changed = 0;
    let mut names = Vec::new();
    collect_refs(&schema, &mut names);
    for name in names {
        if let Some(named) = api.schemas.get_mut(&name) {
            changed += make_optional(named, "ship_type_id");
        }
    }
    if let Some(op) = api
        .operations
        .iter_mut()
        .find(|op| op.path.trim_end_matches('/') == "/universe/bloodlines")
    {
        for response in &mut op.responses {
            if let (Status::Code(200..=299), Some(schema)) = (response.status, &mut response.schema)
            {
                changed += make_optional(schema, "ship_type_id");
            }
        }
    }
    changed
}

fn collect_refs(schema: &Schema, out: &mut Vec<String>) {
    match &schema.kind {
        SchemaKind::Ref(name) => out.push(name.clone()),
        SchemaKind::Array { items, .. } => collect_refs(items, out),
        _ => {}
    }
}

/// Makes a property (of the object, or of an array's item object) optional and nullable.
fn make_optional(schema: &mut Schema, property: &str) -> usize {
    match &mut schema.kind {
        SchemaKind::Array { items, .. } => make_optional(items, property),
        SchemaKind::Object { properties, .. } => {
            let mut changed = 0;
            for prop in properties.iter_mut().filter(|p| p.name == property) {
                if prop.required || !prop.schema.nullable {
                    prop.required = false;
                    prop.schema.nullable = true;
                    changed += 1;
                }
            }
            changed
        }
        _ => 0,
    }
}
