//! What a request asks for, beyond its route: the parameters identifying the resource, the
//! slice of it (page, cursor, `from_id`), and a checked JSON request body.

use bytes::Bytes;
use esi_codegen::model::{Operation, Pagination, ParamLocation};
use serde_json::Value;

use super::body::Slice;
use super::params::{self, query_value};
use super::reply::Reply;
use super::state::State;
use super::validate::Validator;

/// The parameters that identify a resource: path parameters and declared query parameters
/// (with their defaults), minus pagination ones, sorted by name.
pub(crate) fn identity(
    op: &Operation,
    path: &[(String, String)],
    query: &[(String, String)],
) -> Vec<(String, String)> {
    let paging: &[&str] = match op.pagination {
        Pagination::Cursor => &["before", "after", "limit"],
        Pagination::FromId => &["from_id"],
        Pagination::XPages | Pagination::None => &[],
    };
    let mut out: Vec<(String, String)> = path.to_vec();
    for param in op.parameters_in(ParamLocation::Query) {
        if paging.contains(&param.name.as_str()) {
            continue;
        }
        let value = query_value(query, &param.name)
            .map(str::to_string)
            .or_else(|| {
                param.default().map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            });
        if let Some(value) = value {
            out.push((param.name.clone(), value));
        }
    }
    out.sort();
    out
}

/// What part of the resource the request asks for.
pub(crate) fn slice_of(op: &Operation, query: &[(String, String)]) -> Result<Slice, String> {
    let mut slice = Slice {
        page: 1,
        ..Slice::default()
    };
    match op.pagination {
        Pagination::XPages => slice.page = params::page(query)?,
        Pagination::Cursor => {
            slice.before = query_value(query, "before").map(str::to_string);
            slice.after = query_value(query, "after").map(str::to_string);
            let default_limit = op
                .parameters
                .iter()
                .find(|p| p.name == "limit")
                .and_then(|p| p.default())
                .and_then(Value::as_u64)
                .unwrap_or(10);
            slice.limit = Some(match query_value(query, "limit") {
                Some(raw) => raw
                    .parse()
                    .map_err(|_| format!("Invalid query parameter 'limit': '{raw}'"))?,
                None => default_limit as usize,
            });
        }
        Pagination::FromId => {
            slice.from_id = match query_value(query, "from_id") {
                Some(raw) => Some(
                    raw.parse()
                        .map_err(|_| format!("Invalid query parameter 'from_id': '{raw}'"))?,
                ),
                None => None,
            };
        }
        Pagination::None => {}
    }
    Ok(slice)
}

/// Checks the JSON request body of a POST/PUT/DELETE; returns its bytes (for the seed).
pub(crate) fn check_request_body(
    state: &State,
    op: &Operation,
    body: &Result<Bytes, String>,
) -> Result<Bytes, Reply> {
    let bytes = match body {
        Ok(bytes) => bytes.clone(),
        Err(message) => return Err(Reply::error(413, message.clone())),
    };
    let Some(declared) = &op.request_body else {
        return Ok(Bytes::new());
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if declared.required {
            Err(Reply::error(400, "Request body is required"))
        } else {
            Ok(Bytes::new())
        };
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Reply::error(400, format!("Request body is not valid JSON: {e}")))?;
    let violations = Validator::new(&state.api)
        .strict(false)
        .validate(&declared.schema, &value);
    match violations.first() {
        Some(first) => Err(Reply::error(400, format!("Invalid request body: {first}"))),
        None => Ok(bytes),
    }
}
