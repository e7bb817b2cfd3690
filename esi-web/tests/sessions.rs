//! Sessions no other site can disturb, over HTTP with scripted browsers against the fake EVE
//! SSO: requests sent by other sites (told by `Sec-Fetch-Site`, by `Origin`, or by a missing
//! CSRF token) are refused before any session is touched, an https site's cookie is host-only,
//! the session id and the CSRF token change at login, logins in flight do not cancel each
//! other, PKCE is sent, and log-out and remove work.

mod support;

use esi_fake::sso::REVOKE_PATH;
use esi_web::WebConfig;
use reqwest::Method;
use support::*;

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

    // A cross-site POST of anything else to a token page is refused the same way (a page that
    // takes no POST answers 405 first).
    for path in ["/many", "/once"] {
        let page = b
            .request(Method::POST, path, &[CROSS_SITE], Some(&[("x", "1")]))
            .await;
        assert_eq!(page.status, 405, "{page:?}");
        assert!(page.set_cookies.is_empty(), "{page:?}");
    }

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
            &[
                ("_csrf", &csrf),
                ("character", &id),
                ("next", "/many"),
                ("confirm", "yes"),
            ],
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

/// A form another site's page posts with no cookie (`SameSite=Lax` keeps it), as browsers
/// without Fetch Metadata send it.
const STRANGERS_FORM: &[(&str, &str)] = &[("_token", "1"), ("_csrf", "guess"), ("x", "1")];

#[tokio::test]
async fn a_post_without_fetch_metadata_creates_no_session() {
    let site = TestSite::start().await;
    for path in ["/one", "/many", "/once"] {
        for headers in [&[][..], &[("origin", "http://evil.example")][..]] {
            let b = site.browser();
            let page = b
                .request(Method::POST, path, headers, Some(STRANGERS_FORM))
                .await;
            assert!(
                page.status == 403 || page.status == 405,
                "{path} {headers:?}: {page:?}"
            );
            assert!(page.set_cookies.is_empty(), "{path} {headers:?}: {page:?}");
            assert!(page.body.contains(HOME_LINK), "{page:?}");
        }
    }
    assert_eq!(site.session_rows().await, 0);
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused_even_with_the_csrf_token() {
    let site = TestSite::start().await;
    let b = two_characters(&site).await;
    let select = b.get("/one").await;
    let csrf = select.field("_csrf").expect("csrf");
    let t = site.tokens().await[0].id.to_string();
    let form: &[(&str, &str)] = &[("_csrf", &csrf), ("_token", &t)];
    // Another origin, named by Origin alone (no Sec-Fetch-Site): refused.
    for origin in ["http://evil.example", "http://127.0.0.1:1", "null"] {
        let page = b
            .request(Method::POST, "/one", &[("origin", origin)], Some(form))
            .await;
        assert_eq!(page.status, 403, "{origin}: {page:?}");
    }
    // The site's own origin, or no header at all with the session's CSRF token: accepted.
    let own = b
        .request(Method::POST, "/one", &[("origin", &site.base)], Some(form))
        .await;
    assert_eq!(own.status, 303, "{own:?}");
    let none = b.request(Method::POST, "/one", &[], Some(form)).await;
    assert_eq!(none.status, 303, "{none:?}");
}

#[tokio::test]
async fn an_https_site_gets_a_host_only_cookie() {
    for (config, name) in [
        (WebConfig::default(), "__Host-esi_session="),
        (WebConfig::default().cookie_name("wallet"), "__Host-wallet="),
        (
            WebConfig::default().cookie_name("__Host-mine"),
            "__Host-mine=",
        ),
    ] {
        let site = TestSite::start_https(config).await;
        let page = site.browser().get("/one").await;
        assert!(page.is_sso_redirect(), "{page:?}");
        let cookie = page.set_cookies.first().expect("a session cookie");
        assert!(cookie.starts_with(name), "{cookie}");
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
}

#[tokio::test]
async fn the_csrf_token_changes_at_login() {
    let site = TestSite::start().await;
    let b = site.browser();
    let before = b.get("/test-csrf").await.body;
    assert_eq!(
        b.get("/test-csrf").await.body,
        before,
        "stable within a session"
    );
    let page = b.login_through("/one", PILOT_1).await;
    assert_eq!(character(&page), PILOT_1);
    let after = b.get("/test-csrf").await.body;
    assert_ne!(after, before, "a new CSRF token at login");
    let page = b.post("/sso/logout", &[("_csrf", &before)]).await;
    assert_eq!(page.status, 403, "the old token is dead: {page:?}");
    assert_eq!(
        b.post("/sso/logout", &[("_csrf", &after)]).await.status,
        303
    );
}
