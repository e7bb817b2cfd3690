//! `cargo xtask test`: the whole test suite, as the README and CI run it.
//!
//! 1. `cargo nextest run --workspace`: unit, snapshot and end-to-end tests against the fake
//!    servers (PostgreSQL and Redis tests run when their URLs are set; CI sets them);
//! 2. `cargo test --doc --workspace`: every README and rustdoc example compiles (and runs
//!    where it can offline);
//! 3. the client built from each other pinned spec (`ESI_SPEC_PATH`), with the tests that
//!    check the generated API covers the spec and decodes what the fake ESI serves for it;
//! 4. the client built with resource versions (`ESI_RESOURCE_VERSIONS`: one resource at an
//!    older compatibility date, then Swagger resources under other route versions), with the
//!    tests that check the dates and paths reaching the fake ESI.

use std::process::Command;

use anyhow::bail;

/// Runs every step; stops at the first failure.
pub fn run() -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let cargo = env!("CARGO");
    step(
        Command::new(cargo)
            .args(["nextest", "run", "--workspace"])
            .current_dir(&root),
    )?;
    step(
        Command::new(cargo)
            .args(["test", "--doc", "--workspace"])
            .current_dir(&root),
    )?;
    for spec in [
        "esi-openapi-2025-11-06.json",
        "esi-swagger-latest-v1.3.8.json",
    ] {
        let path = root.join("specs").join(spec);
        step(
            Command::new(cargo)
                .args([
                    "nextest",
                    "run",
                    "-p",
                    "esi-client",
                    "-p",
                    "esi-fake",
                    "--test",
                    "generated_api",
                    "--test",
                    "fake_esi_specs",
                ])
                .env("ESI_SPEC_PATH", &path)
                .current_dir(&root),
        )?;
    }
    let swagger = root.join("specs").join("esi-swagger-latest-v1.3.8.json");
    for (versions, spec) in [
        ("Universe=2025-11-06", None),
        ("Status=v1,Universe=dev", Some(&swagger)),
    ] {
        let mut cmd = Command::new(cargo);
        cmd.args([
            "nextest",
            "run",
            "-p",
            "esi-fake",
            "--test",
            "resource_versions",
        ])
        .env("ESI_RESOURCE_VERSIONS", versions)
        .current_dir(&root);
        match spec {
            Some(path) => cmd.env("ESI_SPEC_PATH", path),
            None => cmd.env_remove("ESI_SPEC_PATH"),
        };
        step(&mut cmd)?;
    }
    Ok(())
}

fn step(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!(
        "{}{}",
        cmd.get_envs()
            .filter_map(|(k, v)| Some(format!("{}={} ", k.to_str()?, v?.to_str()?)))
            .collect::<String>(),
        std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("\n== {shown}");
    let status = cmd.status()?;
    if !status.success() {
        bail!("failed: {shown}");
    }
    Ok(())
}
