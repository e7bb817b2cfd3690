//! What generated code hands the runtime: a static description of each operation
//! ([`OperationInfo`]) and a request value implementing [`Operation`].

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Which kind of spec the client was generated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecKind {
    /// Swagger 2.0 (route versions such as `/latest/`, `datasource` query parameter).
    Swagger2,
    /// OpenAPI 3.0.
    OpenApi30,
    /// OpenAPI 3.1 (versioned by `X-Compatibility-Date`).
    OpenApi31,
}

/// The spec this build was generated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecInfo {
    /// Its kind.
    pub kind: SpecKind,
    /// `info.title`.
    pub title: &'static str,
    /// `info.version`.
    pub version: &'static str,
    /// The compatibility date it was served for (OpenAPI only); the client's default date.
    pub compatibility_date: Option<&'static str>,
    /// The spec's server, the client's default base URL.
    pub base_url: &'static str,
    /// Resource modules in this build.
    pub resources: &'static [&'static str],
}

/// How an operation paginates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pagination {
    /// Not paginated.
    None,
    /// `page` query parameter, `X-Pages` response header.
    XPages,
    /// `before`/`after` cursors.
    Cursor,
    /// `from_id`.
    FromId,
}

/// Parameters the runtime supplies itself rather than the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientParam {
    /// `X-Compatibility-Date` header.
    CompatibilityDate,
    /// `X-Tenant` header.
    Tenant,
    /// Swagger `datasource` query parameter.
    Datasource,
    /// `Accept-Language` header.
    AcceptLanguage,
    /// Swagger `language` query parameter.
    Language,
    /// `If-None-Match` header.
    IfNoneMatch,
    /// `If-Modified-Since` header.
    IfModifiedSince,
    /// Swagger `token` query parameter (never used: the client sends a bearer header).
    Token,
    /// `page` query parameter.
    Page,
    /// `user_agent` query parameter or `X-User-Agent` header.
    UserAgent,
}

/// Whether an operation takes a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    None,
    /// A body is optional.
    Optional {
        /// `maxItems` of a list body.
        max_items: Option<u32>,
    },
    /// A body is required.
    Required {
        /// `maxItems` of a list body (ESI: 1000 for `/universe/names`).
        max_items: Option<u32>,
    },
}

/// A rate-limit bucket from the spec's `x-rate-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// Group name.
    pub group: &'static str,
    /// Tokens in the bucket.
    pub max_tokens: u32,
    /// Window in seconds.
    pub window_seconds: u64,
}

/// Everything static about one operation, from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationInfo {
    /// `operationId` as in the spec.
    pub id: &'static str,
    /// Method name in this client (snake_case).
    pub name: &'static str,
    /// Resource module.
    pub resource: &'static str,
    /// Spec tag.
    pub tag: &'static str,
    /// HTTP method.
    pub method: http::Method,
    /// Path template including any base path (`/latest/...` for Swagger specs).
    pub path: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Required SSO scopes (empty: public).
    pub scopes: &'static [&'static str],
    /// Required corporation roles.
    pub roles: &'static [&'static str],
    /// ESI's cache time in seconds.
    pub cache_seconds: Option<u32>,
    /// Rate-limit bucket.
    pub rate_limit: Option<RateLimitInfo>,
    /// Pagination kind.
    pub pagination: Pagination,
    /// Parameters the runtime supplies.
    pub client_params: &'static [ClientParam],
    /// Request body.
    pub body: BodyKind,
    /// Whether success has no body (204).
    pub empty_response: bool,
    /// Whether the call may be retried after a timeout or 5xx (reads; PUT and DELETE are
    /// idempotent; POSTs only where they are lookups).
    pub retry_safe: bool,
    /// For `from_id` routes: the record field the next request passes as `from_id`.
    pub from_id_field: Option<&'static str>,
    /// The parameters the caller supplies, in spec order.
    pub params: &'static [ParamInfo],
    /// `x-compatibility-date`: when the operation last changed.
    pub last_changed: Option<&'static str>,
    /// A compatibility date pinned for this operation at build time (a resource version): it
    /// wins over the client's.
    pub compatibility_date: Option<&'static str>,
    /// The compatibility date of the spec this operation was generated from (OpenAPI specs):
    /// sent when neither the call, a resource version, nor the client sets one.
    pub spec_date: Option<&'static str>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
}

/// A parameter's type, as far as a caller building requests from text needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Text.
    String,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 date and time.
    DateTime,
    /// One of these values.
    Enum(&'static [&'static str]),
    /// A comma-separated list.
    List(&'static ParamKind),
}

