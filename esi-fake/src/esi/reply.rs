//! Answers under construction, and their conversion into hyper responses.
//!
//! A [`Reply`] is status, headers and body plus how the connection should end: normally, cut
//! off halfway through the body, or closed without any answer. [`WireBody`] is the hyper body
//! that can fail midway.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::body::{Frame, SizeHint};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use tokio::time::Sleep;

/// `Content-Type` of every JSON answer.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

/// How the answer leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Sent whole.
    Complete,
    /// Headers announce the whole body; half is sent, then the connection closes.
    Cut,
    /// Nothing is sent; the connection closes.
    Drop,
}

/// An answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes.
    pub body: Bytes,
    /// How it leaves.
    pub ending: Ending,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: Bytes) -> Self {
        Reply {
            status,
            headers: vec![("content-type", JSON.to_string())],
            body,
            ending: Ending::Complete,
        }
    }

    /// ESI's error body: `{"error": "..."}`.
    pub(crate) fn error(status: u16, message: impl Into<String>) -> Self {
        let body = serde_json::json!({ "error": message.into() }).to_string();
        Self::json(status, Bytes::from(body))
    }

    /// An answer without a body.
    pub(crate) fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            ending: Ending::Complete,
        }
    }

    /// An HTML answer.
    pub(crate) fn html(status: u16, page: &'static str) -> Self {
        Reply {
            status,
            headers: vec![("content-type", "text/html".to_string())],
            body: Bytes::from_static(page.as_bytes()),
            ending: Ending::Complete,
        }
    }

    /// Adds a header.
    pub(crate) fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Adds a header in place.
    pub(crate) fn set(&mut self, name: &'static str, value: impl ToString) {
        self.headers.push((name, value.to_string()));
    }

    /// Whether a header is set.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|(k, _)| *k == name)
    }

    /// Whether the status counts as an error for the error limit (not 2xx/3xx).
    pub(crate) fn is_error(&self) -> bool {
        !(200..400).contains(&self.status)
    }

    /// The hyper response, or [`Dropped`] when the connection is to close without one.
    pub(crate) fn into_response(self) -> Result<Response<WireBody>, Dropped> {
        let body = match self.ending {
            Ending::Drop => return Err(Dropped),
            Ending::Complete => WireBody::Whole(Some(self.body.clone())),
            Ending::Cut => WireBody::Cut {
                chunk: Some(self.body.slice(..self.body.len() / 2)),
                pause: Box::pin(tokio::time::sleep(CUT_PAUSE)),
            },
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.append(HeaderName::from_static(name), value);
            }
        }
        if self.ending == Ending::Cut {
            headers.insert(
                hyper::header::CONTENT_LENGTH,
                HeaderValue::from(self.body.len()),
            );
        }
        Ok(response)
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(at: SystemTime) -> String {
    DateTime::<Utc>::from(at)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Parses an HTTP date (RFC 7231 IMF-fixdate).
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|d| SystemTime::from(d.with_timezone(&Utc)))
}

/// The connection is to close without an answer (a scripted fault).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// How long a cut body waits after its first half before failing, so the half is flushed.
const CUT_PAUSE: Duration = Duration::from_millis(50);

/// A response body: whole, or cut short by an error after its first half.
#[derive(Debug)]
pub(crate) enum WireBody {
    /// The whole body, taken on the first poll.
    Whole(Option<Bytes>),
    /// The first half; after a pause (hyper flushes while it waits) the body fails and hyper
    /// closes the connection.
    Cut {
        /// The half still to send.
        chunk: Option<Bytes>,
        /// The pause before failing.
        pause: Pin<Box<Sleep>>,
    },
}

impl hyper::body::Body for WireBody {
    type Data = Bytes;
    type Error = Dropped;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Dropped>>> {
        match self.get_mut() {
            WireBody::Whole(chunk) => Poll::Ready(chunk.take().map(|b| Ok(Frame::data(b)))),
            WireBody::Cut { chunk, pause } => match chunk.take() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => pause.as_mut().poll(cx).map(|()| Some(Err(Dropped))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, WireBody::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            WireBody::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            WireBody::Whole(None) => SizeHint::with_exact(0),
            WireBody::Cut { .. } => SizeHint::default(),
        }
    }
}

/// The "load balancer" page of a 504.
pub(crate) const GATEWAY_TIMEOUT_HTML: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n";

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn http_dates_round_trip() {
        let at = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(at), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(at));
    }
}
