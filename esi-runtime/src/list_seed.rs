//! Decoding a JSON list into a `Vec` sized up front.
//!
//! JSON lists carry no length, so serde's `Vec` starts small and doubles, copying itself
//! about ten times for a page of 1000 market orders. The later pages of an `X-Pages` route
//! are about as long as page 1, so they are decoded into a list of page 1's length.

/// The most items a list is sized for up front.
const MAX_PREALLOCATION: usize = 1 << 16;

/// A serde seed decoding a JSON list into a `Vec` with room for `capacity` items.
pub(crate) struct ListSeed<T> {
    capacity: usize,
    item: std::marker::PhantomData<fn() -> T>,
}

impl<T> ListSeed<T> {
    /// A seed for a list of about `capacity` items.
    pub(crate) fn new(capacity: usize) -> Self {
        ListSeed {
            capacity: capacity.min(MAX_PREALLOCATION),
            item: std::marker::PhantomData,
        }
    }
}

impl<T> Clone for ListSeed<T> {
    fn clone(&self) -> Self {
        ListSeed::new(self.capacity)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for ListSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for ListSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a list")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let hint = seq.size_hint().unwrap_or(0);
        let mut items = Vec::with_capacity(self.capacity.max(hint).min(MAX_PREALLOCATION));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeSeed;

    use super::*;

    #[test]
    fn decodes_into_a_list_of_the_given_capacity() {
        let mut json = serde_json::Deserializer::from_str("[1, 2, 3]");
        let items: Vec<i64> = ListSeed::new(100).deserialize(&mut json).unwrap();
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(items.capacity(), 100);
    }

    #[test]
    fn a_longer_list_grows_and_the_capacity_is_bounded() {
        let mut json = serde_json::Deserializer::from_str("[1, 2, 3]");
        let items: Vec<i64> = ListSeed::new(1).deserialize(&mut json).unwrap();
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(ListSeed::<u8>::new(usize::MAX).capacity, MAX_PREALLOCATION);
        let mut json = serde_json::Deserializer::from_str(r#"{"a": 1}"#);
        let error = ListSeed::<i64>::new(4).deserialize(&mut json).unwrap_err();
        assert!(error.to_string().contains("a list"), "{error}");
    }
}
