//! The store as the ESI client's token source: a call acting as a character gets that
//! character's valid token holding the operation's scopes.

use esi_runtime::{AccessToken, BoxFuture, TokenRequest, TokenSource, TokenSourceError};

use crate::error::StoreError;
use crate::store::TokenStore;

impl TokenSource for TokenStore {
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
        Box::pin(async move {
            let no_token = || TokenSourceError::NoToken {
                character_id: request.character_id,
                scopes: request.scopes.iter().map(|s| (*s).to_owned()).collect(),
            };
            let Some(character_id) = request.character_id else {
                return Err(no_token());
            };
            let scopes: esi_sso::Scopes = request.scopes.iter().collect();
            match self.get_valid(character_id, scopes).await {
                // The store verified this token's signature and subject at login and at
                // every refresh: the runtime may share this character's cached answers and
                // rate-limit bucket with it.
                Ok(Some((token, secret))) => Ok(AccessToken::vouched_for(
                    secret.into_inner(),
                    token.character_id,
                )),
                Ok(None) => Err(no_token()),
                Err(e) => Err(map_error(e, request.operation)),
            }
        })
    }
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
