//! JSON Schema (Swagger 2.0 / OpenAPI 3.0 / 3.1 dialects) → [`Schema`].

use serde_json::{Map, Value};

use crate::error::{SpecProblem, child};
use crate::model::{FloatFormat, IntFormat, Property, Schema, SchemaKind, StringFormat};

type Res<T> = Result<T, SpecProblem>;

/// Where named schemas live in this dialect: `#/components/schemas/` or `#/definitions/`.
pub(crate) const SCHEMA_REF_PREFIXES: [&str; 2] = ["#/components/schemas/", "#/definitions/"];

/// Converts one schema node found at `pointer`.
pub(crate) fn convert(node: &Value, pointer: &str) -> Res<Schema> {
    let Some(obj) = node.as_object() else {
        if node == &Value::Bool(true) {
            return Ok(Schema::of(SchemaKind::Any));
        }
        return Err(SpecProblem::new(pointer, "a schema must be a JSON object"));
    };
    let mut schema = Schema::of(SchemaKind::Any);
    schema.title = str_field(obj, "title");
    schema.description = str_field(obj, "description");
    schema.default = obj.get("default").cloned();
    schema.minimum = obj.get("minimum").and_then(Value::as_f64);
    schema.maximum = obj.get("maximum").and_then(Value::as_f64);
    if let Some(example) = obj.get("example") {
        schema.examples.push(example.clone());
    }
    if let Some(Value::Array(examples)) = obj.get("examples") {
        schema.examples.extend(examples.iter().cloned());
    }
    schema.nullable = [obj.get("nullable"), obj.get("x-nullable")]
        .into_iter()
        .flatten()
        .any(|v| v == &Value::Bool(true));

    if let Some(reference) = obj.get("$ref") {
        schema.kind = SchemaKind::Ref(schema_ref_name(reference, &child(pointer, "$ref"))?);
        return Ok(schema);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = obj.get(key) {
            let list = array(alternatives, &child(pointer, key))?;
            let mut variants = Vec::new();
            for (i, alt) in list.iter().enumerate() {
                let alt_ptr = child(&child(pointer, key), &i.to_string());
                if is_null_schema(alt) {
                    schema.nullable = true;
                } else {
                    variants.push(convert(alt, &alt_ptr)?);
                }
            }
            schema.kind = match variants.len() {
                1 => variants.remove(0).kind,
                _ => SchemaKind::OneOf(variants),
            };
            return Ok(schema);
        }
    }
    if let Some(parts) = obj.get("allOf") {
        schema.kind = merge_all_of(parts, &child(pointer, "allOf"))?;
        return Ok(schema);
    }

    let type_name = match obj.get("type") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(types)) => {
            let mut rest = Vec::new();
            for t in types {
                match t.as_str() {
                    Some("null") => schema.nullable = true,
                    Some(other) => rest.push(other.to_string()),
                    None => {
                        return Err(SpecProblem::new(
                            &child(pointer, "type"),
                            "`type` array entries must be strings",
                        ));
                    }
                }
            }
            if rest.len() == 1 {
                rest.pop()
            } else {
                return Ok(schema);
            }
        }
        Some(_) => {
            return Err(SpecProblem::new(
                &child(pointer, "type"),
                "`type` must be a string or an array of strings",
            ));
        }
    };

    if let Some(value) = obj.get("const") {
        match value {
            Value::String(s) => {
                schema.kind = SchemaKind::Enum(vec![s.clone()]);
                return Ok(schema);
            }
            _ => return Ok(schema),
        }
    }
    if let Some(values) = obj.get("enum") {
        let enum_ptr = child(pointer, "enum");
        let mut out = Vec::new();
        for (i, v) in array(values, &enum_ptr)?.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::Null => schema.nullable = true,
                _ if type_name.as_deref() != Some("string") && type_name.is_some() => {
                    // Non-string enums (none in ESI so far) keep their base type.
                    return base_type(schema, obj, type_name.as_deref(), pointer);
                }
                _ => {
                    return Err(SpecProblem::new(
                        &child(&enum_ptr, &i.to_string()),
                        "string enum values must be strings",
                    ));
                }
            }
        }
        schema.kind = SchemaKind::Enum(out);
        return Ok(schema);
    }
    base_type(schema, obj, type_name.as_deref(), pointer)
}

