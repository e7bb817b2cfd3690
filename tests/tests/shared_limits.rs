//! ESI's limits and the response cache shared through Redis by several processes, against one
//! fake ESI started by the test (its error limit counts per client IP, and every process here
//! is 127.0.0.1, like processes behind one IP at ESI):
//!
//! - four OS processes hammering a route that answers 404: with the limits in Redis no 420 is
//!   ever served; with per-process state the same run gets 420s;
//! - the Lua scripts' decisions seen from two stores (two processes' view), keys that expire;
//! - the cache shared by two clients;
//! - a Redis of the test's own frozen, killed and restarted mid-run: requests keep succeeding
//!   within their timeouts, and the shared state is used again once Redis answers;
//! - (ignored) the measurements of the report: cached-response throughput and the added
//!   latency of the shared limits.
//!
//! Tests needing Redis read `REDIS_URL` (`eval "$(bash .ci/redis.sh)"`); without it they print
//! SKIPPED, except under `CI`, where they fail.

mod multiprocess;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use esi_client::redis::{RedisConfig, RedisStore};
use esi_client::{
    Client, ClientBuilder, Error, Hold, LimitAnswer, LimitPolicy, LimitRequest, LimitStore,
    RateLimitInfo, RetryPolicy, UserAgent,
};
use esi_fake::esi::{CachePhase, FakeEsi, FakeEsiConfig, Fault};
use multiprocess::*;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// The fake's error budget per window in the hammering tests.
const ERROR_LIMIT: u32 = 30;
/// The fake's error window.
const ERROR_WINDOW: Duration = Duration::from_secs(2);
const PROCESSES: usize = 4;
const TASKS_PER_PROCESS: usize = 4;

fn builder(esi: &str) -> ClientBuilder {
    Client::builder()
        .base_url(esi)
        .user_agent(UserAgent::new("esi-rs shared tests", "1.0").email("tests@esi-rs.invalid"))
        .read_timeout(Duration::from_secs(30))
}

/// A key prefix of one test run, so runs never share state.
fn prefix(test: &str) -> String {
    format!("esi-test:{test}:{}:", random_suffix())
}

async fn redis_store(url: &str, prefix: &str) -> RedisStore {
    let store = RedisStore::connect(RedisConfig::new(url).prefix(prefix))
        .await
        .expect("Redis URL");
    assert!(store.is_available(), "Redis answers at {url}");
    store
}

/// What a hammering child does.
#[derive(Debug, Serialize, Deserialize)]
struct Hammer {
    esi: String,
    /// `None`: limits of this process only.
    redis: Option<String>,
    prefix: String,
    start_at: u128,
    run_ms: u64,
}

/// Entry point of the hammering children; does nothing in a normal test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_hammer_entry() {
    let Some(job) = child_job::<Hammer>() else {
        return;
    };
    let mut client = builder(&job.esi)
        .no_cache()
        .retry(RetryPolicy::none())
        .error_reserve(3)
        .limit_policy(LimitPolicy::Wait {
            max_wait: Duration::from_secs(5),
        });
    if let Some(url) = &job.redis {
        client = client.limit_store(redis_store(url, &job.prefix).await.limits());
    }
    let client = client.build().expect("client");
    sleep_until(job.start_at).await;
    let started = Instant::now();
    let run = Duration::from_millis(job.run_ms);
    let mut tasks = Vec::new();
    for task in 0..TASKS_PER_PROCESS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let (mut not_found, mut limited, mut other) = (0u64, 0u64, 0u64);
            // Bounded by count and by time.
            for i in 0..5_000 {
                if started.elapsed() >= run {
                    break;
                }
                let id = 99_000_000 + (task as i64) * 100_000 + i;
                match client.alliance().get_alliances_alliance_id(id).await {
                    Err(Error::Status { status: 404, .. }) => not_found += 1,
                    Err(Error::ErrorLimited { .. }) => limited += 1,
                    Ok(_) => other += 1,
                    Err(e) => {
                        eprintln!("unexpected: {e}");
                        other += 1;
                    }
                }
            }
            (not_found, limited, other)
        }));
    }
    let (mut not_found, mut limited, mut other) = (0, 0, 0);
    for task in tasks {
        let (n, l, o) = task.await.expect("task");
        not_found += n;
        limited += l;
        other += o;
    }
    println!("CHILD_RESULT not_found={not_found} limited={limited} other={other}");
}

