//! What the generated models' `Deserialize` impls share: the field table lookup and the steps
//! of reading one object (fill a field once, skip an unknown one, require a present one). One
//! copy here instead of serde's derived field enum and identifier visitor in every model keeps
//! the generated API small to compile; the impls stay as strict as the derive (a duplicate key
//! and a missing required key are errors with serde's messages).
//!
//! Not a public API: generated code reaches it through `__private`.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Reads an object's keys as indexes into a model's field table (`None`: a key the model does
/// not know). ESI sends keys in the model's order, so the key after the last one found is
/// tried first.
pub struct Keys {
    fields: &'static [&'static str],
    next: usize,
}

impl Keys {
    /// Keys of a model whose JSON field names are `fields`.
    pub fn new(fields: &'static [&'static str]) -> Self {
        Keys { fields, next: 0 }
    }

    /// The next key of `map`: `None` at the object's end, `Some(None)` for an unknown key.
    pub fn next<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
    ) -> Result<Option<Option<usize>>, A::Error> {
        let key = map.next_key_seed(KeySeed {
            fields: self.fields,
            first_try: self.next,
        })?;
        if let Some(Some(index)) = key {
            self.next = index + 1;
        }
        Ok(key)
    }
}

/// One key, looked up in a field table.
struct KeySeed {
    fields: &'static [&'static str],
    first_try: usize,
}

impl KeySeed {
    fn find(&self, key: &str) -> Option<usize> {
        if self.fields.get(self.first_try) == Some(&key) {
            return Some(self.first_try);
        }
        self.fields.iter().position(|field| *field == key)
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.find(key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(std::str::from_utf8(key).ok().and_then(|key| self.find(key)))
    }
}

/// Reads the value of field `name` into `slot`; a second value of it is an error.
pub fn fill<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error> {
    fill_seed(slot, map, name, PhantomData::<T>)
}

/// [`fill`] through `seed` (a date-time read by the runtime's parser).
pub fn fill_seed<'de, A: MapAccess<'de>, S: DeserializeSeed<'de>>(
    slot: &mut Option<S::Value>,
    map: &mut A,
    name: &'static str,
    seed: S,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value_seed(seed)?);
    Ok(())
}

/// Reads and drops the value of a key the model does not know (ESI adds fields).
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// The value of required field `name`, or serde's "missing field" error.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A date-time, read by [`crate::timestamp::deserialize`].
pub struct Timestamp;

impl<'de> DeserializeSeed<'de> for Timestamp {
    type Value = DateTime<Utc>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        crate::timestamp::deserialize(deserializer)
    }
}

/// A date-time or `null`, read by [`crate::timestamp::option::deserialize`].
pub struct OptionTimestamp;

impl<'de> DeserializeSeed<'de> for OptionTimestamp {
    type Value = Option<DateTime<Utc>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        crate::timestamp::option::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model as the generator writes it.
    #[derive(Debug, PartialEq)]
    struct Order {
        id: i64,
        issued: DateTime<Utc>,
        note: Option<String>,
    }

    impl<'de> de::Deserialize<'de> for Order {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            const FIELDS: &[&str] = &["id", "issued", "note"];
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Order;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("struct Order")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Order, A::Error> {
                    let (mut f0, mut f1, mut f2): (Option<i64>, _, Option<Option<String>>) =
                        (None, None, None);
                    let mut keys = Keys::new(FIELDS);
                    while let Some(field) = keys.next(&mut map)? {
                        match field {
                            Some(0) => fill(&mut f0, &mut map, FIELDS[0])?,
                            Some(1) => fill_seed(&mut f1, &mut map, FIELDS[1], Timestamp)?,
                            Some(2) => fill(&mut f2, &mut map, FIELDS[2])?,
                            _ => skip(&mut map)?,
                        }
                    }
                    Ok(Order {
                        id: required(f0, FIELDS[0])?,
                        issued: required(f1, FIELDS[1])?,
                        note: f2.flatten(),
                    })
                }
            }
            deserializer.deserialize_struct("Order", FIELDS, V)
        }
    }

    fn decode(json: &str) -> Result<Order, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn keys_in_any_order_unknown_ones_skipped_optional_ones_absent_or_null() {
        let a = decode(r#"{"id":1,"issued":"2026-01-02T03:04:05Z","note":"x","new":[1,{}]}"#);
        let b = decode(r#"{"new":null,"note":"x","issued":"2026-01-02T03:04:05Z","id":1}"#);
        assert_eq!(a, b);
        assert_eq!(a.unwrap().note.as_deref(), Some("x"));
        let none = decode(r#"{"id":1,"issued":"2026-01-02T03:04:05Z","note":null}"#).unwrap();
        let missing = decode(r#"{"id":1,"issued":"2026-01-02T03:04:05Z"}"#).unwrap();
        assert_eq!((none.note, missing.note), (None, None));
    }

    #[test]
    fn serde_derives_errors_for_missing_duplicate_and_wrong_values() {
        let missing = decode(r#"{"id":1}"#).unwrap_err();
        assert!(missing.starts_with("missing field `issued`"), "{missing}");
        let twice = decode(r#"{"id":1,"id":2,"issued":"2026-01-02T03:04:05Z"}"#).unwrap_err();
        assert!(twice.starts_with("duplicate field `id`"), "{twice}");
        let wrong = decode(r#"{"id":"1","issued":"2026-01-02T03:04:05Z"}"#).unwrap_err();
        assert!(
            wrong.starts_with("invalid type: string \"1\", expected i64"),
            "{wrong}"
        );
        let array = decode(r#"[1,"2026-01-02T03:04:05Z",null]"#).unwrap_err();
        assert!(array.contains("expected struct Order"), "{array}");
        // Date-times go through the runtime's parser, which refuses what is not RFC 3339.
        let bad_date = decode(r#"{"id":1,"issued":"yesterday"}"#).unwrap_err();
        assert!(bad_date.contains("line 1 column 28"), "{bad_date}");
    }
}
