//! The SSO's metadata document (RFC 8414), read from `/.well-known/oauth-authorization-server`
//! and cached, so endpoint URLs are never hard-coded.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use crate::error::SsoError;
use crate::http;
use crate::retry::Idempotency;

/// The endpoints this client uses, as the SSO publishes them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Metadata {
    /// `issuer` (EVE: `login.eveonline.com`).
    pub issuer: String,
    /// Where the browser is sent to log in.
    pub authorization_endpoint: Url,
    /// Code exchange and refresh.
    pub token_endpoint: Url,
    /// Published signing keys.
    pub jwks_uri: Url,
    /// RFC 7009 revocation.
    pub revocation_endpoint: Url,
    /// PKCE methods; EVE lists `S256`.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
}

/// The cached document and when it was read.
#[derive(Default)]
pub(crate) struct MetadataCache {
    slot: Mutex<Option<(std::sync::Arc<Metadata>, Instant)>>,
}

impl MetadataCache {
    /// The document, read again when older than `ttl`. When a re-read fails, the stale
    /// document is used (endpoints rarely move; an outage should not stop refreshes).
    pub(crate) async fn get(
        &self,
        http: &reqwest::Client,
        url: &Url,
        rules: http::Rules<'_>,
        ttl: Duration,
    ) -> Result<std::sync::Arc<Metadata>, SsoError> {
        let mut slot = self.slot.lock().await;
        if let Some((doc, at)) = slot.as_ref()
            && at.elapsed() < ttl
        {
            return Ok(doc.clone());
        }
        match fetch(http, url, rules).await {
            Ok(doc) => {
                let doc = std::sync::Arc::new(doc);
                *slot = Some((doc.clone(), Instant::now()));
                Ok(doc)
            }
            Err(e) => match slot.as_ref() {
                Some((doc, _)) => {
                    tracing::warn!(error = %e, "SSO metadata re-read failed; using the cached copy");
                    Ok(doc.clone())
                }
                None => Err(e),
            },
        }
    }
}

async fn fetch(
    http: &reqwest::Client,
    url: &Url,
    rules: http::Rules<'_>,
) -> Result<Metadata, SsoError> {
    let answer = http::send(rules, Idempotency::Safe, "SSO metadata", || {
        http.get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
    })
    .await?;
    if !answer.status.is_success() {
        return Err(SsoError::unavailable(format!(
            "SSO metadata: answered {}",
            answer.status
        )));
    }
    serde_json::from_slice(&answer.body)
        .map_err(|e| SsoError::unavailable(format!("SSO metadata is not usable: {e}")))
}
