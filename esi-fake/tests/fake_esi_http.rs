//! The fake ESI over HTTP: headers, conditional requests, parameter checks, compatibility
//! dates, spec documents, pagination, request bodies, the control endpoint and the log.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use esi_codegen::model::HttpMethod;
use esi_fake::esi::CachePhase;
use esi_fake::esi::config::pinned_compatibility_dates;
use serde_json::{Value, json};
use support::{
    ALL_SCOPES, CHARACTER, client, date_secs, header, number, op, start, to_window_start,
};

const SPEC: &str = "esi-openapi-2026-08-18.json";

#[tokio::test]
async fn answers_carry_cache_and_limit_headers() {
    let (esi, api) = start(SPEC, |c| c).await;
    let client = client();

    // A public route without x-rate-limit: error-limit headers, no rate-limit headers.
    let alliances = op(&api, HttpMethod::Get, "/alliances");
    assert!(alliances.rate_limit.is_none());
    let resp = client
        .get(format!("{}/alliances", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    // ESI's cache window of the resource: `Expires` at its end, `Last-Modified` at its start,
    // `max-age` the seconds left (see fake_esi_cache.rs for the details).
    let cache_seconds = alliances.cache_seconds.expect("x-cache-age");
    let (date, expires) = (date_secs(&resp, "date"), date_secs(&resp, "expires"));
    let last_modified = date_secs(&resp, "last-modified");
    assert_eq!(
        header(&resp, "cache-control"),
        Some(format!("public, max-age={}", expires - date))
    );
    assert!((1..=cache_seconds).contains(&(expires - date)));
    assert_eq!(expires - last_modified, cache_seconds);
    let etag = header(&resp, "etag").expect("etag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
        "{etag}"
    );
    assert_eq!(number(&resp, "x-esi-error-limit-remain"), 100);
    assert!((0..=60).contains(&number(&resp, "x-esi-error-limit-reset")));
    assert!(header(&resp, "x-ratelimit-group").is_none());
    let body = resp.bytes().await.expect("body");
    assert!(
        serde_json::from_slice::<Value>(&body)
            .expect("json")
            .is_array()
    );

    // A route with x-rate-limit: rate-limit headers only.
    let resp = client
        .get(format!("{}/status", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "x-ratelimit-group").as_deref(),
        Some("status")
    );
    assert_eq!(
        header(&resp, "x-ratelimit-limit").as_deref(),
        Some("600/15m")
    );
    assert_eq!(number(&resp, "x-ratelimit-remaining"), 598);
    assert_eq!(number(&resp, "x-ratelimit-used"), 2);
    assert!(header(&resp, "x-esi-error-limit-remain").is_none());
}

#[tokio::test]
async fn matching_etag_or_date_gives_304_without_body() {
    let (esi, _) = start(SPEC, |c| c.cache_phase(CachePhase::EPOCH)).await;
    // The whole test inside one window of /alliances (an hour).
    to_window_start(&esi, 3600, Duration::ZERO);
    let client = client();
    let url = format!("{}/alliances", esi.base_url());
    let first = client.get(&url).send().await.expect("request");
    let etag = header(&first, "etag").expect("etag");
    let last_modified = header(&first, "last-modified").expect("last-modified");

    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
    ] {
        let resp = client
            .get(&url)
            .header("If-None-Match", tag)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 304);
        assert_eq!(header(&resp, "etag").as_ref(), Some(&etag));
        assert!(header(&resp, "expires").is_some() && header(&resp, "cache-control").is_some());
        assert!(resp.bytes().await.expect("body").is_empty());
    }
    let stale = client
        .get(&url)
        .header("If-None-Match", "\"0000\"")
        .send()
        .await
        .expect("request");
    assert_eq!(stale.status(), 200);
    let since = client
        .get(&url)
        .header("If-Modified-Since", last_modified)
        .send()
        .await
        .expect("request");
    assert_eq!(since.status(), 304);
}

