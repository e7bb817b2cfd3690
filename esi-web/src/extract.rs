//! The extractors handlers behind the token-requiring layers use: [`EsiToken`] (one token, from
//! `token_required` or `single_use_token`) and [`EsiTokens`] (the user's tokens, from
//! `tokens_required`).

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use esi_store::Token;
use http::request::Parts;

use crate::html;
use crate::need::Granted;

/// The token a [`crate::EsiWeb::token_required`] or [`crate::EsiWeb::single_use_token`] layer
/// chose for this request. Its access token may have been refreshed just before; get a valid
/// one with `TokenStore::valid_access_token` when calling ESI.
#[derive(Debug, Clone)]
pub struct EsiToken(pub Token);

/// The tokens a [`crate::EsiWeb::tokens_required`] layer found for this request (newest first;
/// never empty). Under a `token_required` or `single_use_token` layer, the one token.
#[derive(Debug, Clone)]
pub struct EsiTokens(pub Vec<Token>);

/// The handler uses [`EsiToken`] or [`EsiTokens`] on a route without the matching layer: a
/// programming error, answered 500.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("{0} used on a route without the esi-web layer it needs")]
pub struct MissingLayer(&'static str);

impl IntoResponse for MissingLayer {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "esi-web extractor without its layer");
        let status = StatusCode::INTERNAL_SERVER_ERROR;
        html::page_response(
            status,
            html::error_page(&html::ErrorPage::new(
                status,
                "Something went wrong on our side.",
                "/",
            )),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for EsiToken {
    type Rejection = MissingLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Granted>() {
            Some(Granted::One(t)) => Ok(Self(t.clone())),
            _ => Err(MissingLayer(
                "EsiToken (needs token_required or single_use_token)",
            )),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for EsiTokens {
    type Rejection = MissingLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Granted>() {
            Some(Granted::Many(ts)) => Ok(Self(ts.clone())),
            Some(Granted::One(t)) => Ok(Self(vec![t.clone()])),
            None => Err(MissingLayer("EsiTokens (needs tokens_required)")),
        }
    }
}
