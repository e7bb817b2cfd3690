//! Sessions no other site can disturb, and pages a player can find their way through, over
//! HTTP with scripted browsers against the fake EVE SSO: requests sent by other sites are
//! refused before any session is touched, the session id changes at login, logins in flight do
//! not cancel each other, PKCE is sent, log-out and remove work, and every error page links home.

mod support;

use esi_fake::sso::REVOKE_PATH;
use esi_web::WebConfig;
use reqwest::Method;
use support::*;

const CROSS_SITE: (&str, &str) = ("sec-fetch-site", "cross-site");
const HOME_LINK: &str = "id=\"home\" href=\"/\"";

/// A browser with two characters logged in (so `/one` shows the select page).
async fn two_characters(site: &TestSite) -> Browser {
    let b = site.browser();
    assert_eq!(character(&b.login_through("/one", PILOT_1).await), PILOT_1);
    let s = b
        .get(&format!("/sso/login?scopes={WALLET}&next=/one"))
        .await;
    let back = b.finish_sso(&s, PILOT_2).await;
    assert_eq!(character(&b.get(&back).await), PILOT_2);
    let select = b.get("/one").await;
    assert!(select.body.contains("id=\"select-token\""), "{select:?}");
    b
}

#[tokio::test]
async fn a_cross_site_post_leaves_the_session_alone() {
    let site = TestSite::start().await;
    let b = two_characters(&site).await;
    let cookie = b.cookie().expect("a session");
    let tokens = site.tokens().await.len();

    // The browser marks it cross-site (and, SameSite=Lax, sends no cookie with it).
    b.set_cookie(None);
    let page = b
        .request(
            Method::POST,
            "/one",
            &[CROSS_SITE],
            Some(&[("_token", "1"), ("_csrf", "guess")]),
        )
        .await;
    assert_eq!(page.status, 403, "{page:?}");
    assert!(page.set_cookies.is_empty(), "no new session: {page:?}");
    assert!(page.body.contains(HOME_LINK));

    // A browser that sends no Sec-Fetch-Site: the CSRF check comes before any session.
    let page = b
        .request(
            Method::POST,
            "/one",
            &[],
            Some(&[("_token", "1"), ("_csrf", "guess")]),
        )
        .await;
    assert_eq!(page.status, 403, "{page:?}");
    assert!(page.set_cookies.is_empty(), "no new session: {page:?}");

    // A cross-site POST of anything else to a token page is refused the same way.
    let page = b
        .request(Method::POST, "/many", &[CROSS_SITE], Some(&[("x", "1")]))
        .await;
    assert_eq!(page.status, 403, "{page:?}");
    assert!(page.set_cookies.is_empty(), "{page:?}");

    b.set_cookie(Some(cookie));
    let select = b.get("/one").await;
    assert!(
        select.body.contains("Fake Pilot One") && select.body.contains("Fake Pilot Two"),
        "both characters still reachable: {select:?}"
    );
    assert_eq!(site.tokens().await.len(), tokens);
}

#[tokio::test]
async fn a_login_cannot_be_started_by_another_site() {
    let site = TestSite::start().await;
    let b = site.browser();
    b.get("/one").await;
    let cookie = b.cookie().expect("a session");
    let logins = |site: &TestSite| {
        let db = site.store.db().clone();
        async move {
            use sea_orm::EntityTrait as _;
            esi_store::entity::callback_redirect::Entity::find()
                .all(&db)
                .await
                .expect("query")
                .len()
        }
    };
    let before = logins(&site).await;
    for fetch_site in ["cross-site", "same-site"] {
        let page = b
            .request(
                Method::GET,
                &format!("/sso/login?scopes={SKILLS}&next=/"),
                &[("sec-fetch-site", fetch_site)],
                None,
            )
            .await;
        assert_eq!(page.status, 403, "{fetch_site}: {page:?}");
        assert!(page.set_cookies.is_empty(), "{page:?}");
        assert!(page.body.contains(HOME_LINK), "{page:?}");
    }
    assert_eq!(logins(&site).await, before, "no login was started");
    assert_eq!(b.cookie().as_deref(), Some(cookie.as_str()));

    // From the site itself, or typed in: a login starts.
    for fetch_site in ["same-origin", "none"] {
        let page = b
            .request(
                Method::GET,
                &format!("/sso/login?scopes={WALLET}&next=/one"),
                &[("sec-fetch-site", fetch_site)],
                None,
            )
            .await;
        assert!(page.is_sso_redirect(), "{fetch_site}: {page:?}");
    }
    // A link from another site to a protected page still leads to the login.
    let page = b.request(Method::GET, "/one", &[CROSS_SITE], None).await;
    assert!(page.is_sso_redirect(), "{page:?}");
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let before = b.cookie().expect("a session");
    let callback = b.authorize(start.location(), PILOT_1).await;
    let back = b.get(&callback).await;
    assert_eq!(back.status, 302, "{back:?}");
    let after = b.cookie().expect("still a session");
    assert_ne!(before, after, "a new session id at login");
    // The old id is dead; the new one carries the login and its user.
    let old = site.browser();
    old.set_cookie(Some(before));
    assert!(
        old.get("/one").await.is_sso_redirect(),
        "the old id is gone"
    );
    assert_eq!(character(&b.get("/one").await), PILOT_1);
}

