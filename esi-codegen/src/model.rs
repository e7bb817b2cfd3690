//! The intermediate model every input spec is normalised into.
//!
//! Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1 documents all end up as one [`Api`]: operations
//! with their parameters, bodies, responses and ESI metadata, and the named schemas they refer
//! to. The emitter, the fake ESI server and the spec differ read only this model, never the raw
//! JSON, so the quirks of each input format stay in `normalize`.

use std::collections::BTreeMap;

use serde_json::Value;

/// Which kind of document a spec was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecKind {
    /// Swagger 2.0 (ESI's older `/{version}/swagger.json`).
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x (ESI's `/meta/openapi.json`, versioned by compatibility date).
    OpenApi31,
}

impl SpecKind {
    /// Whether the spec is versioned by compatibility date (OpenAPI) rather than route version.
    pub fn uses_compatibility_date(self) -> bool {
        !matches!(self, SpecKind::Swagger2)
    }
}

/// A whole ESI API, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The input kind.
    pub kind: SpecKind,
    /// `info.title` (changes from one date to the next; informative only).
    pub title: String,
    /// `info.version`: the compatibility date for OpenAPI specs, a semver for Swagger.
    pub version: String,
    /// The compatibility date the spec was served for (OpenAPI only).
    pub compatibility_date: Option<String>,
    /// Default server, e.g. `https://esi.evetech.net`.
    pub base_url: String,
    /// Prefix of every path (Swagger `basePath`, e.g. `/latest`; empty for OpenAPI).
    pub base_path: String,
    /// Every operation, in spec order (paths, then methods).
    pub operations: Vec<Operation>,
    /// Named schemas (`components/schemas` or `definitions`) by their spec name.
    pub schemas: BTreeMap<String, Schema>,
    /// OAuth2 scopes the spec declares, with their descriptions.
    pub scopes: BTreeMap<String, String>,
    /// Resource tags with their descriptions, in spec order.
    pub tags: Vec<Tag>,
}

impl Api {
    /// Operations of one tag.
    pub fn operations_of<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Operation> + 'a {
        self.operations.iter().filter(move |op| op.tag == tag)
    }

    /// Distinct tags used by operations, in first-use order.
    pub fn used_tags(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for op in &self.operations {
            if !seen.contains(&op.tag.as_str()) {
                seen.push(&op.tag);
            }
        }
        seen
    }

    /// Looks up an operation by its spec `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.operation_id == operation_id)
    }

    /// Follows `Ref` schemas to the schema they name (at most a few hops; cycles stop).
    pub fn resolve<'a>(&'a self, mut schema: &'a Schema) -> &'a Schema {
        for _ in 0..16 {
            match &schema.kind {
                SchemaKind::Ref(name) => match self.schemas.get(name) {
                    Some(target) => schema = target,
                    None => return schema,
                },
                _ => return schema,
            }
        }
        schema
    }
}

/// A resource tag (`Market`, `Faction Warfare`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The tag as the spec spells it.
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
}

/// HTTP methods ESI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// PATCH
    Patch,
}

impl HttpMethod {
    /// Upper-case name, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
        }
    }
}

/// One ESI operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId` as in the spec (`GetMarketsRegionIdOrders`, or `get_markets_region_id_orders`).
    pub operation_id: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template as in the spec, without the base path: `/markets/{region_id}/orders`.
    pub path: String,
    /// The resource tag (first tag of the operation).
    pub tag: String,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Parameters the caller supplies (path, query, header), in spec order.
    pub parameters: Vec<Parameter>,
    /// Parameters the client runtime supplies itself (compatibility date, tenant, ETag...).
    pub client_parameters: Vec<ClientParameter>,
    /// JSON request body.
    pub request_body: Option<RequestBody>,
    /// Declared responses.
    pub responses: Vec<Response>,
    /// OAuth2 scopes required (empty: public route).
    pub scopes: Vec<String>,
    /// Corporation roles required (`x-required-roles`).
    pub required_roles: Vec<String>,
    /// How long ESI caches the answer, in seconds (`x-cached-seconds`, `x-cache-age`).
    pub cache_seconds: Option<u64>,
    /// Rate-limit bucket (`x-rate-limit`).
    pub rate_limit: Option<RateLimit>,
    /// How the route paginates.
    pub pagination: Pagination,
    /// `x-compatibility-date`: the date the operation last changed.
    pub compatibility_date: Option<String>,
    /// Swagger `x-alternate-versions` (`dev`, `legacy`, `v1`...).
    pub alternate_versions: Vec<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Whether the operation only reads (GETs, and the POSTs that look things up, such as
    /// `/universe/names`): safe to retry after a timeout.
    pub read_only: bool,
    /// For `from_id` routes: the record field whose value the next request passes as `from_id`.
    pub from_id_field: Option<String>,
    /// JSON pointer to the operation in its spec file.
    pub pointer: String,
}

impl Operation {
    /// The success response (lowest 2xx).
    pub fn success(&self) -> Option<&Response> {
        self.responses
            .iter()
            .filter(|r| matches!(r.status, Status::Code(200..=299)))
            .min_by_key(|r| match r.status {
                Status::Code(code) => code,
                Status::Default => u16::MAX,
            })
    }

