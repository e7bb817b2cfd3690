//! The runtime's counters on stdout: a few calls against the bundled fake ESI (loopback), then
//! every counter and histogram the `metrics` feature recorded, one line each in Prometheus'
//! text form. A site installs a real exporter (e.g. `metrics-exporter-prometheus`) instead of
//! the debugging recorder used here.
//!
//! `cargo run -p esi-api --example metrics --features metrics`

use esi_client::{Client, UserAgent};
use esi_fake::esi::{FakeEsi, FakeEsiConfig};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install()?;

    let esi = FakeEsi::start(FakeEsiConfig::default()).await?;
    let client = Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("metrics example", "1").email("you@example.com"))
        .build()?;
    client.status().get_status().await?;
    client.status().get_status().await?; // from the cache
    client.incursions().get_incursions().await?;

    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}=\"{}\"", l.key(), l.value()))
            .collect();
        let value = match value {
            DebugValue::Counter(n) => n.to_string(),
            DebugValue::Gauge(g) => g.to_string(),
            DebugValue::Histogram(samples) => {
                let sum: f64 = samples.iter().map(|s| s.into_inner()).sum();
                format!("{} samples, sum {sum:.6}", samples.len())
            }
        };
        println!("{}{{{}}} {value}", key.name(), labels.join(","));
    }
    Ok(())
}
