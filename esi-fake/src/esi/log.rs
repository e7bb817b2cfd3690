//! The request log: every request that reached the fake ESI and what it was answered.
//!
//! Control requests (`/_fake/...`) are not logged. Records are kept in arrival order; the log
//! keeps the most recent [`MAX_RECORDS`].

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

/// Records kept at most; older ones are dropped.
pub const MAX_RECORDS: usize = 100_000;

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// Arrival order, from 0.
    pub seq: u64,
    /// `GET`, `POST`...
    pub method: String,
    /// Path as sent (percent-encoded).
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers, names lower-case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Status answered; `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// The operation the path matched.
    pub operation_id: Option<String>,
    /// The `X-Compatibility-Date` (or `compatibility_date` parameter) the request carried.
    pub compatibility_date: Option<String>,
    /// The scripted fault that hit the request, if any (its `kind`).
    pub fault: Option<String>,
    /// Client address.
    pub peer: IpAddr,
}

impl RequestRecord {
    /// The first value of a request header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's (first) value, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// The log of one fake ESI. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    records: Arc<Mutex<VecDeque<RequestRecord>>>,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RequestRecord>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a record, keeping arrival order.
    pub(crate) fn push(&self, record: RequestRecord) {
        let mut records = self.lock();
        // Answers may complete out of order; insert by arrival.
        let at = records
            .iter()
            .rposition(|r| r.seq < record.seq)
            .map_or(0, |i| i + 1);
        records.insert(at, record);
        while records.len() > MAX_RECORDS {
            records.pop_front();
        }
    }

    /// Every record, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().iter().cloned().collect()
    }

    /// Number of records.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Number of records whose path starts with `prefix`.
    pub fn count_for(&self, prefix: &str) -> usize {
        self.lock()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .count()
    }

    /// Records whose path starts with `prefix`, in arrival order.
    pub fn requests_for(&self, prefix: &str) -> Vec<RequestRecord> {
        self.lock()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The most recent record.
    pub fn last(&self) -> Option<RequestRecord> {
        self.lock().back().cloned()
    }

    /// Forgets every record.
    pub fn clear(&self) {
        self.lock().clear();
    }
}
