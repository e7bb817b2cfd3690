//! A library pinned to ESI's 2025-11-06 API. It names the dated path, so it keeps its API
//! whatever spec the application built with it turns on.

use esi_client::spec_2025_11_06::Client;

/// The character's name, through the 2025-11-06 operation `get_characters_character_id`,
/// on the application's runtime client (one pool, cache and set of limits).
pub async fn character_name(
    client: &esi_client::runtime::Client,
    character_id: i64,
) -> Result<String, esi_client::Error> {
    let client = Client::from(client.clone());
    let character = client
        .character()
        .get_characters_character_id(character_id)
        .await?;
    Ok(character.name)
}
