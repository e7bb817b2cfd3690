//! `cargo xtask test`: the whole test suite, as the README and CI run it.
//!
//! 1. every unit, snapshot and end-to-end test against the fake servers (PostgreSQL and Redis
//!    tests run when their URLs are set; CI sets them), and every README and rustdoc example;
//! 2. the client built from each other pinned spec (`ESI_SPEC_PATH`), with the tests that
//!    check the generated API covers the spec and decodes what the fake ESI serves for it;
//! 3. the client built with resource versions (`ESI_RESOURCE_VERSIONS`: one resource at an
//!    older compatibility date, then Swagger resources under other route versions), with the
//!    tests that check the dates and paths reaching the fake ESI.
//!
//! With cargo-nextest installed the tests run under it (each test in a process of its own,
//! then `cargo test --doc` for the examples); without it, under plain `cargo test`, which runs
//! the same tests and examples (a fresh machine with only rustup has no nextest).
//! `ESI_XTASK_NEXTEST=never` uses `cargo test` even where nextest is installed.

use std::process::Command;

use anyhow::bail;

/// How the tests are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    Nextest,
    CargoTest,
}

impl Runner {
    /// nextest when it is installed (and not turned off), else `cargo test`.
    fn detect(cargo: &str) -> Runner {
        if std::env::var("ESI_XTASK_NEXTEST").is_ok_and(|v| v == "never") {
            return Runner::CargoTest;
        }
        let nextest = Command::new(cargo)
            .args(["nextest", "--version"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if nextest {
            Runner::Nextest
        } else {
            Runner::CargoTest
        }
    }

    /// A command running the tests `args` select (`--workspace`, `-p X --test Y`...).
    fn tests(self, cargo: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(cargo);
        match self {
            Runner::Nextest => cmd.args(["nextest", "run"]),
            Runner::CargoTest => cmd.arg("test"),
        };
        cmd.args(args);
        cmd
    }
}

/// Runs every step; stops at the first failure.
pub fn run() -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let cargo = env!("CARGO");
    let runner = Runner::detect(cargo);
    if runner == Runner::CargoTest {
        eprintln!("cargo-nextest is not installed (or ESI_XTASK_NEXTEST=never): using cargo test");
    }
    step(runner.tests(cargo, &["--workspace"]).current_dir(&root))?;
    if runner == Runner::Nextest {
        // `cargo test` above already ran the examples; nextest does not.
        step(
            Command::new(cargo)
                .args(["test", "--doc", "--workspace"])
                .current_dir(&root),
        )?;
    }
    // The rebuilds select `--workspace` (only the named test targets are built): features
    // then resolve as in the first step, so only esi-api and what depends on it compile again
    // (`-p esi-api -p esi-fake` resolved other features and rebuilt most dependencies).
    for spec in [
        "esi-openapi-2025-11-06.json",
        "esi-swagger-latest-v1.3.8.json",
    ] {
        let path = root.join("specs").join(spec);
        step(
            runner
                .tests(
                    cargo,
                    &[
                        "--workspace",
                        "--test",
                        "generated_api",
                        "--test",
                        "fake_esi_specs",
                    ],
                )
                .env("ESI_SPEC_PATH", &path)
                .current_dir(&root),
        )?;
    }
    let swagger = root.join("specs").join("esi-swagger-latest-v1.3.8.json");
    for (versions, spec) in [
        ("Universe=2025-11-06", None),
        ("Status=v1,Universe=dev", Some(&swagger)),
    ] {
        let mut cmd = runner.tests(cargo, &["--workspace", "--test", "resource_versions"]);
        cmd.env("ESI_RESOURCE_VERSIONS", versions)
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
