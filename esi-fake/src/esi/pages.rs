//! Answer bodies: rendered once per resource, then served by reference.
//!
//! A resource is one operation with one set of identifying parameters (path parameters and
//! declared query parameters other than pagination ones). The first request for it renders
//! every body it can have; later requests only pick one and clone a [`Bytes`] handle, so the
//! 50 × 1000 market orders are pure memcpy to serve. Resources come in four shapes:
//!
//! - plain: one body;
//! - `X-Pages`: `pages` bodies of `per_page` items each. A page past the last gets 404
//!   `{"error": "Requested page does not exist!"}`, as ESI answers;
//! - cursor and `from_id`: data sets of records sliced per request (see `records`).
//!
//! A rendered resource holds data only: its `Expires` and `Last-Modified` come from the cache
//! window of the request (`caching`), so they move while the bodies stay.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use esi_codegen::model::{Api, Operation, Pagination, SchemaKind};
use serde_json::{Map, Value};

use super::body::{Body, Slice, Sliced, etag_of};
use super::config::{PageShape, PagingConfig};
use super::records::{CursorSet, FromIdSet, RecordIds};
use super::rng::{mix, seed_of};
use super::synth::Synth;

/// Everything one resource can answer.
#[derive(Debug)]
pub(crate) enum Resource {
    /// No success body (204).
    NoContent,
    /// One body per page (one page for unpaginated routes).
    Pages(Vec<Body>),
    /// A cursor-paginated data set.
    Cursor(CursorSet),
    /// A `from_id` data set.
    FromId(FromIdSet),
}

impl Resource {
    /// Approximate bytes held.
    pub(crate) fn size(&self) -> usize {
        match self {
            Resource::NoContent => 0,
            Resource::Pages(pages) => pages.iter().map(|p| p.bytes.len()).sum(),
            Resource::Cursor(set) => set.records.len() * 256,
            Resource::FromId(set) => set.records.len() * 256,
        }
    }
}

/// A rendered resource.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The bodies.
    pub resource: Resource,
}

impl Rendered {
    /// The answer for one request.
    pub(crate) fn slice(&self, slice: &Slice) -> Sliced {
        match &self.resource {
            Resource::NoContent => Sliced::NoContent,
            Resource::Pages(pages) if pages.len() == 1 && slice.page <= 1 => Sliced::Body {
                body: pages[0].clone(),
                pages: Some(1),
            },
            Resource::Pages(pages) => match pages.get(slice.page.max(1) as usize - 1) {
                Some(body) => Sliced::Body {
                    body: body.clone(),
                    pages: Some(pages.len() as u32),
                },
                None => Sliced::NoSuchPage,
            },
            Resource::Cursor(set) => set.slice(slice),
            Resource::FromId(set) => set.slice(slice),
        }
    }
}

/// Strips the trailing slash of a path template, for keys of [`PagingConfig::shapes`].
pub(crate) fn template_key(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    }
}

/// Looks an operation up in a map keyed by path template or operation id.
pub(crate) fn lookup<'m, T>(
    map: &'m std::collections::BTreeMap<String, T>,
    op: &Operation,
) -> Option<&'m T> {
    map.get(template_key(&op.path))
        .or_else(|| map.get(&op.operation_id))
}

/// Everything needed to render one resource, owned (rendering runs on a blocking thread).
#[derive(Debug, Clone)]
pub(crate) struct RenderJob {
    /// The API.
    pub api: Arc<Api>,
    /// Index of the operation.
    pub operation: usize,
    /// Identifying parameters, sorted by name.
    pub params: Vec<(String, String)>,
    /// Global seed.
    pub seed: u64,
    /// Paging shapes.
    pub paging: PagingConfig,
    /// A fixed body replacing synthesis.
    pub fixed: Option<Value>,
    /// Request body bytes (POST/PUT), part of the seed.
    pub request_body: Bytes,
}

impl RenderJob {
    /// The cache key: operation and identifying parameters.
    pub(crate) fn key(&self) -> String {
        let mut key = self.operation.to_string();
        for (k, v) in &self.params {
            key.push('\u{1}');
            key.push_str(k);
            key.push('=');
            key.push_str(v);
        }
        if !self.request_body.is_empty() {
            key.push('\u{2}');
            key.push_str(&etag_of(&self.request_body));
        }
        key
    }

    /// Renders every body of the resource.
    pub(crate) fn render(&self) -> Rendered {
        Rendered {
            resource: self.resource(),
        }
    }

