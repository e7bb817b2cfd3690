//! Logs in through the fake SSO (PKCE; the access token checked against its JWKS) and calls an
//! authenticated ESI route, in a build where jsonwebtoken has both crypto backends and rustls
//! has aws-lc-rs besides ring. jsonwebtoken panics on every check when both of its backends are
//! on and no provider was chosen; esi-sso must choose one without panicking.

use esi_client::runtime::AccessToken;
use esi_client::{Client, UserAgent};
use esi_fake::harness::Harness;
use esi_fake::sso::DEFAULT_NATIVE_CLIENT_ID;
use esi_sso::{Callback, Sso, SsoConfig};

const PILOT: i64 = 90_000_001;
const SCOPE: &str = "esi-wallet.read_character_wallet.v1";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let harness = Harness::start().await?;
    let sso = Sso::new(
        SsoConfig::new(DEFAULT_NATIVE_CLIENT_ID, "http://127.0.0.1:9/callback")
            .base_url(&harness.sso_url())?,
    )?;
    let auth = sso.authorize([SCOPE]).await?;
    let back = esi_fake::sso::play_login_page(&auth.url, PILOT).await?;
    let callback = Callback::from_query(back.query().unwrap_or_default())?;
    if callback.state != auth.state {
        return Err("the SSO sent back another state".into());
    }
    let login = sso
        .exchange_code(&callback.code, auth.pkce_verifier.as_ref())
        .await?;
    sso.verify(login.tokens.access_token.expose()).await?;

    let client = Client::builder()
        .base_url(harness.esi_url())
        .user_agent(UserAgent::new("esi-rs scratch", "1.0").email("ci@esi-rs.invalid"))
        .build()?;
    let token = AccessToken::vouched_for(
        login.tokens.access_token.expose(),
        login.claims.character_id,
    );
    let balance = client
        .wallet()
        .get_characters_character_id_wallet(login.claims.character_id)
        .token(token)
        .await?;
    println!(
        "aws-lc: logged in {} with both jsonwebtoken backends on; wallet {balance:.2} ISK",
        login.claims.character_id
    );
    harness.shutdown().await;
    Ok(())
}
