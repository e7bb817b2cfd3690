//! The store as the ESI client's token source: a call acting as a character gets that
//! character's valid token holding the operation's scopes.
//!
//! Two shapes, for two kinds of application, each asked for by name:
//!
//! - [`UserTokenSource`] ([`TokenStore::for_user`]): only the tokens of one user of the
//!   embedding application. The one to use wherever several users share a store (a web site):
//!   a call made for user B acting as user A's character finds no token.
//! - [`AllUsersTokenSource`] ([`TokenStore::all_users_source`]): any stored token of the call's
//!   character, whoever's user it belongs to. For single-user tools (a CLI, a bot) and backends
//!   that own every token they store; in a multi-user application it would let one user's
//!   request read another user's character.
//!
//! Invariant: [`TokenStore`] itself is no token source, so a site cannot hand every user's
//! tokens to a request by passing the store where a source is asked for; the name of the
//! method says whose tokens go out.

use std::fmt;

use esi_runtime::{AccessToken, BoxFuture, TokenRequest, TokenSource, TokenSourceError};

use crate::error::StoreError;
use crate::query::TokenQuery;
use crate::store::TokenStore;

/// A [`TokenSource`] handing out any stored token of the call's character, whoever's user it
/// belongs to, made by [`TokenStore::all_users_source`]: for single-user tools and backends
/// that own every token they store. In an application with several users, hand out tokens
/// through [`TokenStore::for_user`] instead. Cheap to clone.
///
/// ```no_run
/// # async fn demo(client: esi_client::Client, store: esi_store::TokenStore) -> Result<(), esi_client::Error> {
/// // A bot holding only its owner's characters.
/// let balance = client
///     .wallet()
///     .get_characters_character_id_wallet(90000001)
///     .token_source(&store.all_users_source())
///     .await?;
/// # let _ = balance; Ok(()) }
/// ```
///
/// The store itself is no token source: a site cannot pass it by accident where a source is
/// asked for.
///
/// ```compile_fail,E0277
/// fn wants_a_source<S: esi_runtime::TokenSource>(_: &S) {}
/// fn site(store: &esi_store::TokenStore) {
///     wants_a_source(store); // error: `TokenStore` is not a `TokenSource`
/// }
/// ```
///
/// Named, it is:
///
/// ```
/// fn wants_a_source<S: esi_runtime::TokenSource>(_: &S) {}
/// fn tool(store: &esi_store::TokenStore) {
///     wants_a_source(&store.all_users_source());
///     wants_a_source(&store.for_user("user-42"));
/// }
/// ```
#[derive(Clone)]
pub struct AllUsersTokenSource {
    store: TokenStore,
}

impl fmt::Debug for AllUsersTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllUsersTokenSource")
            .field("store", &self.store)
            .finish()
    }
}

impl TokenSource for AllUsersTokenSource {
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
        Box::pin(hand_out(&self.store, request, |q| q))
    }
}

/// A [`TokenSource`] that hands out only the tokens of one user of the embedding application
/// (the `user_id` given at login), made by [`TokenStore::for_user`]. A call acting as a
/// character for which that user holds no token fails with [`TokenSourceError::NoToken`], even
/// when another user's token for that character is stored. Cheap to clone.
///
/// ```no_run
/// # async fn demo(client: esi_client::Client, store: esi_store::TokenStore, signed_in_user: &str) -> Result<(), esi_client::Error> {
/// let balance = client
///     .wallet()
///     .get_characters_character_id_wallet(90000001)
///     .token_source(&store.for_user(signed_in_user))
///     .await?;
/// # let _ = balance; Ok(()) }
/// ```
#[derive(Clone)]
pub struct UserTokenSource {
    store: TokenStore,
    user_id: String,
}

impl fmt::Debug for UserTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokenSource")
            .field("user_id", &self.user_id)
            .field("store", &self.store)
            .finish()
    }
}

impl UserTokenSource {
    /// The user whose tokens this source hands out.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl TokenStore {
    /// A token source handing out only `user_id`'s tokens: what a multi-user application
    /// passes to `.token_source(..)` for a request made by that user.
    pub fn for_user(&self, user_id: impl Into<String>) -> UserTokenSource {
        UserTokenSource {
            store: self.clone(),
            user_id: user_id.into(),
        }
    }

    /// A token source handing out any stored token of the call's character, whoever's user it
    /// belongs to: for single-user tools and backends that own every token. A site with several
    /// users wants [`TokenStore::for_user`].
    pub fn all_users_source(&self) -> AllUsersTokenSource {
        AllUsersTokenSource {
            store: self.clone(),
        }
    }
}

impl TokenSource for UserTokenSource {
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
        Box::pin(hand_out(&self.store, request, |q| {
            q.user(self.user_id.as_str())
        }))
    }
}

/// A valid token of the request's character with its scopes, among the tokens `narrow` keeps.
async fn hand_out(
    store: &TokenStore,
    request: TokenRequest<'_>,
    narrow: impl FnOnce(TokenQuery) -> TokenQuery,
) -> Result<AccessToken, TokenSourceError> {
    let no_token = || TokenSourceError::NoToken {
        character_id: request.character_id,
        scopes: request.scopes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let Some(character_id) = request.character_id else {
        return Err(no_token());
    };
    let scopes: esi_sso::Scopes = request.scopes.iter().collect();
    let query = narrow(
        store
            .tokens()
            .character(character_id)
            .require_scopes(scopes),
    );
    match store.first_valid(query).await {
        Ok(Some((token, secret))) => Ok(handed_out(secret.into_inner(), token.character_id)),
        Ok(None) => Err(no_token()),
        Err(e) => Err(map_error(e, request.operation)),
    }
}

/// The access token as handed to the ESI client, for `character_id`.
fn handed_out(secret: String, character_id: i64) -> AccessToken {
    // The store verified this token's signature and subject at login and at every refresh:
    // the runtime may share this character's cached answers and rate-limit bucket with it.
    AccessToken::vouched_for(secret, character_id)
}

fn map_error(e: StoreError, operation: &str) -> TokenSourceError {
    if e.token_deleted() {
        TokenSourceError::Revoked
    } else if e.is_temporary() {
        TokenSourceError::Unavailable(format!("{operation}: {e}"))
    } else {
        TokenSourceError::Other(format!("{operation}: {e}"))
    }
}
