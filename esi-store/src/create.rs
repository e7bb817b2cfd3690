//! Storing a login: exchange the code, verify the access token, and create the token with its
//! scopes, or update the equivalent one (same character, same scopes, same user) instead of
//! piling up duplicates, unless [`crate::StoreConfig::always_create_token`] is on.
//!
//! Unlike django-esi, equivalents owned by another user or by nobody are left alone: with
//! rotating refresh tokens, two rows sharing one refresh token would kill each other.

use chrono::Utc;
use esi_sso::{Secret, VerifiedTokens};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::entity::{SecretText, token};
use crate::error::StoreError;
use crate::scopes;
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
                    let refresh = tokens.refresh_token.map(SecretText::from);
                    let model = match existing {
                        Some(old) => {
                            let mut am: token::ActiveModel = old.into();
                            am.character_name = Set(claims.character_name.clone());
                            am.character_owner_hash = Set(claims.owner_hash.clone());
                            am.access_token = Set(tokens.access_token.into());
                            am.refresh_token = Set(refresh);
                            am.expires = Set(claims.expires_at);
                            am.refresh_lease_owner = Set(None);
                            am.refresh_lease_until = Set(None);
                            am.update(txn).await?
                        }
                        None => {
                            let am = token::ActiveModel {
                                character_id: Set(claims.character_id),
                                character_name: Set(claims.character_name.clone()),
                                character_owner_hash: Set(claims.owner_hash.clone()),
                                token_type: Set(claims.subject_type.clone()),
                                user_id: Set(user.clone()),
                                access_token: Set(tokens.access_token.into()),
                                refresh_token: Set(refresh),
                                created: Set(Utc::now()),
                                expires: Set(claims.expires_at),
                                refresh_lease_owner: Set(None),
                                refresh_lease_until: Set(None),
                                ..Default::default()
                            };
                            let model = am.insert(txn).await?;
                            scopes::link(txn, model.id, &scope_ids).await?;
                            model
                        }
                    };
                    Ok(model)
                })
            })
            .await?;
        tracing::info!(
            token_id = model.id,
            character_id = model.character_id,
            "stored SSO token"
        );
        Ok(Token::from_model(model, verified.claims.scopes))
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