#[tokio::test]
async fn bad_parameters_give_400_with_an_error_body() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    for (path, needle) in [
        ("/markets/abc/orders", "region_id"),
        ("/markets/10000002/orders?order_type=nope", "order_type"),
        ("/markets/10000002/orders?page=0", "page"),
        ("/markets/10000002/orders?type_id=1.5", "type_id"),
        ("/markets/10000002/history", "type_id"),
        ("/universe/types/x", "type_id"),
    ] {
        let resp = client
            .get(format!("{}{path}", esi.base_url()))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 400, "{path}");
        let body: Value = resp.json().await.expect("json");
        let message = body["error"].as_str().expect("error string");
        assert!(message.contains(needle), "{path}: {message}");
    }
    let unknown = client
        .get(format!("{}/no/such/route", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
    assert!(unknown.json::<Value>().await.expect("json")["error"].is_string());
}

#[tokio::test]
async fn compatibility_dates_are_checked_and_recorded() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    let url = format!("{}/status", esi.base_url());
    for bad in ["2019-12-31", "2999-01-01", "18-08-2026", "2026-02-30"] {
        let resp = client
            .get(&url)
            .header("X-Compatibility-Date", bad)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(resp.json::<Value>().await.expect("json")["error"].is_string());
    }
    let ok = client
        .get(&url)
        .header("X-Compatibility-Date", "2026-08-18")
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
    let by_query = client
        .get(format!("{url}?compatibility_date=2025-11-06"))
        .send()
        .await
        .expect("request");
    assert_eq!(by_query.status(), 200);
    let dates: Vec<Option<String>> = esi
        .requests()
        .into_iter()
        .map(|r| r.compatibility_date)
        .collect();
    assert_eq!(dates.len(), 6);
    assert_eq!(dates[4].as_deref(), Some("2026-08-18"));
    assert_eq!(dates[5].as_deref(), Some("2025-11-06"));
}

