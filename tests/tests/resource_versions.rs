//! Resource versions and compatibility dates, end to end: what reaches the fake ESI.
//!
//! esi-client is generated once per build, so the per-resource overrides this file checks are
//! the ones the build was made with: `ESI_RESOURCE_VERSIONS` (and `ESI_SPEC_PATH`), read here
//! with `option_env!`. Without them every check still runs and expects no override. `cargo
//! xtask test` runs this file again with an OpenAPI date override and with a Swagger route
//! override:
//!
//! ```text
//! ESI_RESOURCE_VERSIONS=Universe=2025-11-06 cargo nextest run -p esi-tests --test resource_versions
//! ESI_SPEC_PATH=$PWD/specs/esi-swagger-latest-v1.3.8.json ESI_RESOURCE_VERSIONS=Status=v1,Universe=dev \
//!     cargo nextest run -p esi-tests --test resource_versions
//! ```

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use esi_client::{Client, ClientBuilder, Error, SpecKind, UserAgent};
use esi_fake::esi::config::default_spec_path;
use esi_fake::esi::{FakeEsi, FakeEsiConfig, RequestRecord};

/// `(module, version)` of each override the client was built with.
fn build_overrides() -> Vec<(String, String)> {
    let text = option_env!("ESI_RESOURCE_VERSIONS").unwrap_or("");
    esi_codegen::resource_versions::parse_resource_versions(text)
        .expect("ESI_RESOURCE_VERSIONS parses")
        .into_iter()
        .map(|rv| (rv.module(), rv.version))
        .collect()
}

fn version_of(module: &str) -> Option<String> {
    build_overrides()
        .into_iter()
        .find(|(m, _)| m == module)
        .map(|(_, v)| v)
}

/// The spec the client was generated from, for the fake to serve.
fn spec_path() -> PathBuf {
    match option_env!("ESI_SPEC_PATH").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => default_spec_path(),
    }
}

fn swagger() -> bool {
    esi_client::SPEC.kind == SpecKind::Swagger2
}

async fn fake() -> FakeEsi {
    let mut config = FakeEsiConfig::default().spec(spec_path());
    config.limits.rate_limits = false;
    FakeEsi::start(config).await.expect("fake ESI starts")
}

fn builder(esi: &FakeEsi) -> ClientBuilder {
    Client::builder()
        .base_url(esi.base_url())
        .user_agent(UserAgent::new("esi-rs tests", "1.0").email("tests@esi-rs.invalid"))
        .no_cache()
        .read_timeout(Duration::from_secs(30))
}

fn last(esi: &FakeEsi) -> RequestRecord {
    esi.requests().pop().expect("a request arrived")
}

/// The route prefix a module's requests use in a Swagger build.
fn swagger_prefix(module: &str) -> String {
    format!(
        "/{}/",
        version_of(module).unwrap_or_else(|| "latest".into())
    )
}

#[test]
fn the_generated_table_lists_the_build_overrides() {
    let table: Vec<(String, String)> = esi_client::RESOURCE_VERSIONS
        .iter()
        .map(|(m, v)| (m.to_string(), v.to_string()))
        .collect();
    assert_eq!(table, build_overrides());
}

#[test]
fn every_operation_of_an_overridden_resource_carries_its_version() {
    let overrides = build_overrides();
    for info in esi_client::OPERATIONS {
        let version = overrides
            .iter()
            .find(|(m, _)| m == info.resource)
            .map(|(_, v)| v.as_str());
        if swagger() {
            assert_eq!(info.compatibility_date, None, "{}", info.id);
            let prefix = format!("/{}/", version.unwrap_or("latest"));
            assert!(
                info.path.starts_with(&prefix),
                "{} {} should be under {prefix}",
                info.id,
                info.path
            );
        } else {
            assert_eq!(info.compatibility_date, version, "{}", info.id);
        }
    }
}

