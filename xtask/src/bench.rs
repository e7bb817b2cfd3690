//! `cargo xtask bench`: all 50 pages × 1000 market orders of a region from `esi-fake` on
//! loopback, fetched four ways, taking turns in each round, each in a fresh child process so
//! its peak memory and CPU time are its own:
//!
//! - `curl`: `curl --parallel` to /dev/null (the transfer floor), when curl is installed, and
//!   `curl-start`: curl fetching `/status` once (what starting curl costs, inside its floor);
//! - `raw`: plain reqwest reading the bodies without decoding them;
//! - `reqwest`: plain reqwest, 8 pages at a time, into `Vec<serde_json::Value>` (the client
//!   floor);
//! - `typed`: `esi-client`'s `.all_pages()` into typed models;
//! - `stream`: `esi-client`'s `.pages()`, dropping each page after counting it.
//!
//! It prints the median time of each, its ratio to curl and to reqwest, the client's CPU time
//! and peak RSS.
//!
//! A/B against another build: `cargo xtask bench --against PATH` adds `typed@base` and
//! `stream@base`, the same two modes measured by the xtask binary at PATH (built, say, from an
//! older commit in a git worktree: `cargo build --release -p xtask`), taking turns with the
//! others against the same server, and prints new/base ratios.
//!
//! Diagnostics, one measurement each: `xtask bench-once decode|decode2|decode-fast|decode-fast2
//! URL` (the typed decoding alone on one and on two threads, with serde_json or with
//! sonic-rs), and
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
pub fn run(runs: usize, against: Option<PathBuf>) -> anyhow::Result<()> {
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
    let curl = which("curl").is_some();
    if !curl {
        println!("curl not installed: no transfer floor");
    }
    let base_modes: &[&str] = if against.is_some() {
        &["typed@base", "stream@base"]
    } else {
        &[]
    };
    let modes: Vec<&str> = [
        "curl",
        "curl-start",
        "raw",
        "reqwest",
        "typed",
        "typed-observed",
        "stream",
    ]
    .into_iter()
    .chain(base_modes.iter().copied())
    .filter(|m| curl || !m.starts_with("curl"))
    .collect();
    let against = against.as_deref();
    // A fresh server every few rounds keeps its rate-limit bucket (12,000 tokens per
    // 15 minutes, 100 per walk) from running dry: 10,000 tokens a server, the warm-up included.
    let walks = modes.iter().filter(|m| **m != "curl-start").count().max(1);
    let rounds_per_server = (10_000 / (walks * 100)).saturating_sub(1).max(1);
    println!(
        "{PAGES} pages x 1000 orders from esi-fake on loopback; {runs} rounds, the modes taking \
         turns in each, in rotating order (so a busy moment of this machine hits them alike); \
         medians\n"
    );

    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); modes.len()];
    let mut server: Option<FakeServer> = None;
    for round in 0..runs {
        // One unmeasured round warms each fresh server up.
        if round % rounds_per_server == 0 {
            drop(server.take());
            let fresh = FakeServer::start(&fake)?;
            for mode in &modes {
                measure(mode, &fresh.url, against)?;
            }
            server = Some(fresh);
        }
        let url = &server.as_ref().context("no server")?.url;
        // Each round starts with the next mode, so none always follows the same one.
        for turn in 0..modes.len() {
            let index = (round + turn) % modes.len();
            samples[index].push(measure(modes[index], url, against)?);
        }
    }
    drop(server);

    let medians: Vec<Sample> = samples.iter().map(|s| Sample::median(s)).collect();
    let floor = |name: &str| modes.iter().position(|m| *m == name).map(|i| medians[i].ms);
    // Every mode moves the same bytes; the clients that decode do not count them.
    let payload = medians.iter().map(|m| m.bytes).max().unwrap_or(0);
    let (curl_ms, reqwest_ms) = (floor("curl"), floor("reqwest"));
    println!(
        "{:<14} {:>10} {:>10} {:>8} {:>10} {:>9} {:>10}",
        "mode", "median ms", "MB/s", "CPU ms", "peak RSS", "x curl", "x reqwest"
    );
    for (mode, median) in modes.iter().zip(&medians) {
        let ratio = |base: Option<f64>| {
            base.map(|b| format!("{:.2}", median.ms / b))
                .unwrap_or_else(|| "-".into())
        };
        let cpu = median
            .cpu_ms
            .map(|c| format!("{c:.1}"))
            .unwrap_or_else(|| "-".into());
        // curl-start moves one small answer: no throughput to speak of.
        let throughput = if *mode == "curl-start" {
            "-".to_string()
        } else {
            format!("{:.1}", payload as f64 / 1e6 / (median.ms / 1000.0))
        };
        println!(
            "{:<14} {:>10.1} {:>10} {:>8} {:>7} MB {:>9} {:>10}",
            mode,
            median.ms,
            throughput,
            cpu,
            median.peak_rss_kib / 1024,
            ratio(curl_ms),
            ratio(reqwest_ms)
        );
    }
    println!(
        "\ncurl: the floor (its time includes starting the process); curl-start: curl fetching \
         /status once, what its start costs; raw: plain reqwest reading the bodies without \
         decoding them (the transfer alone, in process); reqwest: the same into \
         Vec<serde_json::Value>; typed: .all_pages(); typed-observed: the same with a tracing \
         subscriber at INFO and a metrics recorder installed; stream: .pages().\n\
         CPU: user + system time of every thread of the client while it fetched, not counting \
         its start; peak RSS: the process's VmHWM, curl's its maximum resident size."
    );
    if let Some(base) = against {
        println!("\nA/B against {}:", base.display());
        for (mode, base) in [
            ("typed", "typed@base"),
            ("typed-observed", "typed@base"),
            ("stream", "stream@base"),
        ] {
            let (new, old) = (floor(mode), floor(base));
            if let (Some(new), Some(old)) = (new, old) {
                println!(
                    "  {mode}: new/base {:.3} ({new:.1} ms / {old:.1} ms)",
                    new / old
                );
            }
        }
    }
    Ok(())
}

