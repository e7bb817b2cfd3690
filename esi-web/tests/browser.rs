//! End to end in a real headless browser: Debian's `chromium`, driven through `chromedriver`
//! (WebDriver, with fantoccini) against the example site (`examples/web.rs`) on the bundled
//! fake ESI and EVE SSO, everything on 127.0.0.1.
//!
//! The browser opens the wallet page, passes through the fake SSO's authorize page, comes back
//! and sees the balance; logs a second character in; then picks the first one on the
//! select-token page and sees its balance; the home page offers to add another character and
//! the wallets table right-aligns the amounts. Then, as players and other sites would: forms
//! posted to each wallet page and a login link on another site (served as `localhost`, another
//! site than `127.0.0.1`) leave the session and its characters alone, and the refused login
//! offers to log in from this site; error pages lead home or to starting again; two logins
//! started in two tabs both finish, and so do eight opened at once; a login started under
//! `localhost` names the right address and continues there; a character is removed after a
//! confirmation page (its refresh token revoked at the fake SSO); the player logs out. Each page
//! is saved as a PNG under `target/esi-web-e2e/`.
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
use axum::extract::Query;
use axum::response::Html;
use esi_web::html;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

/// Longest wait for any one element or page.
const STEP: Duration = Duration::from_secs(20);
/// Longest run of the whole test.
const WHOLE: Duration = Duration::from_secs(480);
/// The session cookie's name (the crate's default).
const COOKIE: &str = "esi_session";

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

/// The walk through the site (the main paths).
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

    // The home page says who is logged in, with portraits.
    client.goto(&format!("{site}/")).await?;
    let who = text_of(client, "#characters").await?;
    anyhow::ensure!(
        who.contains("Fake Pilot One") && who.contains("Fake Pilot Two"),
        "both characters listed: {who:?}"
    );
    let portraits = client
        .find_all(Locator::Css("#characters img.portrait"))
        .await?;
    anyhow::ensure!(portraits.len() == 2, "one portrait each");
    anyhow::ensure!(
        text_of(client, "#add-character").await? == "Add another character",
        "the home page offers another character"
    );
    anyhow::ensure!(
        client
            .find_all(Locator::Css("a.eve-sso-login"))
            .await?
            .is_empty(),
        "no LOG IN button while characters are logged in"
    );
    shot(client, dir, "08-home-logged-in").await?;

    // The wallets table right-aligns the amounts, apart from the names.
    client.goto(&format!("{site}/wallets")).await?;
    text_of(client, "#wallets").await?;
    let align = client
        .execute(
            "return Array.from(document.querySelectorAll('#wallets td.balance, #wallets th.amount'))\
             .map(c => getComputedStyle(c).textAlign)",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        align
            .as_array()
            .is_some_and(|a| a.len() == 3 && a.iter().all(|v| v == "right")),
        "amounts right-aligned: {align}"
    );
    shot(client, dir, "08b-wallets-aligned").await?;

    // The select page shows portraits, and a way home.
    client.goto(&format!("{site}/wallet")).await?;
    text_of(client, "#select-token").await?;
    let portraits = client
        .find_all(Locator::Css("#select-token img.portrait"))
        .await?;
    anyhow::ensure!(portraits.len() == 2, "a portrait per character");
    let loaded = client
        .execute(
            "return Array.from(document.querySelectorAll('#select-token img.portrait'))\
             .filter(i => i.complete && i.naturalWidth > 0).length",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        loaded.as_u64() == Some(2),
        "the portraits loaded from the fake image server: {loaded}"
    );
    client.find(Locator::Id("home")).await?.click().await?;
    text_of(client, "#wallet-link").await?;
    Ok(())
}

/// The session cookie's value.
async fn session_cookie(client: &Client) -> anyhow::Result<String> {
    Ok(client
        .get_named_cookie(COOKIE)
        .await
        .context("the session cookie")?
        .value()
        .to_owned())
}

