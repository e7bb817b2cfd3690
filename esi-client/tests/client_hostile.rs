//! Untrusted tokens and hostile answers, against the fake servers or a small hostile server of
//! the test's own on 127.0.0.1: no token the client cannot vouch for shares another
//! character's data, and no answer aborts the process, exhausts memory, or holds a call past
//! its deadline.

use std::io::Write as _;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use esi_client::{
    AccessToken, BoxFuture, Client, ClientBuilder, Error, LimitPolicy, RetryPolicy, TokenRequest,
    TokenSource, TokenSourceError, UserAgent,
};
use esi_fake::esi::{CachePhase, FakeEsiConfig, Fault};
use esi_fake::harness::Harness;
use esi_fake::sso::{
    DEFAULT_CALLBACK_URL, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, MintOptions,
    SsoConfig as FakeSsoConfig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PILOT: i64 = 90_000_001;
const OTHER_PILOT: i64 = 90_000_002;
const WALLET: &str = "esi-wallet.read_character_wallet.v1";
const ASSETS: &str = "esi-assets.read_assets.v1";

fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .user_agent(UserAgent::new("esi-rs tests", "1.0").email("tests@esi-rs.invalid"))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
}

// Every resource's first cache window opens as the fake starts (`CachePhase::starting_at`):
// what these tests count (requests, cache hits) must not hang on where a window boundary falls
// by chance. Boundaries are tested on purpose elsewhere (esi-fake's fake_esi_cache.rs).
async fn harness(config: FakeEsiConfig) -> Harness {
    let config = config.cache_phase(CachePhase::starting_at(SystemTime::now()));
    Harness::start_with(config, FakeSsoConfig::default())
        .await
        .expect("fake servers start")
}

/// An SSO client of the fake's web application: the client's token verifier.
fn sso(h: &Harness) -> esi_sso::Sso {
    let config = esi_sso::SsoConfig::new(DEFAULT_WEB_CLIENT_ID, DEFAULT_CALLBACK_URL)
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url(&h.sso_url())
        .expect("base url");
    esi_sso::Sso::new(config).expect("sso")
}

