//! The metadata of a whole `X-Pages` page set, as [`Request::all_pages`] reports it: ESI's cache
//! hands out the pages of one set at different moments, so a page fetched just after a cache
//! window closed expires a window later than page 1, and a change may touch any page.
//!
//! - `Expires` of the set: the latest of its pages'. Asking again before then would fetch at
//!   least one page before its own `Expires`.
//! - `ETag` of the set (more than one page): every page's tag in page order, as a list in the
//!   form of an `If-None-Match` header (`"a", "b", "c"`), so it changes whenever any page
//!   changes, and given back to [`Request::if_none_match`] of the same walk it revalidates
//!   each page with its own tag ([`split_tags`]).
//!
//! [`Request::all_pages`]: crate::Request::all_pages
//! [`Request::if_none_match`]: crate::Request::if_none_match

use chrono::{DateTime, Utc};

/// Gathers the pages' `ETag`s and `Expires` as they arrive.
#[derive(Debug, Default)]
pub(crate) struct PageSet {
    tags: String,
    pages: u32,
    missing_tag: bool,
    latest_expires: Option<DateTime<Utc>>,
}

impl PageSet {
    /// Adds the next page in page order.
    pub(crate) fn add(&mut self, etag: Option<&str>, expires: Option<DateTime<Utc>>) {
        self.pages += 1;
        match etag {
            Some(tag) if !self.missing_tag => {
                if !self.tags.is_empty() {
                    self.tags.push_str(", ");
                }
                self.tags.push_str(tag);
            }
            _ => self.missing_tag = true,
        }
        self.latest_expires = self.latest_expires.max(expires);
    }

    /// The set's `ETag`: every page's tag in order (page 1's alone for a set of one page), or
    /// none when a page had none.
    pub(crate) fn etag(self) -> Option<String> {
        (!self.missing_tag && self.pages > 0).then_some(self.tags)
    }

    /// The latest `Expires` of the pages.
    pub(crate) fn expires(&self) -> Option<DateTime<Utc>> {
        self.latest_expires
    }
}

/// The page tags of a set's `ETag`, in page order: each `"…"` or `W/"…"` of the list (a tag
/// holds no `"`, so commas inside one are kept). Text that is not such a list is one tag.
pub(crate) fn split_tags(set: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = set.trim_start_matches([' ', ',']);
    while !rest.is_empty() {
        let body = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(quoted) = body.strip_prefix('"') else {
            return vec![set.to_string()];
        };
        let Some(end) = quoted.find('"') else {
            return vec![set.to_string()];
        };
        let taken = rest.len() - quoted.len() + end + 1;
        tags.push(rest[..taken].to_string());
        rest = rest[taken..].trim_start_matches([' ', ',']);
    }
    tags
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
        assert_eq!(one.etag().as_deref(), Some("\"a\""));
    }

    #[test]
    fn the_set_expires_with_its_latest_page() {
        assert_eq!(
            set(&[
                (Some("\"a\""), 10),
                (Some("\"b\""), 13),
                (Some("\"c\""), 10)
            ])
            .expires(),
            at(13)
        );
    }

    #[test]
    fn a_change_on_any_page_changes_the_tag_of_the_set() {
        let tag = |pages: &[(Option<&str>, i64)]| set(pages).etag();
        let base = tag(&[(Some("\"a\""), 1), (Some("\"b\""), 1), (Some("\"c\""), 1)]);
        assert_eq!(base.as_deref(), Some("\"a\", \"b\", \"c\""));
        assert_eq!(
            base,
            tag(&[(Some("\"a\""), 2), (Some("\"b\""), 2), (Some("\"c\""), 2)])
        );
        assert_ne!(
            base,
            tag(&[(Some("\"a\""), 1), (Some("\"b\""), 1), (Some("\"x\""), 1)])
        );
        assert_ne!(
            base,
            tag(&[(Some("\"a\""), 1), (Some("\"c\""), 1), (Some("\"b\""), 1)])
        );
        assert_ne!(base, tag(&[(Some("\"a\""), 1), (Some("\"b\""), 1)]));
        assert_eq!(tag(&[(Some("\"a\""), 1), (None, 1)]), None);
        assert_eq!(tag(&[(None, 1), (Some("\"a\""), 1)]), None);
    }

    #[test]
    fn a_set_tag_splits_back_into_its_pages() {
        let tags = ["\"a1\"", "W/\"b,2\"", "\"\""];
        let mut pages = PageSet::default();
        for tag in tags {
            pages.add(Some(tag), None);
        }
        let joined = pages.etag().unwrap();
        assert_eq!(split_tags(&joined), tags);
        assert_eq!(split_tags("\"solo\""), ["\"solo\""]);
        assert_eq!(split_tags("not a list"), ["not a list"]);
        assert_eq!(split_tags("\"open"), ["\"open"]);
    }
}
