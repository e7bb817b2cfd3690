//! [`Token`]: a stored token as the application sees it, with its scopes, and `Fresh`: its
//! secrets after a check or refresh. The secrets are kept inside [`esi_sso::Secret`]s, opened
//! (see the `secrets` module), and never printed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use esi_sso::{Scopes, Secret};

use crate::entity::token;
use crate::secrets::RowSecrets;

/// A stored token with its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Row id.
    pub id: i64,
    /// The character.
    pub character_id: i64,
    /// The character's name.
    pub character_name: String,
    /// The owner hash at login.
    pub owner_hash: String,
    /// `character` (the subject type of the JWT).
    pub token_type: String,
    /// The embedding application's user, if any.
    pub user_id: Option<String>,
    /// Granted scopes.
    pub scopes: Scopes,
    /// When the token was first stored.
    pub created: DateTime<Utc>,
    /// When the access token expires.
    pub expires: DateTime<Utc>,
    access_token: Secret,
    refresh_token: Option<Secret>,
}

impl Token {
    /// The token of a row, with the row's secrets opened.
    pub(crate) fn from_model(m: token::Model, scopes: Scopes, secrets: RowSecrets) -> Self {
        Self {
            id: m.id,
            character_id: m.character_id,
            character_name: m.character_name,
            owner_hash: m.character_owner_hash,
            token_type: m.token_type,
            user_id: m.user_id,
            scopes,
            created: m.created,
            expires: m.expires,
            access_token: secrets.access_token,
            refresh_token: secrets.refresh_token,
        }
    }

    /// The access token as stored; it may be expired. Use
    /// [`crate::TokenStore::valid_access_token`] to get one that is valid.
    pub fn access_token(&self) -> &Secret {
        &self.access_token
    }

    /// The refresh token, if any.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// Whether the token can be refreshed.
    pub fn can_refresh(&self) -> bool {
        self.refresh_token.is_some()
    }

    /// Whether the access token expires within `margin` from now.
    pub fn is_expired(&self, margin: Duration) -> bool {
        is_expired(self.expires, margin)
    }
}

/// `expires` is within `margin` of now, or past.
pub(crate) fn is_expired(expires: DateTime<Utc>, margin: Duration) -> bool {
    let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::zero());
    expires <= Utc::now() + margin
}

impl Token {
    /// The same token with the secrets and expiry of a refresh.
    pub(crate) fn with_fresh(mut self, fresh: Fresh) -> Self {
        self.access_token = fresh.access_token;
        self.refresh_token = fresh.refresh_token;
        self.expires = fresh.expires;
        self
    }
}

/// A token's current secrets after a successful check or refresh.
#[derive(Clone)]
pub(crate) struct Fresh {
    pub(crate) access_token: Secret,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) expires: DateTime<Utc>,
}

impl Fresh {
    /// The secrets the row holds, opened, with its expiry.
    pub(crate) fn from_row(m: &token::Model, secrets: RowSecrets) -> Self {
        Self {
            access_token: secrets.access_token,
            refresh_token: secrets.refresh_token,
            expires: m.expires,
        }
    }
}
