//! `esi tokens list|refresh|revoke|delete`.

use clap::Subcommand;

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
}

pub(crate) async fn run(ctx: &Context, action: Action) -> CliResult {
    let store = ctx.store().await?;
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
    }
}
