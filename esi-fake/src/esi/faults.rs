//! Scripted faults: what the fake does wrong, for how many requests, on which paths.
//!
//! Faults are queued with [`Faults::push`] (or `POST /_fake/faults` with the same JSON, e.g.
//! `{"kind": "status", "status": 503, "count": 3, "path": "/markets"}`). Each one hits the next
//! `count` matching requests (`"count": null`: until cleared) and is then gone. When several are
//! queued, the oldest matching one of each stage applies:
//!
//! 1. [`FaultKind::Delay`] waits, then the request goes on;
//! 2. answer faults ([`FaultKind::Status`], [`FaultKind::HtmlGatewayTimeout`],
//!    [`FaultKind::DropConnection`], [`FaultKind::ErrorLimited`], [`FaultKind::RateLimited`],
//!    [`FaultKind::TruncatedJson`], [`FaultKind::TruncatedBody`]) replace or spoil the answer;
//! 3. page faults ([`FaultKind::XPagesChange`], [`FaultKind::LastModifiedChange`]) hit only
//!    requests for page 2 or later of an `X-Pages` route.

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (502, 503, 504...) and ESI's JSON error body.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// A 504 HTML page from the "load balancer" (`Content-Type: text/html`).
    HtmlGatewayTimeout,
    /// Wait this long, then answer normally.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Close the connection without answering.
    DropConnection,
    /// A complete HTTP answer whose JSON body is cut in half (`Content-Length` matches the cut).
    TruncatedJson,
    /// Headers announcing the full body, half of it, then the connection closes.
    TruncatedBody,
    /// Page 2 and later of an `X-Pages` route claim this many pages.
    XPagesChange {
        /// The changed `X-Pages`.
        pages: u32,
    },
    /// Page 2 and later of an `X-Pages` route have a `Last-Modified` this much later.
    LastModifiedChange {
        /// Seconds added to `Last-Modified`.
        seconds: u64,
    },
    /// 420 `{"error": "error limited"}` with the error-limit headers at zero.
    ErrorLimited,
    /// 429 with `Retry-After`.
    RateLimited {
        /// `Retry-After` in seconds.
        retry_after: u64,
    },
}

impl FaultKind {
    /// The stage the fault applies at.
    pub(crate) fn stage(&self) -> Stage {
        match self {
            FaultKind::Delay { .. } => Stage::Delay,
            FaultKind::XPagesChange { .. } | FaultKind::LastModifiedChange { .. } => Stage::Page,
            _ => Stage::Answer,
        }
    }
}

/// When in a request a fault applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Before anything else.
    Delay,
    /// Replacing or spoiling the answer.
    Answer,
    /// On pages ≥ 2 of `X-Pages` routes.
    Page,
}

fn one() -> Option<u32> {
    Some(1)
}

/// A fault with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only requests whose path starts with this, or whose operation's path template or id is
    /// this (`None`: every request).
    #[serde(default)]
    pub path: Option<String>,
    /// How many requests it hits (`None`: until cleared). Default 1.
    #[serde(default = "one")]
    pub count: Option<u32>,
}

