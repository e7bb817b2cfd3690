//! A library on ESI's Swagger 2.0 spec. It names the dated path, so it keeps its API whatever
//! spec the application built with it turns on.

use esi_client::spec_swagger_latest::Client;

/// The number of players online, through the Swagger spec's `/status/` route.
pub async fn players(client: &esi_client::runtime::Client) -> Result<i64, esi_client::Error> {
    let client = Client::from(client.clone());
    Ok(client.status().get_status().await?.players)
}
