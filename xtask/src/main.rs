//! Project chores: `cargo xtask <command>`.
//!
//! - `gen-stats [SPEC...]`: how long code generation takes for each spec, and how much code
//!   it emits (the figures issue reports quote).
//! - `test`: the whole test suite (what the README and CI run).
//! - `refresh-spec [--date D | --swagger VERSION] [--base-url URL]`: fetches ESI's newest (or
//!   the given) spec into `specs/`, validated by the generator, and prints what changed.
//! - `spec-diff OLD NEW`: what changes between two spec files (operations added, removed,
//!   changed: parameters, fields, enum values, rate-limit groups...).
//! - `package --into DIR`: checks every publishable package's `rust-version` against its
//!   dependency tree, packages them all and unpacks each into `DIR/<name>/`.
//! - `docs-rs --manifest-path M --packages DIR`: documents each unpacked package as docs.rs
//!   would (its `[package.metadata.docs.rs]`, `-D warnings`) from the workspace of `M`;
//!   packages with the same settings share one `cargo doc` run.
//! - `rust-versions`: the `rust-version` check alone.
//! - `spec-tables [--check]`: rewrites the tables esi-codegen reads that are computed from
//!   the pinned specs (fields the specs disagree on being required, renamed operations);
//!   `--check` fails when one is out of date.
//! - `build-cost [--runs N] [--peer-version V]`: cold debug builds of a small tool on the typed
//!   API (all resources, two resources) against one on rfesi; medians and ratios.
//! - `circles`: fails naming the files when modules of one crate import each other in a
//!   circle (`crate::`/`super::`/`self::` paths in non-test code; see `circles.rs`).
//! - `live-check [--base-url URL] [--routes R,...] [--max-wait SECS] [--json]`: asks a live ESI
//!   (needs the network and `--contact`; never run by CI) for a few public routes twice, across
//!   one cache refresh, and reports its `Date`, `Expires`, `max-age`, `Last-Modified`, `ETag`
//!   and 304s against each other and the local clock: what the fake ESI must be as strict as.
//! - `bench [--runs N]`: all pages of a region's market orders from `esi-fake`, through the
//!   typed client against curl and plain reqwest floors; prints medians, ratios, peak RSS.

