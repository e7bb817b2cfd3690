//! The example site (`examples/web.rs`) over plain HTTP against the fake ESI and EVE SSO: every
//! page answers, and each of the three layers shows wallet balances fetched from the fake ESI.

#[path = "../examples/web.rs"]
#[allow(dead_code)]
mod web_example;

mod support;

use esi_web::html::ButtonStyle;
use support::{Browser, PILOT_1, PILOT_2, PILOT_3};

#[test]
fn isk_is_grouped() {
    assert_eq!(web_example::format_isk(0.0), "0.00 ISK");
    assert_eq!(web_example::format_isk(999.999), "1,000.00 ISK");
    assert_eq!(web_example::format_isk(1_234_567.891), "1,234,567.89 ISK");
    assert_eq!(web_example::format_isk(-12_345.5), "-12,345.50 ISK");
}

/// The example on the fake servers, listening on 127.0.0.1; its server stops when dropped.
struct Example {
    fake: web_example::FakeBackends,
    /// `http://127.0.0.1:PORT`.
    base: String,
    port: u16,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Example {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn example(button: ButtonStyle) -> Example {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let fake = web_example::fake_backends(port).await.expect("fakes");
    let mut site = fake.site("sqlite::memory:").await.expect("site");
    site.button = button;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, web_example::app(site)).await;
    });
    Example {
        fake,
        base: format!("http://127.0.0.1:{port}"),
        port,
        server,
    }
}

#[tokio::test]
async fn every_page_of_the_example_shows_balances() {
    let site = example(ButtonStyle::Eve {
        dark: true,
        large: true,
    })
    .await;
    let fake = &site.fake;
    let b = Browser::new(&site.base);

    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("eve-sso-login-black-large.png"),
        "CCP's button, linked"
    );
    assert!(home.body.contains(
        "href=\"/sso/login?scopes=esi-wallet.read_character_wallet.v1&amp;next=%2Fwallet\""
    ));

    // token_required.
    let wallet = b.login_through("/wallet", PILOT_1).await;
    assert_eq!(wallet.status, 200, "{wallet:?}");
    assert!(wallet.body.contains("Fake Pilot One") && wallet.body.contains(" ISK</strong>"));

    // tokens_required: both characters' balances, no prompting.
    let start = b
        .get("/sso/login?scopes=esi-wallet.read_character_wallet.v1&next=/wallets")
        .await;
    let back = b.finish_sso(&start, PILOT_2).await;
    let wallets = b.get(&back).await;
    assert_eq!(wallets.status, 200, "{wallets:?}");
    assert_eq!(
        wallets.body.matches("class=\"balance amount\"").count(),
        2,
        "{}",
        wallets.body
    );
    assert!(!wallets.body.contains("unavailable"));
    assert!(
        wallets.body.contains(
            "<thead><tr><th scope=\"col\">Character</th><th scope=\"col\" class=\"amount\">Balance</th></tr></thead>"
        ),
        "the wallets table has a header row: {}",
        wallets.body
    );
    assert!(wallets.body.contains("id=\"home\""), "a way home");

    // The home page says who is logged in, with portraits from the fake image server and
    // buttons to remove each character and to log out.
    let home = b.get("/").await;
    assert!(home.body.contains("Logged in:"), "{}", home.body);
    for (id, name) in [(PILOT_1, "Fake Pilot One"), (PILOT_2, "Fake Pilot Two")] {
        assert!(home.body.contains(name), "{}", home.body);
        assert!(home.body.contains(&format!("id=\"remove-{id}\"")));
        assert!(home.body.contains(&format!(
            "{}/characters/{id}/portrait?size=32",
            fake.harness.images_url()
        )));
    }
    assert!(home.body.contains("id=\"logout\""));

    // single_use_token: a fresh login every time.
    let once = b.login_through("/wallet/once", PILOT_3).await;
    assert_eq!(once.status, 200, "{once:?}");
    assert!(once.body.contains("Fake Pilot Three") && once.body.contains(" ISK</strong>"));
    assert!(b.get("/wallet/once").await.is_sso_redirect());

    // Each character's wallet came from the fake ESI (repeats may be answered from the cache).
    for id in [PILOT_1, PILOT_2, PILOT_3] {
        assert!(
            fake.harness.count_for(&format!("/characters/{id}/wallet")) >= 1,
            "{:?}",
            fake.harness.paths()
        );
    }
}