    /// The success response's body schema, if it has one.
    pub fn success_schema(&self) -> Option<&Schema> {
        self.success().and_then(|r| r.schema.as_ref())
    }

    /// Whether the route needs an SSO token.
    pub fn is_authenticated(&self) -> bool {
        !self.scopes.is_empty()
    }

    /// Parameters in one location.
    pub fn parameters_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string (arrays as comma-separated values, as ESI wants).
    Query,
    /// In a request header.
    Header,
}

/// A parameter the caller supplies.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Name as in the spec.
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the spec says it is required.
    pub required: bool,
    /// Description (from the parameter or its schema).
    pub description: Option<String>,
    /// Its type.
    pub schema: Schema,
}

impl Parameter {
    /// The spec default, if any.
    pub fn default(&self) -> Option<&Value> {
        self.schema.default.as_ref()
    }
}

/// Parameters that the runtime fills in itself rather than the caller, per call or per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientParameter {
    /// `X-Compatibility-Date` header.
    CompatibilityDate,
    /// `X-Tenant` header.
    Tenant,
    /// Swagger `datasource` query parameter (the tenant).
    Datasource,
    /// `Accept-Language` header.
    AcceptLanguage,
    /// Swagger `language` query parameter.
    Language,
    /// `If-None-Match` header.
    IfNoneMatch,
    /// `If-Modified-Since` header.
    IfModifiedSince,
    /// Swagger `token` query parameter (the client sends a bearer header instead).
    Token,
    /// `page` query parameter of `X-Pages` routes.
    Page,
    /// `user_agent` query parameter or `X-User-Agent` header.
    UserAgent,
}

/// A JSON request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// Its schema.
    pub schema: Schema,
    /// Whether the spec requires it.
    pub required: bool,
    /// Its description.
    pub description: Option<String>,
}

/// Status of a declared response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// A numeric status.
    Code(u16),
    /// `default`.
    Default,
}

/// A declared response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Status it is declared for.
    pub status: Status,
    /// Its description.
    pub description: Option<String>,
    /// JSON body schema; `None` for a response without content.
    pub schema: Option<Schema>,
    /// Declared headers and their schemas.
    pub headers: Vec<(String, Schema)>,
}

/// A rate-limit bucket as declared by `x-rate-limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Group name (`market-order`).
    pub group: String,
    /// Tokens in the bucket.
    pub max_tokens: u32,
    /// Floating window length in seconds.
    pub window_seconds: u64,
}

/// The three pagination kinds ESI uses, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pagination {
    /// Not paginated.
    None,
    /// `page` query parameter and `X-Pages` response header.
    XPages,
    /// `before`/`after` cursors (`x-pagination: cursor`).
    Cursor,
    /// `from_id` (wallet transactions).
    FromId,
}

/// A schema, normalised across Swagger 2.0 and OpenAPI 3.x.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// What kind of value.
    pub kind: SchemaKind,
    /// Whether `null` is allowed (3.1 `type: [.., "null"]`, 3.0 `nullable`, Swagger `x-nullable`).
    pub nullable: bool,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `default`.
    pub default: Option<Value>,
    /// `example` / `examples`.
    pub examples: Vec<Value>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
}

impl Schema {
    /// A schema of one kind with nothing else set.
    pub fn of(kind: SchemaKind) -> Self {
        Schema {
            kind,
            nullable: false,
            title: None,
            description: None,
            default: None,
            examples: Vec::new(),
            minimum: None,
            maximum: None,
        }
    }
}

/// Integer widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntFormat {
    /// `int32`.
    I32,
    /// `int64` (and integers without a format).
    I64,
}

/// Float widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FloatFormat {
    /// `float`.
    F32,
    /// `double` (and numbers without a format).
    F64,
}

/// String formats the generator types specially.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StringFormat {
    /// No special format.
    Plain,
    /// `date-time` (RFC 3339).
    DateTime,
    /// `date` (`YYYY-MM-DD`).
    Date,
    /// `uuid`.
    Uuid,
    /// Another format, kept as a plain string.
    Other(String),
}

/// The shape of a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaKind {
    /// A reference to a named schema in [`Api::schemas`].
    Ref(String),
    /// `boolean`.
    Boolean,
    /// `integer`.
    Integer(IntFormat),
    /// `number`.
    Number(FloatFormat),
    /// `string`.
    String(StringFormat),
    /// A string enum (or a string `const`), values in spec order.
    Enum(Vec<String>),
    /// `array`.
    Array {
        /// Item schema.
        items: Box<Schema>,
        /// `uniqueItems`.
        unique: bool,
        /// `minItems`.
        min_items: Option<u64>,
        /// `maxItems` (ESI's list bodies: 1000 for `/universe/names`).
        max_items: Option<u64>,
    },
    /// `object` with named properties.
    Object {
        /// Properties in spec order.
        properties: Vec<Property>,
        /// `additionalProperties` schema, for map-like objects.
        additional: Option<Box<Schema>>,
    },
    /// `oneOf`/`anyOf`: one of several shapes.
    OneOf(Vec<Schema>),
    /// No usable type information: any JSON value.
    Any,
}

/// A property of an object schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// JSON name.
    pub name: String,
    /// Its schema.
    pub schema: Schema,
    /// Whether it is in `required`.
    pub required: bool,
}