#[tokio::test]
async fn the_web_flow_sends_pkce() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let url = url::Url::parse(start.location()).expect("sso url");
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    let challenge = get("code_challenge").expect("a challenge");
    assert_eq!(challenge.len(), 43);

    let callback = b.authorize(start.location(), PILOT_1).await;
    assert_eq!(b.get(&callback).await.status, 302);
    // The code exchange carried the verifier matching the challenge.
    let exchange = site
        .harness
        .sso
        .requests_to(esi_fake::sso::TOKEN_PATH)
        .into_iter()
        .find(|r| {
            r.form
                .iter()
                .any(|(k, v)| k == "grant_type" && v == "authorization_code")
        })
        .expect("a code exchange");
    let verifier = exchange
        .form
        .iter()
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.clone())
        .expect("the verifier was sent");
    assert_eq!(esi_sso::pkce_challenge(&verifier), challenge);
    assert_eq!(character(&b.get("/one").await), PILOT_1);
}

#[tokio::test]
async fn logins_in_two_tabs_both_finish() {
    let site = TestSite::start().await;
    let b = site.browser();
    let first = b
        .get(&format!("/sso/login?scopes={WALLET}&next=/one"))
        .await;
    let second = b
        .get(&format!("/sso/login?scopes={WALLET}&next=/many"))
        .await;
    assert!(first.is_sso_redirect() && second.is_sso_redirect());
    // The second finishes first, then the first.
    assert_eq!(b.finish_sso(&second, PILOT_2).await, "/many");
    assert!(b.get("/many").await.body.starts_with("many "));
    assert_eq!(b.finish_sso(&first, PILOT_1).await, "/one");
    assert_eq!(character(&b.get("/one").await), PILOT_1);
}

#[tokio::test]
async fn a_single_use_login_stays_single_use_beside_another_login() {
    let site = TestSite::start().await;
    let b = site.browser();
    let once = b.get("/once").await;
    let other = b
        .get(&format!("/sso/login?scopes={WALLET}&next=/one"))
        .await;
    assert_eq!(b.finish_sso(&once, PILOT_3).await, "/once");
    let page = b.get("/once").await;
    assert!(page.body.starts_with("once "), "{page:?}");
    assert_eq!(user(&page), "-", "the single-use token is nobody's");
    assert_eq!(b.finish_sso(&other, PILOT_1).await, "/one");
    let page = b.get("/one").await;
    assert_eq!(character(&page), PILOT_1);
    assert!(user(&page).starts_with("browser-"));
}

#[tokio::test]
async fn remove_revokes_then_deletes_one_character() {
    let site = TestSite::start().await;
    let b = two_characters(&site).await;
    let csrf = b.get("/test-csrf").await.body;
    let live = site.harness.sso.live_refresh_tokens();

    // Without the CSRF token, or from another site: refused, nothing removed.
    let id = PILOT_2.to_string();
    let page = b
        .post("/sso/remove", &[("_csrf", "guess"), ("character", &id)])
        .await;
    assert_eq!(page.status, 403, "{page:?}");
    let page = b
        .request(
            Method::POST,
            "/sso/remove",
            &[CROSS_SITE],
            Some(&[("_csrf", &csrf), ("character", &id)]),
        )
        .await;
    assert_eq!(page.status, 403, "{page:?}");
    assert_eq!(site.tokens().await.len(), 2);

    let page = b
        .post(
            "/sso/remove",
            &[("_csrf", &csrf), ("character", &id), ("next", "/many")],
        )
        .await;
    assert_eq!(page.status, 303, "{page:?}");
    assert_eq!(page.location(), "/many");
    let left = site.tokens().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].character_id, PILOT_1);
    assert_eq!(site.harness.sso.live_refresh_tokens(), live - 1, "revoked");
    assert_eq!(site.harness.sso.request_count("POST", REVOKE_PATH), 1);
    // One character left: the page uses it without asking.
    assert_eq!(character(&b.get("/one").await), PILOT_1);

    // Someone else's character, or none: 404.
    let page = b
        .post("/sso/remove", &[("_csrf", &csrf), ("character", &id)])
        .await;
    assert_eq!(page.status, 404, "{page:?}");
    assert!(page.body.contains(HOME_LINK));
}

#[tokio::test]
async fn logout_forgets_the_session_and_its_browser_user() {
    let site = TestSite::start().await;
    let b = two_characters(&site).await;
    let csrf = b.get("/test-csrf").await.body;
    let page = b.post("/sso/logout", &[("_csrf", "guess")]).await;
    assert_eq!(page.status, 403, "{page:?}");

    let old = b.cookie().expect("a session");
    let page = b.post("/sso/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(page.status, 303, "{page:?}");
    assert_eq!(page.location(), "/");
    assert!(b.cookie().is_none(), "the cookie is removed: {page:?}");
    // The per-browser user's tokens are revoked and gone; the old session id is dead.
    assert!(site.tokens().await.is_empty());
    assert_eq!(site.harness.sso.live_refresh_tokens(), 0);
    let replay = site.browser();
    replay.set_cookie(Some(old));
    assert!(replay.get("/one").await.is_sso_redirect());
    assert!(b.get("/one").await.is_sso_redirect());
}

#[tokio::test]
async fn logout_keeps_the_tokens_of_site_accounts() {
    let site = TestSite::start_with(
        Users::LoggedInOnly { site_login: false },
        WebConfig::default(),
    )
    .await;
    let b = site.browser();
    b.get("/test-login?user=alice").await;
    assert_eq!(character(&b.login_through("/one", PILOT_1).await), PILOT_1);
    let csrf = b.get("/test-csrf").await.body;
    let page = b
        .post("/sso/logout", &[("_csrf", &csrf), ("next", "/many")])
        .await;
    assert_eq!(page.status, 303, "{page:?}");
    assert_eq!(page.location(), "/many");
    assert_eq!(site.tokens().await.len(), 1, "alice keeps her character");
}

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
    let page = b.request(Method::PUT, "/one", &[], None).await;
    assert_eq!(page.allow.as_deref(), Some("GET, HEAD, POST"));
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