#[tokio::test]
async fn the_example_answers_unknown_paths_wrong_methods_and_other_hosts() {
    let site = example(ButtonStyle::Plain).await;
    let base = site.base.clone();
    let port = site.port;
    let b = Browser::new(&base);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let home = b.get("/").await;
    assert!(home.body.contains("Nobody is logged in."), "{}", home.body);
    assert!(!home.body.contains("wrong-host"), "the configured host");
    assert!(
        home.set_cookies.is_empty(),
        "the home page creates no session"
    );

    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, 404, "{missing:?}");
    assert!(missing.body.contains("id=\"error\"") && missing.body.contains("id=\"home\""));

    for (method, path, allow) in [
        (reqwest::Method::PUT, "/wallet", "GET,HEAD,POST"),
        (reqwest::Method::DELETE, "/", "GET,HEAD"),
        (reqwest::Method::PUT, "/wallets", "GET,HEAD"),
        (reqwest::Method::POST, "/wallet/once", "GET,HEAD"),
        (reqwest::Method::GET, "/sso/logout", "POST"),
    ] {
        let page = b.request(method.clone(), path, &[], None).await;
        assert_eq!(page.status, 405, "{method} {path}: {page:?}");
        assert_eq!(page.allow.as_deref(), Some(allow), "{method} {path}");
        assert!(page.body.contains("id=\"home\""), "{page:?}");
    }

    // The example's own pages are private like the crate's.
    for path in ["/", "/no/such/page", "/wallet"] {
        let resp = http.get(format!("{base}{path}")).send().await.expect("get");
        let h = resp.headers();
        assert_eq!(h["cache-control"], "no-store", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }

    // Opened as localhost instead of 127.0.0.1: the home page says where to go instead.
    let resp = http
        .get(format!("{base}/"))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .expect("get");
    let body = resp.text().await.expect("body");
    assert!(body.contains("id=\"wrong-host\""), "{body}");
    assert!(body.contains(&format!("href=\"{base}/\"")), "{body}");
}

#[tokio::test]
async fn another_sites_form_gets_no_session_from_the_example() {
    let site = example(ButtonStyle::Plain).await;
    for path in ["/wallet", "/wallets", "/wallet/once"] {
        for headers in [&[][..], &[("origin", "http://localhost:1")][..]] {
            let b = Browser::new(&site.base);
            let page = b
                .request(
                    reqwest::Method::POST,
                    path,
                    headers,
                    Some(&[("_token", "1"), ("_csrf", "guess")]),
                )
                .await;
            assert!(
                page.status == 403 || page.status == 405,
                "{path} {headers:?}: {page:?}"
            );
            assert!(page.set_cookies.is_empty(), "{path} {headers:?}: {page:?}");
        }
    }
}

#[tokio::test]
async fn the_example_home_page_adds_characters_and_aligns_amounts() {
    let site = example(ButtonStyle::Plain).await;
    let b = Browser::new(&site.base);
    let home = b.get("/").await;
    assert!(
        home.body.contains("LOG IN with EVE Online"),
        "{}",
        home.body
    );
    assert!(
        !home.body.contains("Add another character"),
        "{}",
        home.body
    );

    let wallets = b.login_through("/wallets", PILOT_1).await;
    assert_eq!(wallets.status, 200, "{wallets:?}");
    assert!(
        wallets.body.contains("<td class=\"balance amount\">"),
        "{}",
        wallets.body
    );
    assert!(
        wallets
            .body
            .contains("<th scope=\"col\" class=\"amount\">Balance</th>")
    );
    assert!(
        wallets.body.contains(".amount{text-align:right"),
        "amounts are right-aligned: {}",
        wallets.body
    );

    let home = b.get("/").await;
    assert!(home.body.contains("id=\"add-character\""), "{}", home.body);
    assert!(home.body.contains("Add another character"), "{}", home.body);
    assert!(
        !home.body.contains("LOG IN with EVE Online"),
        "no second log-in button: {}",
        home.body
    );
}
