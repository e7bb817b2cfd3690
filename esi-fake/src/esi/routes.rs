//! Request path → operation, by the spec's path templates.
//!
//! OpenAPI specs have paths without a prefix (`/markets/{region_id}/orders`). Swagger specs put
//! every path under the base path (`/latest/markets/{region_id}/orders/`) and also under each
//! version listed in the operation's `x-alternate-versions` (`/v1/...`, `/dev/...`,
//! `/legacy/...`). A trailing slash is optional either way. When several templates match, the
//! one with the most literal segments wins (`/characters/affiliation` over
//! `/characters/{character_id}`).

use esi_codegen::model::{Api, HttpMethod};

/// One path segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
struct Route {
    operation: usize,
    method: HttpMethod,
    segments: Vec<Segment>,
    literals: usize,
    /// Accepted first segments (route versions); empty when paths carry no version.
    versions: Vec<String>,
}

/// A request matched to an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matched {
    /// Index into `Api::operations`.
    pub operation: usize,
    /// Path parameters in template order, percent-decoded.
    pub path_params: Vec<(String, String)>,
}

/// Why a request path matched no operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoRoute {
    /// No template matches the path.
    NotFound,
    /// A template matches, for other methods.
    MethodNotAllowed,
}

/// Every operation's template, ready for matching.
#[derive(Debug, Clone)]
pub(crate) struct RouteTable {
    routes: Vec<Route>,
}

fn segments_of(path: &str) -> Vec<&str> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Maps the wire method to the model's.
pub(crate) fn method_of(name: &str) -> Option<HttpMethod> {
    Some(match name {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => return None,
    })
}

impl RouteTable {
    /// Builds the table for every operation of `api`.
    pub(crate) fn new(api: &Api) -> Self {
        let base = api.base_path.trim_matches('/');
        let routes = api
            .operations
            .iter()
            .enumerate()
            .map(|(operation, op)| {
                let segments: Vec<Segment> = segments_of(&op.path)
                    .into_iter()
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_string()),
                            None => Segment::Literal(s.to_string()),
                        },
                    )
                    .collect();
                let versions = if base.is_empty() {
                    Vec::new()
                } else {
                    std::iter::once(base.to_string())
                        .chain(op.alternate_versions.iter().cloned())
                        .collect()
                };
                Route {
                    operation,
                    method: op.method,
                    literals: segments
                        .iter()
                        .filter(|s| matches!(s, Segment::Literal(_)))
                        .count(),
                    segments,
                    versions,
                }
            })
            .collect();
        RouteTable { routes }
    }

    /// Finds the operation for a request.
    pub(crate) fn find(&self, method: HttpMethod, path: &str) -> Result<Matched, NoRoute> {
        let all = segments_of(path);
        let mut best: Option<(&Route, Vec<(String, String)>)> = None;
        let mut other_method = false;
        for route in &self.routes {
            let rest = if route.versions.is_empty() {
                &all[..]
            } else {
                match all.split_first() {
                    Some((version, rest)) if route.versions.iter().any(|v| v == version) => rest,
                    _ => continue,
                }
            };
            let Some(params) = bind(&route.segments, rest) else {
                continue;
            };
            if route.method != method {
                other_method = true;
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|(b, _)| route.literals > b.literals)
            {
                best = Some((route, params));
            }
        }
        match best {
            Some((route, path_params)) => Ok(Matched {
                operation: route.operation,
                path_params,
            }),
            None if other_method => Err(NoRoute::MethodNotAllowed),
            None => Err(NoRoute::NotFound),
        }
    }
}

fn bind(template: &[Segment], path: &[&str]) -> Option<Vec<(String, String)>> {
    if template.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (segment, raw) in template.iter().zip(path) {
        match segment {
            Segment::Literal(lit) if lit == raw => {}
            Segment::Literal(_) => return None,
            Segment::Param(_) if raw.is_empty() => return None,
            Segment::Param(name) => params.push((name.clone(), percent_decode(raw))),
        }
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esi::config::specs_dir;

    #[test]
    fn openapi_paths_match_with_or_without_trailing_slash() {
        let api = esi_codegen::load(specs_dir().join("esi-openapi-2026-08-18.json")).expect("spec");
        let table = RouteTable::new(&api);
        let m = table
            .find(HttpMethod::Get, "/markets/10000002/orders/")
            .expect("match");
        assert_eq!(
            api.operations[m.operation].path,
            "/markets/{region_id}/orders"
        );
        assert_eq!(
            m.path_params,
            [("region_id".to_string(), "10000002".to_string())]
        );
        let affiliation = table
            .find(HttpMethod::Post, "/characters/affiliation")
            .expect("literal route");
        assert_eq!(
            api.operations[affiliation.operation].path,
            "/characters/affiliation"
        );
        assert_eq!(
            table.find(HttpMethod::Delete, "/markets/10000002/orders"),
            Err(NoRoute::MethodNotAllowed)
        );
        assert_eq!(table.find(HttpMethod::Get, "/nope"), Err(NoRoute::NotFound));
    }

    #[test]
    fn swagger_paths_need_a_known_version() {
        let api =
            esi_codegen::load(specs_dir().join("esi-swagger-latest-v1.3.8.json")).expect("spec");
        let table = RouteTable::new(&api);
        for path in [
            "/latest/markets/10000002/orders/",
            "/v1/markets/10000002/orders/",
            "/dev/markets/10000002/orders",
        ] {
            assert!(table.find(HttpMethod::Get, path).is_ok(), "{path}");
        }
        assert!(
            table
                .find(HttpMethod::Get, "/v9/markets/10000002/orders/")
                .is_err()
        );
        assert!(
            table
                .find(HttpMethod::Get, "/markets/10000002/orders/")
                .is_err()
        );
    }
}
