//! `esi-fake`: runs the fake ESI and the fake EVE SSO on loopback.
//!
//! Prints `ESI_BASE_URL=http://127.0.0.1:PORT` and `SSO_BASE_URL=...` (one per line, flushed),
//! then serves until `--max-seconds` have passed. Refuses non-loopback addresses (exit code 2).

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use esi_fake::esi::{FakeEsi, FakeEsiConfig};
use esi_fake::sso::{FakeSso, SsoConfig};

/// Fake ESI and fake EVE SSO servers for tests and the offline demo (loopback only).
#[derive(Debug, Parser)]
#[command(name = "esi-fake", version)]
struct Args {
    /// Spec file to serve (Swagger 2.0 or OpenAPI 3.x); default: the pinned 2026-08-18 spec.
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Port of the fake ESI (0: a free port).
    #[arg(long, default_value_t = 0)]
    esi_port: u16,
    /// Port of the fake SSO (0: a free port).
    #[arg(long, default_value_t = 0)]
    sso_port: u16,
    /// Address to listen on: 127.0.0.1 or ::1 (other addresses are refused).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Stop by itself after this many seconds.
    #[arg(long, default_value_t = 3600)]
    max_seconds: u64,
    /// Seed mixed into the synthesised data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Run the fake ESI only (tokens are then all rejected).
    #[arg(long)]
    no_sso: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !args.bind.is_loopback() {
        eprintln!(
            "esi-fake: refusing to listen on {}: only loopback addresses (127.0.0.1, ::1) are allowed",
            args.bind
        );
        return ExitCode::from(2);
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("esi-fake: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let sso = if args.no_sso {
        None
    } else {
        let config = SsoConfig {
            bind: SocketAddr::new(args.bind, args.sso_port),
            ..SsoConfig::default()
        };
        Some(FakeSso::start(config).await.map_err(|e| e.to_string())?)
    };
    let mut config = FakeEsiConfig::default();
    if let Some(path) = args.spec {
        config = config.spec(path);
    }
    let mut config = config.bind(args.bind).port(args.esi_port);
    config.seed = args.seed;
    if let Some(sso) = &sso {
        config = config.verifier(Arc::new(sso.keys()));
    }
    let esi = FakeEsi::start(config).await.map_err(|e| e.to_string())?;

    let mut out = std::io::stdout().lock();
    let mut lines = format!("ESI_BASE_URL={}\n", esi.base_url());
    if let Some(sso) = &sso {
        lines.push_str(&format!("SSO_BASE_URL={}\n", sso.base_url()));
    }
    out.write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(out);

    tokio::time::sleep(Duration::from_secs(args.max_seconds)).await;
    esi.shutdown();
    if let Some(sso) = sso {
        sso.shutdown().await;
    }
    Ok(())
}