#[tokio::test]
async fn requests_carry_each_resources_version() {
    let esi = fake().await;
    let client = builder(&esi).build().unwrap();
    let spec_date = esi_client::SPEC.compatibility_date.map(str::to_string);

    client.status().get_status().await.unwrap();
    let status = last(&esi);
    client.universe().get_universe_regions().await.unwrap();
    let universe = last(&esi);
    assert_eq!(status.status, Some(200), "{status:?}");
    assert_eq!(universe.status, Some(200), "{universe:?}");

    if swagger() {
        assert!(
            status.path.starts_with(&swagger_prefix("status")),
            "{}",
            status.path
        );
        assert!(
            universe.path.starts_with(&swagger_prefix("universe")),
            "{}",
            universe.path
        );
        assert_eq!(status.header("x-compatibility-date"), None);
    } else {
        assert_eq!(status.path, "/status");
        assert_eq!(universe.path, "/universe/regions");
        for (module, record) in [("status", &status), ("universe", &universe)] {
            let expected = version_of(module).or(spec_date.clone());
            assert_eq!(
                record.header("x-compatibility-date").map(str::to_string),
                expected,
                "{module}"
            );
        }
    }
    esi.shutdown();
}

#[tokio::test]
async fn a_client_wide_date_does_not_move_a_pinned_resource_but_a_call_does() {
    if swagger() {
        return; // Swagger routes carry no compatibility date.
    }
    let esi = fake().await;
    let client = builder(&esi)
        .compatibility_date("2024-01-01")
        .build()
        .unwrap();
    client.status().get_status().await.unwrap();
    let expected = version_of("status").unwrap_or_else(|| "2024-01-01".into());
    assert_eq!(
        last(&esi).header("x-compatibility-date"),
        Some(expected.as_str())
    );
    client.universe().get_universe_regions().await.unwrap();
    let expected = version_of("universe").unwrap_or_else(|| "2024-01-01".into());
    assert_eq!(
        last(&esi).header("x-compatibility-date"),
        Some(expected.as_str())
    );
    client
        .universe()
        .get_universe_regions()
        .compatibility_date("2023-05-05")
        .await
        .unwrap();
    assert_eq!(
        last(&esi).header("x-compatibility-date"),
        Some("2023-05-05")
    );
    esi.shutdown();
}

/// ESI's "tomorrow": the day after `now - 11h`.
fn esi_tomorrow() -> String {
    (esi_client::esi_today(SystemTime::now()) + chrono::Days::new(1)).to_string()
}

#[tokio::test]
async fn dates_in_the_future_or_too_old_are_refused_before_sending() {
    if swagger() {
        return;
    }
    let esi = fake().await;
    let client = builder(&esi).build().unwrap();
    for date in [
        esi_tomorrow(),
        "2019-12-31".to_string(),
        "2026-8-1".to_string(),
    ] {
        let err = client
            .status()
            .get_status()
            .compatibility_date(&date)
            .await
            .unwrap_err();
        match &err {
            Error::InvalidOption { operation, message } => {
                assert_eq!(*operation, "GetStatus");
                assert!(message.contains(&date), "{message}");
            }
            other => panic!("{date}: {other}"),
        }
    }
    assert!(esi.requests().is_empty(), "nothing was sent");

    let today = esi_client::esi_today(SystemTime::now()).to_string();
    client
        .status()
        .get_status()
        .compatibility_date(&today)
        .await
        .unwrap();
    assert_eq!(
        last(&esi).header("x-compatibility-date"),
        Some(today.as_str())
    );
    esi.shutdown();
}

#[tokio::test]
async fn a_client_date_in_the_future_fails_the_build() {
    let esi = fake().await;
    let tomorrow = esi_tomorrow();
    match builder(&esi).compatibility_date(&tomorrow).build() {
        Err(Error::Config(message)) => {
            assert!(message.contains("in the future"), "{message}");
            assert!(message.contains("11:00 UTC"), "{message}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a date in the future must be refused"),
    }
    match builder(&esi).compatibility_date("2019-01-01").build() {
        Err(Error::Config(message)) => assert!(message.contains("2020-01-01"), "{message}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a date before 2020-01-01 must be refused"),
    }
    assert!(esi.requests().is_empty());
    esi.shutdown();
}
