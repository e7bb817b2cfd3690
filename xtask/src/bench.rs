//! `cargo xtask bench`: all 50 pages × 1000 market orders of a region from `esi-fake` on
//! loopback, fetched four ways in one run, each in a fresh child process so its peak memory
//! is its own:
//!
//! - `curl`: `curl --parallel` to /dev/null (the transfer floor), when curl is installed;
//! - `reqwest`: plain reqwest, 8 pages at a time, into `Vec<serde_json::Value>` (the client
//!   floor);
//! - `typed`: `esi-client`'s `.all_pages()` into typed models;
//! - `stream`: `esi-client`'s `.pages()`, dropping each page after counting it.
//!
//! It prints the median time of each, its ratio to curl and to reqwest, and peak RSS.
//!
//! Diagnostics, one measurement each: `xtask bench-once raw|decode|decode2 URL` (plain reqwest
//! without decoding; the typed decoding alone on one and on two threads), and
//! `ESI_BENCH_NO_CACHE=1` for the typed modes without the response cache.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const REGION: i64 = 10_000_002;
const PAGES: u32 = 50;
const CONCURRENCY: usize = 8;

/// Runs the whole benchmark.
pub fn run(runs: usize) -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "esi-fake",
            "--bin",
            "esi-fake",
        ])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("building esi-fake failed");
    }
    let fake = root.join("target/release/esi-fake");
    let mut server = FakeServer::start(&fake)?;
    let url = server.url.clone();
    println!("esi-fake at {url}; {PAGES} pages x 1000 orders, {runs} runs each, medians\n");

    let mut results: Vec<(&str, f64, u64, u64)> = Vec::new();
    let curl = which("curl");
    for mode in ["curl", "reqwest", "typed", "stream"] {
        if mode == "curl" && curl.is_none() {
            println!("curl not installed: no transfer floor");
            continue;
        }
        let mut times = Vec::new();
        let mut rss = 0;
        let mut bytes = 0;
        for _ in 0..runs {
            let (ms, peak, got) = if mode == "curl" {
                curl_once(&url)?
            } else {
                child_once(mode, &url)?
            };
            times.push(ms);
            rss = rss.max(peak);
            bytes = got;
        }
        times.sort_by(f64::total_cmp);
        results.push((mode, times[times.len() / 2], rss, bytes));
    }
    server.stop();

    let floor = |name: &str| results.iter().find(|r| r.0 == name).map(|r| r.1);
    // Every mode moves the same bytes; the clients that decode do not count them.
    let payload = results.iter().map(|r| r.3).max().unwrap_or(0);
    let (curl_ms, reqwest_ms) = (floor("curl"), floor("reqwest"));
    println!(
        "{:<8} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "mode", "median ms", "MB/s", "peak RSS", "x curl", "x reqwest"
    );
    for (mode, ms, rss, _) in &results {
        let ratio = |base: Option<f64>| {
            base.map(|b| format!("{:.2}", ms / b))
                .unwrap_or_else(|| "-".into())
        };
        println!(
            "{:<8} {:>10.1} {:>10.1} {:>8} MB {:>12} {:>12}",
            mode,
            ms,
            payload as f64 / 1e6 / (ms / 1000.0),
            rss / 1024,
            ratio(curl_ms),
            ratio(reqwest_ms)
        );
    }
    println!("\n(peak RSS is the child process's VmHWM; curl's is its own maximum resident size)");
    Ok(())
}

struct FakeServer {
    child: Child,
    url: String,
}

