//! Traces: every request is an INFO span `esi.request` with OpenTelemetry's HTTP field names
//! (`http.request.method`, `http.response.status_code`, `url.template`, `server.address`) and
//! ours (`esi.operation`, `esi.compatibility_date`, `esi.cache`, `esi.rate_limit_group`), read
//! back here through a subscriber of the test's own.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use esi_client::{Client, UserAgent};
use esi_fake::esi::{CachePhase, FakeEsiConfig};
use esi_fake::harness::Harness;
use esi_fake::sso::SsoConfig;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One span: its id, name and fields as text.
type SpanRecord = (Id, &'static str, BTreeMap<String, String>);

/// Every span, in the order the spans were opened.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<SpanRecord>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            format!("{value:?}").trim_matches('"').to_string(),
        );
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut spans = self.0.lock().unwrap();
        spans.push((id.clone(), attrs.metadata().name(), fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, _, fields)) = spans.iter_mut().rev().find(|(i, _, _)| i == id) {
            values.record(&mut Fields(fields));
        }
    }
}

impl Spans {
    fn named(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, n, _)| *n == name)
            .map(|(_, _, f)| f.clone())
            .collect()
    }
}

#[tokio::test]
async fn request_spans_carry_opentelemetry_and_esi_fields() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let config = FakeEsiConfig::default().cache_phase(CachePhase::starting_at(SystemTime::now()));
    let h = Harness::start_with(config, SsoConfig::default())
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(h.esi_url())
        .user_agent(UserAgent::new("traces", "1").email("t@esi-rs.invalid"))
        .read_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    client.status().get_status().await.unwrap();
    client.status().get_status().await.unwrap();
    client.incursions().get_incursions().await.unwrap();

    let requests = spans.named("esi.request");
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let first = &requests[0];
    assert_eq!(first["http.request.method"], "GET");
    assert_eq!(first["http.response.status_code"], "200");
    assert_eq!(first["url.template"], "/status");
    assert_eq!(first["server.address"], "127.0.0.1");
    assert_eq!(first["esi.operation"], "GetStatus");
    assert_eq!(first["esi.cache"], "miss");
    assert_eq!(first["esi.attempt"], "1");
    assert!(first["esi.compatibility_date"].contains("20"), "{first:?}");
    assert_eq!(
        requests[1]["esi.cache"], "hit",
        "the second call came from the cache"
    );
    assert_eq!(first["esi.rate_limit_group"], "status");
    assert_eq!(requests[2]["url.template"], "/incursions");
    assert_eq!(requests[2]["esi.rate_limit_group"], "incursion");
}
