//! sea-orm entities of the four tables. Most code should use [`crate::TokenStore`]; these are
//! public for applications that need their own queries (joins with their user table, reports).
//!
//! Secret columns are [`SecretText`], so neither a model nor an active model shows a secret in
//! its `Debug` output.

pub mod callback_redirect;
pub mod scope;
mod secret_text;
pub mod token;
pub mod token_scope;

pub use secret_text::SecretText;

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::{ActiveValue::Set, IntoActiveModel as _};

    use super::*;

    const ACCESS: &str = "eyJhbGciOiJSUzI1NiJ9.access-token-secret";
    const REFRESH: &str = "refresh-token-secret-xyz";
    const VERIFIER: &str = "pkce-verifier-secret-abc";
    const SESSION: &str = "session-key-secret-123";

    fn assert_hidden(debug: &str) {
        for secret in [ACCESS, REFRESH, VERIFIER, SESSION] {
            assert!(!debug.contains(secret), "{secret} shows in {debug}");
        }
    }

    fn token_model() -> token::Model {
        token::Model {
            id: 1,
            character_id: 90_000_001,
            character_name: "Pilot".into(),
            character_owner_hash: "owner".into(),
            token_type: "character".into(),
            user_id: Some("u".into()),
            access_token: ACCESS.into(),
            refresh_token: Some(REFRESH.into()),
            created: Utc::now(),
            expires: Utc::now(),
            refresh_lease_owner: None,
            refresh_lease_until: None,
        }
    }

    fn redirect_model() -> callback_redirect::Model {
        callback_redirect::Model {
            id: 1,
            session_key: SESSION.into(),
            state: "state".into(),
            pkce_verifier: Some(VERIFIER.into()),
            return_url: "/wallet".into(),
            created: Utc::now(),
            token_id: None,
            single_use: false,
        }
    }

    #[test]
    fn token_models_do_not_show_secrets() {
        let model = token_model();
        assert_hidden(&format!("{model:?}"));
        assert_hidden(&format!("{model:#?}"));
        let active = model.clone().into_active_model();
        assert_hidden(&format!("{active:?}"));
        let set = token::ActiveModel {
            access_token: Set(ACCESS.into()),
            refresh_token: Set(Some(REFRESH.into())),
            ..Default::default()
        };
        assert_hidden(&format!("{set:?} {set:#?}"));
        // The values are still there for whoever asks.
        assert_eq!(model.access_token.expose(), ACCESS);
        assert_eq!(model.refresh_token.as_deref(), Some(REFRESH));
    }

    #[test]
    fn callback_redirect_models_do_not_show_secrets() {
        let model = redirect_model();
        assert_hidden(&format!("{model:?}"));
        let active = model.into_active_model();
        assert_hidden(&format!("{active:?} {active:#?}"));
        let set = callback_redirect::ActiveModel {
            session_key: Set(SESSION.into()),
            pkce_verifier: Set(Some(VERIFIER.into())),
            ..Default::default()
        };
        assert_hidden(&format!("{set:?}"));
    }
}
