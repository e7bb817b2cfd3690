//! `esi`: everyday ESI jobs from the shell, built on the workspace's library crates.
//!
//! - `esi status`, `esi call <resource> <operation> [--<param> <value>]...`: any ESI route by
//!   name, parameters checked against the spec, JSON out.
//! - `esi login --scopes "..."`: EVE SSO login with PKCE through a one-shot listener on
//!   127.0.0.1; the token goes into the store.
//! - `esi tokens list|refresh|revoke|delete`, `esi cleanup`: the store's chores;
//!   `esi tokens new-key` and `esi tokens re-encrypt`: sealing stored tokens with a site key
//!   (`ESI_TOKEN_KEY`) and moving them to a new one.
//! - `esi sync run|status`: a worker keeping the stored characters' data fresh, and the
//!   fleet's state.
//! - `esi spec-diff OLD NEW`: what moving to another spec (compatibility date) would change.
//! - `esi demo`: the whole path offline, against the bundled fake ESI and SSO.
//!
//! Exit codes: 0 success (also when the reader of stdout goes away, as with `| head`), 1 ESI,
//! SSO or storage failure, 2 bad usage or input, 3 no token for the scopes a route needs.
//!
//! Invariant: text a server sent is printed only through [`output::printable`]; logs go to
//! stderr (quiet unless `RUST_LOG` asks), stdout holds only the command's answer.

// The doc comments of the options are also `--help` text, where bare URLs read best.
#![allow(rustdoc::bare_urls)]

