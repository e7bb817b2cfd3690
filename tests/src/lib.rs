//! The workspace's cross-crate tests (`tests/`): the sync engine on a fleet and on several
//! processes, limits, cache and refreshes shared through Redis and PostgreSQL, resource
//! versions end to end. This library holds no code of its own: it only runs the README's
//! examples as doctests.

/// The README's examples, compiled (and run where they can) as doctests of this crate, so the
/// README can never rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
