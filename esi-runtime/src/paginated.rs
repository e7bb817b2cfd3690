//! Which pagination an operation has, as marker traits the compiler checks: generated code
//! implements exactly one of them for each paginated operation (from the spec's `X-Pages`,
//! cursor and `from_id` markers), so the page walkers of [`Request`](crate::Request) compile
//! only for operations that can be walked that way.
//!
//! An operation's [`OperationInfo::pagination`](crate::OperationInfo::pagination) must agree
//! with the trait it implements; generated code always does, and the walkers still refuse
//! (with [`Error::InvalidOption`](crate::Error::InvalidOption)) a hand-written operation that
//! does not.

use crate::operation::Operation;

/// An operation paginated by `X-Pages` (a `page` query parameter, an `X-Pages` answer
/// header): [`Request::all_pages`](crate::Request::all_pages) and
/// [`Request::pages`](crate::Request::pages) walk it.
pub trait PagedByXPages: Operation {}

/// An operation paginated by `before`/`after` cursors:
/// [`Request::walk_cursor`](crate::Request::walk_cursor) walks it.
pub trait PagedByCursor: Operation {}

/// An operation paginated by `from_id` (wallet transactions), whose records carry the id
/// named by
/// [`OperationInfo::from_id_field`](crate::OperationInfo::from_id_field):
/// [`Request::walk_from_id`](crate::Request::walk_from_id) walks it.
pub trait PagedByFromId: Operation {}
