//! Storing a login: exchange the code, verify the access token, and create the token with its
//! scopes, or update the equivalent one (same character, same scopes, same user) instead of
//! piling up duplicates, unless [`crate::StoreConfig::always_create_token`] is on.
//!
//! Unlike django-esi, equivalents owned by another user or by nobody are left alone: with
//! rotating refresh tokens, two rows sharing one refresh token would kill each other.
//!
//! With token keys, the secrets are sealed for their row, so a new row is inserted first and
//! its secrets written by id in the same transaction.

use chrono::Utc;
use esi_sso::{Secret, VerifiedTokens};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::crypt::Column;
use crate::entity::{SecretText, token};
use crate::error::StoreError;
use crate::scopes;
use crate::secrets::{Row, RowSecrets};
use crate::store::TokenStore;
use crate::token::Token;

impl TokenStore {
    /// Exchanges an authorization code (with the PKCE verifier when PKCE is on), verifies the
    /// access token and stores the result for `user_id`.
    pub async fn create_from_code(
        &self,
        code: &Secret,
        pkce_verifier: Option<&Secret>,
        user_id: Option<&str>,
    ) -> Result<Token, StoreError> {
        let verified = self.sso().exchange_code(code, pkce_verifier).await?;
        self.create_or_update(verified, user_id).await
    }

    /// Stores verified tokens: creates a token (unknown scopes are created on the fly) or
    /// updates the equivalent one.
    pub async fn create_or_update(
        &self,
        verified: VerifiedTokens,
        user_id: Option<&str>,
    ) -> Result<Token, StoreError> {
        let always_create = self.config().always_create_token;
        let user = user_id.map(str::to_owned);
        let claims = verified.claims.clone();
        let tokens = verified.tokens;
        let keys_absent = self.keys().is_none();
        let secrets = RowSecrets {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            current: true,
            plain: keys_absent,
        };
        let keys = self.config().token_keys.clone();
        let model = self
            .db()
            .transaction::<_, token::Model, StoreError>(move |txn| {
                Box::pin(async move {
                    let scope_ids = scopes::ensure(txn, &claims.scopes).await?;
                    let existing = if always_create {
                        None
                    } else {
                        find_equivalent(txn, claims.character_id, user.as_deref(), &scope_ids)
                            .await?
                    };
                    let (row, new) = match existing {
                        Some(old) => (old, false),
                        None => {
                            // Secrets come below, once the row has the id they are bound to.
                            let am = token::ActiveModel {
                                character_id: Set(claims.character_id),
                                character_name: Set(claims.character_name.clone()),
                                character_owner_hash: Set(claims.owner_hash.clone()),
                                token_type: Set(claims.subject_type.clone()),
                                user_id: Set(user.clone()),
                                access_token: Set(SecretText::new("")),
                                refresh_token: Set(None),
                                created: Set(Utc::now()),
                                expires: Set(claims.expires_at),
                                refresh_lease_owner: Set(None),
                                refresh_lease_until: Set(None),
                                ..Default::default()
                            };
                            (am.insert(txn).await?, true)
                        }
                    };
                    let at = Row::of(&row);
                    let keys = keys.as_ref();
                    let access =
                        at.seal(keys, Column::AccessToken, tokens.access_token.expose())?;
                    let refresh = match &tokens.refresh_token {
                        Some(rt) => Some(at.seal(keys, Column::RefreshToken, rt.expose())?),
                        None => None,
                    };
                    let mut am: token::ActiveModel = row.into();
                    am.character_name = Set(claims.character_name.clone());
                    am.character_owner_hash = Set(claims.owner_hash.clone());
                    am.access_token = Set(access.into());
                    am.refresh_token = Set(refresh.map(SecretText::from));
                    am.expires = Set(claims.expires_at);
                    am.refresh_lease_owner = Set(None);
                    am.refresh_lease_until = Set(None);
                    let model = am.update(txn).await?;
                    if new {
                        scopes::link(txn, model.id, &scope_ids).await?;
                    }
                    Ok(model)
                })
            })
            .await?;
        tracing::info!(
            token_id = model.id,
            character_id = model.character_id,
            "stored SSO token"
        );
        Ok(Token::from_model(model, verified.claims.scopes, secrets))
    }
}

/// The newest token of `character_id` for exactly `user` with exactly `scope_ids`.
async fn find_equivalent<C: sea_orm::ConnectionTrait>(
    db: &C,
    character_id: i64,
    user: Option<&str>,
    scope_ids: &[i64],
) -> Result<Option<token::Model>, StoreError> {
    let mut q = token::Entity::find().filter(token::Column::CharacterId.eq(character_id));
    q = match user {
        Some(u) => q.filter(token::Column::UserId.eq(u)),
        None => q.filter(token::Column::UserId.is_null()),
    };
    let candidates = q.order_by_desc(token::Column::Id).all(db).await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let linked = crate::query::scope_ids_of(db, &ids).await?;
    let mut wanted = scope_ids.to_vec();
    wanted.sort_unstable();
    Ok(candidates.into_iter().find(|c| {
        let mut have = linked.get(&c.id).cloned().unwrap_or_default();
        have.sort_unstable();
        have == wanted
    }))
}
