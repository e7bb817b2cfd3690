//! Record lists: cursor data sets, `from_id` data sets, and unique record ids.
//!
//! - cursor: records oldest first, sliced per request by `before`/`after`/`limit` into
//!   `{<records>: [...], cursor: {before, after}}`. Tokens are opaque positions; `"0"` means
//!   the start (`after`) or the end (`before`). Walking `before` from the first answer ends with
//!   an empty list; `after` from the first answer finds nothing new.
//! - `from_id`: records newest first with descending ids; `from_id=X` answers record `X` and
//!   older ones, so the last answer of a walk holds only `X`.
//! - Records of every list get unique, increasing ids in the property that identifies them
//!   (`order_id`, `transaction_id`, `id`...), so clients keyed on them see no collisions.

use esi_codegen::model::{Api, IntFormat, Schema, SchemaKind};
use serde_json::{Map, Value};

use super::body::{Body, Slice, Sliced};

/// A cursor data set: the answer object without its records, and the records oldest first.
#[derive(Debug)]
pub(crate) struct CursorSet {
    /// The answer object, records left out.
    pub base: Map<String, Value>,
    /// The property holding the records.
    pub records_key: String,
    /// The records, oldest first.
    pub records: Vec<Value>,
}

/// A `from_id` data set: records newest first, and the property holding their id.
#[derive(Debug)]
pub(crate) struct FromIdSet {
    /// The records, newest first.
    pub records: Vec<Value>,
    /// The property holding each record's id.
    pub id_key: String,
    /// Records per answer.
    pub page_size: usize,
}

const CURSOR_MASK: u64 = 0x5DEE_CE66_D1CE_B00C;

fn cursor_token(position: usize) -> String {
    format!("{:016x}", position as u64 ^ CURSOR_MASK)
}

fn cursor_position(token: &str, len: usize, zero_means: usize) -> Option<usize> {
    if token == "0" {
        return Some(zero_means);
    }
    if token.len() != 16 {
        return None;
    }
    let raw = u64::from_str_radix(token, 16).ok()? ^ CURSOR_MASK;
    usize::try_from(raw).ok().filter(|p| *p <= len)
}

impl CursorSet {
    /// The answer for `before`/`after`/`limit`.
    pub(crate) fn slice(&self, slice: &Slice) -> Sliced {
        let len = self.records.len();
        let limit = slice.limit.unwrap_or(10).max(1);
        let (start, end) = match (&slice.before, &slice.after) {
            (Some(_), Some(_)) => {
                return Sliced::Bad("'before' and 'after' are mutually exclusive".into());
            }
            (Some(token), None) => match cursor_position(token, len, len) {
                Some(end) => (end.saturating_sub(limit), end),
                None => return Sliced::Bad(format!("invalid cursor '{token}'")),
            },
            (None, Some(token)) => match cursor_position(token, len, 0) {
                Some(start) => (start, start.saturating_add(limit).min(len)),
                None => return Sliced::Bad(format!("invalid cursor '{token}'")),
            },
            (None, None) => (len.saturating_sub(limit), len),
        };
        let mut answer = self.base.clone();
        answer.insert(
            self.records_key.clone(),
            Value::Array(self.records[start..end].to_vec()),
        );
        let mut cursor = Map::new();
        cursor.insert("before".into(), Value::String(cursor_token(start)));
        cursor.insert("after".into(), Value::String(cursor_token(end)));
        answer.insert("cursor".into(), Value::Object(cursor));
        json_body(&Value::Object(answer))
    }
}

impl FromIdSet {
    /// The answer for `from_id`.
    pub(crate) fn slice(&self, slice: &Slice) -> Sliced {
        let start = match slice.from_id {
            None => 0,
            Some(from) => self
                .records
                .iter()
                .position(|r| {
                    r.get(&self.id_key)
                        .and_then(Value::as_i64)
                        .is_some_and(|id| id <= from)
                })
                .unwrap_or(self.records.len()),
        };
        let end = start.saturating_add(self.page_size).min(self.records.len());
        json_body(&Value::Array(self.records[start..end].to_vec()))
    }
}

/// Encodes an answer.
fn json_body(value: &Value) -> Sliced {
    match serde_json::to_vec(value) {
        Ok(bytes) => Sliced::Body {
            body: Body::new(bytes),
            pages: None,
        },
        Err(e) => Sliced::Bad(format!("cannot encode the answer: {e}")),
    }
}

/// Properties that identify a record in ESI's lists, most specific first.
const RECORD_KEYS: [&str; 16] = [
    "id",
    "order_id",
    "transaction_id",
    "contract_id",
    "job_id",
    "killmail_id",
    "bid_id",
    "record_id",
    "item_id",
    "starbase_id",
    "office_id",
    "observer_id",
    "structure_id",
    "contact_id",
    "shareholder_id",
    "medal_id",
];

/// How the records of a list get unique ids: the property to set (`None`: the item itself is
/// the integer) and the first id.
#[derive(Debug, Clone)]
pub(crate) struct RecordIds {
    key: Option<String>,
    first: i64,
}

impl RecordIds {
    /// Unique ids for items of `items`, if they are integers or objects with an id property.
    pub(crate) fn of(api: &Api, items: &Schema, seed: u64) -> Option<Self> {
        let width = |format: &IntFormat| match format {
            IntFormat::I32 => 100_000_000 + (seed % 1000) as i64 * 100_000,
            IntFormat::I64 => 5_000_000_000 + (seed % 1_000_000) as i64 * 1000,
        };
        match &api.resolve(items).kind {
            SchemaKind::Integer(format) => Some(RecordIds {
                key: None,
                first: width(format),
            }),
            SchemaKind::Object { properties, .. } => RECORD_KEYS.iter().find_map(|name| {
                let prop = properties.iter().find(|p| p.name == *name)?;
                match &api.resolve(&prop.schema).kind {
                    SchemaKind::Integer(format) => Some(RecordIds {
                        key: Some(prop.name.clone()),
                        first: width(format),
                    }),
                    _ => None,
                }
            }),
            _ => None,
        }
    }

    /// Gives record number `n` its id.
    pub(crate) fn stamp(&self, item: &mut Value, n: u64) {
        let id = Value::from(self.first + n as i64);
        match (&self.key, item) {
            (None, item @ Value::Number(_)) => *item = id,
            (Some(key), Value::Object(map)) => {
                map.insert(key.clone(), id);
            }
            _ => {}
        }
    }
}