fn base_type(
    mut schema: Schema,
    obj: &Map<String, Value>,
    type_name: Option<&str>,
    pointer: &str,
) -> Res<Schema> {
    let format = obj.get("format").and_then(Value::as_str);
    let inferred = match type_name {
        Some(t) => t,
        None if obj.contains_key("properties") || obj.contains_key("additionalProperties") => {
            "object"
        }
        None if obj.contains_key("items") => "array",
        None => return Ok(schema),
    };
    schema.kind = match inferred {
        "boolean" => SchemaKind::Boolean,
        "integer" => SchemaKind::Integer(match format {
            Some("int32") => IntFormat::I32,
            _ => IntFormat::I64,
        }),
        "number" => SchemaKind::Number(match format {
            Some("float") => FloatFormat::F32,
            _ => FloatFormat::F64,
        }),
        "string" => SchemaKind::String(match format {
            None => StringFormat::Plain,
            Some("date-time") => StringFormat::DateTime,
            Some("date") => StringFormat::Date,
            Some("uuid") => StringFormat::Uuid,
            Some(other) => StringFormat::Other(other.to_string()),
        }),
        "array" => {
            let items = match obj.get("items") {
                Some(items) => convert(items, &child(pointer, "items"))?,
                None => Schema::of(SchemaKind::Any),
            };
            SchemaKind::Array {
                items: Box::new(items),
                unique: obj.get("uniqueItems") == Some(&Value::Bool(true)),
                min_items: obj.get("minItems").and_then(Value::as_u64),
                max_items: obj.get("maxItems").and_then(Value::as_u64),
            }
        }
        "object" => object(obj, pointer)?,
        "null" => {
            schema.nullable = true;
            SchemaKind::Any
        }
        "file" => SchemaKind::String(StringFormat::Other("binary".into())),
        other => {
            return Err(SpecProblem::new(
                &child(pointer, "type"),
                format!("unsupported schema type `{other}`"),
            ));
        }
    };
    Ok(schema)
}

fn object(obj: &Map<String, Value>, pointer: &str) -> Res<SchemaKind> {
    let required: Vec<&str> = match obj.get("required") {
        None => Vec::new(),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(SpecProblem::new(
                &child(pointer, "required"),
                "`required` must be an array of property names",
            ));
        }
    };
    let mut properties = Vec::new();
    if let Some(props) = obj.get("properties") {
        let props_ptr = child(pointer, "properties");
        let Some(props) = props.as_object() else {
            return Err(SpecProblem::new(
                &props_ptr,
                "`properties` must be an object",
            ));
        };
        for (name, node) in props {
            properties.push(Property {
                name: name.clone(),
                schema: convert(node, &child(&props_ptr, name))?,
                required: required.contains(&name.as_str()),
            });
        }
    }
    let additional = match obj.get("additionalProperties") {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(Box::new(Schema::of(SchemaKind::Any))),
        Some(node) => Some(Box::new(convert(
            node,
            &child(pointer, "additionalProperties"),
        )?)),
    };
    Ok(SchemaKind::Object {
        properties,
        additional,
    })
}

/// `allOf`: a single part is that part; several object parts merge their properties.
fn merge_all_of(parts: &Value, pointer: &str) -> Res<SchemaKind> {
    let list = array(parts, pointer)?;
    let mut converted = Vec::new();
    for (i, part) in list.iter().enumerate() {
        converted.push(convert(part, &child(pointer, &i.to_string()))?);
    }
    if converted.len() == 1 {
        return Ok(converted.remove(0).kind);
    }
    let mut properties: Vec<Property> = Vec::new();
    for part in converted {
        match part.kind {
            SchemaKind::Object {
                properties: props, ..
            } => properties.extend(props),
            _ => {
                return Err(SpecProblem::new(
                    pointer,
                    "`allOf` is supported for one schema or for object schemas only",
                ));
            }
        }
    }
    Ok(SchemaKind::Object {
        properties,
        additional: None,
    })
}

fn schema_ref_name(reference: &Value, pointer: &str) -> Res<String> {
    let Some(text) = reference.as_str() else {
        return Err(SpecProblem::new(pointer, "`$ref` must be a string"));
    };
    for prefix in SCHEMA_REF_PREFIXES {
        if let Some(name) = text.strip_prefix(prefix) {
            return Ok(name.replace("~1", "/").replace("~0", "~"));
        }
    }
    Err(SpecProblem::new(
        pointer,
        format!("unsupported schema reference `{text}` (only local component schemas)"),
    ))
}

fn is_null_schema(node: &Value) -> bool {
    node.get("type").and_then(Value::as_str) == Some("null")
}

fn array<'a>(node: &'a Value, pointer: &str) -> Res<&'a Vec<Value>> {
    node.as_array()
        .ok_or_else(|| SpecProblem::new(pointer, "expected an array"))
}

pub(crate) fn str_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_string)
}