#[tokio::test]
async fn spec_documents_and_compatibility_dates_are_served() {
    let client = client();
    let (esi, _) = start(SPEC, |c| c).await;
    let served = client
        .get(format!("{}/meta/openapi.json", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(served.status(), 200);
    let on_disk = std::fs::read(esi_fake::esi::config::specs_dir().join(SPEC)).expect("spec");
    assert_eq!(
        served.bytes().await.expect("body").as_ref(),
        on_disk.as_slice()
    );
    let swagger = client
        .get(format!("{}/latest/swagger.json", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(swagger.status(), 404);
    let dates: Value = client
        .get(format!("{}/meta/compatibility-dates", esi.base_url()))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        dates,
        json!({ "compatibility_dates": pinned_compatibility_dates() })
    );
    assert!(pinned_compatibility_dates().contains(&"2026-08-18".to_string()));

    let (old, _) = start("esi-swagger-latest-v1.3.8.json", |c| c).await;
    for path in ["/latest/swagger.json", "/v1/swagger.json"] {
        let resp = client
            .get(format!("{}{path}", old.base_url()))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        let doc: Value = resp.json().await.expect("json");
        assert_eq!(doc["swagger"], "2.0");
    }
    for (path, status) in [
        ("/meta/openapi.json", 404),
        ("/latest/markets/10000002/orders/", 200),
        ("/v1/markets/10000002/orders/", 200),
        ("/dev/markets/10000002/orders", 200),
        ("/v9/markets/10000002/orders/", 404),
    ] {
        let resp = client
            .get(format!("{}{path}", old.base_url()))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), status, "{path}");
    }
}

#[tokio::test]
async fn market_orders_have_50_pages_of_1000_with_one_last_modified() {
    let (esi, _) = start(SPEC, |c| c.cache_phase(CachePhase::EPOCH)).await;
    // The 50 pages inside one window of market orders (300 s).
    to_window_start(&esi, 300, Duration::ZERO);
    let client = client();
    let mut tasks = Vec::new();
    for page in 1..=50 {
        let client = client.clone();
        let url = format!("{}/markets/10000002/orders?page={page}", esi.base_url());
        tasks.push(tokio::spawn(async move {
            let resp = client.get(url).send().await.expect("request");
            assert_eq!(resp.status(), 200);
            let pages = number(&resp, "x-pages");
            let modified = header(&resp, "last-modified").expect("last-modified");
            let orders: Vec<Value> = resp.json().await.expect("json");
            (pages, modified, orders)
        }));
    }
    let mut ids = HashSet::new();
    let mut modified_values = HashSet::new();
    for task in tasks {
        let (pages, modified, orders) = task.await.expect("task");
        assert_eq!(pages, 50);
        assert_eq!(orders.len(), 1000);
        modified_values.insert(modified);
        for order in orders {
            ids.insert(order["order_id"].as_i64().expect("order_id"));
        }
    }
    assert_eq!(modified_values.len(), 1, "pages disagree on Last-Modified");
    assert_eq!(ids.len(), 50_000, "order ids are unique across pages");
    let past = client
        .get(format!(
            "{}/markets/10000002/orders?page=51",
            esi.base_url()
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(past.status(), 404);
    assert_eq!(
        past.json::<Value>().await.expect("json"),
        json!({"error": "Requested page does not exist!"})
    );
}

#[tokio::test]
async fn other_paged_routes_have_a_few_small_pages() {
    let (esi, _) = start(SPEC, |c| {
        c.pages("/universe/types", esi_fake::esi::PageShape::new(2, 7))
    })
    .await;
    let client = client();
    let groups = client
        .get(format!("{}/universe/groups?page=3", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(number(&groups, "x-pages"), 3);
    assert_eq!(groups.json::<Vec<i64>>().await.expect("json").len(), 4);
    let types = client
        .get(format!("{}/universe/types?page=2", esi.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(number(&types, "x-pages"), 2);
    assert_eq!(types.json::<Vec<i64>>().await.expect("json").len(), 7);
}

#[tokio::test]
async fn cursor_walk_reaches_every_record_then_after_polls_nothing_new() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    let url = format!("{}/freelance-jobs", esi.base_url());
    let get = |query: String| {
        let client = client.clone();
        let url = format!("{url}{query}");
        async move {
            let resp = client.get(url).send().await.expect("request");
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.expect("json")
        }
    };
    let first = get(String::new()).await;
    let after = first["cursor"]["after"]
        .as_str()
        .expect("after")
        .to_string();
    let mut before = first["cursor"]["before"]
        .as_str()
        .expect("before")
        .to_string();
    let mut seen: Vec<Value> = first["freelance_jobs"].as_array().expect("records").clone();
    assert_eq!(seen.len(), 10);
    loop {
        let page = get(format!("?before={before}")).await;
        let records = page["freelance_jobs"].as_array().expect("records");
        if records.is_empty() {
            break;
        }
        seen.extend(records.iter().cloned());
        before = page["cursor"]["before"]
            .as_str()
            .expect("before")
            .to_string();
    }
    let ids: HashSet<String> = seen.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids.len(), 25);
    let newer = get(format!("?after={after}")).await;
    assert!(
        newer["freelance_jobs"]
            .as_array()
            .expect("records")
            .is_empty()
    );
    let from_start = get("?after=0&limit=20".into()).await;
    assert_eq!(
        from_start["freelance_jobs"]
            .as_array()
            .expect("records")
            .len(),
        20
    );
    let bad = client
        .get(format!("{url}?before=garbage"))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    let small = client
        .get(format!("{url}?limit=5"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        small.status(),
        400,
        "limit below the declared minimum of 10"
    );
}

#[tokio::test]
async fn from_id_walk_ends_with_only_the_from_id_record() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    let url = format!(
        "{}/characters/{CHARACTER}/wallet/transactions",
        esi.base_url()
    );
    let get = |query: String| {
        let request = client.get(format!("{url}{query}")).bearer_auth(ALL_SCOPES);
        async move {
            let resp = request.send().await.expect("request");
            assert_eq!(resp.status(), 200);
            resp.json::<Vec<Value>>().await.expect("json")
        }
    };
    let id = |r: &Value| r["transaction_id"].as_i64().expect("transaction_id");
    let mut page = get(String::new()).await;
    let mut all: Vec<i64> = page.iter().map(id).collect();
    assert_eq!(all.len(), 10);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first");
    let mut calls = 1;
    loop {
        let last = id(page.last().expect("records"));
        page = get(format!("?from_id={last}")).await;
        calls += 1;
        assert_eq!(id(&page[0]), last, "answer starts with the from_id record");
        if page.len() == 1 {
            break;
        }
        all.extend(page[1..].iter().map(id));
        assert!(calls < 10, "walk does not end");
    }
    assert_eq!(all.len(), 25);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 25);
}

#[tokio::test]
async fn request_bodies_are_checked() {
    let (esi, api) = start(SPEC, |c| c).await;
    let client = client();
    let names = format!("{}/universe/names", esi.base_url());
    let missing = client.post(&names).send().await.expect("request");
    assert_eq!(missing.status(), 400);
    let broken = client
        .post(&names)
        .header("content-type", "application/json")
        .body("[1,2")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), 400);
    let too_many: Vec<i64> = (1..=1001).collect();
    let resp = client
        .post(&names)
        .json(&too_many)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400, "maxItems 1000");
    let ok = client
        .post(&names)
        .json(&[95465499, 30000142])
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.expect("json");
    let schema = op(&api, HttpMethod::Post, "/universe/names")
        .success_schema()
        .expect("schema");
    assert!(esi_fake::esi::Validator::new(&api).is_valid(schema, &body));

    let label = client
        .put(format!("{}/characters/{CHARACTER}/mail/7", esi.base_url()))
        .bearer_auth(ALL_SCOPES)
        .json(&json!({"read": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(label.status(), 204);
    let created = client
        .post(format!(
            "{}/characters/{CHARACTER}/mail/labels",
            esi.base_url()
        ))
        .bearer_auth(ALL_SCOPES)
        .json(&json!({"name": "Fleet", "color": "#ffffff"}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
}

#[tokio::test]
async fn control_endpoint_and_request_log() {
    let (esi, _) = start(SPEC, |c| c).await;
    let client = client();
    let base = esi.base_url();
    client
        .get(format!("{base}/alliances"))
        .header("User-Agent", "esi-fake-tests/1.0 (test@example.com)")
        .send()
        .await
        .expect("request");
    client
        .get(format!("{base}/status?x=1"))
        .send()
        .await
        .expect("request");
    let records = esi.requests();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].path, "/alliances");
    assert_eq!(records[0].status, Some(200));
    assert_eq!(records[0].operation_id.as_deref(), Some("GetAlliances"));
    assert_eq!(
        records[0].header("user-agent"),
        Some("esi-fake-tests/1.0 (test@example.com)")
    );
    assert_eq!(records[1].query_param("x").as_deref(), Some("1"));
    assert_eq!(esi.count_for("/status"), 1);

    let logged: Value = client
        .get(format!("{base}/_fake/requests"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        logged.as_array().expect("list").len(),
        2,
        "control calls are not logged"
    );
    let queued = client
        .post(format!("{base}/_fake/faults"))
        .json(&json!([{"kind": "status", "status": 503, "count": 2}, {"kind": "delay", "ms": 1}]))
        .send()
        .await
        .expect("request");
    assert_eq!(
        queued.json::<Value>().await.expect("json"),
        json!({"pending": 2})
    );
    assert_eq!(esi.faults().pending().len(), 2);
    client
        .delete(format!("{base}/_fake/faults"))
        .send()
        .await
        .expect("request");
    assert!(esi.faults().pending().is_empty());
    let bad = client
        .post(format!("{base}/_fake/faults"))
        .json(&json!({"kind": "nonsense"}))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    client
        .delete(format!("{base}/_fake/requests"))
        .send()
        .await
        .expect("request");
    assert_eq!(esi.requests().len(), 0);
}
