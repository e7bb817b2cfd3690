//! Built from the unpacked packages, as a user's application would be from the registry:
//! `status().get_status()` and every page of a market, then one binary with two specs: the
//! application's default API (2026-08-18, `get_characters_detail`) and lib-a's pinned
//! 2025-11-06 API (`get_characters_character_id`), against the fake ESI (the published
//! `esi-fake`, serving the spec it embeds) on 127.0.0.1. Each request must carry its own
//! spec's `X-Compatibility-Date`.

use esi_client::{Client, UserAgent};
use esi_fake::esi::{FakeEsi, FakeEsiConfig};

const PILOT: i64 = 90_000_001;
const THE_FORGE: i64 = 10_000_002;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let esi = FakeEsi::start(FakeEsiConfig::default()).await?;
    let client = Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("esi-rs scratch", "1.0").email("ci@esi-rs.invalid"))
        .build()?;

    let status = client.status().get_status().await?;
    let orders = client
        .market()
        .get_markets_region_id_orders(THE_FORGE)
        .all_pages()
        .await?;
    let market_pages = esi
        .requests()
        .iter()
        .filter(|r| r.path == format!("/markets/{THE_FORGE}/orders"))
        .count();
    if orders.is_empty() || market_pages < 2 {
        return Err(format!("all_pages: {} orders from {market_pages} pages", orders.len()).into());
    }
    println!(
        "status: {} players; all_pages: {} orders of The Forge in {market_pages} pages",
        status.players,
        orders.len()
    );

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
