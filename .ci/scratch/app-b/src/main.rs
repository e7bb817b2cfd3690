//! One binary, two specs: the application's default API (2026-08-18, `get_characters_detail`)
//! and lib-a's pinned 2025-11-06 API (`get_characters_character_id`), against the fake ESI on
//! 127.0.0.1. Each request must carry its own spec's `X-Compatibility-Date`.

use esi_client::{Client, UserAgent};
use esi_fake::esi::{FakeEsi, FakeEsiConfig};

const PILOT: i64 = 90_000_001;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let esi = FakeEsi::start(FakeEsiConfig::default()).await?;
    let client = Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("esi-rs scratch", "1.0").email("ci@esi-rs.invalid"))
        .build()?;

    let detail = client.character().get_characters_detail(PILOT).await?;
    let name = lib_a::character_name(client.runtime(), PILOT).await?;
    assert_eq!(detail.name, name, "both APIs read the same character");

    let dates: Vec<Option<String>> = esi
        .requests()
        .iter()
        .filter(|r| r.path == format!("/characters/{PILOT}"))
        .map(|r| r.compatibility_date.clone())
        .collect();
    let expected = [Some("2026-08-18".to_string()), Some("2025-11-06".to_string())];
    if dates != expected {
        return Err(format!("dates sent {dates:?}, expected {expected:?}").into());
    }
    println!(
        "spec choice: app-b (2026-08-18, get_characters_detail) and lib-a (2025-11-06, \
         get_characters_character_id) in one binary; dates sent {dates:?}"
    );
    Ok(())
}