/// An unsigned token whose claims name `character_id`: what an attacker can make.
fn forged(character_id: i64, scopes: &[&str], expires_in: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({
        "sub": format!("CHARACTER:EVE:{character_id}"),
        "scp": scopes,
        "exp": now + expires_in,
        "name": "Forger",
        "owner": "x",
    });
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn a_forged_token_gets_neither_the_cached_nor_the_in_flight_data_of_its_character() {
    let h = harness(FakeEsiConfig::default()).await;
    let client = builder(&h.esi_url()).build().unwrap();
    let real = h.token(PILOT, &[WALLET]).unwrap();
    let wallet = || client.wallet().get_characters_character_id_wallet(PILOT);
    // Cached: the real token's answer is fresh in the cache.
    wallet().token(&real).await.unwrap();
    let forged = forged(PILOT, &[WALLET], 600);
    let refused = wallet().token(&forged).await.unwrap_err();
    assert!(
        matches!(refused.status(), Some(401 | 403)),
        "the forged call went to ESI, which refused it: {refused}"
    );
    assert_eq!(h.count_for("/characters/90000001/wallet"), 2);

    // In flight: a slow real call, and a forged one while it is out.
    let client = builder(&h.esi_url()).no_cache().build().unwrap();
    h.esi
        .inject(Fault::delay(300).on("/characters/90000001/wallet"));
    let (c1, c2) = (client.clone(), client.clone());
    let slow = tokio::spawn(async move {
        c1.wallet()
            .get_characters_character_id_wallet(PILOT)
            .token(real)
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sneaky = tokio::spawn(async move {
        c2.wallet()
            .get_characters_character_id_wallet(PILOT)
            .token(forged)
            .await
    });
    assert!(slow.await.unwrap().is_ok());
    assert!(sneaky.await.unwrap().is_err(), "not the real call's answer");
}

/// Hands out the given token as vouched for by a store.
#[derive(Clone)]
struct Vouching(String);

impl TokenSource for Vouching {
    fn access_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, TokenSourceError>> {
        Box::pin(async move {
            let character = request.character_id.unwrap_or_default();
            Ok(AccessToken::vouched_for(self.0.clone(), character))
        })
    }
}

#[tokio::test]
async fn two_tokens_of_one_character_share_cache_and_bucket_only_when_vouched_for() {
    let h = harness(FakeEsiConfig::default()).await;
    let wallet = "/characters/90000001/wallet";
    let first = h.token(PILOT, &[WALLET]).unwrap();
    let refreshed = h.token(PILOT, &[WALLET, ASSETS]).unwrap();
    assert_ne!(first, refreshed);

    // Unchecked tokens share nothing: two requests.
    let plain = builder(&h.esi_url()).build().unwrap();
    for token in [&first, &refreshed] {
        plain
            .wallet()
            .get_characters_character_id_wallet(PILOT)
            .token(token)
            .await
            .unwrap();
    }
    assert_eq!(h.count_for(wallet), 2);
    assert!(
        plain
            .rate_limit_bucket("char-wallet", &format!("character:{PILOT}"))
            .is_none(),
        "no bucket under the character's name for unchecked tokens"
    );

    // Verified by the SSO: the refreshed token's call is served from the first one's cache,
    // and both count against the character's bucket.
    let verified = builder(&h.esi_url())
        .token_verifier(sso(&h))
        .build()
        .unwrap();
    for token in [&first, &refreshed] {
        verified
            .wallet()
            .get_characters_character_id_wallet(PILOT)
            .token(token)
            .await
            .unwrap();
    }
    assert_eq!(h.count_for(wallet), 3, "one more request, then the cache");
    assert!(
        verified
            .rate_limit_bucket("char-wallet", &format!("character:{PILOT}"))
            .is_some()
    );
    // A forged token is refused by the verifier before anything is sent.
    let forged_call = verified
        .wallet()
        .get_characters_character_id_wallet(PILOT)
        .token(forged(PILOT, &[WALLET], 600))
        .await
        .unwrap_err();
    assert!(
        matches!(forged_call, Error::TokenRejected { .. }),
        "{forged_call}"
    );
    assert_eq!(h.count_for(wallet), 3);

    // Vouched for by a token source: the same sharing.
    let sourced = builder(&h.esi_url()).build().unwrap();
    for token in [&first, &refreshed] {
        sourced
            .wallet()
            .get_characters_character_id_wallet(PILOT)
            .token_source(&Vouching(token.clone()))
            .await
            .unwrap();
    }
    assert_eq!(h.count_for(wallet), 4);
}

#[tokio::test]
async fn an_expired_token_is_refused_before_sending() {
    let h = harness(FakeEsiConfig::default()).await;
    let client = builder(&h.esi_url()).build().unwrap();
    let expired = h
        .sso
        .mint_with(&MintOptions::new(OTHER_PILOT, [WALLET], DEFAULT_WEB_CLIENT_ID).expires_in(-5))
        .unwrap();
    let err = client
        .wallet()
        .get_characters_character_id_wallet(OTHER_PILOT)
        .token(expired)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TokenExpired { .. }), "{err}");
    assert_eq!(h.requests().len(), 0);
}

#[tokio::test]
async fn a_429_pauses_a_route_without_a_rate_limit_group() {
    let h = harness(FakeEsiConfig::default()).await;
    let prices = "/markets/prices";
    let fail_fast = builder(&h.esi_url())
        .no_cache()
        .limit_policy(LimitPolicy::FailFast)
        .build()
        .unwrap();
    h.esi.inject(Fault::rate_limited(2).on(prices));
    for _ in 0..3 {
        let err = fail_fast.market().get_markets_prices().await.unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    }
    assert_eq!(h.count_for(prices), 1, "the client knew it was blocked");

    let waiting = builder(&h.esi_url()).no_cache().build().unwrap();
    h.esi.inject(Fault::rate_limited(1).on(prices));
    let started = Instant::now();
    waiting.market().get_markets_prices().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(h.count_for(prices), 3);
}

#[tokio::test]
async fn a_call_ends_at_its_deadline_whatever_the_server_does() {
    let h = harness(FakeEsiConfig::default()).await;
    let client = builder(&h.esi_url())
        .deadline(Duration::from_millis(400))
        .read_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    h.esi.inject(Fault::delay(3_000).always().on("/status"));
    let started = Instant::now();
    let err = client.status().get_status().await.unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // A call can set its own.
    let started = Instant::now();
    let err = client
        .status()
        .get_status()
        .deadline(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_millis(1_500));

    // A Retry-After that would end past the deadline fails at once.
    h.esi.faults().clear();
    h.esi.inject(Fault::rate_limited(20).on("/alliances/"));
    let started = Instant::now();
    let err = builder(&h.esi_url())
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap()
        .alliance()
        .get_alliances()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn path_parameters_that_change_the_route_are_refused() {
    let h = harness(FakeEsiConfig::default()).await;
    let client = builder(&h.esi_url()).build().unwrap();
    for hash in ["..", ".", ""] {
        let err = client
            .killmails()
            .get_killmails_killmail_id_killmail_hash(hash, 1)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidOption { .. }),
            "{hash:?}: {err}"
        );
    }
    assert_eq!(h.requests().len(), 0);
}

