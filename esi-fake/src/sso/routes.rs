//! The router: the endpoints at their paths (see `paths`), the metadata and JWKS documents, and
//! the `/_fake/faults` control endpoint. The login page lives in [`super::authorize`], token
//! and revoke in [`super::token`], the request log and fault layers in `layers`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::faults::FaultPlan;
use super::images::{self, IMAGES_PATH};
use super::paths::{
    AUTHORIZE_PATH, FAULTS_PATH, GRANT_PATH, JWKS_PATH, METADATA_PATH, REVOKE_PATH, TOKEN_PATH,
};
use super::state::Shared;
use super::{authorize, layers, token};

/// Builds the whole application.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let sso = Router::new()
        .route(METADATA_PATH, get(metadata))
        .route(AUTHORIZE_PATH, get(authorize::page))
        .route(GRANT_PATH, post(authorize::grant))
        .route(TOKEN_PATH, post(token::token))
        .route(REVOKE_PATH, post(token::revoke))
        .route(JWKS_PATH, get(jwks))
        .layer(from_fn_with_state(shared.clone(), layers::inject_faults));
    let control = Router::new()
        .route(
            FAULTS_PATH,
            get(get_faults).post(post_faults).delete(delete_faults),
        )
        .route(
            &format!("{IMAGES_PATH}/characters/{{id}}/portrait"),
            get(images::portrait),
        )
        .route(
            &format!("{IMAGES_PATH}/corporations/{{id}}/logo"),
            get(images::corporation_logo),
        )
        .route(
            &format!("{IMAGES_PATH}/alliances/{{id}}/logo"),
            get(images::alliance_logo),
        );
    sso.merge(control)
        .layer(from_fn_with_state(shared.clone(), layers::record))
        .with_state(shared)
}

/// `GET /.well-known/oauth-authorization-server`, shaped like EVE's, pointing at this server.
async fn metadata(State(shared): State<Arc<Shared>>) -> Response {
    let base = &shared.base_url;
    let auth_methods = [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
    ];
    let body = serde_json::json!({
        "issuer": shared.config.issuer,
        "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "response_types_supported": ["code", "token"],
        "jwks_uri": format!("{base}{JWKS_PATH}"),
        "revocation_endpoint": format!("{base}{REVOKE_PATH}"),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": ["HS256"],
        "code_challenge_methods_supported": ["S256"],
    });
    Json(body).into_response()
}

/// `GET /oauth/jwks`: every published key, cacheable for 5 minutes.
async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    let mut resp = Json(shared.keys.jwks()).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=300"),
    );
    resp
}

/// `GET /_fake/faults`: the faults in force.
async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<FaultPlan> {
    Json(shared.faults.snapshot())
}

/// `POST /_fake/faults`: merges a [`FaultPlan`] and answers the resulting plan.
async fn post_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let plan: FaultPlan = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return control_error(format!("bad fault plan: {e}")),
    };
    match shared.faults.apply(plan) {
        Ok(()) => Json(shared.faults.snapshot()).into_response(),
        Err(e) => control_error(e.to_string()),
    }
}

/// `DELETE /_fake/faults`: clears every fault.
async fn delete_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

fn control_error(description: String) -> Response {
    let body = serde_json::json!({"error": "invalid_request", "error_description": description});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