    fn resource(&self) -> Resource {
        let op = &self.api.operations[self.operation];
        if let Some(fixed) = &self.fixed {
            return Resource::Pages(vec![Body::new(fixed.to_string().into_bytes())]);
        }
        let Some(schema) = op.success_schema() else {
            return Resource::NoContent;
        };
        let synth = Synth::new(&self.api).echo(&self.params);
        let seed = seed_of(
            [
                self.seed.to_le_bytes().as_slice(),
                op.operation_id.as_bytes(),
                &self.request_body,
            ]
            .into_iter()
            .chain(
                self.params
                    .iter()
                    .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]),
            ),
        );
        let resolved = self.api.resolve(schema);
        match op.pagination {
            Pagination::XPages => {
                let shape = lookup(&self.paging.shapes, op)
                    .copied()
                    .unwrap_or(self.paging.default_shape);
                Resource::Pages(self.pages(&synth, schema, shape, seed))
            }
            Pagination::Cursor => match records_property(&self.api, resolved) {
                Some((key, items)) => {
                    let base = match synth.value(schema, seed) {
                        Value::Object(map) => map,
                        _ => Map::new(),
                    };
                    let ids = RecordIds::of(&self.api, items, seed);
                    let records = (0..self.paging.cursor_records)
                        .map(|i| {
                            let mut record = synth.value(items, mix(seed, i as u64 + 1));
                            if let Some(ids) = &ids {
                                ids.stamp(&mut record, i as u64);
                            }
                            record
                        })
                        .collect();
                    Resource::Cursor(CursorSet {
                        base,
                        records_key: key,
                        records,
                    })
                }
                None => Resource::Pages(vec![value_body(&synth.value(schema, seed))]),
            },
            Pagination::FromId => match &resolved.kind {
                SchemaKind::Array { items, .. } => {
                    Resource::FromId(self.transactions(&synth, items, seed))
                }
                _ => Resource::Pages(vec![value_body(&synth.value(schema, seed))]),
            },
            Pagination::None => Resource::Pages(vec![value_body(&synth.value(schema, seed))]),
        }
    }

    fn pages(
        &self,
        synth: &Synth<'_>,
        schema: &esi_codegen::model::Schema,
        shape: PageShape,
        seed: u64,
    ) -> Vec<Body> {
        let resolved = self.api.resolve(schema);
        let SchemaKind::Array { items, unique, .. } = &resolved.kind else {
            return (0..shape.pages)
                .map(|p| value_body(&synth.value(schema, mix(seed, u64::from(p)))))
                .collect();
        };
        let ids = RecordIds::of(&self.api, items, seed);
        let mut out = Vec::with_capacity(shape.pages as usize);
        let mut buf: Vec<u8> = Vec::new();
        for page in 0..u64::from(shape.pages) {
            buf.clear();
            buf.push(b'[');
            let mut seen: HashSet<String> = HashSet::new();
            for i in 0..u64::from(shape.per_page) {
                let n = page * u64::from(shape.per_page) + i;
                let mut item = synth.value(items, mix(seed, n));
                if let Some(ids) = &ids {
                    ids.stamp(&mut item, n);
                } else if *unique {
                    let mut attempt = 0;
                    while !seen.insert(item.to_string()) && attempt < 8 {
                        attempt += 1;
                        item = synth.value(items, mix(seed ^ attempt, n));
                    }
                }
                if i > 0 {
                    buf.push(b',');
                }
                // Writing a Value into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut buf, &item);
            }
            buf.push(b']');
            out.push(Body::new(buf.clone()));
        }
        out
    }

    fn transactions(
        &self,
        synth: &Synth<'_>,
        items: &esi_codegen::model::Schema,
        seed: u64,
    ) -> FromIdSet {
        let item = self.api.resolve(items);
        let id_key = match &item.kind {
            SchemaKind::Object { properties, .. } => properties
                .iter()
                .find(|p| p.name == "transaction_id")
                .or_else(|| {
                    properties.iter().find(|p| {
                        matches!(self.api.resolve(&p.schema).kind, SchemaKind::Integer(_))
                    })
                })
                .map(|p| p.name.clone()),
            _ => None,
        }
        .unwrap_or_else(|| "transaction_id".to_string());
        let newest_id = 6_000_000_000 + (seed % 1_000_000) as i64;
        let records = (0..self.paging.from_id_records)
            .map(|i| {
                let mut record = synth.value(items, mix(seed, i as u64 + 1));
                if let Value::Object(map) = &mut record {
                    map.insert(id_key.clone(), Value::from(newest_id - 3 * i as i64));
                }
                record
            })
            .collect();
        FromIdSet {
            records,
            id_key,
            page_size: self.paging.from_id_page_size.max(1),
        }
    }
}

fn value_body(value: &Value) -> Body {
    Body::new(value.to_string().into_bytes())
}

/// The array property holding a cursor answer's records, and its item schema.
fn records_property<'a>(
    api: &'a Api,
    schema: &'a esi_codegen::model::Schema,
) -> Option<(String, &'a esi_codegen::model::Schema)> {
    let SchemaKind::Object { properties, .. } = &schema.kind else {
        return None;
    };
    properties
        .iter()
        .filter(|p| p.name != "cursor")
        .find_map(|p| match &api.resolve(&p.schema).kind {
            SchemaKind::Array { items, .. } => Some((p.name.clone(), items.as_ref())),
            _ => None,
        })
}
