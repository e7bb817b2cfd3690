//! What the commands share: how to reach ESI, the SSO and the token database, from flags and
//! the environment.

use std::path::PathBuf;

use anyhow::Context as _;
use esi_client::{Client, UserAgent};
use esi_sso::{Sso, SsoConfig};
use esi_store::{StoreConfig, TokenStore};

/// Flags and environment, resolved lazily per command.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    base_url: Option<String>,
    sso_url: Option<String>,
    database_url: Option<String>,
    contact: Option<String>,
}

impl Context {
    pub(crate) fn new(
        base_url: Option<String>,
        sso_url: Option<String>,
        database_url: Option<String>,
        contact: Option<String>,
    ) -> Self {
        Context {
            base_url,
            sso_url,
            database_url,
            contact,
        }
    }

    /// The user agent: the CLI's name and version, with the user's contact when given.
    pub(crate) fn user_agent(&self) -> UserAgent {
        let ua = UserAgent::new("esi-cli", env!("CARGO_PKG_VERSION"))
            .url("https://github.com/esi-rs/esi-rs");
        match &self.contact {
            Some(email) => ua.email(email.clone()),
            None => ua.email("esi-cli@users.invalid"),
        }
    }

    /// The ESI client.
    pub(crate) fn client(&self) -> anyhow::Result<Client> {
        let mut builder = Client::builder().user_agent(self.user_agent());
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        Ok(builder.build()?)
    }

    /// The SSO client, from `ESI_SSO_CLIENT_ID` and `ESI_SSO_CALLBACK_URL` (PKCE: no secret
    /// needed for a native application).
    pub(crate) fn sso(&self) -> anyhow::Result<Sso> {
        let mut config = SsoConfig::from_env().context(
            "EVE SSO settings: set ESI_SSO_CLIENT_ID and ESI_SSO_CALLBACK_URL \
             (a http://127.0.0.1:PORT/callback URL registered for your application)",
        )?;
        if let Some(url) = &self.sso_url {
            config = config.base_url(url)?;
        }
        Ok(Sso::new(config.user_agent(self.user_agent().to_header()?))?)
    }

    /// The token database URL: the flag or `DATABASE_URL`, else a SQLite file in the user's
    /// data directory.
    pub(crate) fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let dir = dirs::data_dir()
            .map(|d| d.join("esi"))
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(sqlite_url(&dir.join("tokens.sqlite")))
    }

    /// The token store (tokens here belong to no web-site user, so cleanup keeps them).
    pub(crate) async fn store(&self) -> anyhow::Result<TokenStore> {
        let mut config = StoreConfig::new(self.database_url()?);
        config.delete_tokens_without_user = false;
        Ok(TokenStore::connect(config, self.sso()?).await?)
    }
}

/// A `sqlite://` URL that creates the file when missing.
pub(crate) fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
