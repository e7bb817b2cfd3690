//! Spec document → [`Api`]. One pass over paths and operations, with the differences between
//! Swagger 2.0 and OpenAPI 3.x kept to the few places they differ: where parameter types live,
//! body parameters versus `requestBody`, response `schema` versus `content`, and where the
//! security schemes and servers are declared.

mod schema;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{SpecProblem, child};
use crate::model::{
    Api, HttpMethod, Operation, Pagination, ParamLocation, Parameter, RateLimit, RequestBody,
    Response, Schema, SchemaKind, SpecKind, Status, Tag,
};

pub(crate) use schema::convert as convert_schema;
use schema::str_field;

type Res<T> = Result<T, SpecProblem>;

const METHODS: [(&str, HttpMethod); 5] = [
    ("get", HttpMethod::Get),
    ("post", HttpMethod::Post),
    ("put", HttpMethod::Put),
    ("delete", HttpMethod::Delete),
    ("patch", HttpMethod::Patch),
];

/// Detects the spec kind from `swagger` / `openapi`.
pub(crate) fn detect_kind(doc: &Value) -> Res<SpecKind> {
    if let Some(version) = doc.get("swagger") {
        return match version.as_str() {
            Some("2.0") => Ok(SpecKind::Swagger2),
            _ => Err(SpecProblem::new(
                "/swagger",
                format!("unsupported Swagger version {version}; expected \"2.0\""),
            )),
        };
    }
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => Ok(SpecKind::OpenApi30),
        Some(v) if v.starts_with("3.1") => Ok(SpecKind::OpenApi31),
        Some(v) => Err(SpecProblem::new(
            "/openapi",
            format!("unsupported OpenAPI version \"{v}\"; expected 3.0.x or 3.1.x"),
        )),
        None => Err(SpecProblem::new(
            "",
            "not a Swagger 2.0 or OpenAPI 3.x document (no `swagger` or `openapi` field)",
        )),
    }
}

