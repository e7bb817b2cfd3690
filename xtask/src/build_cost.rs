//! `cargo xtask build-cost`: what the typed API costs a user's clean debug build, against a
//! peer crate (rfesi), measured the same way.
//!
//! Three scratch crates, each a workspace of its own under `target/build-cost/`, each making
//! about ten typed calls (status, a paged market walk, character, wallet, universe routes):
//! - `ours-all`: `esi-api` (this checkout's by path, or the one `--client` names) with default
//!   features;
//! - `ours-two`: `esi-api` with only `market` and `status` (the other resources' share);
//! - `peer`: `rfesi` at the version asked for, from the registry.
//!
//! Each run builds every crate from an empty target directory, in turns (`ours-all`, `ours-two`,
//! `peer`, then again), without incremental compilation (registry crates never use it; a path
//! dependency would). Dependencies resolve to their newest compatible versions. Each build runs
//! in a child process of its own that reports wall time, the CPU time of everything it ran, and
//! the peak resident memory of the largest single process. Medians and ratios are printed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

/// The scratch crates, in the order each run builds them.
const CRATES: [&str; 3] = ["ours-all", "ours-two", "peer"];

/// One build's figures.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall_s: f64,
    cpu_s: f64,
    peak_mb: f64,
}

/// Measures `runs` interleaved cold builds of each scratch crate and prints the figures; the
/// typed API is the `esi-client` folder `client` (this checkout's, or another's to compare).
pub(crate) fn run(
    root: &Path,
    client: &Path,
    runs: usize,
    peer_version: &str,
) -> anyhow::Result<()> {
    let dir = root.join("target").join("build-cost");
    write_crates(client, &dir, peer_version)?;
    for name in CRATES {
        // Resolve (and download) first, so no run times the registry.
        let status = Command::new(env!("CARGO"))
            .args(["fetch", "-q", "--manifest-path"])
            .arg(dir.join(name).join("Cargo.toml"))
            .status()?;
        if !status.success() {
            bail!("cargo fetch failed for {name}");
        }
    }
    let exe = std::env::current_exe()?;
    let mut costs: Vec<Vec<Cost>> = vec![Vec::new(); CRATES.len()];
    for run in 1..=runs {
        for (i, name) in CRATES.iter().enumerate() {
            let target = dir.join("target").join(name);
            let _ = std::fs::remove_dir_all(&target);
            let output = Command::new(&exe)
                .arg("build-cost-once")
                .arg(dir.join(name))
                .arg(&target)
                .output()?;
            if !output.status.success() {
                bail!(
                    "build of {name} failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            let cost = parse(&String::from_utf8_lossy(&output.stdout))?;
            println!(
                "run {run} {name:<9} wall {:6.1} s  cpu {:6.1} s  peak {:5.0} MB",
                cost.wall_s, cost.cpu_s, cost.peak_mb
            );
            costs[i].push(cost);
        }
    }
    let median = |i: usize, f: fn(&Cost) -> f64| {
        let mut values: Vec<f64> = costs[i].iter().map(f).collect();
        crate::median(&mut values)
    };
    println!("\nmedian of {runs} cold debug builds (interleaved):");
    for (i, name) in CRATES.iter().enumerate() {
        println!(
            "  {name:<9} wall {:6.1} s  cpu {:6.1} s  peak {:5.0} MB",
            median(i, |c| c.wall_s),
            median(i, |c| c.cpu_s),
            median(i, |c| c.peak_mb)
        );
    }
    let (all, two, peer) = (0, 1, 2);
    println!(
        "  ours-all / peer: wall {:.2}x  cpu {:.2}x  peak {:.2}x",
        median(all, |c| c.wall_s) / median(peer, |c| c.wall_s),
        median(all, |c| c.cpu_s) / median(peer, |c| c.cpu_s),
        median(all, |c| c.peak_mb) / median(peer, |c| c.peak_mb),
    );
    println!(
        "  ours-all - ours-two: wall {:+.1} s  cpu {:+.1} s",
        median(all, |c| c.wall_s) - median(two, |c| c.wall_s),
        median(all, |c| c.cpu_s) - median(two, |c| c.cpu_s),
    );
    Ok(())
}

/// Builds the crate in `dir` into `target` and prints `wall cpu peak` (s, s, MB): run in a
/// child process of its own, so that its children's resource use is this build's alone.
pub(crate) fn once(dir: &Path, target: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "-q", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target)
        .env("CARGO_INCREMENTAL", "0")
        .status()
        .context("running cargo build")?;
    let wall = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("cargo build failed in {}", dir.display());
    }
    let usage = children_usage();
    println!("{wall:.3} {:.3} {:.1}", usage.0, usage.1);
    Ok(())
}

/// CPU seconds (user + system) of every waited-for descendant, and the largest one's peak
/// resident memory in MB.
fn children_usage() -> (f64, f64) {
    use crate::usage::{Whose, cpu_time, max_rss_kib};
    (
        cpu_time(Whose::Children).as_secs_f64(),
        max_rss_kib(Whose::Children) as f64 / 1024.0,
    )
}

fn parse(line: &str) -> anyhow::Result<Cost> {
    let values: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("unexpected measurement {line:?}"))?;
    match values[..] {
        [wall_s, cpu_s, peak_mb] => Ok(Cost {
            wall_s,
            cpu_s,
            peak_mb,
        }),
        _ => bail!("unexpected measurement {line:?}"),
    }
}

