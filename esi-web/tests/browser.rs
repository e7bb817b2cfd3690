//! End to end in a real headless browser: Debian's `chromium`, driven through `chromedriver`
//! (WebDriver, with fantoccini) against the example site (`examples/web.rs`) on the bundled
//! fake ESI and EVE SSO, everything on 127.0.0.1.
//!
//! The browser opens the wallet page, passes through the fake SSO's authorize page, comes back
//! and sees the balance; logs a second character in; then picks the first one on the
//! select-token page and sees its balance. Each page is saved as a PNG under
//! `target/esi-web-e2e/`.
//!
//! Without `chromium` and `chromedriver` (on `PATH`, or named by `CHROMIUM` and `CHROMEDRIVER`)
//! the test says it is skipped, except under `CI`, where it fails.

#[path = "../examples/web.rs"]
#[allow(dead_code)]
mod web_example;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use esi_store::{StoreConfig, TokenStore};
use esi_web::EsiWeb;
use esi_web::html::ButtonStyle;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

/// Longest wait for any one element or page.
const STEP: Duration = Duration::from_secs(20);
/// Longest run of the whole test.
const WHOLE: Duration = Duration::from_secs(180);

/// `name` from the environment variable `var`, else from `PATH`.
fn find_program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Where the screenshots go: `<target>/esi-web-e2e/`.
fn output_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("esi-web-e2e")
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// chromedriver on 127.0.0.1:`port`, accepting local connections only; killed when dropped.
async fn start_chromedriver(driver: &Path, port: u16, log: &Path) -> anyhow::Result<Child> {
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .arg(format!("--log-path={}", log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", driver.display()))?;
    let status = format!("http://127.0.0.1:{port}/status");
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        if let Ok(r) = http.get(&status).send().await
            && r.status().is_success()
        {
            return Ok(child);
        }
        if tokio::time::Instant::now() > deadline {
            bail!("chromedriver did not answer on port {port} within {STEP:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A WebDriver session on headless chromium with a fresh profile in `profile`.
async fn start_browser(port: u16, chromium: &Path, profile: &Path) -> anyhow::Result<Client> {
    let args = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--no-proxy-server".to_owned(),
        "--window-size=1000,760".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({ "binary": chromium.display().to_string(), "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = tokio::time::timeout(
        Duration::from_secs(60),
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .context("chromium did not start within 60 s")?
    .context("WebDriver session")?;
    client
        .update_timeouts(TimeoutConfiguration::new(
            Some(STEP),
            Some(STEP),
            Some(Duration::ZERO),
        ))
        .await?;
    Ok(client)
}

/// Saves the current page as `<dir>/<name>.png`.
async fn shot(client: &Client, dir: &Path, name: &str) -> anyhow::Result<()> {
    let png = client.screenshot().await.context("screenshot")?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("screenshot: {}", path.display());
    Ok(())
}

/// Waits for the element `css` and returns its text.
async fn text_of(client: &Client, css: &str) -> anyhow::Result<String> {
    let el = client
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("waiting for {css}"))?;
    Ok(el.text().await?)
}

/// On the fake SSO's authorize page: checks it, saves it and logs `character` in.
async fn authorize(
    client: &Client,
    dir: &Path,
    shot_name: &str,
    character: i64,
) -> anyhow::Result<()> {
    client
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css("#grant-form"))
        .await
        .context("the fake SSO's authorize page")?;
    let url = client.current_url().await?;
    anyhow::ensure!(
        url.path() == "/v2/oauth/authorize",
        "expected the authorize page, at {url}"
    );
    let scopes = text_of(client, "#scopes").await?;
    anyhow::ensure!(
        scopes.contains(web_example::WALLET),
        "the wallet scope is requested: {scopes:?}"
    );
    shot(client, dir, shot_name).await?;
    client
        .find(Locator::Id(&format!("character-{character}")))
        .await?
        .click()
        .await?;
    Ok(())
}

/// The walk through the site.
async fn walk(client: &Client, site: &str, dir: &Path) -> anyhow::Result<()> {
    client.goto(&format!("{site}/")).await?;
    text_of(client, "#wallet-link").await?;
    shot(client, dir, "01-home").await?;

    // The protected page sends the browser to EVE SSO, which sends it back with the balance.
    client.goto(&format!("{site}/wallet")).await?;
    authorize(client, dir, "02-sso-authorize", 90_000_001).await?;
    let balance = text_of(client, "#balance").await?;
    anyhow::ensure!(balance.ends_with(" ISK"), "balance {balance:?}");
    anyhow::ensure!(text_of(client, "#character").await? == "Fake Pilot One");
    anyhow::ensure!(client.current_url().await?.path() == "/wallet");
    shot(client, dir, "03-wallet-first-character").await?;

    // A second character, through the page's login link.
    client
        .find(Locator::Id("add-character"))
        .await?
        .click()
        .await?;
    authorize(client, dir, "04-sso-authorize-second", 90_000_002).await?;
    anyhow::ensure!(text_of(client, "#character").await? == "Fake Pilot Two");
    shot(client, dir, "05-wallet-second-character").await?;

    // Two characters now: the page asks which one.
    client.goto(&format!("{site}/wallet")).await?;
    let choices = client
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css("#select-token"))
        .await
        .context("the select-token page")?
        .find_all(Locator::Css("button.token"))
        .await?;
    anyhow::ensure!(
        choices.len() == 2,
        "two characters offered, got {}",
        choices.len()
    );
    text_of(client, "#add-character").await?;
    shot(client, dir, "06-select-token").await?;
    client
        .find(Locator::XPath(
            "//form[@id='select-token']//button[contains(., 'Fake Pilot One')]",
        ))
        .await?
        .click()
        .await?;

    // The pick: back on the wallet page with the first character's balance.
    anyhow::ensure!(text_of(client, "#character").await? == "Fake Pilot One");
    let balance = text_of(client, "#balance").await?;
    anyhow::ensure!(balance.ends_with(" ISK"), "balance {balance:?}");
    anyhow::ensure!(client.current_url().await?.path() == "/wallet");
    shot(client, dir, "07-wallet-picked").await?;
    Ok(())
}

async fn run(chromium: PathBuf, chromedriver: PathBuf) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = output_dir();
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "png") {
            std::fs::remove_file(p)?;
        }
    }

    // The example site on the fake servers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let fake = web_example::fake_backends(port).await?;
    let store = TokenStore::connect(StoreConfig::new("sqlite::memory:"), fake.sso.clone()).await?;
    let site = web_example::Site {
        web: EsiWeb::new(store).await?,
        esi: fake.esi.clone(),
        button: ButtonStyle::Plain,
    };
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, web_example::app(site)).await;
    });

    // chromedriver and chromium.
    let driver_port = free_port()?;
    let mut driver =
        start_chromedriver(&chromedriver, driver_port, &dir.join("chromedriver.log")).await?;
    let profile = std::env::temp_dir().join(format!(
        "esi-web-e2e-profile-{}-{}",
        std::process::id(),
        driver_port
    ));
    let _ = std::fs::remove_dir_all(&profile);
    let outcome = match start_browser(driver_port, &chromium, &profile).await {
        Ok(client) => {
            let walked = walk(&client, &format!("http://127.0.0.1:{port}"), &dir).await;
            if walked.is_err() {
                let _ = shot(&client, &dir, "failure").await;
                if let Ok(src) = client.source().await {
                    let _ = std::fs::write(dir.join("failure.html"), src);
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
            walked
        }
        Err(e) => Err(e),
    };
    let _ = driver.kill().await;
    let _ = driver.wait().await;
    server.abort();
    fake.harness.shutdown().await;
    let _ = std::fs::remove_dir_all(&profile);
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_through_sso_and_the_select_token_page_in_chromium() {
    let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser"]);
    let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        let missing = "chromium and chromedriver are needed (Debian: apt-get install -y chromium chromium-driver)";
        if std::env::var_os("CI").is_some() {
            panic!("{missing}, and CI requires the browser test to run");
        }
        eprintln!("SKIPPED wallet_through_sso_and_the_select_token_page_in_chromium: {missing}");
        return;
    };
    match tokio::time::timeout(WHOLE, run(chromium, chromedriver)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!(
            "browser test failed: {e:#} (screenshots and chromedriver.log in {})",
            output_dir().display()
        ),
        Err(_) => panic!("browser test took longer than {WHOLE:?}"),
    }
}