mod bench;
mod build_cost;
mod circles;
mod live_check;
mod package;
mod specs;
mod tables;
mod test;
mod usage;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "esi-rs project chores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Times code generation and counts the generated code, for the pinned specs or the given
    /// files.
    GenStats {
        /// Spec files (default: every pinned spec in specs/).
        specs: Vec<PathBuf>,
        /// Only these resources (comma-separated module names).
        #[arg(long, value_delimiter = ',')]
        resources: Vec<String>,
        /// Runs per spec; the median is printed.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Runs the whole test suite: nextest, doctests, and the client built from every pinned
    /// spec.
    Test,
    /// Fetches ESI's spec for the newest compatibility date (or --date) into specs/, checks
    /// the generator accepts it, and prints what changed against the spec it replaces (or the
    /// newest pinned one). The old file is kept on any failure.
    RefreshSpec {
        /// The compatibility date to fetch (YYYY-MM-DD; default: the newest ESI lists).
        #[arg(long)]
        date: Option<String>,
        /// Fetch `/{VERSION}/swagger.json` (e.g. `latest`, `v1`) instead of the OpenAPI spec.
        #[arg(long, value_name = "VERSION")]
        swagger: Option<String>,
        /// The server to ask.
        #[arg(long, default_value = specs::DEFAULT_BASE_URL)]
        base_url: String,
        /// Where to write the spec (default: the workspace's specs/).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Timeout of each request, in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Prints what changes from spec file OLD to spec file NEW.
    SpecDiff {
        /// The older spec file.
        old: PathBuf,
        /// The newer spec file.
        new: PathBuf,
        /// Exit with status 1 when the specs differ (like `git diff --exit-code`).
        #[arg(long)]
        exit_code: bool,
    },
    /// Checks rust-versions, packages every publishable package and unpacks each into
    /// `INTO/<name>/` (what CI builds a scratch workspace against).
    Package {
        /// Where to unpack the packages.
        #[arg(long)]
        into: PathBuf,
        /// Package uncommitted changes too.
        #[arg(long)]
        allow_dirty: bool,
    },
    /// Documents each unpacked package as docs.rs would (`-D warnings`).
    DocsRs {
        /// The scratch workspace whose members include the unpacked packages.
        #[arg(long)]
        manifest_path: PathBuf,
        /// The folder `package --into` filled.
        #[arg(long)]
        packages: PathBuf,
        /// Where `cargo doc` builds (docs.rs needs `RUSTC_BOOTSTRAP=1`, which makes the build
        /// scripts that probe the compiler run again: keep it apart from other builds).
        #[arg(long)]
        target_dir: Option<PathBuf>,
    },
    /// Checks that each publishable package's rust-version covers its dependency tree.
    RustVersions,
    /// Rewrites the tables esi-codegen reads that are computed from the pinned specs in
    /// specs/ (refresh-spec does it after adding a spec).
    SpecTables {
        /// Only check: exit with status 1 when a table is out of date, writing nothing.
        #[arg(long)]
        check: bool,
    },
    /// Fails, naming the files, when modules of one crate import each other in a circle.
    Circles,
    /// Cold debug builds of a small tool on the typed API (all resources; market and status
    /// only) and of the same tool on rfesi, interleaved; prints medians and ratios.
    BuildCost {
        /// Builds of each crate; the median is printed.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The rfesi version the peer crate asks for.
        #[arg(long, default_value = "0.50")]
        peer_version: String,
        /// The `esi-client` folder to build (default: this checkout's; another checkout's to
        /// measure an older commit the same way).
        #[arg(long)]
        client: Option<PathBuf>,
    },
    /// One build of `build-cost` (in a child process of its own).
    #[command(hide = true)]
    BuildCostOnce {
        /// The scratch crate.
        dir: PathBuf,
        /// Its target directory.
        target: PathBuf,
    },
    /// Asks a live ESI for a few public routes twice, across one cache refresh (If-None-Match
    /// just past Expires), and reports how it sets Date, Expires, max-age, Last-Modified and
    /// ETag. Opt-in: it needs the network.
    LiveCheck {
        /// The server to ask.
        #[arg(long, default_value = esi_client::DEFAULT_BASE_URL)]
        base_url: String,
        /// Routes to ask, comma-separated (default: /status, /sovereignty/campaigns,
        /// /universe/types/34, /markets/prices).
        #[arg(long, value_delimiter = ',')]
        routes: Vec<String>,
        /// The longest wait for a route's refresh, in seconds; a route whose window is longer
        /// is read once and not asked again.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(0..=3600))]
        max_wait: u64,
        /// Contact email for the User-Agent (CCP asks every ESI application to be reachable).
        #[arg(long, env = "ESI_USER_CONTACT_EMAIL")]
        contact: String,
        /// Timeout of each request, in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Print the report as JSON (its fields and the summary lines).
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks fetching 50 pages of market orders from esi-fake (release build).
    Bench {
        /// Runs per mode; the median is printed.
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Another build's xtask binary (an older commit, built with `--release`): its typed
        /// and stream modes take turns with this build's, and new/base ratios are printed.
        #[arg(long, value_name = "XTASK_BINARY")]
        against: Option<PathBuf>,
    },
    /// One benchmark measurement (used by `bench`, in a child process).
    #[command(hide = true)]
    BenchOnce {
        /// `reqwest`, `typed` or `stream`.
        mode: String,
        /// Base URL of esi-fake.
        url: String,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::GenStats {
            specs,
            resources,
            runs,
        } => gen_stats(specs, &resources, runs.max(1)),
        Command::Test => test::run(),
        Command::Package { into, allow_dirty } => {
            package::package(&workspace_root(), &into, allow_dirty)
        }
        Command::DocsRs {
            manifest_path,
            packages,
            target_dir,
        } => package::docs_rs(&manifest_path, &packages, target_dir.as_deref()),
        Command::RustVersions => package::check_rust_versions(&workspace_root()),
        Command::RefreshSpec {
            date,
            swagger,
            base_url,
            out_dir,
            timeout,
        } => refresh_spec(specs::RefreshOptions {
            base_url,
            date,
            swagger,
            timeout: std::time::Duration::from_secs(timeout.max(1)),
            ..specs::RefreshOptions::new(out_dir.unwrap_or_else(|| workspace_root().join("specs")))
        }),
        Command::SpecDiff {
            old,
            new,
            exit_code,
        } => {
            let diff = specs::spec_diff(&old, &new)?;
            // A closed pipe (`| head`) is not an error.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{} → {}", old.display(), new.display())
                .and_then(|()| write!(out, "{diff}"));
            if exit_code && !diff.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::SpecTables { check } => spec_tables(check),
        Command::BuildCost {
            runs,
            peer_version,
            client,
        } => {
            let root = workspace_root();
            let client = client.unwrap_or_else(|| root.join("esi-client"));
            build_cost::run(&root, &client, runs.max(1), &peer_version)
        }
        Command::BuildCostOnce { dir, target } => build_cost::once(&dir, &target),
        Command::Circles => {
            let root = workspace_root();
            let circles = circles::run(&root, &circles::workspace_packages(&root)?)?;
            if circles > 0 {
                eprintln!("{circles} import circle(s) between modules of one crate (above)");
                std::process::exit(1);
            }
            Ok(())
        }
        Command::LiveCheck {
            base_url,
            routes,
            max_wait,
            contact,
            timeout,
            json,
        } => live_check::run(
            &live_check::Options {
                base_url,
                routes,
                max_wait: std::time::Duration::from_secs(max_wait),
                contact,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                json,
            },
            &workspace_root().join("specs"),
        ),
        Command::Bench { runs, against } => {
            if cfg!(debug_assertions) {
                // Benchmarks need an optimised build: run again as one.
                let mut cmd = std::process::Command::new(env!("CARGO"));
                cmd.args([
                    "run",
                    "--quiet",
                    "--release",
                    "-p",
                    "xtask",
                    "--",
                    "bench",
                    "--runs",
                ])
                .arg(runs.to_string());
                if let Some(base) = &against {
                    cmd.arg("--against").arg(base);
                }
                let status = cmd.current_dir(workspace_root()).status()?;
                std::process::exit(status.code().unwrap_or(1));
            }
            bench::run(runs.max(1), against)
        }
        Command::BenchOnce { mode, url } => bench::once(&mode, &url),
    }
}

fn refresh_spec(options: specs::RefreshOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let target = match &options.swagger {
        Some(version) => format!("{}/{version}/swagger.json", options.base_url),
        None => format!("{}/meta/openapi.json", options.base_url),
    };
    let mut progress = specs::progress_line(&target);
    let result = runtime.block_on(specs::refresh(&options, &mut progress));
    eprintln!();
    let done = result.map_err(|e| {
        anyhow::anyhow!(
            "refresh-spec failed: {e}; {} is unchanged",
            options.out_dir.display()
        )
    })?;
    specs::report(&done, &mut std::io::stdout().lock());
    // The tables computed from the pinned specs follow the pinned specs.
    let specs_dir = workspace_root().join("specs");
    if same_dir(&options.out_dir, &specs_dir) {
        for path in tables::update(&workspace_root(), &specs_dir, false)? {
            println!("updated {}", path.display());
        }
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn spec_tables(check: bool) -> anyhow::Result<()> {
    let root = workspace_root();
    let stale = tables::update(&root, &root.join("specs"), check)?;
    for path in &stale {
        if check {
            println!(
                "out of date: {} (run `cargo xtask spec-tables`)",
                path.display()
            );
        } else {
            println!("updated {}", path.display());
        }
    }
    if check && !stale.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// The workspace's top folder.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn gen_stats(mut specs: Vec<PathBuf>, resources: &[String], runs: usize) -> anyhow::Result<()> {
    if specs.is_empty() {
        let dir = workspace_root().join("specs");
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                specs.push(path);
            }
        }
        specs.sort();
    }
    println!(
        "{:<40} {:>6} {:>6} {:>8} {:>10} {:>10} {:>10}",
        "spec", "ops", "types", "lines", "load ms", "emit ms", "total ms"
    );
    for spec in specs {
        let mut loads = Vec::new();
        let mut emits = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let start = Instant::now();
            let api = esi_codegen::load(&spec)?;
            let loaded = start.elapsed();
            let mut generator = esi_codegen::Generator::new(api);
            if !resources.is_empty() {
                generator = generator.resources(resources);
            }
            let start = Instant::now();
            let generated = generator.generate()?;
            emits.push(start.elapsed().as_secs_f64() * 1000.0);
            loads.push(loaded.as_secs_f64() * 1000.0);
            last = Some(generated);
        }
        let Some(generated) = last else { continue };
        let (load, emit) = (median(&mut loads), median(&mut emits));
        println!(
            "{:<40} {:>6} {:>6} {:>8} {:>10.1} {:>10.1} {:>10.1}",
            spec.file_name().unwrap_or_default().to_string_lossy(),
            generated.operations,
            generated.types,
            generated.lines(),
            load,
            emit,
            load + emit
        );
    }
    Ok(())
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
