//! Identical GETs in flight at the same moment share one request.
//!
//! When many tasks ask for the same thing before any answer is cached (a web site's pages all
//! loading the same character sheet, a burst after a restart), the first one (the leader) asks
//! ESI and the others (followers) wait for its answer instead of sending their own. The key is
//! the cache key: the URL with its parameters and the identity of the token, so two characters
//! never share an answer. A refusal by ESI (a 4xx or 5xx status) is shared too, so a burst of
//! identical calls to a missing record costs one error, not one per caller. When the leader
//! fails in any other way (transport, timeout, limits) or is cancelled, each follower sends its
//! own request.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use reqwest::header::HeaderMap;
use tokio::sync::watch;

use crate::decode::Raw;

/// What a leader hands to its followers.
#[derive(Debug, Clone)]
pub(crate) enum Shared {
    /// The answer (from ESI, or the cached body on a 304).
    Answer(Raw),
    /// ESI refused with this status; followers build the same typed error from it.
    Refused {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
    },
}

type Slot = watch::Receiver<Option<Shared>>;

/// The requests in flight, by cache key.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    calls: Mutex<HashMap<String, Slot>>,
}

/// Whether a call sends its request or waits for an identical one.
pub(crate) enum Turn<'a> {
    /// No identical request in flight: send, then [`Lead::share`] the outcome.
    Lead(Lead<'a>),
    /// An identical request is in flight: [`follow`] it.
    Follow(Slot),
}

impl InFlight {
    /// Takes the lead for `key`, or joins the identical request already in flight.
    pub(crate) fn turn(&self, key: &str) -> Turn<'_> {
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        // An entry lives exactly as long as its `Lead` (removed in its `Drop`).
        if let Some(slot) = calls.get(key) {
            return Turn::Follow(slot.clone());
        }
        let (sender, slot) = watch::channel(None);
        calls.insert(key.to_string(), slot);
        Turn::Lead(Lead {
            in_flight: self,
            key: key.to_string(),
            sender,
        })
    }

    /// Number of keys with a request in flight.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The call that sends the request for its key. Dropping it (on any outcome, or when the
/// call is cancelled) frees the key; followers still waiting then send their own requests.
pub(crate) struct Lead<'a> {
    in_flight: &'a InFlight,
    key: String,
    sender: watch::Sender<Option<Shared>>,
}

impl Lead<'_> {
    /// Whether any call waits for this one (the map holds one receiver of its own). A call
    /// that joins later than this check and finds no outcome sends its own request.
    pub(crate) fn followed(&self) -> bool {
        self.sender.receiver_count() > 1
    }

    /// Hands the outcome to every follower.
    pub(crate) fn share(self, outcome: Shared) {
        self.sender.send_replace(Some(outcome));
    }
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        // The entry for this key is this lead's: no other lead can exist while it lives.
        self.in_flight
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// Waits for the leader's outcome; `None` when it ended without one to share.
pub(crate) async fn follow(mut slot: Slot) -> Option<Shared> {
    match slot.wait_for(Option::is_some).await {
        Ok(outcome) => outcome.clone(),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static str) -> Shared {
        Shared::Answer(Raw {
            status: 200,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
            from_cache: false,
            not_modified: false,
        })
    }

    fn body(shared: Option<Shared>) -> Option<Bytes> {
        match shared? {
            Shared::Answer(raw) => Some(raw.body),
            Shared::Refused { body, .. } => Some(body),
        }
    }

    #[tokio::test]
    async fn followers_get_the_leaders_answer_and_the_key_is_freed() {
        let in_flight = InFlight::default();
        let Turn::Lead(lead) = in_flight.turn("a") else {
            panic!("the first call leads")
        };
        let Turn::Follow(first) = in_flight.turn("a") else {
            panic!("an identical call follows")
        };
        let Turn::Follow(second) = in_flight.turn("a") else {
            panic!("an identical call follows")
        };
        assert!(
            matches!(in_flight.turn("b"), Turn::Lead(_)),
            "other keys lead"
        );
        assert!(lead.followed());
        let waiting = tokio::spawn(follow(first));
        lead.share(answer("[1]"));
        assert_eq!(body(waiting.await.unwrap()).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(body(follow(second).await).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(in_flight.len(), 0);
        assert!(
            matches!(in_flight.turn("a"), Turn::Lead(_)),
            "the next call leads"
        );
    }

    #[tokio::test]
    async fn a_leader_ending_without_an_answer_lets_followers_go_alone() {
        let in_flight = InFlight::default();
        let Turn::Lead(lead) = in_flight.turn("a") else {
            panic!("the first call leads")
        };
        assert!(!lead.followed());
        let Turn::Follow(slot) = in_flight.turn("a") else {
            panic!("an identical call follows")
        };
        drop(lead);
        assert!(follow(slot).await.is_none());
        assert_eq!(in_flight.len(), 0);
    }
}