/// A server on 127.0.0.1 that answers every request with `head` and `body`.
async fn hostile_server(head: String, body: Vec<u8>) -> String {
    let answer = std::sync::Arc::new((head, body));
    hostile_server_by(move |_| answer.as_ref().clone()).await
}

/// A server on 127.0.0.1 that answers each request (its first line) with `answer`'s head and
/// body.
async fn hostile_server_by(
    answer: impl Fn(&str) -> (String, Vec<u8>) + Send + Sync + 'static,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = vec![0u8; 8192];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&request[..read]);
                let (head, body) = answer(text.lines().next().unwrap_or(""));
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_huge_page_one_announcing_many_pages_reserves_a_bounded_amount() {
    // Page 1: a million ids announcing 501 pages. Reserving page 1's length for each of the
    // 500 pages to come would ask for 4 GB at once (80 GB with ESI's larger records); the
    // later pages answer 404.
    let ids = vec!["7"; 1_000_000].join(",");
    let page_one = format!("[{ids}]").into_bytes();
    let url = hostile_server_by(move |request_line| {
        if request_line.contains("page=1 ") || request_line.contains("page=1&") {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-pages: 501\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                page_one.len()
            );
            (head, page_one.clone())
        } else {
            let body = br#"{"error":"gone"}"#.to_vec();
            let head = format!(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            (head, body)
        }
    })
    .await;
    let client = builder(&url).build().unwrap();
    let before = peak_virtual_memory();
    let err = client
        .universe()
        .get_universe_types()
        .all_pages()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    let grown = peak_virtual_memory().saturating_sub(before);
    assert!(
        grown < 1 << 30,
        "the walk reserved {} MiB of address space",
        grown >> 20
    );
}

/// This process's peak virtual memory (`VmPeak`), in bytes: what a reservation asks for,
/// touched or not.
fn peak_virtual_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmPeak:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

#[tokio::test]
async fn answers_larger_than_the_cap_are_refused_after_decompression() {
    // 16 MiB of spaces, about 16 KiB gzipped: inflated, it passes a 1 MiB cap.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..16 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        bomb.len()
    );
    let url = hostile_server(head, bomb).await;
    let client = builder(&url).max_body_size(1 << 20).build().unwrap();
    let err = client.status().get_status().await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit, .. } if limit == 1 << 20),
        "{err}"
    );

    // A declared length over the cap is refused before reading; a call sets its own cap.
    let h = harness(FakeEsiConfig::default()).await;
    let client = builder(&h.esi_url()).build().unwrap();
    let err = client
        .market()
        .get_markets_region_id_orders(10_000_002)
        .max_body_size(1_000)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err}");
}

#[tokio::test]
async fn a_deeply_nested_answer_is_a_decode_error() {
    let depth = 10_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        body.len()
    );
    let url = hostile_server(head, body.into_bytes()).await;
    let client = builder(&url).build().unwrap();
    // On a task's own (2 MiB) stack, as applications call it.
    let err = tokio::spawn(async move { client.alliance().get_alliances().await })
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
}
