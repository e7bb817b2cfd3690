//! [`StoreError`]: what can go wrong storing, finding and refreshing tokens. Clone, so one refresh
//! outcome can be handed to every task that waited for it.

use std::sync::Arc;

use esi_sso::SsoError;
use sea_orm::DbErr;

use crate::crypt::CryptError;
use crate::keys::KeyError;

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[source] Arc<DbErr>),
    /// The SSO failed in a way that says nothing about the token: unavailable, misconfigured
    /// client, unexpected answer. The token is kept.
    #[error("SSO: {0}")]
    Sso(#[source] Arc<SsoError>),
    /// The SSO refused the refresh token for good (`invalid_grant`); the token was deleted.
    #[error("token {token_id} was revoked or expired for good and has been deleted")]
    Revoked {
        /// The deleted token's id.
        token_id: i64,
    },
    /// The refreshed access token carries another owner hash: the character changed hands. The
    /// token was deleted, the new tokens not saved.
    #[error("character {character_id} changed owner; token {token_id} has been deleted")]
    OwnerChanged {
        /// The deleted token's id.
        token_id: i64,
        /// Its character.
        character_id: i64,
    },
    /// The access token is expired and there is no refresh token.
    #[error("token {token_id} is expired and has no refresh token")]
    NotRefreshable {
        /// The token's id.
        token_id: i64,
    },
    /// No token with this id (deleted meanwhile?).
    #[error("token {token_id} does not exist")]
    NotFound {
        /// The id asked for.
        token_id: i64,
    },
    /// No login in progress matches this `state` and session.
    #[error("no login in progress matches this state and session")]
    UnknownCallback,
    /// Another process held the token's refresh lease for longer than the lease allows.
    #[error("token {token_id}: refresh lease still held by another process")]
    LeaseTimeout {
        /// The token's id.
        token_id: i64,
    },
    /// Bad configuration (database URL...).
    #[error("configuration: {0}")]
    Config(String),
    /// The token keys cannot be read (`ESI_TOKEN_KEY`).
    #[error("token keys: {0}")]
    Keys(#[from] KeyError),
    /// A stored secret of a token cannot be opened (a missing or wrong token key, an altered
    /// value) or sealed. The row is kept as it is: configure the key it names and ask again.
    #[error("token {token_id}: {column}: {source}")]
    Sealed {
        /// The token's id.
        token_id: i64,
        /// The column: `access_token` or `refresh_token`.
        column: &'static str,
        /// What went wrong.
        #[source]
        source: CryptError,
    },
    /// A background task failed unexpectedly.
    #[error("internal: {0}")]
    Internal(String),
}

impl StoreError {
    /// True when the cause is temporary (SSO unavailable, lease timeout, database error): the
    /// token is kept and a later attempt may work.
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Sso(e) => e.is_unavailable(),
            Self::Database(_) | Self::LeaseTimeout { .. } | Self::Internal(_) => true,
            _ => false,
        }
    }

    /// True when the token is gone for good (revoked, owner changed).
    pub fn token_deleted(&self) -> bool {
        matches!(self, Self::Revoked { .. } | Self::OwnerChanged { .. })
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        Self::Database(Arc::new(e))
    }
}

impl From<SsoError> for StoreError {
    fn from(e: SsoError) -> Self {
        Self::Sso(Arc::new(e))
    }
}

impl From<sea_orm::TransactionError<StoreError>> for StoreError {
    fn from(e: sea_orm::TransactionError<StoreError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner,
        }
    }
}
