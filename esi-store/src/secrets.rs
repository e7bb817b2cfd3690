//! The secret columns of a token row (`access_token`, `refresh_token`) as the store reads and
//! writes them: opened with the configured [`TokenKeys`] (a plain value written before a key
//! was set reads as it is), sealed with the writing key and bound to the row ([`Row`]).
//!
//! Invariant: with keys configured, nothing the store writes into these columns is plain;
//! without keys, everything is written as it comes. A value that cannot be opened is a
//! [`StoreError::Sealed`] naming the row, and the row is not touched.

use esi_sso::Secret;

use crate::crypt::{self, Column, Place};
use crate::entity::token;
use crate::error::StoreError;
use crate::keys::TokenKeys;

/// A token row, as its sealed values are bound to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) token_id: i64,
    pub(crate) character_id: i64,
}

/// A row's secrets, opened.
pub(crate) struct RowSecrets {
    pub(crate) access_token: Secret,
    pub(crate) refresh_token: Option<Secret>,
    /// Every value is already in the form a write would give it now (sealed with the writing
    /// key, or plain when there are no keys): nothing to re-encrypt.
    pub(crate) current: bool,
    /// Some value was stored plain (written before token keys were set).
    pub(crate) plain: bool,
}

impl Row {
    /// The row of a model.
    pub(crate) fn of(m: &token::Model) -> Self {
        Self {
            token_id: m.id,
            character_id: m.character_id,
        }
    }

    fn at(self, column: Column) -> Place {
        Place {
            token_id: self.token_id,
            character_id: self.character_id,
            column,
        }
    }

    fn error(self, column: Column, source: crypt::CryptError) -> StoreError {
        StoreError::Sealed {
            token_id: self.token_id,
            column: column.name(),
            source,
        }
    }

    /// The stored form of `plain` in `column`: sealed with the writing key, or `plain` itself
    /// when no keys are configured.
    pub(crate) fn seal(
        self,
        keys: Option<&TokenKeys>,
        column: Column,
        plain: &str,
    ) -> Result<String, StoreError> {
        match keys {
            Some(keys) => crypt::seal(keys.writer(), self.at(column), plain)
                .map_err(|e| self.error(column, e)),
            None => Ok(plain.to_owned()),
        }
    }

    /// Opens a stored value of `column`; with the id of the key that sealed it (`None`: plain).
    pub(crate) fn open(
        self,
        keys: Option<&TokenKeys>,
        column: Column,
        stored: &str,
    ) -> Result<(Secret, Option<String>), StoreError> {
        let opened =
            crypt::open(keys, self.at(column), stored).map_err(|e| self.error(column, e))?;
        Ok((Secret::new(opened.secret), opened.key_id))
    }

    /// Opens both secrets of `m` (this row's model).
    pub(crate) fn open_all(
        self,
        keys: Option<&TokenKeys>,
        m: &token::Model,
    ) -> Result<RowSecrets, StoreError> {
        let writes = keys.map(TokenKeys::write_key_id);
        let (access_token, access_key) = self.open(keys, Column::AccessToken, &m.access_token)?;
        let mut current = access_key.as_deref() == writes;
        let mut plain = access_key.is_none();
        let refresh_token = match &m.refresh_token {
            Some(stored) => {
                let (secret, key) = self.open(keys, Column::RefreshToken, stored)?;
                current &= key.as_deref() == writes;
                plain |= key.is_none();
                Some(secret)
            }
            None => None,
        };
        Ok(RowSecrets {
            access_token,
            refresh_token,
            current,
            plain,
        })
    }
}
