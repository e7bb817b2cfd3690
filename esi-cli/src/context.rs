//! What the commands share: how to reach ESI, the SSO and the token database, from flags, the
//! environment and the config file.
//!
//! Invariant: nothing reaches ESI or the SSO without the user's own contact in the User-Agent
//! (there is no placeholder); the token store connects only after [`crate::database`]'s checks.

use std::path::PathBuf;

use anyhow::Context as _;
use esi_client::{Client, UserAgent};
use esi_sso::{Sso, SsoConfig};
use esi_store::{StoreConfig, TokenKeys, TokenStore};

use crate::database::{self, ForeignTables};
use crate::{CliResult, Failure};

/// The environment variable holding the contact address.
const ENV_CONTACT: &str = "ESI_USER_CONTACT_EMAIL";

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
    /// Your contact email, sent in the User-Agent as CCP asks; required to reach ESI or the
    /// SSO. Also read from ESI_USER_CONTACT_EMAIL, or from `contact = "you@example.com"` in
    /// `<config dir>/esi/config.toml` (e.g. `~/.config/esi/config.toml`).
    #[arg(long, global = true, env = ENV_CONTACT)]
    contact: Option<String>,
}

/// Flags, environment and config file, resolved lazily per command.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    options: Options,
}

impl Context {
    pub(crate) fn new(options: Options) -> Self {
        Context { options }
    }

    /// The user agent: the CLI's name and version with the user's contact.
    pub(crate) fn user_agent(&self) -> CliResult<UserAgent> {
        let contact = match self.options.contact.as_deref().map(str::trim) {
            Some(contact) if !contact.is_empty() => contact.to_owned(),
            _ => contact_from_config()?,
        };
        Ok(UserAgent::new("esi-cli", env!("CARGO_PKG_VERSION"))
            .url("https://github.com/esi-rs/esi-rs")
            .email(contact))
    }

    /// The ESI client.
    pub(crate) fn client(&self) -> CliResult<Client> {
        let mut builder = Client::builder().user_agent(self.user_agent()?);
        if let Some(url) = &self.options.base_url {
            builder = builder.base_url(url.clone());
        }
        Ok(builder.build()?)
    }

    /// The SSO client, from `ESI_SSO_CLIENT_ID` and `ESI_SSO_CALLBACK_URL` (PKCE: no secret
    /// needed for a native application).
    pub(crate) fn sso(&self) -> CliResult<Sso> {
        let user_agent = self.user_agent()?.to_header()?;
        let mut config = SsoConfig::from_env().context(
            "EVE SSO settings: set ESI_SSO_CLIENT_ID and ESI_SSO_CALLBACK_URL \
             (a http://127.0.0.1:PORT/callback URL registered for your application)",
        )?;
        if let Some(url) = &self.options.sso_url {
            config = config.base_url(url)?;
        }
        Ok(Sso::new(config.user_agent(user_agent))?)
    }

    /// The token database URL: the flag or `ESI_DATABASE_URL`, else the private SQLite file
    /// in the user's data directory.
    fn database_url(&self) -> anyhow::Result<String> {
        match &self.options.database_url {
            Some(url) if !url.trim().is_empty() => Ok(url.clone()),
            _ => database::default_url(),
        }
    }

    /// The token store (tokens here belong to no web-site user, so cleanup keeps them), its
    /// tokens sealed with the keys of `ESI_TOKEN_KEY` or `ESI_TOKEN_KEY_FILE` when set.
    pub(crate) async fn store(&self) -> CliResult<TokenStore> {
        let keys = TokenKeys::from_env().map_err(Failure::usage)?;
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
        config.token_keys = keys;
        Ok(TokenStore::connect(config, sso).await?)
    }
}

/// Where the config file is: `<config dir>/esi/config.toml`.
fn config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("esi").join("config.toml"))
}

/// The `contact` of the config file; a usage failure naming all three ways when there is none.
fn contact_from_config() -> CliResult<String> {
    let path = config_path();
    let shown = path.as_ref().map_or_else(
        || "<config dir>/esi/config.toml".to_owned(),
        |p| p.display().to_string(),
    );
    let missing = || {
        Failure::usage(format!(
            "ESI and the EVE SSO need a way to contact you (CCP asks every application to send \
             one in its User-Agent): pass --contact you@example.com, set {ENV_CONTACT}, or put \
             contact = \"you@example.com\" in {shown}"
        ))
    };
    let Some(path) = path else {
        return Err(missing());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(Failure::usage(format!("cannot read {shown}: {e}"))),
    };
    match read_contact(&text) {
        Ok(Some(contact)) => Ok(contact),
        Ok(None) => Err(missing()),
        Err(message) => Err(Failure::usage(format!("{shown}: {message}"))),
    }
}

/// The `contact = "..."` of a config file's text (None when absent or blank).
fn read_contact(text: &str) -> Result<Option<String>, String> {
    let doc: toml_edit::Document<String> =
        text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    match doc.as_table().get("contact") {
        None => Ok(None),
        Some(item) => match item.as_str() {
            Some(contact) if contact.trim().is_empty() => Ok(None),
            Some(contact) => Ok(Some(contact.trim().to_owned())),
            None => Err("contact must be a string, e.g. contact = \"you@example.com\"".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_contact() {
        assert_eq!(
            read_contact("# mine\ncontact = \"me@example.com\"\n"),
            Ok(Some("me@example.com".to_owned()))
        );
        assert_eq!(read_contact(""), Ok(None));
        assert_eq!(read_contact("contact = \"  \""), Ok(None));
        assert!(read_contact("contact = 3").is_err());
        assert!(read_contact("contact = ").is_err());
    }
}
