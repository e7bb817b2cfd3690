//! The boxed future the runtime's traits return (token sources, cache and limit stores) and its
//! request types resolve to.

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
