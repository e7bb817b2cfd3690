//! Checks a JSON value against an [`esi_codegen::model::Schema`].
//!
//! Used by the fake to reject bad request bodies, and by tests to prove that every synthesised
//! answer matches its response schema. Violations carry the JSON pointer of the offending value.
//!
//! `oneOf` passes when at least one alternative matches: ESI's alternatives are objects whose
//! properties are all optional, so "exactly one" cannot hold for them. In strict mode (the
//! default) an object may not carry properties its schema does not declare, which makes those
//! alternatives distinguishable again.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, NaiveDate};
use esi_codegen::model::{Api, FloatFormat, IntFormat, Schema, SchemaKind, StringFormat};
use serde_json::Value;

const MAX_DEPTH: usize = 64;

/// One way a value does not match its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer of the value (`""` for the root, `/0/price`...).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// Validates values against schemas of one [`Api`].
#[derive(Debug, Clone, Copy)]
pub struct Validator<'a> {
    api: &'a Api,
    strict: bool,
}

impl<'a> Validator<'a> {
    /// A strict validator (undeclared object properties are violations).
    pub fn new(api: &'a Api) -> Self {
        Validator { api, strict: true }
    }

    /// Allows (`false`) or forbids (`true`) undeclared object properties.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Every violation of `schema` by `value` (empty when it matches).
    pub fn validate(&self, schema: &Schema, value: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(schema, value, &mut String::new(), 0, &mut out);
        out
    }

    /// Whether `value` matches `schema`.
    pub fn is_valid(&self, schema: &Schema, value: &Value) -> bool {
        self.validate(schema, value).is_empty()
    }

