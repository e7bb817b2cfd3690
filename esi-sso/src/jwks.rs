//! The JWKS cache: signing keys by `kid`, kept as long as the SSO's cache headers say (5 minutes
//! when it says nothing), with a forced refetch on an unknown `kid` at most once per interval so a
//! stream of forged tokens cannot hammer the SSO.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::header::{AGE, CACHE_CONTROL, DATE, EXPIRES, HeaderMap};
use tokio::sync::Mutex;
use url::Url;

use crate::error::{JwtError, SsoError};
use crate::http;
use crate::retry::Idempotency;

/// A verification key and the algorithm it is for.
#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    pub(crate) key: Arc<DecodingKey>,
}

/// The keys of one fetch.
struct KeySet {
    keys: Vec<Key>,
    expires_at: Instant,
}

impl KeySet {
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<Key> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .cloned(),
            // No kid: the first key for the algorithm, as django-esi does.
            None => self.keys.iter().find(|k| k.alg == alg).cloned(),
        }
    }
}

#[derive(Default)]
struct State {
    set: Option<KeySet>,
    last_forced: Option<Instant>,
}

/// Where the JWKS comes from and how it is cached.
pub(crate) struct JwksSettings<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) url: &'a Url,
    pub(crate) rules: http::Rules<'a>,
    pub(crate) default_ttl: Duration,
    pub(crate) min_refetch: Duration,
}

/// The cache; one per [`crate::Sso`], shared by its clones.
#[derive(Default)]
pub(crate) struct JwksCache {
    state: Mutex<State>,
}

impl JwksCache {
    /// The key for a token header's `kid` and `alg`. Fetches when the cache is empty or stale,
    /// and once more (rate-limited) when the `kid` is unknown.
    pub(crate) async fn key(
        &self,
        s: &JwksSettings<'_>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Key, SsoError> {
        let mut state = self.state.lock().await;
        let fresh = state
            .set
            .as_ref()
            .is_some_and(|set| set.expires_at > Instant::now());
        if !fresh {
            match fetch(s).await {
                Ok(set) => state.set = Some(set),
                Err(e) if state.set.is_some() => {
                    tracing::warn!(error = %e, "JWKS refetch failed; using the stale keys");
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(key) = state.set.as_ref().and_then(|set| set.find(kid, alg)) {
            return Ok(key);
        }
        let may_force = state
            .last_forced
            .is_none_or(|at| at.elapsed() >= s.min_refetch);
        if may_force && fresh {
            state.last_forced = Some(Instant::now());
            tracing::debug!(?kid, "unknown kid; refetching the JWKS");
            state.set = Some(fetch(s).await?);
            if let Some(key) = state.set.as_ref().and_then(|set| set.find(kid, alg)) {
                return Ok(key);
            }
        }
        Err(JwtError::UnknownKid(kid.unwrap_or("").to_owned()).into())
    }
}

async fn fetch(s: &JwksSettings<'_>) -> Result<KeySet, SsoError> {
    let answer = http::send(s.rules, Idempotency::Safe, "SSO JWKS", || {
        s.http
            .get(s.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
    })
    .await?;
    if !answer.status.is_success() {
        return Err(SsoError::unavailable(format!(
            "SSO JWKS: answered {}",
            answer.status
        )));
    }
    let keys = parse_keys(&answer.body)?;
    let ttl = cache_ttl(&answer.headers, s.default_ttl);
    Ok(KeySet {
        keys,
        expires_at: Instant::now() + ttl,
    })
}

/// The usable keys of a JWKS document: RSA keys for RS256 and EC P-256 keys for ES256; others
/// are skipped (EVE also publishes keys this client does not need).
pub(crate) fn parse_keys(body: &[u8]) -> Result<Vec<Key>, SsoError> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc = serde_json::from_slice(body)
        .map_err(|e| SsoError::unavailable(format!("SSO JWKS is not usable: {e}")))?;
    let mut keys = Vec::new();
    for raw in doc.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(raw) else {
            continue;
        };
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            _ => continue,
        };
        let declared = jwk.common.key_algorithm.map(|a| format!("{a:?}"));
        if declared.as_deref().is_some_and(|d| d != format!("{alg:?}")) {
            continue;
        }
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.push(Key {
            kid: jwk.common.key_id.clone(),
            alg,
            key: Arc::new(key),
        });
    }
    Ok(keys)
}

/// How long a JWKS answer may be kept: `Cache-Control: max-age` minus `Age`, else `Expires`
/// minus `Date`, else `default`. `no-store`/`no-cache` mean zero.
pub(crate) fn cache_ttl(headers: &HeaderMap, default: Duration) -> Duration {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(cc) = text(CACHE_CONTROL) {
        let mut max_age = None;
        for directive in cc.split(',').map(str::trim) {
            let lower = directive.to_ascii_lowercase();
            if lower == "no-store" || lower == "no-cache" {
                return Duration::ZERO;
            }
            if let Some(v) = lower.strip_prefix("max-age=") {
                max_age = v.trim_matches('"').parse::<u64>().ok();
            }
        }
        if let Some(max_age) = max_age {
            let age = text(AGE)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0);
            return Duration::from_secs(max_age.saturating_sub(age));
        }
    }
    if let Some(expires) = text(EXPIRES) {
        let Ok(expires) = chrono::DateTime::parse_from_rfc2822(expires) else {
            return Duration::ZERO;
        };
        let now = text(DATE)
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.to_utc())
            .unwrap_or_else(chrono::Utc::now);
        return (expires.to_utc() - now).to_std().unwrap_or(Duration::ZERO);
    }
    default
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(reqwest::header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn ttl_from_headers() {
        let d = Duration::from_secs(300);
        assert_eq!(cache_ttl(&HeaderMap::new(), d), d);
        assert_eq!(
            cache_ttl(&headers(&[(CACHE_CONTROL, "public, max-age=120")]), d),
            Duration::from_secs(120)
        );
        assert_eq!(
            cache_ttl(&headers(&[(CACHE_CONTROL, "max-age=120"), (AGE, "100")]), d),
            Duration::from_secs(20)
        );
        assert_eq!(
            cache_ttl(&headers(&[(CACHE_CONTROL, "no-store")]), d),
            Duration::ZERO
        );
        assert_eq!(
            cache_ttl(
                &headers(&[
                    (EXPIRES, "Thu, 01 Jan 2026 00:01:00 GMT"),
                    (DATE, "Thu, 01 Jan 2026 00:00:00 GMT")
                ]),
                d
            ),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn unusable_keys_are_skipped() {
        let body = br#"{"keys":[{"kty":"oct","k":"AAAA","kid":"x"},{"kty":"weird"}],"SkipUnresolvedJsonWebKeys":true}"#;
        assert!(parse_keys(body).expect("parses").is_empty());
        assert!(parse_keys(b"{}").is_err());
    }
}