mod call;
mod cleanup;
mod context;
mod database;
#[cfg(feature = "demo")]
mod demo;
mod key_file;
mod login;
mod output;
mod sync;
mod tokens;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use context::Context;
use output::{out, printable};

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "esi",
    version,
    about = "EVE Online's ESI from the shell",
    after_help = "Contact: commands that reach ESI or the EVE SSO (all but `call --list`, \
                  `spec-diff` and `demo`) need your contact email, from --contact, \
                  ESI_USER_CONTACT_EMAIL, or a line contact = \"you@example.com\" in \
                  <config dir>/esi/config.toml (~/.config/esi/config.toml on Linux).\n\
                  Logs: on stderr, warnings and errors only; set RUST_LOG (e.g. RUST_LOG=debug) \
                  for more.\n\
                  Exit codes: 0 success, 1 ESI, SSO or storage failure, 2 bad usage or input, \
                  3 no token for the route's scopes."
)]
struct Cli {
    #[command(flatten)]
    options: context::Options,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Server status (players online, server version).
    Status {
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
    },
    /// Calls any ESI operation by resource and name: `esi call market
    /// get_markets_region_id_orders --region_id 10000002 --all-pages`. `esi call --list` lists
    /// them; `esi call <resource> --help` shows a resource's operations.
    #[command(disable_help_flag = true)]
    Call {
        /// Resource, operation, `--<param> <value>` pairs and call flags (`--all-pages`,
        /// `--page N`, `--character ID`, `--body JSON`, `--json`, `--list`, `--help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Logs a character in with EVE SSO (PKCE) and stores the token.
    Login {
        /// Scopes, space- or comma-separated.
        #[arg(long, default_value = "")]
        scopes: String,
        /// Seconds to wait for the browser to come back.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Stored tokens.
    Tokens {
        #[command(subcommand)]
        action: tokens::Action,
    },
    /// Keeps the stored characters' wallet, skills and assets fresh (`run`), or shows the
    /// fleet's state (`status`).
    Sync {
        #[command(subcommand)]
        action: sync::Action,
    },
    /// Deletes stale callback redirects and expired tokens (run it on a schedule).
    Cleanup {
        /// Delete callback redirects older than --max-age.
        #[arg(long)]
        callback_redirects: bool,
        /// Seconds a callback redirect may wait (default 300).
        #[arg(long, default_value_t = 300)]
        max_age: u64,
        /// Refresh expired tokens, delete those that cannot be refreshed.
        #[arg(long)]
        tokens: bool,
    },
    /// What changes between two specs (for example two compatibility dates): operations added,
    /// removed and changed (parameters, response fields, enum values, rate-limit groups).
    SpecDiff {
        /// The spec in use.
        old: std::path::PathBuf,
        /// The spec to compare with.
        new: std::path::PathBuf,
    },
    /// Runs the whole path offline against the bundled fake ESI and SSO: login, an
    /// authenticated call, all pages of The Forge's market orders.
    #[cfg(feature = "demo")]
    Demo {
        /// Keep the token database here (default: a new file in the temp directory).
        #[arg(long)]
        database: Option<std::path::PathBuf>,
        /// Instead, keep a small fleet fresh: five characters whose data expires every few
        /// seconds, synced by `esi sync`'s worker.
        #[arg(long)]
        sync: bool,
    },
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    /// Bad usage or input (exit code 2).
    pub(crate) fn usage(message: impl std::fmt::Display) -> Self {
        Failure {
            code: 2,
            error: anyhow::anyhow!("{message}"),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Self {
        let error = error.into();
        let code = match error.downcast_ref::<esi_client::Error>() {
            Some(esi_client::Error::InvalidOption { .. } | esi_client::Error::Config(_)) => 2,
            Some(
                esi_client::Error::MissingToken { .. }
                | esi_client::Error::MissingScopes { .. }
                | esi_client::Error::TokenSource { .. },
            ) => 3,
            _ => 1,
        };
        Failure { code, error }
    }
}

pub(crate) type CliResult<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    // One TLS stack for the whole process: rustls with ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("esi: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader has all it wanted (`esi call --list | head -1`).
        Err(failure) if output::is_stdout_closed(&failure.error) => ExitCode::SUCCESS,
        Err(failure) => {
            // Messages carry server text (ESI error bodies, SSO errors): no escape sequences.
            eprintln!("esi: {}", printable(&format!("{:#}", failure.error)));
            ExitCode::from(failure.code)
        }
    }
}

/// Logs on stderr: warnings and errors by default, or what `RUST_LOG` asks for.
fn init_logging() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::fmt::format::FmtSpan;
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::WARN.into())
        .from_env_lossy();
    // A closed span prints its fields (operation, status, latency), so `RUST_LOG=debug` shows
    // each ESI request once.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

async fn run(cli: Cli) -> CliResult {
    let ctx = Context::new(cli.options);
    match cli.command {
        Command::Status { json } => call::status(&ctx, json).await,
        Command::Call { args } => call::run(&ctx, args).await,
        Command::Login { scopes, timeout } => {
            let store = ctx.store().await?;
            let token = login::login(
                &store,
                &scopes,
                std::time::Duration::from_secs(timeout),
                login::open_browser,
            )
            .await?;
            out!(
                "logged in {} ({}) with {} scope(s); token #{} stored",
                printable(&token.character_name),
                token.character_id,
                token.scopes.len(),
                token.id
            )?;
            Ok(())
        }
        Command::Tokens { action } => tokens::run(&ctx, action).await,
        Command::Sync { action } => sync::run(&ctx, action).await,
        Command::Cleanup {
            callback_redirects,
            max_age,
            tokens,
        } => cleanup::run(&ctx, callback_redirects, max_age, tokens).await,
        Command::SpecDiff { old, new } => {
            let load = |path: &std::path::Path| {
                esi_codegen::load(path).map_err(|e| Failure::usage(format!("{e}")))
            };
            let diff = esi_codegen::diff::diff(&load(&old)?, &load(&new)?);
            output::text(&diff.to_string())?;
            Ok(())
        }
        #[cfg(feature = "demo")]
        Command::Demo { database, sync } => match sync {
            true => demo::run_sync(database).await,
            false => demo::run(database).await,
        },
    }
}