/// Writes the three scratch crates under `dir`, ours on the `esi-client` folder `client`.
fn write_crates(client: &Path, dir: &Path, peer_version: &str) -> anyhow::Result<()> {
    let client = client.to_string_lossy();
    let tokio = r#"tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#;
    write_crate(
        &dir.join("ours-all"),
        &format!("esi-client = {{ package = \"esi-api\", path = {client:?} }}\n{tokio}\n"),
        &ours_main(
            &format!("{TWO_RESOURCE_CALLS}{OTHER_CALLS}"),
            &[&TWO_RESOURCE_PRINTED[..], &OTHER_PRINTED[..]].concat(),
        ),
    )?;
    write_crate(
        &dir.join("ours-two"),
        &format!(
            "esi-client = {{ package = \"esi-api\", path = {client:?}, default-features = false, \
             features = [\"spec-2026-08-18\", \"fast-json\", \"market\", \"status\"] }}\n{tokio}\n"
        ),
        &ours_main(TWO_RESOURCE_CALLS, &TWO_RESOURCE_PRINTED),
    )?;
    write_crate(
        &dir.join("peer"),
        &format!("rfesi = \"{peer_version}\"\n{tokio}\n"),
        PEER_MAIN,
    )
}

fn write_crate(dir: &Path, dependencies: &str, main: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\n{dependencies}"
        ),
    )?;
    std::fs::write(dir.join("src").join("main.rs"), main)?;
    Ok(())
}

/// A small tool on the typed API making `calls` (statements binding names) and printing
/// `printed` (expressions over them), so that nothing is optimised away.
fn ours_main(calls: &str, printed: &[&str]) -> String {
    let format = vec!["{}"; printed.len()].join(" ");
    let printed = printed.join(", ");
    format!(
        r#"use esi_client::{{Client, UserAgent}};

#[tokio::main]
async fn main() -> Result<(), esi_client::Error> {{
    let client = Client::builder()
        .user_agent(UserAgent::new("BuildCost", "1.0").email("me@example.com"))
        .base_url("http://127.0.0.1:9")
        .build()?;
    let forge = 10000002;
    let me = 2112625428;
    if std::env::args().count() > 1 {{
{calls}        println!("{format}", {printed});
    }}
    Ok(())
}}
"#
    )
}

/// The calls both typed crates make: the market and status resources.
const TWO_RESOURCE_CALLS: &str = r#"        let status = client.status().get_status().await?;
        let orders = client.market().get_markets_region_id_orders(forge).all_pages().await?;
        let history = client.market().get_markets_region_id_history(forge, 34).await?;
        let prices = client.market().get_markets_prices().await?;
        let mine = client.market().get_characters_character_id_orders(me).token("t").await?;
"#;

/// What the two-resource crate prints.
const TWO_RESOURCE_PRINTED: [&str; 5] = [
    "status.players",
    "orders.len()",
    "history.len()",
    "prices.len()",
    "mine.len()",
];

/// The calls only the all-resources crate makes.
const OTHER_CALLS: &str = r#"        let character = client.character().get_characters_character_id(me).await?;
        let wallet = client.wallet().get_characters_character_id_wallet(me).token("t").await?;
        let skills = client.skills().get_characters_character_id_skills(me).token("t").await?;
        let system = client.universe().get_universe_systems_system_id(30000142).await?;
        let tritanium = client.universe().get_universe_types_type_id(34).await?;
        let alliances = client.alliance().get_alliances().await?;
"#;

/// What the all-resources crate prints besides.
const OTHER_PRINTED: [&str; 6] = [
    "character.name",
    "wallet",
    "skills.total_sp",
    "system.name",
    "tritanium.name",
    "alliances.len()",
];

/// The same calls through rfesi, where it has them.
const PEER_MAIN: &str = r#"use rfesi::prelude::*;

#[tokio::main]
async fn main() -> Result<(), EsiError> {
    let esi = EsiBuilder::new()
        .user_agent("BuildCost/1.0 (me@example.com)")
        .build()?;
    let forge = 10000002;
    let me = 2112625428;
    if std::env::args().count() > 1 {
        let orders = esi.group_market().get_region_orders(forge, None, None, None).await?;
        let history = esi.group_market().get_region_history(forge, 34).await?;
        let prices = esi.group_market().get_market_prices().await?;
        let mine = esi.group_market().get_character_orders(me).await?;
        let character = esi.group_character().get_public_info(me).await?;
        let wallet = esi.group_wallet().get_wallet(me).await?;
        let skills = esi.group_skills().get_skills(me).await?;
        let system = esi.group_universe().get_system(30000142).await?;
        let tritanium = esi.group_universe().get_type(34).await?;
        let alliances = esi.group_alliance().list_ids().await?;
        println!(
            "{} {} {} {} {:?} {} {:?} {:?} {:?} {}",
            orders.len(), history.len(), prices.len(), mine.len(), character.name, wallet,
            skills.total_sp, system.name, tritanium.name, alliances.len()
        );
    }
    Ok(())
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_typed_tool_prints_every_answer_it_asks_for() {
        let all = ours_main(
            &format!("{TWO_RESOURCE_CALLS}{OTHER_CALLS}"),
            &[&TWO_RESOURCE_PRINTED[..], &OTHER_PRINTED[..]].concat(),
        );
        let two = ours_main(TWO_RESOURCE_CALLS, &TWO_RESOURCE_PRINTED);
        for (main, printed) in [(&all, 11), (&two, 5)] {
            // Each call binds one answer (besides `client`, `forge` and `me`).
            let lets = main
                .lines()
                .filter(|l| l.trim_start().starts_with("let "))
                .count();
            assert_eq!(lets - 3, printed, "{main}");
            assert_eq!(main.matches("{}").count(), printed, "{main}");
        }
        assert!(all.contains(".all_pages()") && two.contains(".all_pages()"));
    }
}
