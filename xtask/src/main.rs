//! Project chores: `cargo xtask <command>`.
//!
//! - `gen-stats [SPEC...]`: how long code generation takes for each spec, and how much code
//!   it emits (the figures issue reports quote).
//! - `test`: the whole test suite (what the README and CI run).
//! - `bench [--runs N]`: all pages of a region's market orders from `esi-fake`, through the
//!   typed client against curl and plain reqwest floors; prints medians, ratios, peak RSS.

mod bench;
mod test;

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
    /// Benchmarks fetching 50 pages of market orders from esi-fake (release build).
    Bench {
        /// Runs per mode; the median is printed.
        #[arg(long, default_value_t = 7)]
        runs: usize,
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
        Command::Bench { runs } => {
            if cfg!(debug_assertions) {
                // Benchmarks need an optimised build: run again as one.
                let status = std::process::Command::new(env!("CARGO"))
                    .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench", "--runs"])
                    .arg(runs.to_string())
                    .current_dir(workspace_root())
                    .status()?;
                std::process::exit(status.code().unwrap_or(1));
            }
            bench::run(runs.max(1))
        }
        Command::BenchOnce { mode, url } => bench::once(&mode, &url),
    }
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

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