/// The characters listed on the home page.
async fn characters_at_home(client: &Client, site: &str) -> anyhow::Result<Vec<String>> {
    client.goto(&format!("{site}/")).await?;
    text_of(client, "#who").await?;
    let mut names = Vec::new();
    for el in client
        .find_all(Locator::Css("#characters .character .name"))
        .await?
    {
        names.push(el.text().await?);
    }
    Ok(names)
}

/// Another site (`attacker`, a `localhost` origin) posts forms to the three wallet pages and
/// links to the login route: all are refused, the session cookie and the characters stay; the
/// refused login offers to log in from this site, which works.
async fn other_sites_cannot_disturb(
    client: &Client,
    site: &str,
    attacker: &str,
    dir: &Path,
) -> anyhow::Result<()> {
    let before = characters_at_home(client, site).await?;
    anyhow::ensure!(before.len() == 2, "two characters before: {before:?}");
    let cookie = session_cookie(client).await?;

    for (page, refusal, name) in [
        ("wallet", "another site", "10-other-site-form-refused"),
        (
            "wallets",
            "does not accept",
            "10b-other-site-form-wallets-refused",
        ),
        (
            "wallet/once",
            "does not accept",
            "10c-other-site-form-once-refused",
        ),
    ] {
        client.goto(&format!("{attacker}/form?page={page}")).await?;
        text_of(client, "#evil-submit").await?;
        if page == "wallet" {
            shot(client, dir, "09-other-site-form").await?;
        }
        client
            .find(Locator::Id("evil-submit"))
            .await?
            .click()
            .await?;
        let error = text_of(client, "#error").await?;
        anyhow::ensure!(
            error.contains(refusal),
            "the cross-site post to /{page} is refused: {error:?}"
        );
        text_of(client, "#home").await?;
        shot(client, dir, name).await?;
        anyhow::ensure!(
            session_cookie(client).await? == cookie,
            "the session cookie was not replaced by /{page}'s answer"
        );
    }
    anyhow::ensure!(
        characters_at_home(client, site).await? == before,
        "the characters are still there"
    );

    client.goto(&format!("{attacker}/link")).await?;
    client
        .find(Locator::Id("evil-login"))
        .await?
        .click()
        .await?;
    let error = text_of(client, "#error").await?;
    anyhow::ensure!(
        error.contains("Another site sent you here") && error.contains(web_example::WALLET),
        "a login started from another site is refused, naming its scopes: {error:?}"
    );
    anyhow::ensure!(
        client.current_url().await?.path() == "/sso/login",
        "no redirect to EVE SSO"
    );
    anyhow::ensure!(text_of(client, "#again").await? == "Log in here");
    shot(client, dir, "11-other-site-login-refused").await?;
    anyhow::ensure!(session_cookie(client).await? == cookie);

    // The player decides to log in after all: from this site's page, it works.
    client.find(Locator::Id("again")).await?.click().await?;
    authorize(client, dir, "11b-log-in-here-authorize", 90_000_001).await?;
    let table = text_of(client, "#wallets").await?;
    anyhow::ensure!(
        table.contains("Fake Pilot One"),
        "logged in here: {table:?}"
    );
    anyhow::ensure!(characters_at_home(client, site).await? == before);
    Ok(())
}

/// Error pages (404 for an unknown address, 404 for a stale callback) have a link home that
/// leads to the home page.
async fn error_pages_lead_home(client: &Client, site: &str, dir: &Path) -> anyhow::Result<()> {
    client.goto(&format!("{site}/no/such/page")).await?;
    text_of(client, "#error").await?;
    shot(client, dir, "12-not-found").await?;
    client.find(Locator::Id("home")).await?.click().await?;
    text_of(client, "#wallet-link").await?;
    anyhow::ensure!(client.current_url().await?.path() == "/");

    client
        .goto(&format!("{site}/sso/callback?code=stale&state=stale"))
        .await?;
    text_of(client, "#error").await?;
    anyhow::ensure!(text_of(client, "#again").await? == "Start again");
    shot(client, dir, "13-stale-callback").await?;
    client.find(Locator::Id("again")).await?.click().await?;
    text_of(client, "#wallet-link").await?;

    // A page that takes no POST says so, and leads home.
    client.goto(&format!("{site}/sso/logout")).await?;
    let error = text_of(client, "#error").await?;
    anyhow::ensure!(error.contains("does not accept"), "{error:?}");
    shot(client, dir, "13b-method-not-allowed").await?;
    client.find(Locator::Id("home")).await?.click().await?;
    text_of(client, "#wallet-link").await?;
    Ok(())
}

