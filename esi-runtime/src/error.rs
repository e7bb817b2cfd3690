//! The one error type of the client: what went wrong, for which operation, and whether a retry
//! could help.

use std::time::Duration;

use serde::Deserialize;

/// ESI's error body: `{"error": "...", "status": 404, "details": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EsiErrorBody {
    /// ESI's message.
    pub error: String,
    /// The status ESI says it answered (OpenAPI specs).
    #[serde(default)]
    pub status: Option<u16>,
    /// Per-field problems, when ESI lists them.
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (no contact in the user agent, a bad base URL...).
    #[error("client configuration: {0}")]
    Config(String),
    /// The operation needs an SSO token and none was given.
    #[error("{operation} needs an SSO token with scopes {scopes:?}; pass one with `.token(..)`")]
    MissingToken {
        /// Operation id.
        operation: &'static str,
        /// Scopes the operation requires.
        scopes: &'static [&'static str],
    },
    /// The given token lacks scopes the operation requires.
    #[error("{operation} needs scopes {missing:?} that the token does not have")]
    MissingScopes {
        /// Operation id.
        operation: &'static str,
        /// The scopes missing from the token.
        missing: Vec<String>,
    },
    /// The token source could not give a token.
    #[error("{operation}: no access token: {source}")]
    TokenSource {
        /// Operation id.
        operation: &'static str,
        /// Why.
        #[source]
        source: crate::auth::TokenSourceError,
    },
    /// A required request body was not set.
    #[error("{operation} needs a request body; set it with `.body(..)`")]
    MissingBody {
        /// Operation id.
        operation: &'static str,
    },
    /// A call option was invalid (a malformed compatibility date...).
    #[error("{operation}: invalid option: {message}")]
    InvalidOption {
        /// Operation id.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The request body could not be encoded.
    #[error("{operation}: cannot encode the request body: {source}")]
    Encode {
        /// Operation id.
        operation: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// ESI answered with an error status.
    #[error("{operation}: ESI answered {status}{}", error.as_ref().map(|e| format!(": {}", e.error)).unwrap_or_default())]
    Status {
        /// Operation id.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// ESI's parsed error body, when it sent one.
        error: Option<EsiErrorBody>,
        /// The start of the body, for bodies that are not ESI's (an HTML page from a proxy).
        body_excerpt: String,
    },
    /// ESI's error limit is exhausted: every request is refused until the window resets.
    #[error("{operation}: ESI error limit reached; retry after {reset:?}")]
    ErrorLimited {
        /// Operation id.
        operation: &'static str,
        /// Time until the error window resets.
        reset: Duration,
    },
    /// A rate-limit bucket is empty (HTTP 429).
    #[error("{operation}: rate limited (group {group:?}); retry after {retry_after:?}")]
    RateLimited {
        /// Operation id.
        operation: &'static str,
        /// Rate-limit group, when known.
        group: Option<String>,
        /// Time to wait.
        retry_after: Duration,
    },
    /// The pages of an `X-Pages` route kept changing while they were fetched (ESI refreshed
    /// its cache mid-way), so no consistent set could be returned.
    #[error(
        "{operation}: the pages changed while they were fetched (X-Pages or Last-Modified differ)"
    )]
    PagesChanged {
        /// Operation id.
        operation: &'static str,
    },
    /// An `X-Pages` route announced more pages than the client walks (a broken answer: ESI's
    /// largest page sets are a few hundred pages).
    #[error("{operation}: the answer announces {pages} pages; the client walks at most {max}")]
    TooManyPages {
        /// Operation id.
        operation: &'static str,
        /// The announced `X-Pages`.
        pages: u32,
        /// The most pages a walk fetches.
        max: u32,
    },
    /// A task fetching a page was cancelled (the runtime is shutting down).
    #[error("{operation}: cancelled")]
    Cancelled {
        /// Operation id.
        operation: &'static str,
    },
    /// The call did not finish within its deadline (retries and waits included).
    #[error("{operation}: no answer within the call's deadline of {deadline:?}")]
    DeadlineExceeded {
        /// Operation id.
        operation: &'static str,
        /// The deadline.
        deadline: Duration,
    },
    /// The answer's body was larger than the call reads (after decompression).
    #[error("{operation}: the answer is larger than {limit} bytes; nothing was kept")]
    BodyTooLarge {
        /// Operation id.
        operation: &'static str,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The access token has expired (by its `exp` claim): refused before sending.
    #[error("{operation}: the access token has expired; refresh it")]
    TokenExpired {
        /// Operation id.
        operation: &'static str,
    },
    /// The client's token verifier refused the access token: nothing was sent.
    #[error("{operation}: the access token did not verify: {reason}")]
    TokenRejected {
        /// Operation id.
        operation: &'static str,
        /// Why.
        reason: String,
    },
    /// The request timed out.
    #[error("{operation}: timed out")]
    Timeout {
        /// Operation id.
        operation: &'static str,
    },
    /// The connection failed or broke.
    #[error("{operation}: transport error: {source}")]
    Transport {
        /// Operation id.
        operation: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer did not decode into the operation's type.
    #[error("{operation}: cannot decode the answer: {source}; body starts with {excerpt:?}")]
    Decode {
        /// Operation id.
        operation: &'static str,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
        /// The start of the body.
        excerpt: String,
    },
}

impl Error {
    /// The HTTP status, for errors that came with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::ErrorLimited { .. } => Some(420),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether trying the same request again later could succeed (5xx, timeouts, transport).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Status { status, .. } => crate::retry::retryable_status(*status),
            Error::Timeout { .. } | Error::Transport { .. } => true,
            _ => false,
        }
    }
}

/// Result alias of the client.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// At most `max` characters of a body, lossily decoded, for error messages.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max * 4)]);
    text.chars().take(max).collect()
}