impl FakeServer {
    fn start(binary: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(["--max-seconds", "600"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut url = None;
        for line in BufReader::new(stdout).lines().take(10) {
            let line = line?;
            if let Some(u) = line.strip_prefix("ESI_BASE_URL=") {
                url = Some(u.trim().to_string());
                break;
            }
        }
        match url {
            Some(url) => Ok(FakeServer { child, url }),
            None => {
                let _ = child.kill();
                bail!("esi-fake did not print its URL")
            }
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn page_url(url: &str, page: u32) -> String {
    format!("{url}/markets/{REGION}/orders?order_type=all&page={page}")
}

/// curl fetching every page, 8 at a time, to /dev/null: (ms, peak RSS KiB, bytes).
fn curl_once(url: &str) -> anyhow::Result<(f64, u64, u64)> {
    let mut cmd = Command::new("/usr/bin/time");
    let time_available = Path::new("/usr/bin/time").is_file();
    let mut cmd = if time_available {
        cmd.args(["-f", "%M", "curl"]);
        cmd
    } else {
        Command::new("curl")
    };
    cmd.args([
        "--silent",
        "--fail",
        "--parallel",
        "--parallel-max",
        &CONCURRENCY.to_string(),
        "-H",
        "X-Compatibility-Date: 2026-08-18",
        "-w",
        "%{size_download}\n",
    ]);
    for page in 1..=PAGES {
        cmd.args(["-o", "/dev/null", &page_url(url, page)]);
    }
    let start = Instant::now();
    let out = cmd.output()?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        bail!("curl failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let bytes = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .sum();
    let rss = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    Ok((ms, rss, bytes))
}

/// Runs `xtask bench-once MODE URL` and reads its `ms rss bytes` line.
fn child_once(mode: &str, url: &str) -> anyhow::Result<(f64, u64, u64)> {
    let out = Command::new(std::env::current_exe()?)
        .args(["bench-once", mode, url])
        .output()?;
    if !out.status.success() {
        bail!(
            "bench-once {mode} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    let ms = fields
        .next()
        .and_then(|f| f.parse().ok())
        .context("no time")?;
    let rss = fields
        .next()
        .and_then(|f| f.parse().ok())
        .context("no rss")?;
    let bytes = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    Ok((ms, rss, bytes))
}

/// One measurement in this process; prints `ms peak_rss_kib bytes`.
pub fn once(mode: &str, url: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (elapsed, bytes) = runtime.block_on(async {
        match mode {
            "reqwest" => reqwest_floor(url).await,
            "typed" => typed(url, false).await,
            "stream" => typed(url, true).await,
            "decode" => decode_only(url, 1).await,
            "decode2" => decode_only(url, 2).await,
            "raw" => raw_fetch(url).await,
            other => bail!("unknown mode {other}"),
        }
    })?;
    println!(
        "{:.3} {} {bytes}",
        elapsed.as_secs_f64() * 1000.0,
        peak_rss_kib()
    );
    Ok(())
}

async fn reqwest_floor(url: &str) -> anyhow::Result<(Duration, u64)> {
    use futures::StreamExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()?;
    let start = Instant::now();
    let mut total = 0u64;
    let mut values: Vec<serde_json::Value> = Vec::new();
    let mut pages = futures::stream::iter(1..=PAGES)
        .map(|page| {
            let http = http.clone();
            let url = page_url(url, page);
            async move {
                let body = http
                    .get(url)
                    .header("X-Compatibility-Date", "2026-08-18")
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                let items: Vec<serde_json::Value> = serde_json::from_slice(&body)?;
                anyhow::Ok((body.len() as u64, items))
            }
        })
        .buffered(CONCURRENCY);
    while let Some(page) = pages.next().await {
        let (len, items) = page?;
        total += len;
        values.extend(items);
    }
    let elapsed = start.elapsed();
    if values.len() != (PAGES * 1000) as usize {
        bail!("reqwest floor got {} items", values.len());
    }
    Ok((elapsed, total))
}

async fn typed(url: &str, stream: bool) -> anyhow::Result<(Duration, u64)> {
    use futures::StreamExt;
    let mut builder = esi_client::Client::builder();
    if std::env::var_os("ESI_BENCH_NO_CACHE").is_some() {
        builder = builder.no_cache();
    }
    let client = builder
        .base_url(url)
        .user_agent(esi_client::UserAgent::new("esi-rs-bench", "1").email("bench@esi-rs.invalid"))
        .page_concurrency(CONCURRENCY)
        .build()?;
    let start = Instant::now();
    let request = client.market().get_markets_region_id_orders(REGION);
    let count = if stream {
        let mut pages = request.pages();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            count += page?.data.len();
        }
        count
    } else {
        request.all_pages().await?.len()
    };
    let elapsed = start.elapsed();
    if count != (PAGES * 1000) as usize {
        bail!("typed client got {count} orders");
    }
    Ok((elapsed, 0))
}

/// Only the decoding: bodies fetched first, then timed while decoded into typed models on
/// one thread (a diagnostic for where the typed client's time goes).
async fn decode_only(url: &str, threads: usize) -> anyhow::Result<(Duration, u64)> {
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()?;
    let mut bodies = Vec::new();
    for page in 1..=PAGES {
        bodies.push(http.get(page_url(url, page)).send().await?.bytes().await?);
    }
    let start = Instant::now();
    let per_thread = bodies.len().div_ceil(threads);
    let count: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = bodies
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|body| {
                            serde_json::from_slice::<
                                Vec<esi_client::market::MarketsRegionIdOrdersGetItem>,
                            >(body)
                            .map(|orders| orders.len())
                            .unwrap_or(0)
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let elapsed = start.elapsed();
    if count != (PAGES * 1000) as usize {
        bail!("decoded {count} orders");
    }
    Ok((elapsed, 0))
}

/// Plain reqwest fetching the bodies without decoding them (a diagnostic).
async fn raw_fetch(url: &str) -> anyhow::Result<(Duration, u64)> {
    use futures::StreamExt;
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()?;
    let start = Instant::now();
    let total: u64 = futures::stream::iter(1..=PAGES)
        .map(|page| {
            let http = http.clone();
            let url = page_url(url, page);
            async move {
                let body = http.get(url).send().await?.bytes().await?;
                anyhow::Ok(body.len() as u64)
            }
        })
        .buffered(CONCURRENCY)
        .fold(0u64, |acc, r| async move { acc + r.unwrap_or(0) })
        .await;
    Ok((start.elapsed(), total))
}

/// Peak resident set size of this process in KiB (`VmHWM`), 0 where unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
