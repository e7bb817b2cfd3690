//! Request log: every request to the SSO endpoints (not `/_fake/*`), with headers and form
//! parameters kept verbatim so tests can assert on exactly what a client sent. `Debug` output
//! redacts credentials. The layer filling it is `layers::record`.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Form parameters whose values `Debug` hides.
const SECRET_PARAMS: [&str; 6] = [
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "access_token",
];

/// One request as it arrived.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without query, e.g. `/v2/oauth/token`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers in arrival order (names lower-case); non-UTF-8 values are lossily converted.
    pub headers: Vec<(String, String)>,
    /// Form-encoded body parameters (empty for other bodies), secrets included.
    pub form: Vec<(String, String)>,
    /// Status answered, once the response is ready.
    pub status: Option<u16>,
}

impl RecordedRequest {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// First form parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |secret: bool, v: &str| {
            if secret {
                "<redacted>".to_owned()
            } else {
                v.to_owned()
            }
        };
        let headers: Vec<_> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), redact(k == "authorization" || k == "cookie", v)))
            .collect();
        let form: Vec<_> = self
            .form
            .iter()
            .map(|(k, v)| (k.clone(), redact(SECRET_PARAMS.contains(&k.as_str()), v)))
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("form", &form)
            .field("status", &self.status)
            .finish()
    }
}

/// Thread-safe list of recorded requests.
#[derive(Default)]
pub(crate) struct RequestLog(Mutex<Vec<RecordedRequest>>);

impl RequestLog {
    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copy of every recorded request, oldest first.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// Number of requests with this method and path.
    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.lock()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Forgets every recorded request.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Records a request; returns its index for [`RequestLog::set_status`].
    pub(crate) fn push(&self, r: RecordedRequest) -> usize {
        let mut log = self.lock();
        log.push(r);
        log.len() - 1
    }

    /// Sets the status answered to the request at `index`.
    pub(crate) fn set_status(&self, index: usize, status: u16) {
        if let Some(r) = self.lock().get_mut(index) {
            r.status = Some(status);
        }
    }
}