/// Normalises a whole document.
pub(crate) fn normalize(doc: &Value) -> Res<Api> {
    let kind = detect_kind(doc)?;
    let reader = Reader { doc, kind };
    let root = object(doc, "")?;
    let info = root.get("info").and_then(Value::as_object);
    let title = info.and_then(|i| str_field(i, "title")).unwrap_or_default();
    let version = info
        .and_then(|i| str_field(i, "version"))
        .unwrap_or_default();

    let (base_url, base_path) = reader.servers(root);
    let schemas = reader.named_schemas(root)?;
    let scopes = reader.scopes(root);
    let tags = root
        .get("tags")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_object)
                .filter_map(|t| {
                    Some(Tag {
                        name: str_field(t, "name")?,
                        description: str_field(t, "description"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();

    let global_security = root.get("security");
    let mut operations = Vec::new();
    let paths = object(
        root.get("paths")
            .ok_or_else(|| SpecProblem::new("", "the spec has no `paths`"))?,
        "/paths",
    )?;
    for (path, item) in paths {
        let item_ptr = child("/paths", path);
        let item = object(item, &item_ptr)?;
        let shared_params = item.get("parameters");
        for (method_name, method) in METHODS {
            if let Some(op) = item.get(method_name) {
                let op_ptr = child(&item_ptr, method_name);
                operations.push(reader.operation(
                    path,
                    method,
                    op,
                    &op_ptr,
                    shared_params.map(|p| (p, child(&item_ptr, "parameters"))),
                    global_security,
                )?);
            }
        }
    }

    let compatibility_date = if kind.uses_compatibility_date() {
        reader
            .compatibility_date(root)
            .or_else(|| looks_like_date(&version).then(|| version.clone()))
    } else {
        None
    };

    Ok(Api {
        kind,
        title,
        version,
        compatibility_date,
        base_url,
        base_path,
        operations,
        schemas,
        scopes,
        tags,
    })
}

/// Shaped like `YYYY-MM-DD` (digits and dashes; the calendar is not checked).
pub(crate) fn looks_like_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

struct Reader<'a> {
    doc: &'a Value,
    kind: SpecKind,
}

impl<'a> Reader<'a> {
    fn swagger(&self) -> bool {
        self.kind == SpecKind::Swagger2
    }

    /// Follows a local `$ref` (parameters, responses, headers, request bodies).
    fn deref(&self, node: &'a Value, pointer: &str) -> Res<(&'a Value, String)> {
        let mut node = node;
        let mut pointer = pointer.to_string();
        for _ in 0..8 {
            let Some(reference) = node.get("$ref") else {
                return Ok((node, pointer));
            };
            let ref_ptr = child(&pointer, "$ref");
            let target = reference
                .as_str()
                .and_then(|r| r.strip_prefix('#'))
                .ok_or_else(|| {
                    SpecProblem::new(&ref_ptr, "only local `#/...` references are supported")
                })?;
            node = self.doc.pointer(target).ok_or_else(|| {
                SpecProblem::new(&ref_ptr, format!("reference `#{target}` points to nothing"))
            })?;
            pointer = target.to_string();
        }
        Err(SpecProblem::new(
            &pointer,
            "reference chain too long or cyclic",
        ))
    }

    fn servers(&self, root: &Map<String, Value>) -> (String, String) {
        if self.swagger() {
            let scheme = root
                .get("schemes")
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .and_then(Value::as_str)
                .unwrap_or("https");
            let host = str_field(root, "host").unwrap_or_else(|| "esi.evetech.net".into());
            let base_path = str_field(root, "basePath").unwrap_or_default();
            (
                format!("{scheme}://{host}"),
                base_path.trim_end_matches('/').to_string(),
            )
        } else {
            let url = root
                .get("servers")
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .and_then(|s| s.get("url"))
                .and_then(Value::as_str)
                .unwrap_or("https://esi.evetech.net")
                .trim_end_matches('/');
            // A server URL with a path (`https://host/base`) contributes a base path.
            match url.find("://").map(|i| i + 3) {
                Some(start) => match url[start..].find('/') {
                    Some(slash) => (
                        url[..start + slash].to_string(),
                        url[start + slash..].to_string(),
                    ),
                    None => (url.to_string(), String::new()),
                },
                None => ("https://esi.evetech.net".into(), url.to_string()),
            }
        }
    }

    fn named_schemas(&self, root: &Map<String, Value>) -> Res<BTreeMap<String, Schema>> {
        let (node, ptr) = if self.swagger() {
            (root.get("definitions"), "/definitions".to_string())
        } else {
            (
                root.get("components").and_then(|c| c.get("schemas")),
                "/components/schemas".to_string(),
            )
        };
        let mut out = BTreeMap::new();
        if let Some(node) = node {
            for (name, schema) in object(node, &ptr)? {
                out.insert(name.clone(), convert_schema(schema, &child(&ptr, name))?);
            }
        }
        Ok(out)
    }

    fn scopes(&self, root: &Map<String, Value>) -> BTreeMap<String, String> {
        let schemes = if self.swagger() {
            root.get("securityDefinitions")
        } else {
            root.get("components")
                .and_then(|c| c.get("securitySchemes"))
        };
        let mut out = BTreeMap::new();
        let Some(schemes) = schemes.and_then(Value::as_object) else {
            return out;
        };
        for scheme in schemes.values() {
            let mut scope_maps: Vec<&Value> = Vec::new();
            if let Some(s) = scheme.get("scopes") {
                scope_maps.push(s);
            }
            if let Some(flows) = scheme.get("flows").and_then(Value::as_object) {
                scope_maps.extend(flows.values().filter_map(|f| f.get("scopes")));
            }
            for map in scope_maps.into_iter().filter_map(Value::as_object) {
                for (name, desc) in map {
                    out.insert(name.clone(), desc.as_str().unwrap_or_default().to_string());
                }
            }
        }
        out
    }

    /// The date in the `X-Compatibility-Date` parameter's enum (ESI sets it to the served date).
    fn compatibility_date(&self, root: &Map<String, Value>) -> Option<String> {
        let params = root
            .get("components")
            .and_then(|c| c.get("parameters"))
            .and_then(Value::as_object)?;
        params
            .values()
            .find(|p| {
                p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case("X-Compatibility-Date"))
            })
            .and_then(|p| p.pointer("/schema/enum/0"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn operation(
        &self,
        path: &str,
        method: HttpMethod,
        node: &Value,
        pointer: &str,
        shared_params: Option<(&Value, String)>,
        global_security: Option<&Value>,
    ) -> Res<Operation> {
        let op = object(node, pointer)?;
        let operation_id = str_field(op, "operationId")
            .ok_or_else(|| SpecProblem::new(pointer, "operation has no `operationId`"))?;
        let tag = op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .unwrap_or("Default")
            .to_string();

        let mut parameters: Vec<Parameter> = Vec::new();
        let mut request_body = None;
        let mut param_lists: Vec<(&Value, String)> = Vec::new();
        if let Some(shared) = shared_params {
            param_lists.push(shared);
        }
        if let Some(own) = op.get("parameters") {
            param_lists.push((own, child(pointer, "parameters")));
        }
        for (list, list_ptr) in param_lists {
            let Some(list) = list.as_array() else {
                return Err(SpecProblem::new(&list_ptr, "`parameters` must be an array"));
            };
            for (i, param) in list.iter().enumerate() {
                let (param, param_ptr) = self.deref(param, &child(&list_ptr, &i.to_string()))?;
                match self.parameter(param, &param_ptr)? {
                    ParamOrBody::Param(p) => {
                        // An operation-level parameter overrides a path-level one.
                        parameters.retain(|q| !(q.name == p.name && q.location == p.location));
                        parameters.push(p);
                    }
                    ParamOrBody::Body(b) => request_body = Some(b),
                }
            }
        }
        if let Some(body) = op.get("requestBody") {
            request_body = Some(self.request_body(body, &child(pointer, "requestBody"))?);
        }

        let mut responses = Vec::new();
        if let Some(resp) = op.get("responses") {
            let resp_ptr = child(pointer, "responses");
            for (status, response) in object(resp, &resp_ptr)? {
                let status_ptr = child(&resp_ptr, status);
                let status = match status.as_str() {
                    "default" => Status::Default,
                    code => Status::Code(code.parse().map_err(|_| {
                        SpecProblem::new(&status_ptr, format!("bad response status `{code}`"))
                    })?),
                };
                responses.push(self.response(status, response, &status_ptr)?);
            }
        }

        let security = op.get("security").or(global_security);
        let mut scopes: Vec<String> = Vec::new();
        if let Some(reqs) = security.and_then(Value::as_array) {
            for req in reqs.iter().filter_map(Value::as_object) {
                for list in req.values().filter_map(Value::as_array) {
                    for scope in list.iter().filter_map(Value::as_str) {
                        if !scopes.iter().any(|s| s == scope) {
                            scopes.push(scope.to_string());
                        }
                    }
                }
            }
        }

        let pagination = if op.get("x-pagination").and_then(Value::as_str) == Some("cursor") {
            Pagination::Cursor
        } else if parameters
            .iter()
            .any(|p| p.location == ParamLocation::Query && p.name == "page")
        {
            Pagination::XPages
        } else if parameters
            .iter()
            .any(|p| p.location == ParamLocation::Query && p.name == "from_id")
        {
            Pagination::FromId
        } else {
            Pagination::None
        };

        Ok(Operation {
            operation_id,
            method,
            path: path.to_string(),
            tag,
            summary: str_field(op, "summary"),
            description: str_field(op, "description"),
            parameters,
            client_parameters: Vec::new(),
            request_body,
            responses,
            scopes,
            required_roles: string_list(op.get("x-required-roles")),
            cache_seconds: ["x-cache-age", "x-client-cache-ttl", "x-cached-seconds"]
                .iter()
                .find_map(|k| op.get(*k).and_then(Value::as_u64)),
            rate_limit: op
                .get("x-rate-limit")
                .map(|rl| rate_limit(rl, &child(pointer, "x-rate-limit")))
                .transpose()?,
            pagination,
            compatibility_date: str_field(op, "x-compatibility-date"),
            alternate_versions: string_list(op.get("x-alternate-versions")),
            deprecated: op.get("deprecated") == Some(&Value::Bool(true)),
            read_only: method == HttpMethod::Get,
            from_id_field: None,
            pointer: pointer.to_string(),
        })
    }

    fn parameter(&self, node: &Value, pointer: &str) -> Res<ParamOrBody> {
        let obj = object(node, pointer)?;
        let name = str_field(obj, "name")
            .ok_or_else(|| SpecProblem::new(pointer, "parameter has no `name`"))?;
        let location = match obj.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("body") => {
                let schema_node = obj
                    .get("schema")
                    .ok_or_else(|| SpecProblem::new(pointer, "body parameter has no `schema`"))?;
                return Ok(ParamOrBody::Body(RequestBody {
                    schema: convert_schema(schema_node, &child(pointer, "schema"))?,
                    required: obj.get("required") == Some(&Value::Bool(true)),
                    description: str_field(obj, "description"),
                }));
            }
            Some(other) => {
                return Err(SpecProblem::new(
                    &child(pointer, "in"),
                    format!("unsupported parameter location `{other}`"),
                ));
            }
            None => return Err(SpecProblem::new(pointer, "parameter has no `in`")),
        };
        // Swagger keeps the type on the parameter itself; OpenAPI under `schema`.
        let mut schema = match obj.get("schema") {
            Some(s) if !self.swagger() => convert_schema(s, &child(pointer, "schema"))?,
            _ if self.swagger() => {
                let mut bare = obj.clone();
                for key in ["name", "in", "required", "description"] {
                    bare.remove(key);
                }
                convert_schema(&Value::Object(bare), pointer)?
            }
            _ => Schema::of(SchemaKind::String(crate::model::StringFormat::Plain)),
        };
        let description = str_field(obj, "description").or_else(|| schema.description.take());
        Ok(ParamOrBody::Param(Parameter {
            name,
            location,
            required: location == ParamLocation::Path
                || obj.get("required") == Some(&Value::Bool(true)),
            description,
            schema,
        }))
    }

    fn request_body(&self, node: &Value, pointer: &str) -> Res<RequestBody> {
        let (node, pointer) = self.deref(node, pointer)?;
        let obj = object(node, &pointer)?;
        let (schema_node, schema_ptr) = self
            .json_content(obj, &pointer)
            .ok_or_else(|| SpecProblem::new(&pointer, "request body has no JSON content schema"))?;
        Ok(RequestBody {
            schema: convert_schema(schema_node, &schema_ptr)?,
            required: obj.get("required") == Some(&Value::Bool(true)),
            description: str_field(obj, "description"),
        })
    }

    fn response(&self, status: Status, node: &Value, pointer: &str) -> Res<Response> {
        let (node, pointer) = self.deref(node, pointer)?;
        let obj = object(node, &pointer)?;
        let schema = if self.swagger() {
            obj.get("schema")
                .map(|s| convert_schema(s, &child(&pointer, "schema")))
                .transpose()?
        } else {
            self.json_content(obj, &pointer)
                .map(|(s, p)| convert_schema(s, &p))
                .transpose()?
        };
        let mut headers = Vec::new();
        if let Some(hs) = obj.get("headers") {
            let hs_ptr = child(&pointer, "headers");
            for (name, header) in object(hs, &hs_ptr)? {
                let (header, header_ptr) = self.deref(header, &child(&hs_ptr, name))?;
                let schema = match header.get("schema") {
                    Some(s) if !self.swagger() => convert_schema(s, &child(&header_ptr, "schema"))?,
                    _ => convert_schema(header, &header_ptr)?,
                };
                headers.push((name.clone(), schema));
            }
        }
        Ok(Response {
            status,
            description: str_field(obj, "description"),
            schema,
            headers,
        })
    }

    /// The `application/json` (or first) media type's schema of a 3.x content map.
    fn json_content(
        &self,
        obj: &'a Map<String, Value>,
        pointer: &str,
    ) -> Option<(&'a Value, String)> {
        let content = obj.get("content")?.as_object()?;
        let (media, entry) = content
            .iter()
            .find(|(m, _)| m.starts_with("application/json"))
            .or_else(|| content.iter().next())?;
        let schema = entry.get("schema")?;
        Some((
            schema,
            child(&child(&child(pointer, "content"), media), "schema"),
        ))
    }
}

enum ParamOrBody {
    Param(Parameter),
    Body(RequestBody),
}

fn rate_limit(node: &Value, pointer: &str) -> Res<RateLimit> {
    let obj = object(node, pointer)?;
    let group = str_field(obj, "group")
        .ok_or_else(|| SpecProblem::new(pointer, "`x-rate-limit` has no `group`"))?;
    let max_tokens = obj
        .get("max-tokens")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            SpecProblem::new(
                &child(pointer, "max-tokens"),
                "`max-tokens` must be a positive integer",
            )
        })?;
    let window = str_field(obj, "window-size").unwrap_or_else(|| "15m".into());
    let window_seconds = parse_window(&window).ok_or_else(|| {
        SpecProblem::new(
            &child(pointer, "window-size"),
            format!("bad window size `{window}` (expected e.g. `15m`, `1h`, `30s`)"),
        )
    })?;
    Ok(RateLimit {
        group,
        max_tokens,
        window_seconds,
    })
}

/// Parses ESI window sizes: `15m`, `1h`, `30s`.
pub fn parse_window(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(factor)
}

fn string_list(node: Option<&Value>) -> Vec<String> {
    node.and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn object<'v>(node: &'v Value, pointer: &str) -> Res<&'v Map<String, Value>> {
    node.as_object()
        .ok_or_else(|| SpecProblem::new(pointer, "expected a JSON object"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse() {
        assert_eq!(parse_window("15m"), Some(900));
        assert_eq!(parse_window("1h"), Some(3600));
        assert_eq!(parse_window("m"), None);
        assert_eq!(parse_window("15x"), None);
    }

    #[test]
    fn dates_are_recognised() {
        assert!(looks_like_date("2026-08-18"));
        assert!(!looks_like_date("1.3.8"));
    }
}
