//! Path, query and header parameters checked against their declared types.
//!
//! A value that does not parse as its type, falls outside `minimum`/`maximum`, or is not in its
//! enum gives a 400 with a message naming the parameter, as ESI does. Arrays are ESI's
//! comma-separated lists. Unknown query parameters are ignored.

use esi_codegen::model::{
    Api, IntFormat, Operation, ParamLocation, Schema, SchemaKind, StringFormat,
};

/// A request's query pairs, percent-decoded, in order.
pub(crate) type Query = [(String, String)];

/// The last value of a query parameter.
pub(crate) fn query_value<'q>(query: &'q Query, name: &str) -> Option<&'q str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Checks every declared path, query and header parameter of `op`.
pub(crate) fn check(
    api: &Api,
    op: &Operation,
    path: &[(String, String)],
    query: &Query,
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    for param in &op.parameters {
        let value = match param.location {
            ParamLocation::Path => path
                .iter()
                .find(|(k, _)| *k == param.name)
                .map(|(_, v)| v.clone()),
            ParamLocation::Query => query_value(query, &param.name).map(str::to_string),
            ParamLocation::Header => header(&param.name),
        };
        let place = match param.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        };
        match value {
            // A required parameter with a default (Swagger's `order_type`) falls back to it.
            None if param.required && param.default().is_none() => {
                return Err(format!(
                    "Missing required {place} parameter '{}'",
                    param.name
                ));
            }
            None => {}
            Some(raw) => check_value(api, &param.schema, &raw)
                .map_err(|why| format!("Invalid {place} parameter '{}': {why}", param.name))?,
        }
    }
    Ok(())
}

/// The `page` query parameter (1 when absent); it must be an integer of at least 1.
pub(crate) fn page(query: &Query) -> Result<u32, String> {
    match query_value(query, "page") {
        None => Ok(1),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "Invalid query parameter 'page': '{raw}' is not an integer of at least 1"
            )),
        },
    }
}

/// Checks one raw (string) value against a parameter schema.
pub(crate) fn check_value(api: &Api, schema: &Schema, raw: &str) -> Result<(), String> {
    let resolved = api.resolve(schema);
    match &resolved.kind {
        SchemaKind::Integer(format) => {
            let n: i64 = raw
                .parse()
                .map_err(|_| format!("'{raw}' is not an integer"))?;
            if *format == IntFormat::I32 && i32::try_from(n).is_err() {
                return Err(format!("'{raw}' does not fit in int32"));
            }
            bounds(resolved, n as f64, raw)
        }
        SchemaKind::Number(_) => {
            let x: f64 = raw
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| format!("'{raw}' is not a number"))?;
            bounds(resolved, x, raw)
        }
        SchemaKind::Boolean => match raw {
            "true" | "false" => Ok(()),
            _ => Err(format!("'{raw}' is not a boolean")),
        },
        SchemaKind::Enum(values) => {
            if values.iter().any(|v| v == raw) {
                Ok(())
            } else {
                Err(format!("'{raw}' is not one of {}", values.join(", ")))
            }
        }
        SchemaKind::String(StringFormat::Date) => {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| format!("'{raw}' is not a date (YYYY-MM-DD)"))
        }
        SchemaKind::String(StringFormat::DateTime) => chrono::DateTime::parse_from_rfc3339(raw)
            .map(|_| ())
            .map_err(|_| format!("'{raw}' is not an RFC 3339 date-time")),
        SchemaKind::Array {
            items,
            min_items,
            max_items,
            ..
        } => {
            let parts: Vec<&str> = if raw.is_empty() {
                Vec::new()
            } else {
                raw.split(',').collect()
            };
            let len = parts.len() as u64;
            if min_items.is_some_and(|min| len < min) || max_items.is_some_and(|max| len > max) {
                return Err(format!(
                    "{len} values, expected between {} and {}",
                    min_items.unwrap_or(0),
                    max_items.map_or("any".to_string(), |m| m.to_string())
                ));
            }
            parts
                .into_iter()
                .try_for_each(|part| check_value(api, items, part.trim()))
        }
        SchemaKind::OneOf(variants) => {
            if variants.iter().any(|v| check_value(api, v, raw).is_ok()) {
                Ok(())
            } else {
                Err(format!("'{raw}' matches none of the allowed types"))
            }
        }
        SchemaKind::String(_)
        | SchemaKind::Object { .. }
        | SchemaKind::Ref(_)
        | SchemaKind::Any => Ok(()),
    }
}

fn bounds(schema: &Schema, x: f64, raw: &str) -> Result<(), String> {
    if let Some(min) = schema.minimum.filter(|min| x < *min) {
        return Err(format!("'{raw}' is below the minimum {min}"));
    }
    if let Some(max) = schema.maximum.filter(|max| x > *max) {
        return Err(format!("'{raw}' is above the maximum {max}"));
    }
    Ok(())
}
