//! The metadata of a whole `X-Pages` page set, as [`Request::all_pages`] reports it: ESI's cache
//! hands out the pages of one set at different moments, so a page fetched just after a cache
//! window closed expires a window later than page 1, and a change may touch any page.
//!
//! - `Expires` of the set: the latest of its pages'. Asking again before then would fetch at
//!   least one page before its own `Expires`.
//! - `ETag` of the set (more than one page): a weak tag digesting every page's tag in order,
//!   so it changes whenever any page changes. It names the set, not a page: it is not sent
//!   back in `If-None-Match` (the client revalidates each page from its cache on its own).
//!
//! [`Request::all_pages`]: crate::Request::all_pages

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::identity::short_hex;

/// Gathers the pages' `ETag`s and `Expires` as they arrive.
#[derive(Debug, Default)]
pub(crate) struct PageSet {
    digest: Sha256,
    pages: u32,
    missing_tag: bool,
    latest_expires: Option<DateTime<Utc>>,
}

impl PageSet {
    /// Adds the next page in page order.
    pub(crate) fn add(&mut self, etag: Option<&str>, expires: Option<DateTime<Utc>>) {
        self.pages += 1;
        match etag {
            Some(tag) => {
                // Length-prefixed, so that no two different lists digest alike.
                self.digest.update((tag.len() as u64).to_le_bytes());
                self.digest.update(tag.as_bytes());
            }
            None => self.missing_tag = true,
        }
        self.latest_expires = self.latest_expires.max(expires);
    }

    /// The set's `ETag`: page 1's for a set of one page; otherwise the digest of every page's
    /// tag, or none when a page had none.
    pub(crate) fn etag(self, first: Option<String>) -> Option<String> {
        if self.pages <= 1 {
            return first;
        }
        if self.missing_tag {
            return None;
        }
        let hex = short_hex(&self.digest.finalize());
        Some(format!("W/\"pages-{}-{hex}\"", self.pages))
    }

    /// The latest `Expires` of the pages.
    pub(crate) fn expires(&self) -> Option<DateTime<Utc>> {
        self.latest_expires
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(secs, 0)
    }

    fn set(pages: &[(Option<&str>, i64)]) -> PageSet {
        let mut set = PageSet::default();
        for (tag, expires) in pages {
            set.add(*tag, at(*expires));
        }
        set
    }

    #[test]
    fn one_page_keeps_its_own_tag() {
        let one = set(&[(Some("\"a\""), 10)]);
        assert_eq!(one.expires(), at(10));
        assert_eq!(one.etag(Some("\"a\"".into())).as_deref(), Some("\"a\""));
    }

    #[test]
    fn the_set_expires_with_its_latest_page() {
        assert_eq!(
            set(&[(Some("a"), 10), (Some("b"), 13), (Some("c"), 10)]).expires(),
            at(13)
        );
    }

    #[test]
    fn a_change_on_any_page_changes_the_tag_of_the_set() {
        let tag = |pages: &[(Option<&str>, i64)]| set(pages).etag(Some("first".into()));
        let base = tag(&[(Some("a"), 1), (Some("b"), 1), (Some("c"), 1)]);
        assert!(
            base.as_deref()
                .is_some_and(|t| t.starts_with("W/\"pages-3-"))
        );
        assert_eq!(base, tag(&[(Some("a"), 2), (Some("b"), 2), (Some("c"), 2)]));
        assert_ne!(base, tag(&[(Some("a"), 1), (Some("b"), 1), (Some("x"), 1)]));
        assert_ne!(base, tag(&[(Some("a"), 1), (Some("c"), 1), (Some("b"), 1)]));
        assert_ne!(base, tag(&[(Some("a"), 1), (Some("b"), 1)]));
        // Boundaries count: ("ab", "c") is not ("a", "bc").
        assert_ne!(
            tag(&[(Some("ab"), 1), (Some("c"), 1)]),
            tag(&[(Some("a"), 1), (Some("bc"), 1)])
        );
        assert_eq!(tag(&[(Some("a"), 1), (None, 1)]), None);
    }
}
