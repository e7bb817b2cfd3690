//! [`WebError`]: what can go wrong in the login routes and the token-requiring layers, and how
//! it becomes an HTTP answer (a short HTML page; details go to the logs, never to the browser).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use esi_store::StoreError;
use sea_orm::DbErr;

use crate::html;

/// Why a request could not be handled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The request has no session: the routes are not wrapped in
    /// [`crate::EsiWeb::session_layer`] (or another `tower-sessions` layer).
    #[error(
        "no session on the request: wrap the routes in EsiWeb::session_layer() (tower-sessions)"
    )]
    NoSession,
    /// Reading or writing the session failed.
    #[error("session: {0}")]
    Session(#[from] tower_sessions::session::Error),
    /// The token store failed (database, SSO).
    #[error("token store: {0}")]
    Store(#[from] StoreError),
    /// The database failed (session table, login records).
    #[error("database: {0}")]
    Database(#[from] DbErr),
    /// The embedding application's [`crate::UserSource`] failed.
    #[error("user lookup: {0}")]
    User(String),
    /// Bad configuration.
    #[error("configuration: {0}")]
    Config(String),
}

impl WebError {
    /// The status this error answers with: 503 when the SSO or the database is temporarily
    /// unavailable, 500 otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Store(e) if e.is_temporary() => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        tracing::error!(error = %self, "esi-web request failed");
        html::page_response(
            status,
            html::error_page(&html::ErrorPage::new(status, public_message(status), "/")),
        )
    }
}

/// What the browser is told about an internal failure (the details go to the logs only).
pub(crate) fn public_message(status: StatusCode) -> &'static str {
    if status == StatusCode::SERVICE_UNAVAILABLE {
        "EVE SSO or the database is unavailable right now. Please try again in a moment."
    } else {
        "Something went wrong on our side."
    }
}
