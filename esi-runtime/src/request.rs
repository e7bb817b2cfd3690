//! A configured call of one operation: per-call options over the client's defaults, awaited
//! directly (`IntoFuture`) for the data, or through [`Request::with_response`] for the data
//! and its metadata.

use std::future::IntoFuture;

use crate::client::Client;
use crate::error::Result;
use crate::future::BoxFuture;
use crate::operation::Operation;
use crate::options::{CallOptions, call_option_setters};
use crate::response::{Conditional, Response};

/// One call of operation `O`, ready to be configured and awaited.
///
/// Generated code adds the operation's own optional parameters as builder methods.
#[must_use = "a request does nothing until it is awaited"]
#[derive(Debug, Clone)]
pub struct Request<O: Operation> {
    pub(crate) client: Client,
    pub(crate) op: O,
    pub(crate) options: CallOptions,
}

impl<O: Operation> Request<O> {
    /// A call of `op` on `client` (generated methods build these; so can crates generic over
    /// the application's operations).
    pub fn new(client: Client, op: O) -> Self {
        Request {
            client,
            op,
            options: CallOptions::default(),
        }
    }

    /// The operation's parameters, to change (generated setters use it).
    pub fn op_mut(&mut self) -> &mut O {
        &mut self.op
    }

    /// The operation's parameters as set so far.
    pub fn operation(&self) -> &O {
        &self.op
    }

    call_option_setters!();

    /// Returns the data with its status, headers and cache metadata.
    pub fn with_response(self) -> WithResponse<O> {
        WithResponse(self)
    }

    /// Sends the request with the caller's `ETag` ([`if_none_match`](Self::if_none_match))
    /// and answers [`Conditional::NotModified`] without a body when the caller's version is
    /// current, else [`Conditional::Modified`] with the data. Without an `ETag` it is always
    /// `Modified`.
    ///
    /// ```ignore
    /// // `etag` kept from an earlier answer (`Response::etag`), e.g. in a database.
    /// match client.status().get_status().if_none_match(etag).conditional().await? {
    ///     Conditional::Modified(status) => save(status.data, status.etag),
    ///     Conditional::NotModified(meta) => next_poll_at(meta.expires),
    /// }
    /// ```
    pub fn conditional(self) -> BoxFuture<'static, Result<Conditional<O::Output>>> {
        Box::pin(async move {
            crate::send::send_conditional(&self.client, &self.op, &self.options).await
        })
    }

    /// Sends the request and decodes the answer.
    pub async fn send(self) -> Result<O::Output> {
        Ok(crate::send::send(&self.client, &self.op, &self.options)
            .await?
            .data)
    }
}

impl<O: Operation> IntoFuture for Request<O> {
    type Output = Result<O::Output>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A request that answers with [`Response`] (data plus metadata) when awaited.
#[must_use = "a request does nothing until it is awaited"]
#[derive(Debug, Clone)]
pub struct WithResponse<O: Operation>(Request<O>);

impl<O: Operation> IntoFuture for WithResponse<O> {
    type Output = Result<Response<O::Output>>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let request = self.0;
        Box::pin(
            async move { crate::send::send(&request.client, &request.op, &request.options).await },
        )
    }
}