impl ParamKind {
    /// Checks a value given as text; the error says what was expected.
    pub fn check(&self, value: &str) -> std::result::Result<(), String> {
        let ok = match self {
            ParamKind::Integer => value.parse::<i64>().is_ok(),
            ParamKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
            ParamKind::Boolean => matches!(value, "true" | "false"),
            ParamKind::String => true,
            ParamKind::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
            ParamKind::DateTime => chrono::DateTime::parse_from_rfc3339(value).is_ok(),
            ParamKind::Enum(values) => values.contains(&value),
            ParamKind::List(inner) => {
                return value
                    .split(',')
                    .try_for_each(|item| inner.check(item.trim()));
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{value:?} is not {}", self.describe()))
        }
    }

    /// What the kind expects, for messages: `an integer`, `one of buy, sell, all`...
    pub fn describe(&self) -> String {
        match self {
            ParamKind::Integer => "an integer".into(),
            ParamKind::Number => "a number".into(),
            ParamKind::Boolean => "true or false".into(),
            ParamKind::String => "text".into(),
            ParamKind::Date => "a YYYY-MM-DD date".into(),
            ParamKind::DateTime => "an RFC 3339 date-time".into(),
            ParamKind::Enum(values) => format!("one of {}", values.join(", ")),
            ParamKind::List(inner) => format!("a comma-separated list of {}", inner.describe()),
        }
    }
}

/// One parameter of an operation, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamInfo {
    /// Name as in the spec.
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether it is required.
    pub required: bool,
    /// Its type.
    pub kind: ParamKind,
    /// The spec default, as text.
    pub default: Option<&'static str>,
    /// Its description.
    pub description: &'static str,
}

impl OperationInfo {
    /// Whether the runtime should send this client-managed parameter.
    pub fn takes(&self, param: ClientParam) -> bool {
        self.client_params.contains(&param)
    }
}

/// A request value of one operation. Implemented by generated code.
pub trait Operation: Send + Sync + 'static {
    /// The decoded success type.
    type Output: serde::de::DeserializeOwned + Send + 'static;
    /// Static description of the operation.
    const INFO: &'static OperationInfo;
    /// The SSO scopes the operation requires (the constants of the generated `scopes`
    /// module; the same names as [`OperationInfo::scopes`]). Empty for a public route.
    const SCOPES: &'static [crate::Scope] = &[];
    /// The request path, parameters substituted and percent-encoded.
    fn path(&self) -> String;
    /// Query and header parameters.
    fn params(&self, _params: &mut Params) {}
    /// The encoded JSON body, if one is set.
    fn body(&self) -> Option<serde_json::Result<Vec<u8>>> {
        None
    }
    /// The character the call acts as (its `character_id` path parameter), for token sources.
    fn character_id(&self) -> Option<i64> {
        None
    }
}

/// Query and header parameters collected from an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Query pairs in order.
    pub query: Vec<(&'static str, String)>,
    /// Header pairs in order.
    pub headers: Vec<(&'static str, String)>,
}

impl Params {
    /// Adds a query parameter.
    pub fn query<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        self.query.push((name, value.to_param()));
    }

    /// Adds a query parameter when set.
    pub fn query_opt<V: ParamValue>(&mut self, name: &'static str, value: &Option<V>) {
        if let Some(v) = value {
            self.query(name, v);
        }
    }

    /// Adds a header.
    pub fn header<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        self.headers.push((name, value.to_param()));
    }

    /// Adds a header when set.
    pub fn header_opt<V: ParamValue>(&mut self, name: &'static str, value: &Option<V>) {
        if let Some(v) = value {
            self.header(name, v);
        }
    }
}

/// How a value is written into a path segment, query parameter or header.
/// Lists are comma-separated, as ESI wants (`type_ids=1,2,3`).
pub trait ParamValue {
    /// Appends the value's text.
    fn write_param(&self, out: &mut String);

    /// The value's text.
    fn to_param(&self) -> String {
        let mut out = String::new();
        self.write_param(&mut out);
        out
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn write_param(&self, out: &mut String) {
                use std::fmt::Write;
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
display_param!(i32, i64, u32, u64, f32, f64, bool, str, String);

impl ParamValue for chrono::DateTime<chrono::Utc> {
    fn write_param(&self, out: &mut String) {
        out.push_str(&self.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
}

impl ParamValue for chrono::NaiveDate {
    fn write_param(&self, out: &mut String) {
        out.push_str(&self.format("%Y-%m-%d").to_string());
    }
}

impl ParamValue for serde_json::Value {
    fn write_param(&self, out: &mut String) {
        match self {
            serde_json::Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn write_param(&self, out: &mut String) {
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_param(out);
        }
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn write_param(&self, out: &mut String) {
        (**self).write_param(out);
    }
}

/// Characters left as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A parameter's text, percent-encoded for use as one path segment.
pub fn path_segment<V: ParamValue + ?Sized>(value: &V) -> String {
    utf8_percent_encode(&value.to_param(), SEGMENT).to_string()
}

/// A plain GET of `path` for the runtime's unit tests.
#[cfg(test)]
pub(crate) const fn test_operation(
    path: &'static str,
    retry_safe: bool,
    client_params: &'static [ClientParam],
    compatibility_date: Option<&'static str>,
    spec_date: Option<&'static str>,
) -> OperationInfo {
    OperationInfo {
        id: "GetThing",
        name: "get_thing",
        resource: "thing",
        tag: "Thing",
        method: http::Method::GET,
        path,
        summary: "",
        scopes: &[],
        roles: &[],
        cache_seconds: None,
        rate_limit: None,
        pagination: Pagination::None,
        client_params,
        body: BodyKind::None,
        empty_response: false,
        retry_safe,
        from_id_field: None,
        params: &[],
        last_changed: None,
        compatibility_date,
        spec_date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_comma_separated_and_segments_encoded() {
        assert_eq!(vec![1i64, 2, 3].to_param(), "1,2,3");
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(path_segment(&42i64), "42");
    }
}
