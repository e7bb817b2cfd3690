//! Pages a player can find their way through, over HTTP with scripted browsers against the fake
//! EVE SSO: every error or refusal page says what happened and links to a next step that works
//! (home, start again, the right host, log in here), wrong methods get 405 with the route's own
//! `Allow`, and removing a character asks first.

mod support;

use esi_web::WebConfig;
use reqwest::Method;
use support::*;

#[tokio::test]
async fn wrong_methods_are_405_and_unknown_paths_404() {
    let site = TestSite::start().await;
    let b = two_characters(&site).await;
    for (method, path) in [
        (Method::PUT, "/one"),
        (Method::DELETE, "/many"),
        (Method::PATCH, "/once"),
        (Method::GET, "/sso/logout"),
        (Method::PUT, "/sso/login"),
    ] {
        let page = b.request(method.clone(), path, &[], None).await;
        assert_eq!(page.status, 405, "{method} {path}: {page:?}");
        assert!(page.body.contains(HOME_LINK), "{page:?}");
        assert!(!page.body.contains("select-token"), "{page:?}");
    }
    let page = b.get("/sso/no-such-route").await;
    assert_eq!(page.status, 404, "{page:?}");
    assert!(page.body.contains(HOME_LINK), "{page:?}");
}

#[tokio::test]
async fn every_error_page_links_home() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let mut pages = vec![
        b.get("/sso/callback").await,
        b.get("/sso/callback?code=a&state=nope").await,
        b.get("/sso/login?next=https://evil.example/").await,
        b.post("/one", &[("_token", "1"), ("_csrf", "x")]).await,
        b.post("/sso/logout", &[("_csrf", "x")]).await,
        b.get("/sso/nowhere").await,
        b.request(Method::PUT, "/one", &[], None).await,
    ];
    let callback = b.authorize(start.location(), PILOT_1).await;
    b.get(&callback).await;
    pages.push(b.get(&callback).await);
    // A stranger's browser, with no session here at all, is told which address to use.
    let stranger = site.browser();
    let lost = stranger.get(&callback).await;
    assert_eq!(lost.status, 404);
    assert!(lost.body.contains(&site.base), "{lost:?}");
    assert!(lost.body.contains("id=\"again\""), "{lost:?}");
    pages.push(lost);

    let anonymous = TestSite::start_with(
        Users::LoggedInOnly { site_login: false },
        WebConfig::default(),
    )
    .await;
    pages.push(anonymous.browser().get("/many").await);

    for page in pages {
        assert!(page.status >= 400, "{page:?}");
        assert!(page.body.contains("id=\"error\""), "{page:?}");
        assert!(page.body.contains(HOME_LINK), "{page:?}");
    }
}

#[tokio::test]
async fn each_route_says_which_methods_it_allows() {
    let site = TestSite::start().await;
    let b = site.browser();
    for (method, path, allow) in [
        (Method::GET, "/sso/logout", "POST"),
        (Method::PUT, "/sso/remove", "POST"),
        (Method::PUT, "/sso/login", "GET,HEAD"),
        (Method::DELETE, "/sso/callback", "GET,HEAD"),
        (Method::PUT, "/one", "GET,HEAD,POST"),
        (Method::POST, "/many", "GET,HEAD"),
        (Method::PATCH, "/once", "GET,HEAD"),
    ] {
        let page = b.request(method.clone(), path, &[], None).await;
        assert_eq!(page.status, 405, "{method} {path}: {page:?}");
        assert_eq!(page.allow.as_deref(), Some(allow), "{method} {path}");
        assert!(page.set_cookies.is_empty(), "{method} {path}: {page:?}");
    }
}

/// The `href` of the link with this id.
fn link(page: &Page, id: &str) -> Option<String> {
    let needle = format!("id=\"{id}\" href=\"");
    let start = page.body.find(&needle)? + needle.len();
    let end = page.body[start..].find('"')? + start;
    Some(page.body[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn a_used_callback_links_to_starting_again() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let callback = b.authorize(start.location(), PILOT_1).await;
    assert_eq!(b.get(&callback).await.status, 302);
    let page = b.get(&callback).await;
    assert_eq!(page.status, 404, "{page:?}");
    assert!(page.body.contains("used already"), "{}", page.body);
    assert_eq!(
        link(&page, "again").as_deref(),
        Some("/"),
        "start again from the home page"
    );
}

#[tokio::test]
async fn a_login_link_on_another_site_offers_to_log_in_here() {
    let site = TestSite::start().await;
    let b = site.browser();
    let path = format!("/sso/login?scopes={SKILLS}&next=%2Fmany");
    let page = b.request(Method::GET, &path, &[CROSS_SITE], None).await;
    assert_eq!(page.status, 403, "{page:?}");
    assert!(page.set_cookies.is_empty(), "{page:?}");
    assert!(
        page.body.contains(SKILLS),
        "says which scopes: {}",
        page.body
    );
    let here = link(&page, "again").expect("a link to log in here");
    assert_eq!(here, path);
    // Followed from the page itself, the login starts.
    let start = b
        .request(
            Method::GET,
            &here,
            &[("sec-fetch-site", "same-origin")],
            None,
        )
        .await;
    assert!(start.is_sso_redirect(), "{start:?}");
}

#[tokio::test]
async fn a_login_started_under_another_host_names_the_right_one() {
    let site = TestSite::start().await;
    // The same player: a session under the callback's host, and a login started under another
    // (its cookie stays there), whose callback reaches the first session.
    let here = site.browser();
    assert_eq!(
        character(&here.login_through("/one", PILOT_1).await),
        PILOT_1
    );
    let elsewhere = site.browser();
    let start = elsewhere.get("/once").await;
    let callback = elsewhere.authorize(start.location(), PILOT_2).await;
    let page = here.get(&callback).await;
    assert_eq!(page.status, 404, "{page:?}");
    assert!(
        page.body.contains(&site.base),
        "names the host: {}",
        page.body
    );
    let again = link(&page, "again").expect("a link to the right host");
    assert_eq!(again, format!("{}/once", site.base));
}

#[tokio::test]
async fn removing_a_character_asks_first() {
    let site = TestSite::start().await;
    let b = two_characters(&site).await;
    let csrf = b.get("/test-csrf").await.body;
    let id = PILOT_2.to_string();
    let ask = b
        .post(
            "/sso/remove",
            &[("_csrf", &csrf), ("character", &id), ("next", "/many")],
        )
        .await;
    assert_eq!(ask.status, 200, "{ask:?}");
    assert!(ask.body.contains("Fake Pilot Two"), "{}", ask.body);
    assert!(ask.body.contains("id=\"confirm-remove\""), "{}", ask.body);
    assert_eq!(link(&ask, "cancel").as_deref(), Some("/many"));
    assert_eq!(site.tokens().await.len(), 2, "nothing removed yet");

    let confirm = ask.field("confirm").expect("the confirmation field");
    let done = b
        .post(
            "/sso/remove",
            &[
                ("_csrf", &csrf),
                ("character", &id),
                ("next", "/many"),
                ("confirm", &confirm),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{done:?}");
    assert_eq!(done.location(), "/many");
    assert_eq!(site.tokens().await.len(), 1);
}
