//! The `esi_callback_redirect` table: a login in progress, bound to the browser session by its
//! session key, holding the `state`, the PKCE verifier and where to return, and the token once
//! the callback has been handled, and whether the login is single-use.

use std::fmt;

use sea_orm::entity::prelude::*;

use super::SecretText;

/// One pending (or just finished) login. `Debug` redacts the PKCE verifier (here and, through
/// [`SecretText`], in the active model) and the session key.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "esi_callback_redirect")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The embedding application's session key.
    pub session_key: SecretText,
    /// The `state` sent to the SSO (unique).
    #[sea_orm(unique)]
    pub state: String,
    /// The PKCE verifier, when PKCE is on.
    #[sea_orm(column_type = "Text", nullable)]
    pub pkce_verifier: Option<SecretText>,
    /// Where to send the browser after the callback.
    #[sea_orm(column_type = "Text")]
    pub return_url: String,
    /// When the login started.
    pub created: DateTimeUtc,
    /// The token, once the callback has been handled.
    pub token_id: Option<i64>,
    /// A single-use login: its token belongs to no user and goes only to the page of its kind
    /// (`crate::LoginKind::SingleUse`).
    pub single_use: bool,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("callback_redirect::Model")
            .field("id", &self.id)
            .field("session_key", &"<redacted>")
            .field("state", &self.state)
            .field(
                "pkce_verifier",
                &self.pkce_verifier.as_ref().map(|_| "<redacted>"),
            )
            .field("return_url", &self.return_url)
            .field("created", &self.created)
            .field("token_id", &self.token_id)
            .field("single_use", &self.single_use)
            .finish()
    }
}

/// No declared relations (the foreign key lives in the migration).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