impl Fault {
    /// A fault of `kind` hitting the next matching request.
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            path: None,
            count: Some(1),
        }
    }

    /// `status` (502, 503, 504...) with ESI's JSON error body.
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status { status })
    }

    /// A 504 HTML page from the load balancer.
    pub fn html_gateway_timeout() -> Self {
        Self::new(FaultKind::HtmlGatewayTimeout)
    }

    /// A delay of `ms` milliseconds before answering.
    pub fn delay(ms: u64) -> Self {
        Self::new(FaultKind::Delay { ms })
    }

    /// The connection closes without an answer.
    pub fn drop_connection() -> Self {
        Self::new(FaultKind::DropConnection)
    }

    /// A JSON body cut in half.
    pub fn truncated_json() -> Self {
        Self::new(FaultKind::TruncatedJson)
    }

    /// The connection closes halfway through the body.
    pub fn truncated_body() -> Self {
        Self::new(FaultKind::TruncatedBody)
    }

    /// `X-Pages` becomes `pages` on page 2 and later.
    pub fn x_pages_change(pages: u32) -> Self {
        Self::new(FaultKind::XPagesChange { pages })
    }

    /// `Last-Modified` moves `seconds` later on page 2 and later.
    pub fn last_modified_change(seconds: u64) -> Self {
        Self::new(FaultKind::LastModifiedChange { seconds })
    }

    /// 420 error limited.
    pub fn error_limited() -> Self {
        Self::new(FaultKind::ErrorLimited)
    }

    /// 429 with `Retry-After: retry_after`.
    pub fn rate_limited(retry_after: u64) -> Self {
        Self::new(FaultKind::RateLimited { retry_after })
    }

    /// Hits the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.count = Some(n);
        self
    }

    /// Hits every matching request until cleared.
    pub fn always(mut self) -> Self {
        self.count = None;
        self
    }

    /// Only requests on this path prefix, path template or operation id.
    pub fn on(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// What a request is, for matching faults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The request path.
    pub path: &'a str,
    /// The matched operation's path template.
    pub template: Option<&'a str>,
    /// The matched operation's id.
    pub operation_id: Option<&'a str>,
}

impl Fault {
    fn hits(&self, target: &Target<'_>) -> bool {
        let Some(scope) = self.path.as_deref() else {
            return true;
        };
        let trim = |s: &str| s.trim_end_matches('/').to_string();
        target.path.starts_with(scope)
            || target.template.is_some_and(|t| trim(t) == trim(scope))
            || target.operation_id == Some(scope)
    }
}

/// The queue of pending faults. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<Vec<Fault>>>,
}

impl Faults {
    /// Queues a fault.
    pub fn push(&self, fault: Fault) {
        if fault.count != Some(0) {
            self.lock().push(fault);
        }
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The pending faults, oldest first.
    pub fn pending(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one hit of the oldest pending fault of `stage` that matches `target`.
    pub(crate) fn take(&self, stage: Stage, target: &Target<'_>) -> Option<FaultKind> {
        let mut queue = self.lock();
        let index = queue
            .iter()
            .position(|f| f.kind.stage() == stage && f.hits(target))?;
        let kind = queue[index].kind.clone();
        if let Some(left) = &mut queue[index].count {
            *left = left.saturating_sub(1);
            if *left == 0 {
                queue.remove(index);
            }
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_matches_the_builders() {
        let parsed: Fault =
            serde_json::from_str(r#"{"kind":"status","status":503,"count":3,"path":"/markets"}"#)
                .expect("parses");
        assert_eq!(parsed, Fault::status(503).times(3).on("/markets"));
        let forever: Fault =
            serde_json::from_str(r#"{"kind":"drop_connection","count":null}"#).expect("parses");
        assert_eq!(forever, Fault::drop_connection().always());
        let once: Fault =
            serde_json::from_str(r#"{"kind":"html_gateway_timeout"}"#).expect("parses");
        assert_eq!(once.count, Some(1));
    }

    #[test]
    fn faults_are_used_up_in_order() {
        let faults = Faults::default();
        faults.push(Fault::status(502).times(2).on("/markets"));
        faults.push(Fault::status(504));
        let market = Target {
            path: "/markets/1/orders",
            template: None,
            operation_id: None,
        };
        let other = Target {
            path: "/status",
            ..market
        };
        assert_eq!(
            faults.take(Stage::Answer, &other),
            Some(FaultKind::Status { status: 504 })
        );
        assert_eq!(faults.take(Stage::Delay, &market), None);
        assert_eq!(
            faults.take(Stage::Answer, &market),
            Some(FaultKind::Status { status: 502 })
        );
        assert_eq!(
            faults.take(Stage::Answer, &market),
            Some(FaultKind::Status { status: 502 })
        );
        assert_eq!(faults.take(Stage::Answer, &market), None);
    }
}