/// A login started in one tab, another in a second tab: both finish.
async fn two_tabs_both_finish(client: &Client, site: &str, dir: &Path) -> anyhow::Result<()> {
    let first = client.window().await?;
    client
        .goto(&format!(
            "{site}/sso/login?scopes={}&next=%2Fwallet",
            web_example::WALLET
        ))
        .await?;
    text_of(client, "#grant-form").await?;

    let second = client.new_window(true).await?.handle;
    client.switch_to_window(second.clone()).await?;
    client
        .goto(&format!(
            "{site}/sso/login?scopes={}&next=%2Fwallets",
            web_example::WALLET
        ))
        .await?;
    authorize(client, dir, "14-second-tab-authorize", 90_000_003).await?;
    let table = text_of(client, "#wallets").await?;
    anyhow::ensure!(
        table.contains("Fake Pilot Three"),
        "the second tab's login finished: {table:?}"
    );
    anyhow::ensure!(client.current_url().await?.path() == "/wallets");
    shot(client, dir, "15-second-tab-wallets").await?;
    client.close_window().await?;

    client.switch_to_window(first).await?;
    authorize(client, dir, "16-first-tab-authorize", 90_000_001).await?;
    anyhow::ensure!(
        text_of(client, "#character").await? == "Fake Pilot One",
        "the first tab's login finished too"
    );
    anyhow::ensure!(client.current_url().await?.path() == "/wallet");
    shot(client, dir, "17-first-tab-wallet").await?;
    Ok(())
}