/// Four processes hammer a route answering 404; returns the statuses the fake answered.
async fn hammer(redis: Option<&str>, test: &str) -> Vec<Option<u16>> {
    let config = FakeEsiConfig::default().error_limit(ERROR_LIMIT, ERROR_WINDOW);
    let esi = FakeEsi::start(config).await.expect("fake ESI");
    // ESI's latency (30 ms here) is what keeps many requests in flight at once.
    esi.inject(Fault::delay(30).always().on("/alliances/"));
    esi.inject(Fault::status(404).always().on("/alliances/"));
    let job = Hammer {
        esi: esi.base_url(),
        redis: redis.map(str::to_string),
        prefix: prefix(test),
        start_at: now_ms() + 2_500,
        run_ms: 4_500,
    };
    let job = serde_json::to_string(&job).expect("job");
    let results = run_children(
        "child_hammer_entry",
        &vec![job; PROCESSES],
        Duration::from_secs(120),
    )
    .await;
    for line in &results {
        println!("child: {line}");
        assert_eq!(field(line, "other"), 0, "only 404s and 420s: {line}");
    }
    let statuses: Vec<Option<u16>> = esi.requests().iter().map(|r| r.status).collect();
    esi.shutdown();
    statuses
}

fn count(statuses: &[Option<u16>], status: u16) -> usize {
    statuses.iter().filter(|s| **s == Some(status)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_sharing_redis_never_get_a_420() {
    let Some(url) = redis_url("four_processes_sharing_redis_never_get_a_420") else {
        return;
    };
    let statuses = hammer(Some(&url), "hammer-redis").await;
    let errors = count(&statuses, 404);
    println!(
        "shared limits: {errors} errors, {} 420s",
        count(&statuses, 420)
    );
    assert_eq!(count(&statuses, 420), 0, "no 420 was ever served");
    // The budget was really pushed: more errors than one window allows, so the processes
    // held at the reserve and went on after each reset.
    assert!(errors > ERROR_LIMIT as usize, "{errors} errors sent");
    assert_eq!(statuses.len(), errors, "nothing but 404s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_with_their_own_limits_get_420s() {
    let statuses = hammer(None, "hammer-local").await;
    println!(
        "per-process limits: {} errors, {} 420s",
        count(&statuses, 404),
        count(&statuses, 420)
    );
    assert!(
        count(&statuses, 420) > 0,
        "each process sees only its own requests in flight, so together they overshoot"
    );
}

const WALLET: RateLimitInfo = RateLimitInfo {
    group: "char-wallet",
    max_tokens: 150,
    window_seconds: 900,
};

fn ask(rate_limit: Option<&RateLimitInfo>) -> LimitRequest<'_> {
    LimitRequest {
        operation: "test",
        who: "character:90000001",
        rate_limit,
        error_reserve: 2,
    }
}

fn answer(status: u16, pairs: &[(&'static str, &str)]) -> LimitAnswer {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.insert(*name, value.parse().expect("header value"));
    }
    LimitAnswer::from_headers(Some(&WALLET), status, &headers)
}

/// Asks `store` until it holds (records land in the background), at most 2 s.
async fn until_held(store: &dyn LimitStore, request: LimitRequest<'_>) -> Hold {
    let started = Instant::now();
    loop {
        match store.acquire(request).await {
            Err(hold) => return hold,
            Ok(permit) => store.release(permit),
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the store never held"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn pttl(store: &RedisStore, suffix: &str) -> i64 {
    let mut cmd = esi_client::redis::driver::cmd("PTTL");
    cmd.arg(store.key(suffix));
    store.query(&cmd).await.expect("PTTL")
}

/// Asks `store` until its view of the window says `remain` (records land in the background).
async fn until_remain(store: &dyn LimitStore, remain: u32) {
    let started = Instant::now();
    while store.error_window().remain != Some(remain) {
        if let Ok(permit) = store.acquire(ask(None)).await {
            store.release(permit);
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the record never landed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_limits_decide_for_every_process_and_their_keys_expire() {
    let test = "redis_limits_decide_for_every_process_and_their_keys_expire";
    let Some(url) = redis_url(test) else {
        return;
    };
    // Two stores on one prefix: what two processes see.
    let ns = prefix("scripts");
    let (store_a, store_b) = (redis_store(&url, &ns).await, redis_store(&url, &ns).await);
    let (a, b) = (store_a.limits(), store_b.limits());

    // A learns that 6 errors remain; with a reserve of 2, four requests may be in flight at
    // once, whichever processes send them.
    let first = a.acquire(ask(None)).await.expect("first");
    let told = answer(
        404,
        &[
            ("x-esi-error-limit-remain", "6"),
            ("x-esi-error-limit-reset", "30"),
        ],
    );
    a.record(first, ask(None), &told).await;
    until_remain(&*b, 6).await;
    // Let the background releases of the probes land.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut held = Vec::new();
    for store in [&a, &b, &a, &b] {
        let permit = store
            .acquire(ask(None))
            .await
            .expect("within the shared budget");
        held.push((store.clone(), permit));
    }
    let hold = b
        .acquire(ask(None))
        .await
        .expect_err("budget spent in flight");
    assert!(
        matches!(hold, Hold::ErrorLimit(wait) if wait > Duration::from_secs(25)),
        "{hold:?}"
    );
    assert_eq!(b.error_window().in_flight, 4);
    // A slot given back (no answer) is free for the other process.
    let (owner, permit) = held.pop().expect("permit");
    owner.release(permit);
    let started = Instant::now();
    let again = loop {
        if let Ok(permit) = a.acquire(ask(None)).await {
            break permit;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "slot not freed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    a.release(again);

    // Keys expire by themselves: the window when it resets, reservations after their ttl.
    let window = pttl(&store_a, "limits:error").await;
    assert!(
        (25_000..=30_000).contains(&window),
        "error window ttl {window}"
    );
    let in_flight = pttl(&store_a, "limits:in-flight").await;
    assert!(
        (1..=60_000).contains(&in_flight),
        "in-flight ttl {in_flight}"
    );

    // A 429 in one process blocks the bucket for every process of that character.
    let ns = prefix("bucket");
    let (store_a, store_b) = (redis_store(&url, &ns).await, redis_store(&url, &ns).await);
    let (a, b) = (store_a.limits(), store_b.limits());
    let permit = a.acquire(ask(Some(&WALLET))).await.expect("first");
    let refused = answer(
        429,
        &[("retry-after", "7"), ("x-ratelimit-limit", "150/15m")],
    );
    a.record(permit, ask(Some(&WALLET)), &refused).await;
    let hold = until_held(&*b, ask(Some(&WALLET))).await;
    assert!(
        matches!(&hold, Hold::RateLimit { group, wait } if group == "char-wallet" && *wait > Duration::from_secs(6)),
        "{hold:?}"
    );
    // Public calls are not held by the character's bucket.
    b.release(b.acquire(ask(None)).await.expect("public"));
    let bucket_ttl = pttl(&store_b, "limits:bucket:char-wallet:character:90000001").await;
    assert!(
        (800_000..=900_000).contains(&bucket_ttl),
        "bucket ttl {bucket_ttl}"
    );

    // A 420 closes the window for everyone.
    let ns = prefix("420");
    let (a, b) = (
        redis_store(&url, &ns).await.limits(),
        redis_store(&url, &ns).await.limits(),
    );
    let permit = a.acquire(ask(None)).await.expect("first");
    let limited = answer(420, &[("x-esi-error-limit-reset", "9")]);
    a.record(permit, ask(None), &limited).await;
    let hold = until_held(&*b, ask(None)).await;
    assert!(
        matches!(hold, Hold::ErrorLimit(wait) if wait > Duration::from_secs(8)),
        "{hold:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_share_the_redis_cache() {
    let Some(url) = redis_url("two_clients_share_the_redis_cache") else {
        return;
    };
    // The whole test in the first window of /status (30 s): no boundary between the clients.
    let config = FakeEsiConfig::default().cache_phase(CachePhase::starting_at(SystemTime::now()));
    let esi = FakeEsi::start(config).await.expect("fake ESI");
    let prefix = prefix("cache");
    let first = builder(&esi.base_url())
        .redis(&redis_store(&url, &prefix).await)
        .build()
        .expect("client");
    let second = builder(&esi.base_url())
        .redis(&redis_store(&url, &prefix).await)
        .build()
        .expect("client");
    let fetched = first
        .status()
        .get_status()
        .with_response()
        .await
        .expect("status");
    assert!(!fetched.from_cache);
    let cached = second
        .status()
        .get_status()
        .with_response()
        .await
        .expect("status");
    assert!(cached.from_cache, "served from the other client's entry");
    assert_eq!(cached.data, fetched.data);
    assert_eq!(cached.etag, fetched.etag);
    assert_eq!(esi.requests().len(), 1, "one request for both clients");
    esi.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_keep_succeeding_while_redis_hangs_dies_and_comes_back() {
    let test = "requests_keep_succeeding_while_redis_hangs_dies_and_comes_back";
    let Some(mut redis) = OwnRedis::start(test) else {
        return;
    };
    let esi = FakeEsi::start(FakeEsiConfig::default())
        .await
        .expect("fake ESI");
    let mut config = RedisConfig::new(redis.url()).prefix(prefix("failure"));
    config.max_retry_delay = Duration::from_millis(400);
    let store = RedisStore::connect(config).await.expect("Redis URL");
    assert!(store.is_available());
    let client = builder(&esi.base_url())
        .read_timeout(Duration::from_secs(2))
        .redis(&store)
        .build()
        .expect("client");

    let mut next_id = 99_000_000i64;
    let mut slowest = Duration::ZERO;
    let mut round = |client: Client| {
        next_id += 1;
        let id = next_id;
        async move {
            let started = Instant::now();
            // A new alliance each time: cache miss, limits, cache write; then a cached route.
            client
                .alliance()
                .get_alliances_alliance_id(id)
                .await
                .expect("request succeeds");
            client.status().get_status().await.expect("status succeeds");
            started.elapsed()
        }
    };
    for _ in 0..10 {
        slowest = slowest.max(round(client.clone()).await);
    }
    assert!(store.is_available());

    // Frozen: Redis holds the connection but never answers.
    redis.freeze();
    for _ in 0..15 {
        slowest = slowest.max(round(client.clone()).await);
    }
    assert!(!store.is_available(), "a hung Redis is noticed");
    redis.thaw();
    wait_available(&store).await;
    for _ in 0..5 {
        slowest = slowest.max(round(client.clone()).await);
    }

    // Killed: connections refused.
    redis.kill();
    for _ in 0..15 {
        slowest = slowest.max(round(client.clone()).await);
    }
    assert!(!store.is_available(), "a dead Redis is noticed");
    // Back (empty): reconnected in the background, the scripts loaded again.
    redis.restart();
    wait_available(&store).await;
    for _ in 0..5 {
        slowest = slowest.max(round(client.clone()).await);
    }
    assert_eq!(
        store.outages(),
        2,
        "one outage (one warning) each time, not one per request"
    );
    let mut keys = esi_client::redis::driver::cmd("KEYS");
    keys.arg(store.key("*"));
    let found: Vec<String> = store.query(&keys).await.expect("KEYS");
    assert!(
        found.iter().any(|k| k.contains("cache:")),
        "the cache is written to Redis again: {found:?}"
    );
    println!("slowest round (two calls) {slowest:?}");
    // Redis's timeouts are 150-250 ms; the calls' own read timeout is 2 s.
    assert!(
        slowest < Duration::from_millis(1_500),
        "no request waited on Redis past its timeouts: {slowest:?}"
    );
    esi.shutdown();
}

async fn wait_available(store: &RedisStore) {
    let started = Instant::now();
    while !store.is_available() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Redis not used again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The report's figures: `cargo nextest run --release -p esi-tests --test shared_limits
/// --run-ignored only --no-capture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, not a test: run in release with --run-ignored only --no-capture"]
async fn measure_cache_throughput_and_shared_limit_latency() {
    let Some(url) = redis_url("measure_cache_throughput_and_shared_limit_latency") else {
        return;
    };
    // Buckets big enough for the run (`/status` is in the `status` group).
    // The rounds in the first window of /status (30 s), which opens as the fake starts.
    let config = FakeEsiConfig::default()
        .bucket("*", 10_000_000, Duration::from_secs(900))
        .cache_phase(CachePhase::starting_at(SystemTime::now()));
    let esi = FakeEsi::start(config).await.expect("fake ESI");
    let redis = redis_store(&url, &prefix("measure")).await;

    // Cached-response throughput: 8 tasks, 40,000 calls answered from the cache.
    const CALLS: usize = 40_000;
    const TASKS: usize = 8;
    for (name, client) in [
        ("memory", builder(&esi.base_url()).build().expect("client")),
        (
            "redis",
            builder(&esi.base_url())
                .redis(&redis)
                .build()
                .expect("client"),
        ),
    ] {
        client.status().get_status().await.expect("warm");
        let before = esi.requests().len();
        let started = Instant::now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    for _ in 0..CALLS / TASKS {
                        client.status().get_status().await.expect("cached");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        let elapsed = started.elapsed();
        assert_eq!(esi.requests().len(), before, "all from the cache");
        println!(
            "MEASURE cache {name}: {:.0} requests/s from the cache ({CALLS} calls, {TASKS} tasks, {elapsed:?})",
            CALLS as f64 / elapsed.as_secs_f64()
        );
    }

    // Added latency of the limits: sequential uncached requests to the fake, per store.
    const REQUESTS: usize = 3_000;
    let shared: Arc<dyn LimitStore> = redis.limits();
    for round in 0..2 {
        for (name, store) in [("memory", None), ("redis", Some(shared.clone()))] {
            let mut b = builder(&esi.base_url()).no_cache();
            if let Some(store) = store {
                b = b.limit_store(store);
            }
            let client = b.build().expect("client");
            client.status().get_status().await.expect("warm");
            let mut took: Vec<Duration> = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                let started = Instant::now();
                client.status().get_status().await.expect("status");
                took.push(started.elapsed());
            }
            took.sort();
            let mean = took.iter().sum::<Duration>() / REQUESTS as u32;
            if round == 1 {
                println!(
                    "MEASURE request {name} limits: mean {mean:?}, p50 {:?}, p99 {:?} ({REQUESTS} sequential uncached requests)",
                    took[REQUESTS / 2],
                    took[REQUESTS * 99 / 100]
                );
            }
        }
    }

    // The shared limits alone: acquire (one script round trip) + record (sent in the
    // background), sequentially.
    let mut took: Vec<Duration> = Vec::with_capacity(REQUESTS);
    let told = answer(200, &[("x-ratelimit-remaining", "140")]);
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let permit = shared.acquire(ask(Some(&WALLET))).await.expect("permit");
        shared.record(permit, ask(Some(&WALLET)), &told).await;
        took.push(started.elapsed());
    }
    took.sort();
    println!(
        "MEASURE limits redis acquire+record: mean {:?}, p50 {:?}, p99 {:?}",
        took.iter().sum::<Duration>() / REQUESTS as u32,
        took[REQUESTS / 2],
        took[REQUESTS * 99 / 100]
    );
    esi.shutdown();
}
