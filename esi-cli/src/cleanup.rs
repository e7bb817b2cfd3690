//! `esi cleanup`: the store's cleanup tasks, for cron or a systemd timer.

use std::time::Duration;

use crate::context::Context;
use crate::output::{Progress, out};
use crate::{CliResult, Failure};

pub(crate) async fn run(ctx: &Context, redirects: bool, max_age: u64, tokens: bool) -> CliResult {
    if !redirects && !tokens {
        return Err(Failure::usage(
            "say what to clean: --callback-redirects [--max-age S] and/or --tokens",
        ));
    }
    let store = ctx.store().await?;
    if redirects {
        let deleted = store
            .cleanup_callbackredirect(Duration::from_secs(max_age))
            .await?;
        out!("deleted {deleted} callback redirect(s) older than {max_age} s")?;
    }
    if tokens {
        let progress = Progress::new("cleaning tokens", 1);
        let report = store.cleanup_token().await?;
        progress.set(1, 1);
        progress.finish();
        out!(
            "refreshed {}, deleted {} (refused by the SSO) and {} (not refreshable), kept {} (SSO unavailable)",
            report.refresh.refreshed.len(),
            report.refresh.deleted.len(),
            report.deleted_not_refreshable,
            report.refresh.unavailable.len()
        )?;
    }
    Ok(())
}
