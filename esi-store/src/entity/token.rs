//! The `esi_token` table: one SSO token of a character, with its secrets, owner hash, expiry and
//! the refresh lease that keeps processes from refreshing it twice.

use std::fmt;

use sea_orm::entity::prelude::*;

use super::SecretText;

/// One stored token. `Debug` redacts the access and refresh tokens (here and, through
/// [`SecretText`], in the active model) and leaves out the owner hash.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "esi_token")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Character id (from the JWT `sub`).
    pub character_id: i64,
    /// Character name at the last login or refresh.
    pub character_name: String,
    /// Owner hash; a change means the character changed hands.
    pub character_owner_hash: String,
    /// Subject type from the JWT `sub`, lower case (`character`).
    pub token_type: String,
    /// The embedding application's user this token belongs to, if any.
    pub user_id: Option<String>,
    /// The access token (a JWT), or its sealed form (`esi-sealed:v1:<key id>:...`) when the
    /// store has token keys: read tokens through the store, which opens them.
    #[sea_orm(column_type = "Text")]
    pub access_token: SecretText,
    /// The refresh token, if the token can be refreshed; sealed like the access token.
    #[sea_orm(column_type = "Text", nullable)]
    pub refresh_token: Option<SecretText>,
    /// When the token was first stored.
    pub created: DateTimeUtc,
    /// When the access token expires (its JWT `exp`).
    pub expires: DateTimeUtc,
    /// Who holds the refresh lease (a random id per refresh attempt).
    pub refresh_lease_owner: Option<String>,
    /// Until when the lease holds; an expired lease may be taken over.
    pub refresh_lease_until: Option<DateTimeUtc>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("token::Model")
            .field("id", &self.id)
            .field("character_id", &self.character_id)
            .field("character_name", &self.character_name)
            .field("token_type", &self.token_type)
            .field("user_id", &self.user_id)
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("created", &self.created)
            .field("expires", &self.expires)
            .field("refresh_lease_until", &self.refresh_lease_until)
            .finish_non_exhaustive()
    }
}

/// Relations are expressed through [`super::token_scope`]; none are declared here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
