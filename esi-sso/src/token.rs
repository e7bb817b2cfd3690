//! Token-endpoint answers: the [`Tokens`] of a successful exchange or refresh, and the mapping of
//! OAuth 2.0 error answers to [`SsoError`].

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::error::SsoError;
use crate::http::Answer;
use crate::jwt::Claims;
use crate::secret::Secret;

/// What the token endpoint gave back.
#[derive(Clone)]
pub struct Tokens {
    /// The access token (a JWT).
    pub access_token: Secret,
    /// The refresh token. After a refresh this is the new one when the SSO rotated it, else the
    /// one sent; store it every time.
    pub refresh_token: Option<Secret>,
    /// `expires_in`.
    pub expires_in: Duration,
    /// `token_type` (`Bearer`).
    pub token_type: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// Tokens whose access token passed every check, with its claims.
#[derive(Debug, Clone)]
pub struct VerifiedTokens {
    /// The tokens.
    pub tokens: Tokens,
    /// The access token's claims.
    pub claims: Claims,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Turns a token-endpoint answer into [`Tokens`] or a typed error. With `ambiguous_grant`, an
/// `invalid_grant` is reported as unavailable: an earlier attempt may have used the grant and
/// lost the answer, so the grant is not known to be dead.
pub(crate) fn parse_token_answer(
    answer: &Answer,
    ambiguous_grant: bool,
) -> Result<Tokens, SsoError> {
    if answer.status.is_success() {
        let parsed: TokenAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| SsoError::unavailable(format!("token answer is not JSON: {e}")))?;
        let access_token = parsed
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| SsoError::unavailable("token answer has no access_token"))?;
        return Ok(Tokens {
            access_token: Secret::new(access_token),
            refresh_token: parsed
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            expires_in: Duration::from_secs(parsed.expires_in.unwrap_or(1200)),
            token_type: parsed.token_type.unwrap_or_else(|| "Bearer".to_owned()),
        });
    }
    let err = oauth_error(answer);
    match err {
        SsoError::InvalidGrant { description } if ambiguous_grant => Err(SsoError::Unavailable {
            reason: format!(
                "refresh token refused after an attempt whose answer was lost ({description})"
            ),
            retry_after: None,
        }),
        other => Err(other),
    }
}

/// Maps a non-2xx answer to an error.
pub(crate) fn oauth_error(answer: &Answer) -> SsoError {
    let parsed: Option<ErrorAnswer> = serde_json::from_slice(&answer.body).ok();
    match parsed {
        Some(ErrorAnswer {
            error,
            error_description,
        }) => {
            let description = error_description.unwrap_or_default();
            match error.as_str() {
                "invalid_grant" | "invalid_token" => SsoError::InvalidGrant { description },
                "invalid_client" | "unauthorized_client" => SsoError::InvalidClient { description },
                _ => SsoError::OAuth { error, description },
            }
        }
        None if answer.status == reqwest::StatusCode::UNAUTHORIZED => SsoError::InvalidClient {
            description: "401 without an error body".to_owned(),
        },
        None => SsoError::unavailable(format!(
            "SSO answered {} without an OAuth error",
            answer.status
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn answer(status: StatusCode, body: &str) -> Answer {
        Answer {
            status,
            headers: Default::default(),
            body: bytes::Bytes::from(body.to_owned()),
            earlier_attempt_may_have_landed: false,
        }
    }

    #[test]
    fn error_codes_map_to_types() {
        let g = answer(
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_grant","error_description":"gone"}"#,
        );
        assert!(
            matches!(parse_token_answer(&g, false), Err(SsoError::InvalidGrant { description }) if description == "gone")
        );
        assert!(matches!(
            parse_token_answer(&g, true),
            Err(SsoError::Unavailable { .. })
        ));
        let c = answer(StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client"}"#);
        assert!(matches!(
            parse_token_answer(&c, false),
            Err(SsoError::InvalidClient { .. })
        ));
        let s = answer(StatusCode::BAD_REQUEST, r#"{"error":"invalid_scope"}"#);
        assert!(
            matches!(parse_token_answer(&s, false), Err(SsoError::OAuth { error, .. }) if error == "invalid_scope")
        );
        let h = answer(StatusCode::BAD_REQUEST, "<html>");
        assert!(matches!(
            parse_token_answer(&h, false),
            Err(SsoError::Unavailable { .. })
        ));
    }

    #[test]
    fn success_without_access_token_is_incomplete() {
        let a = answer(StatusCode::OK, r#"{"token_type":"Bearer"}"#);
        assert!(matches!(
            parse_token_answer(&a, false),
            Err(SsoError::Unavailable { .. })
        ));
        let ok = answer(
            StatusCode::OK,
            r#"{"access_token":"a","refresh_token":"r","expires_in":1199}"#,
        );
        let t = parse_token_answer(&ok, false).expect("tokens");
        assert_eq!(t.access_token.expose(), "a");
        assert_eq!(t.expires_in, Duration::from_secs(1199));
        assert!(!format!("{t:?}").contains("\"a\""));
    }
}