/// Eight logins started at the same moment in one session (eight tabs opened by one script):
/// every one finishes, each back on its own page.
async fn eight_tabs_at_once(client: &Client, site: &str, dir: &Path) -> anyhow::Result<()> {
    let first = client.window().await?;
    client.goto(&format!("{site}/")).await?;
    let before = client.windows().await?;
    let urls: Vec<String> = (0..TABS)
        .map(|tab| {
            format!(
                "{site}/sso/login?scopes={}&next=%2Fwallet%3Ftab%3D{tab}",
                web_example::WALLET
            )
        })
        .collect();
    client
        .execute(
            "for (const u of arguments[0]) { window.open(u, '_blank'); }",
            vec![serde_json::json!(urls)],
        )
        .await?;
    let deadline = tokio::time::Instant::now() + STEP;
    let tabs = loop {
        let now: Vec<_> = client
            .windows()
            .await?
            .into_iter()
            .filter(|w| !before.contains(w))
            .collect();
        if now.len() == TABS {
            break now;
        }
        if tokio::time::Instant::now() > deadline {
            bail!("{} of {TABS} tabs opened", now.len());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut finished = Vec::new();
    for tab in tabs {
        client.switch_to_window(tab).await?;
        authorize(client, dir, "22-eight-tabs-authorize", 90_000_001).await?;
        anyhow::ensure!(
            text_of(client, "#character").await? == "Fake Pilot One",
            "a tab's login finished"
        );
        let url = client.current_url().await?;
        anyhow::ensure!(url.path() == "/wallet", "back on the wallet page: {url}");
        finished.push(url.query().unwrap_or("").to_owned());
        if finished.len() == TABS {
            shot(client, dir, "23-eight-tabs-last-wallet").await?;
        }
        client.close_window().await?;
    }
    finished.sort();
    let expected: Vec<String> = (0..TABS).map(|tab| format!("tab={tab}")).collect();
    anyhow::ensure!(finished == expected, "every tab finished: {finished:?}");
    client.switch_to_window(first).await?;
    Ok(())
}

/// How many tabs start a login at once: the documented cap of logins in flight per session.
const TABS: usize = esi_store::MAX_PENDING_LOGINS_PER_SESSION;

/// A login started under `localhost` while EVE SSO calls back to `127.0.0.1`, where the browser
/// has another session: the callback page names the right address and links to the page
/// there, where the login then finishes.
async fn login_under_another_address(
    client: &Client,
    site: &str,
    dir: &Path,
) -> anyhow::Result<()> {
    let elsewhere = site.replace("127.0.0.1", "localhost");
    client.goto(&format!("{elsewhere}/wallet/once")).await?;
    authorize(client, dir, "24-other-address-authorize", 90_000_002).await?;
    let error = text_of(client, "#error").await?;
    anyhow::ensure!(error.contains(site), "names the right address: {error:?}");
    let again = text_of(client, "#again").await?;
    anyhow::ensure!(again == format!("Continue at {site}"), "{again:?}");
    shot(client, dir, "25-other-address-callback").await?;
    client.find(Locator::Id("again")).await?.click().await?;
    authorize(client, dir, "26-right-address-authorize", 90_000_002).await?;
    anyhow::ensure!(text_of(client, "#character").await? == "Fake Pilot Two");
    let url = client.current_url().await?;
    anyhow::ensure!(
        url.as_str() == format!("{site}/wallet/once"),
        "finished at the right address: {url}"
    );
    shot(client, dir, "27-right-address-once").await?;
    Ok(())
}

/// Removing a character on the home page asks for confirmation, then revokes its refresh token
/// at the fake SSO.
async fn remove_a_character(
    client: &Client,
    site: &str,
    fake: &web_example::FakeBackends,
    dir: &Path,
) -> anyhow::Result<()> {
    let before = characters_at_home(client, site).await?;
    anyhow::ensure!(
        before.iter().any(|n| n == "Fake Pilot Three"),
        "three is listed: {before:?}"
    );
    shot(client, dir, "18-home-before-remove").await?;
    let revokes = fake
        .harness
        .sso
        .request_count("POST", esi_fake::sso::REVOKE_PATH);
    let live = fake.harness.sso.live_refresh_tokens();
    client
        .find(Locator::Id("remove-90000003"))
        .await?
        .click()
        .await?;
    // Nothing is removed before the player confirms.
    let confirm = text_of(client, "#confirm-remove").await?;
    anyhow::ensure!(
        confirm == "Remove Fake Pilot Three",
        "the confirmation names the character: {confirm:?}"
    );
    text_of(client, "#cancel").await?;
    shot(client, dir, "18b-remove-confirm").await?;
    anyhow::ensure!(
        fake.harness.sso.live_refresh_tokens() == live,
        "nothing revoked before the confirmation"
    );
    client
        .find(Locator::Id("confirm-remove"))
        .await?
        .click()
        .await?;
    text_of(client, "#who").await?;
    anyhow::ensure!(client.current_url().await?.path() == "/");
    let after = characters_at_home(client, site).await?;
    anyhow::ensure!(
        !after.iter().any(|n| n == "Fake Pilot Three") && after.len() == before.len() - 1,
        "three is gone: {after:?}"
    );
    shot(client, dir, "19-home-after-remove").await?;
    anyhow::ensure!(
        fake.harness
            .sso
            .request_count("POST", esi_fake::sso::REVOKE_PATH)
            > revokes,
        "a revocation reached the SSO"
    );
    anyhow::ensure!(
        fake.harness.sso.live_refresh_tokens() < live,
        "the refresh token is revoked at the SSO"
    );
    Ok(())
}

/// Logging out forgets the session: nobody is logged in, and the wallet page logs in afresh.
async fn log_out(client: &Client, site: &str, dir: &Path) -> anyhow::Result<()> {
    let cookie = session_cookie(client).await?;
    client.goto(&format!("{site}/")).await?;
    client.find(Locator::Id("logout")).await?.click().await?;
    let who = text_of(client, "#who").await?;
    anyhow::ensure!(who.contains("Nobody"), "logged out: {who:?}");
    text_of(client, "a.eve-sso-login").await?;
    anyhow::ensure!(
        client
            .find_all(Locator::Id("add-character"))
            .await?
            .is_empty(),
        "the LOG IN button again, no \"add another\""
    );
    shot(client, dir, "20-logged-out").await?;
    if let Ok(now) = session_cookie(client).await {
        anyhow::ensure!(now != cookie, "the old session is gone");
    }
    client.goto(&format!("{site}/wallets")).await?;
    client
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css("#grant-form"))
        .await
        .context("after logging out, the wallets page logs in afresh")?;
    shot(client, dir, "21-after-logout-login-again").await?;
    Ok(())
}

/// Another site: a form posting to one of the site's pages (`?page=wallet`, the select-token
/// page's form) and a link to its login route with scopes of its choosing.
fn attacker_app(site: String) -> axum::Router {
    #[derive(serde::Deserialize)]
    struct Target {
        page: String,
    }
    let form_site = site.clone();
    axum::Router::new()
        .route(
            "/form",
            axum::routing::get(move |Query(target): Query<Target>| {
                let site = form_site.clone();
                async move {
                    let page = html::escape(&target.page);
                    Html(format!(
                        "<!DOCTYPE html><html><body><h1>Free ISK</h1>\
                         <form method=\"post\" action=\"{site}/{page}\">\
                         <input type=\"hidden\" name=\"_token\" value=\"1\">\
                         <input type=\"hidden\" name=\"_csrf\" value=\"guess\">\
                         <button id=\"evil-submit\">Claim</button></form></body></html>"
                    ))
                }
            }),
        )
        .route(
            "/link",
            axum::routing::get(move || {
                let site = site.clone();
                async move {
                    Html(format!(
                        "<!DOCTYPE html><html><body><a id=\"evil-login\" \
                         href=\"{site}/sso/login?scopes={}&amp;next=%2Fwallets\">\
                         Log in</a></body></html>",
                        web_example::WALLET
                    ))
                }
            }),
        )
}

/// Every walk, in order (each builds on the state the previous one left).
async fn walk_all(
    client: &Client,
    site: &str,
    attacker: &str,
    fake: &web_example::FakeBackends,
    dir: &Path,
) -> anyhow::Result<()> {
    walk(client, site, dir).await.context("main paths")?;
    other_sites_cannot_disturb(client, site, attacker, dir)
        .await
        .context("other sites")?;
    error_pages_lead_home(client, site, dir)
        .await
        .context("error pages")?;
    two_tabs_both_finish(client, site, dir)
        .await
        .context("two tabs")?;
    eight_tabs_at_once(client, site, dir)
        .await
        .context("eight tabs")?;
    login_under_another_address(client, site, dir)
        .await
        .context("another address")?;
    remove_a_character(client, site, fake, dir)
        .await
        .context("remove a character")?;
    log_out(client, site, dir).await.context("log out")?;
    Ok(())
}

async fn run(chromium: PathBuf, chromedriver: PathBuf) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = output_dir();
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "png") || p.ends_with("failure.html") {
            std::fs::remove_file(p)?;
        }
    }

    // The example site on the fake servers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let fake = web_example::fake_backends(port).await?;
    let site = fake.site("sqlite::memory:").await?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, web_example::app(site)).await;
    });
    // Another site: `localhost` is a different site from `127.0.0.1` for the browser.
    let site_url = format!("http://127.0.0.1:{port}");
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let attacker = format!("http://localhost:{}", other.local_addr()?.port());
    let other_app = attacker_app(site_url.clone());
    let other_server = tokio::spawn(async move {
        let _ = axum::serve(other, other_app).await;
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
            let walked = walk_all(&client, &site_url, &attacker, &fake, &dir).await;
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
    other_server.abort();
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
