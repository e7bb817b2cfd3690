//! [`RunTokens`]: the token store as one run's token source. A run asks for the same
//! character's token with the same scopes for every page it fetches; the store is asked once
//! per run (a database query each time otherwise), and the token is kept no longer than the run.
//! The worker is a backend keeping every stored character fresh, so it asks the store's
//! all-users source ([`esi_store::TokenStore::all_users_source`]).

use std::sync::{Arc, Mutex, PoisonError};

use esi_runtime::{AccessToken, BoxFuture, TokenRequest, TokenSource, TokenSourceError};
use esi_store::AllUsersTokenSource;

/// The store's token for one run, asked for once per character and scopes.
#[derive(Clone)]
pub(crate) struct RunTokens<S = AllUsersTokenSource> {
    store: S,
    handed_out: Arc<Mutex<Option<HandedOut>>>,
}

struct HandedOut {
    character_id: Option<i64>,
    scopes: Vec<&'static str>,
    token: AccessToken,
}

impl<S: TokenSource + Clone> RunTokens<S> {
    /// A fresh memo over `store`, for one run.
    pub(crate) fn new(store: &S) -> Self {
        RunTokens {
            store: store.clone(),
            handed_out: Arc::default(),
        }
    }

    fn remembered(&self, request: &TokenRequest<'_>) -> Option<AccessToken> {
        let memo = self
            .handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        memo.as_ref()
            .filter(|m| m.character_id == request.character_id && m.scopes == request.scopes)
            .map(|m| m.token.clone())
    }
}

impl<S: TokenSource + Clone> TokenSource for RunTokens<S> {
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
        Box::pin(async move {
            if let Some(token) = self.remembered(&request) {
                return Ok(token);
            }
            let (character_id, scopes) = (request.character_id, request.scopes.to_vec());
            let token = self.store.access_token(request).await?;
            *self
                .handed_out
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(HandedOut {
                character_id,
                scopes,
                token: token.clone(),
            });
            Ok(token)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Hands out a new token each time it is asked, counting the asks.
    #[derive(Clone, Default)]
    struct Counting(Arc<AtomicU32>);

    impl TokenSource for Counting {
        fn access_token<'a>(
            &'a self,
            request: TokenRequest<'a>,
        ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            let character = request.character_id.unwrap_or_default();
            Box::pin(async move { Ok(AccessToken::vouched_for(format!("t{n}"), character)) })
        }
    }

    fn ask(character_id: i64, scopes: &'static [&'static str]) -> TokenRequest<'static> {
        TokenRequest {
            character_id: Some(character_id),
            scopes,
            operation: "GetThing",
        }
    }

    #[tokio::test]
    async fn one_run_asks_the_store_once_per_character_and_scopes() {
        let source = Counting::default();
        let run = RunTokens::new(&source);
        let first = run.access_token(ask(1, &["a"])).await.expect("token");
        for _ in 0..3 {
            assert!(run.access_token(ask(1, &["a"])).await.expect("token") == first);
        }
        assert_eq!(source.0.load(Ordering::Relaxed), 1);
        // Another character or other scopes: asked again.
        assert!(run.access_token(ask(2, &["a"])).await.expect("token") != first);
        assert!(run.access_token(ask(2, &["a", "b"])).await.expect("token") != first);
        assert_eq!(source.0.load(Ordering::Relaxed), 3);
        // A new run asks again.
        let again = RunTokens::new(&source);
        again.access_token(ask(1, &["a"])).await.expect("token");
        assert_eq!(source.0.load(Ordering::Relaxed), 4);
    }
}