/// One measurement of one mode.
#[derive(Debug, Clone, Copy)]
struct Sample {
    ms: f64,
    /// The client's CPU time (unknown for curl).
    cpu_ms: Option<f64>,
    peak_rss_kib: u64,
    bytes: u64,
}

impl Sample {
    /// Median time and CPU, highest peak RSS.
    fn median(samples: &[Sample]) -> Sample {
        let middle = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
        };
        Sample {
            ms: middle(samples.iter().map(|s| s.ms).collect()),
            cpu_ms: samples
                .iter()
                .map(|s| s.cpu_ms)
                .collect::<Option<Vec<f64>>>()
                .map(middle),
            peak_rss_kib: samples.iter().map(|s| s.peak_rss_kib).max().unwrap_or(0),
            bytes: samples.iter().map(|s| s.bytes).max().unwrap_or(0),
        }
    }
}

fn measure(mode: &str, url: &str, against: Option<&Path>) -> anyhow::Result<Sample> {
    match (mode, mode.strip_suffix("@base"), against) {
        ("curl", ..) => curl_once(&(1..=PAGES).map(|p| page_url(url, p)).collect::<Vec<_>>()),
        ("curl-start", ..) => curl_once(&[format!("{url}/status")]),
        (_, Some(mode), Some(base)) => child_once(base, mode, url),
        _ => child_once(&std::env::current_exe()?, mode, url),
    }
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

/// curl fetching `urls`, 8 at a time, to /dev/null.
fn curl_once(urls: &[String]) -> anyhow::Result<Sample> {
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
    for url in urls {
        cmd.args(["-o", "/dev/null", url]);
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
    Ok(Sample {
        ms,
        cpu_ms: None,
        peak_rss_kib: rss,
        bytes,
    })
}

/// Runs `xtask bench-once MODE URL` and reads its `ms rss bytes cpu` line.
fn child_once(binary: &Path, mode: &str, url: &str) -> anyhow::Result<Sample> {
    let out = Command::new(binary)
        .args(["bench-once", mode, url])
        .output()?;
    if !out.status.success() {
        bail!(
            "bench-once {mode} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<f64> = text
        .split_whitespace()
        .map(|f| f.parse().context("bench-once printed a non-number"))
        .collect::<anyhow::Result<_>>()?;
    let [ms, rss, bytes, cpu] = fields[..] else {
        bail!("bench-once {mode} printed {text:?}");
    };
    Ok(Sample {
        ms,
        cpu_ms: Some(cpu),
        peak_rss_kib: rss as u64,
        bytes: bytes as u64,
    })
}

/// One measurement in this process; prints `ms peak_rss_kib bytes cpu_ms`.
pub fn once(mode: &str, url: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (taken, bytes) = runtime.block_on(async {
        match mode {
            "reqwest" => reqwest_floor(url).await,
            "typed" => typed(url, false).await,
            "typed-observed" => {
                observe()?;
                typed(url, false).await
            }
            "stream" => typed(url, true).await,
            "decode" => decode_only(url, 1, false).await,
            "decode2" => decode_only(url, 2, false).await,
            "decode-fast" => decode_only(url, 1, true).await,
            "decode-fast2" => decode_only(url, 2, true).await,
            "raw" => raw_fetch(url).await,
            other => bail!("unknown mode {other}"),
        }
    })?;
    println!(
        "{:.3} {} {bytes} {:.3}",
        taken.wall.as_secs_f64() * 1000.0,
        peak_rss_kib(),
        taken.cpu.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// What an application watching its ESI calls installs: a tracing subscriber at INFO (writing
/// to nowhere, so the cost is the spans, not a terminal) and a metrics recorder.
fn observe() -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt as _;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    tracing::subscriber::set_global_default(subscriber)?;
    metrics_util::debugging::DebuggingRecorder::new().install()?;
    Ok(())
}

/// Plain reqwest, as the floors use it (plain HTTP on loopback: no certificate roots).
fn plain_http() -> anyhow::Result<reqwest::Client> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()?)
}

/// Every page fetched with plain reqwest, `CONCURRENCY` at a time, each body handed to
/// `each` as soon as it has arrived; the results in page order.
fn fetch_pages<'a, R: 'a>(
    http: &'a reqwest::Client,
    url: &'a str,
    each: impl Fn(bytes::Bytes) -> anyhow::Result<R> + Copy + 'a,
) -> impl futures::Stream<Item = anyhow::Result<R>> + 'a {
    use futures::StreamExt;
    futures::stream::iter(1..=PAGES)
        .map(move |page| async move {
            let body = http
                .get(page_url(url, page))
                .header("X-Compatibility-Date", "2026-08-18")
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            each(body)
        })
        .buffered(CONCURRENCY)
}

async fn reqwest_floor(url: &str) -> anyhow::Result<(Taken, u64)> {
    use futures::StreamExt;
    let http = plain_http()?;
    let clock = Clock::start();
    let mut total = 0u64;
    let mut values: Vec<serde_json::Value> = Vec::new();
    let mut pages = std::pin::pin!(fetch_pages(&http, url, |body| {
        let items: Vec<serde_json::Value> = serde_json::from_slice(&body)?;
        Ok((body.len() as u64, items))
    }));
    while let Some(page) = pages.next().await {
        let (len, items) = page?;
        total += len;
        values.extend(items);
    }
    let taken = clock.stop();
    if values.len() != (PAGES * 1000) as usize {
        bail!("reqwest floor got {} items", values.len());
    }
    Ok((taken, total))
}

async fn typed(url: &str, stream: bool) -> anyhow::Result<(Taken, u64)> {
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
    let clock = Clock::start();
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
    let taken = clock.stop();
    if count != (PAGES * 1000) as usize {
        bail!("typed client got {count} orders");
    }
    Ok((taken, 0))
}

/// Only the decoding: bodies fetched first, then timed while decoded into typed models on
/// `threads` threads (a diagnostic for where the typed client's time goes).
async fn decode_only(url: &str, threads: usize, fast: bool) -> anyhow::Result<(Taken, u64)> {
    use futures::TryStreamExt;
    let http = plain_http()?;
    let bodies: Vec<bytes::Bytes> = fetch_pages(&http, url, Ok).try_collect().await?;
    let clock = Clock::start();
    let per_thread = bodies.len().div_ceil(threads);
    let count: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = bodies
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|body| {
                            type Orders = Vec<esi_client::market::MarketsRegionIdOrdersGetItem>;
                            let orders = if fast {
                                sonic_rs::from_slice::<Orders>(body).ok()
                            } else {
                                serde_json::from_slice::<Orders>(body).ok()
                            };
                            orders.map_or(0, |orders| orders.len())
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let taken = clock.stop();
    if count != (PAGES * 1000) as usize {
        bail!("decoded {count} orders");
    }
    Ok((taken, 0))
}

/// Plain reqwest fetching the bodies without decoding them: the transfer alone, in process.
async fn raw_fetch(url: &str) -> anyhow::Result<(Taken, u64)> {
    use futures::TryStreamExt;
    let http = plain_http()?;
    let clock = Clock::start();
    let total = fetch_pages(&http, url, |body| Ok(body.len() as u64))
        .try_fold(0u64, |sum, len| async move { Ok(sum + len) })
        .await?;
    Ok((clock.stop(), total))
}

/// Wall-clock and CPU time of the measured part of a mode.
struct Clock {
    wall: Instant,
    cpu: Duration,
}

/// What a mode took: wall-clock time, and CPU time of every thread of this process.
struct Taken {
    wall: Duration,
    cpu: Duration,
}

impl Clock {
    fn start() -> Self {
        Clock {
            wall: Instant::now(),
            cpu: cpu_time(),
        }
    }

    fn stop(&self) -> Taken {
        Taken {
            wall: self.wall.elapsed(),
            cpu: cpu_time().saturating_sub(self.cpu),
        }
    }
}

/// User plus system CPU time of this process so far (all threads).
fn cpu_time() -> Duration {
    crate::usage::cpu_time(crate::usage::Whose::This)
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