    fn check(
        &self,
        schema: &Schema,
        value: &Value,
        pointer: &mut String,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let mut fail = |message: String| {
            out.push(Violation {
                pointer: pointer.clone(),
                message,
            })
        };
        if depth > MAX_DEPTH {
            fail("value nested too deeply".into());
            return;
        }
        let resolved = self.api.resolve(schema);
        if value.is_null() {
            if !(schema.nullable || resolved.nullable || resolved.kind == SchemaKind::Any) {
                fail("null where the schema does not allow it".into());
            }
            return;
        }
        match &resolved.kind {
            SchemaKind::Ref(name) => fail(format!("schema `{name}` is not defined")),
            SchemaKind::Any => {}
            SchemaKind::Boolean => {
                if !value.is_boolean() {
                    fail(format!("expected a boolean, got {}", kind_of(value)));
                }
            }
            SchemaKind::Integer(format) => {
                if let Some(problem) = integer_problem(resolved, *format, value) {
                    fail(problem);
                }
            }
            SchemaKind::Number(format) => {
                if let Some(problem) = number_problem(resolved, *format, value) {
                    fail(problem);
                }
            }
            SchemaKind::String(format) => match value.as_str() {
                Some(text) => {
                    if let Some(problem) = format_problem(format, text) {
                        fail(problem);
                    }
                }
                None => fail(format!("expected a string, got {}", kind_of(value))),
            },
            SchemaKind::Enum(values) => match value.as_str() {
                Some(text) if values.iter().any(|v| v == text) => {}
                Some(text) => fail(format!("`{text}` is not one of {values:?}")),
                None => fail(format!("expected an enum string, got {}", kind_of(value))),
            },
            SchemaKind::Array {
                items,
                unique,
                min_items,
                max_items,
            } => {
                let Some(list) = value.as_array() else {
                    fail(format!("expected an array, got {}", kind_of(value)));
                    return;
                };
                let len = list.len() as u64;
                if min_items.is_some_and(|min| len < min) {
                    fail(format!("{len} items, fewer than minItems {min_items:?}"));
                }
                if max_items.is_some_and(|max| len > max) {
                    fail(format!("{len} items, more than maxItems {max_items:?}"));
                }
                if *unique {
                    let mut seen = HashSet::new();
                    if !list.iter().all(|v| seen.insert(v.to_string())) {
                        fail("items are not unique".into());
                    }
                }
                for (i, item) in list.iter().enumerate() {
                    let len_before = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    self.check(items, item, pointer, depth + 1, out);
                    pointer.truncate(len_before);
                }
            }
            SchemaKind::Object {
                properties,
                additional,
            } => {
                let Some(map) = value.as_object() else {
                    fail(format!("expected an object, got {}", kind_of(value)));
                    return;
                };
                for prop in properties {
                    if prop.required && !map.contains_key(&prop.name) {
                        fail(format!("required property `{}` is missing", prop.name));
                    }
                }
                for (key, item) in map {
                    let schema = match properties.iter().find(|p| &p.name == key) {
                        Some(prop) => &prop.schema,
                        None => match additional {
                            Some(extra) => extra,
                            None if self.strict => {
                                out.push(Violation {
                                    pointer: pointer.clone(),
                                    message: format!("property `{key}` is not declared"),
                                });
                                continue;
                            }
                            None => continue,
                        },
                    };
                    let len_before = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    self.check(schema, item, pointer, depth + 1, out);
                    pointer.truncate(len_before);
                }
            }
            SchemaKind::OneOf(variants) => {
                let matches = variants.iter().any(|variant| {
                    let mut scratch = Vec::new();
                    self.check(
                        variant,
                        value,
                        &mut pointer.clone(),
                        depth + 1,
                        &mut scratch,
                    );
                    scratch.is_empty()
                });
                if !matches {
                    fail(format!(
                        "matches none of the {} alternatives",
                        variants.len()
                    ));
                }
            }
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn integer_problem(schema: &Schema, format: IntFormat, value: &Value) -> Option<String> {
    let Some(n) = value.as_i64() else {
        return Some(match value {
            Value::Number(n) if n.is_u64() => format!("{n} does not fit in int64"),
            _ => format!("expected an integer, got {}", kind_of(value)),
        });
    };
    if format == IntFormat::I32 && i32::try_from(n).is_err() {
        return Some(format!("{n} does not fit in int32"));
    }
    bound_problem(schema, n as f64)
}

fn number_problem(schema: &Schema, format: FloatFormat, value: &Value) -> Option<String> {
    let Some(x) = value.as_f64() else {
        return Some(format!("expected a number, got {}", kind_of(value)));
    };
    if format == FloatFormat::F32 && x.abs() > f64::from(f32::MAX) {
        return Some(format!("{x} does not fit in a float"));
    }
    bound_problem(schema, x)
}

fn bound_problem(schema: &Schema, x: f64) -> Option<String> {
    if let Some(min) = schema.minimum.filter(|min| x < *min) {
        return Some(format!("{x} is below the minimum {min}"));
    }
    if let Some(max) = schema.maximum.filter(|max| x > *max) {
        return Some(format!("{x} is above the maximum {max}"));
    }
    None
}

fn format_problem(format: &StringFormat, text: &str) -> Option<String> {
    let ok = match format {
        StringFormat::DateTime => DateTime::parse_from_rfc3339(text).is_ok(),
        StringFormat::Date => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10
        }
        StringFormat::Uuid => is_uuid(text),
        StringFormat::Plain | StringFormat::Other(_) => true,
    };
    (!ok).then(|| format!("`{text}` is not a valid {format:?} string"))
}

fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use esi_codegen::model::Property;
    use serde_json::json;

    fn api() -> Api {
        esi_codegen::load(super::super::config::default_spec_path()).expect("pinned spec loads")
    }

    fn object(props: Vec<(&str, SchemaKind, bool)>) -> Schema {
        Schema::of(SchemaKind::Object {
            properties: props
                .into_iter()
                .map(|(name, kind, required)| Property {
                    name: name.into(),
                    schema: Schema::of(kind),
                    required,
                })
                .collect(),
            additional: None,
        })
    }

    #[test]
    fn catches_the_usual_mistakes() {
        let api = api();
        let v = Validator::new(&api);
        let schema = object(vec![
            ("id", SchemaKind::Integer(IntFormat::I32), true),
            ("when", SchemaKind::String(StringFormat::DateTime), true),
            (
                "kind",
                SchemaKind::Enum(vec!["a".into(), "b".into()]),
                false,
            ),
        ]);
        assert!(v.is_valid(&schema, &json!({"id": 1, "when": "2026-01-02T03:04:05Z"})));
        let bad = json!({"id": 3_000_000_000_i64, "when": "yesterday", "kind": "c", "x": 1});
        let found = v.validate(&schema, &bad);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(v.strict(false).validate(&schema, &bad).len() == 3);
        let missing = v.validate(&schema, &json!({"when": "2026-01-02T03:04:05Z"}));
        assert_eq!(missing[0].message, "required property `id` is missing");
    }

    #[test]
    fn pointers_name_the_value() {
        let api = api();
        let schema = Schema::of(SchemaKind::Array {
            items: Box::new(object(vec![("n", SchemaKind::Boolean, true)])),
            unique: false,
            min_items: None,
            max_items: Some(2),
        });
        let found =
            Validator::new(&api).validate(&schema, &json!([{"n": true}, {"n": 1}, {"n": false}]));
        let pointers: Vec<_> = found.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["", "/1/n"]);
    }
}
