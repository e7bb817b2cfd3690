//! What the commands share: how to reach ESI, the SSO and the token database, from flags and
//! the environment.
//!
//! Invariant: the token store connects only after [`crate::database`]'s checks.

use anyhow::Context as _;
use esi_client::{Client, UserAgent};
use esi_sso::{Sso, SsoConfig};
use esi_store::{StoreConfig, TokenStore};

use crate::CliResult;
use crate::database::{self, ForeignTables};

/// Options shared by every command.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct Options {
    /// ESI server (default: https://esi.evetech.net).
    #[arg(long, global = true, env = "ESI_BASE_URL")]
    base_url: Option<String>,
    /// EVE SSO server (default: https://login.eveonline.com).
    #[arg(long, global = true, env = "ESI_SSO_BASE_URL")]
    sso_url: Option<String>,
    /// Token database, a sqlite: or postgres:// URL (default: tokens.sqlite in the user's data
    /// directory, e.g. ~/.local/share/esi, kept private: folder 0700, file 0600, looser ones
    /// are tightened). The generic DATABASE_URL is not read.
    #[arg(long, global = true, env = "ESI_DATABASE_URL")]
    database_url: Option<String>,
    /// Create the token tables even in a database that already holds other tables (without it,
    /// esi refuses such a database: it is probably another application's).
    #[arg(long, global = true)]
    migrate_foreign_database: bool,
    /// Contact email sent in the User-Agent, as CCP asks.
    #[arg(long, global = true, env = "ESI_USER_CONTACT_EMAIL")]
    contact: Option<String>,
}

/// Flags and environment, resolved lazily per command.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    options: Options,
}

impl Context {
    pub(crate) fn new(options: Options) -> Self {
        Context { options }
    }

    /// The user agent: the CLI's name and version, with the user's contact when given.
    pub(crate) fn user_agent(&self) -> UserAgent {
        let ua = UserAgent::new("esi-cli", env!("CARGO_PKG_VERSION"))
            .url("https://github.com/esi-rs/esi-rs");
        match &self.options.contact {
            Some(email) => ua.email(email.clone()),
            None => ua.email("esi-cli@users.invalid"),
        }
    }

    /// The ESI client.
    pub(crate) fn client(&self) -> anyhow::Result<Client> {
        let mut builder = Client::builder().user_agent(self.user_agent());
        if let Some(url) = &self.options.base_url {
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
        if let Some(url) = &self.options.sso_url {
            config = config.base_url(url)?;
        }
        Ok(Sso::new(config.user_agent(self.user_agent().to_header()?))?)
    }

    /// The token database URL: the flag or `ESI_DATABASE_URL`, else the private SQLite file
    /// in the user's data directory.
    fn database_url(&self) -> anyhow::Result<String> {
        match &self.options.database_url {
            Some(url) if !url.trim().is_empty() => Ok(url.clone()),
            _ => database::default_url(),
        }
    }

    /// The token store (tokens here belong to no web-site user, so cleanup keeps them).
    pub(crate) async fn store(&self) -> CliResult<TokenStore> {
        let sso = self.sso()?;
        let url = self.database_url()?;
        let foreign = if self.options.migrate_foreign_database {
            ForeignTables::Migrate
        } else {
            ForeignTables::Refuse
        };
        database::check_tables(&url, foreign).await?;
        let mut config = StoreConfig::new(url);
        config.delete_tokens_without_user = false;
        Ok(TokenStore::connect(config, sso).await?)
    }
}
