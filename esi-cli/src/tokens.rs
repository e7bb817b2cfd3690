//! `esi tokens list|refresh|revoke|delete|re-encrypt|new-key`.

use std::path::PathBuf;

use clap::Subcommand;
use esi_store::{TokenKey, TokenStore};

use crate::context::Context;
use crate::output::{Progress, out, printable};
use crate::{CliResult, Failure};

/// What to do with stored tokens.
#[derive(Subcommand, Debug)]
pub(crate) enum Action {
    /// Lists stored tokens (never the secrets).
    List {
        /// Only this character's.
        #[arg(long)]
        character: Option<i64>,
    },
    /// Refreshes expired tokens (all, or one character's).
    Refresh {
        /// Only this character's.
        #[arg(long)]
        character: Option<i64>,
    },
    /// Revokes a token at the SSO and deletes it.
    Revoke {
        /// Token id (from `esi tokens list`).
        id: i64,
    },
    /// Deletes a token from the store (without telling the SSO).
    Delete {
        /// Token id (from `esi tokens list`).
        id: i64,
    },
    /// Seals every stored token with the writing key of ESI_TOKEN_KEY (or ESI_TOKEN_KEY_FILE):
    /// tokens stored before a key was set, and tokens sealed with the older keys listed after
    /// it. When it reports every token moved, the older keys can be removed.
    ReEncrypt,
    /// Makes a new token key (32 random bytes) and prints it as ESI_TOKEN_KEY takes it
    /// (`<id>:<base64>`), or writes it to a new private file (mode 0600) for ESI_TOKEN_KEY_FILE.
    /// To rotate, put the new key first and keep the old one after it
    /// (`ESI_TOKEN_KEY=new:...,old:...`), then run `esi tokens re-encrypt`.
    NewKey {
        /// The key's id, stored beside every token it seals (default: the UTC date and time,
        /// e.g. 20261208-153000).
        #[arg(long)]
        id: Option<String>,
        /// Write the key to this new file instead of stdout (never overwrites a file).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub(crate) async fn run(ctx: &Context, action: Action) -> CliResult {
    match action {
        // Making a key needs no store (nor a contact, nor SSO settings).
        Action::NewKey { id, out } => new_key(id, out),
        action => with_store(&ctx.store().await?, action).await,
    }
}

async fn with_store(store: &TokenStore, action: Action) -> CliResult {
    match action {
        Action::List { character } => {
            let mut query = store.tokens();
            if let Some(id) = character {
                query = query.character(id);
            }
            let tokens = query.all().await?;
            if tokens.is_empty() {
                out!("no tokens stored; log in with `esi login --scopes \"...\"`")?;
            }
            for t in tokens {
                let state = if t.is_expired(std::time::Duration::ZERO) {
                    "expired"
                } else {
                    "valid"
                };
                out!(
                    "#{:<5} {:<12} {:<28} {:<8} expires {}  scopes: {}",
                    t.id,
                    t.character_id,
                    printable(&t.character_name),
                    state,
                    t.expires.format("%Y-%m-%d %H:%M:%S"),
                    printable(&t.scopes.to_vec().join(" "))
                )?;
            }
            Ok(())
        }
        Action::Refresh { character } => {
            let mut query = store.tokens();
            if let Some(id) = character {
                query = query.character(id);
            }
            let expired = query.expired().await?;
            let progress = Progress::new("refreshing tokens", expired.len() as u64);
            let report = store.bulk_refresh(expired).await?;
            progress.set(report.total() as u64, report.total() as u64);
            progress.finish();
            out!(
                "refreshed {}, deleted {}, not refreshable {}, SSO unavailable {}, failed {}",
                report.refreshed.len(),
                report.deleted.len(),
                report.not_refreshable.len(),
                report.unavailable.len(),
                report.failed.len()
            )?;
            if report.failed.is_empty() && report.unavailable.is_empty() {
                Ok(())
            } else {
                Err(Failure {
                    code: 1,
                    error: anyhow::anyhow!("some tokens could not be refreshed"),
                })
            }
        }
        Action::Revoke { id } => {
            let token = store
                .token(id)
                .await?
                .ok_or_else(|| Failure::usage(format!("no token #{id}")))?;
            store.revoke(&token).await?;
            out!(
                "revoked and deleted token #{id} of {}",
                printable(&token.character_name)
            )?;
            Ok(())
        }
        Action::Delete { id } => {
            if store.delete(id).await? {
                out!("deleted token #{id}")?;
                Ok(())
            } else {
                Err(Failure::usage(format!("no token #{id}")))
            }
        }
        Action::ReEncrypt => re_encrypt(store).await,
        Action::NewKey { id, out } => new_key(id, out),
    }
}

/// `esi tokens re-encrypt`.
async fn re_encrypt(store: &TokenStore) -> CliResult {
    if store.config().token_keys.is_none() {
        return Err(Failure::usage(format!(
            "no token key to re-encrypt with: set {} (or {}) to a key made with `esi tokens \
             new-key`",
            esi_store::ENV_TOKEN_KEY,
            esi_store::ENV_TOKEN_KEY_FILE
        )));
    }
    let report = store.reencrypt_tokens().await?;
    out!(
        "sealed {} token(s) with key {} ({} stored plain, {} under older keys); {} already were",
        report.moved(),
        printable(&report.key_id),
        report.from_plain,
        report.from_old_key,
        report.already_current
    )?;
    if !report.changed_meanwhile.is_empty() {
        out!(
            "{} token(s) changed meanwhile and were left to their new state (run again): {}",
            report.changed_meanwhile.len(),
            ids(report.changed_meanwhile.iter())
        )?;
    }
    for (id, error) in &report.failed {
        out!(
            "token #{id} kept as it is: {}",
            printable(&error.to_string())
        )?;
    }
    if report.complete() {
        out!(
            "every token is sealed with key {}",
            printable(&report.key_id)
        )?;
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "not every token is sealed with the writing key yet; keep the older keys"
            ),
        })
    }
}

fn ids<'a>(ids: impl Iterator<Item = &'a i64>) -> String {
    ids.map(|id| format!("#{id}")).collect::<Vec<_>>().join(" ")
}

/// `esi tokens new-key`.
fn new_key(id: Option<String>, out: Option<PathBuf>) -> CliResult {
    let id = id.unwrap_or_else(|| chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string());
    let key = TokenKey::generate(id).map_err(|e| match e {
        esi_store::KeyError::Id { .. } => Failure::usage(e),
        other => Failure::from(other),
    })?;
    let line = key.expose_encoded();
    match out {
        Some(path) => {
            crate::key_file::write_new(&path, &line)?;
            out!(
                "wrote token key {} to {} (mode 0600); use it with {}={}",
                key.id(),
                path.display(),
                esi_store::ENV_TOKEN_KEY_FILE,
                path.display()
            )?;
        }
        None => out!("{line}")?,
    }
    Ok(())
}
