//! HTTP-level tests of every branch of the login routes and the three token-requiring layers,
//! against the fake EVE SSO on 127.0.0.1 with scripted browsers (each its own session cookie).

mod support;

use chrono::Utc;
use esi_store::entity::callback_redirect;
use esi_web::WebConfig;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use support::*;

async fn pending_logins(site: &TestSite) -> Vec<callback_redirect::Model> {
    callback_redirect::Entity::find()
        .all(site.store.db())
        .await
        .expect("query")
}

// ---------------------------------------------------------------------------------------------
// The callback route.

#[tokio::test]
async fn callback_demands_code_and_state() {
    let site = TestSite::start().await;
    let b = site.browser();
    // A login in progress, so a 400 is not a 404 in disguise.
    let start = b.get("/one").await;
    assert!(start.is_sso_redirect());
    for query in [
        "",
        "?code=abc",
        "?state=xyz",
        "?code=&state=xyz",
        "?code=abc&state=",
        "?code=a&code=b&state=xyz",
        "?error=access_denied&state=xyz",
    ] {
        let page = b.get(&format!("/sso/callback{query}")).await;
        assert_eq!(page.status, 400, "{query:?}: {page:?}");
        assert!(page.body.contains("id=\"error\""), "an HTML error page");
    }
    assert!(site.tokens().await.is_empty());
}

#[tokio::test]
async fn callback_with_an_unknown_state_is_404() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let callback = b.authorize(start.location(), PILOT_1).await;
    let code = url::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let page = b
        .get(&format!("/sso/callback?code={code}&state=not-the-state"))
        .await;
    assert_eq!(page.status, 404, "{page:?}");
    assert!(site.tokens().await.is_empty(), "no code was exchanged");
    // The real state still works afterwards.
    let back = b.get(&callback).await;
    assert_eq!(back.status, 302);
    assert_eq!(back.location(), "/one");
}

#[tokio::test]
async fn callback_from_another_session_is_404() {
    let site = TestSite::start().await;
    let victim = site.browser();
    let attacker = site.browser();
    let start = victim.get("/one").await;
    let callback = victim.authorize(start.location(), PILOT_1).await;

    // Another browser (with its own session) and a browser without any session.
    attacker.get("/").await;
    let page = attacker.get(&callback).await;
    assert_eq!(page.status, 404, "{page:?}");
    let anonymous = site.browser();
    assert_eq!(anonymous.get(&callback).await.status, 404);
    assert!(site.tokens().await.is_empty(), "the code was not used");

    // The browser that started the login finishes it.
    let back = victim.get(&callback).await;
    assert_eq!(back.status, 302, "{back:?}");
    assert_eq!(character(&victim.get("/one").await), PILOT_1);
}

#[tokio::test]
async fn callback_of_an_expired_login_is_404() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let callback = b.authorize(start.location(), PILOT_1).await;
    let row = pending_logins(&site).await.pop().expect("a pending login");
    let mut am: callback_redirect::ActiveModel = row.into();
    am.created = Set(Utc::now() - chrono::Duration::seconds(301));
    am.update(site.store.db()).await.expect("age it");

    let page = b.get(&callback).await;
    assert_eq!(page.status, 404, "{page:?}");
    assert!(page.body.contains("too long"), "{}", page.body);
    assert!(site.tokens().await.is_empty());
    assert!(
        pending_logins(&site).await.is_empty(),
        "the stale login is gone"
    );
}

#[tokio::test]
async fn a_callback_is_used_once() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let callback = b.authorize(start.location(), PILOT_1).await;
    assert_eq!(b.get(&callback).await.status, 302);
    let again = b.get(&callback).await;
    assert_eq!(again.status, 404, "{again:?}");
    assert_eq!(site.tokens().await.len(), 1);
}

#[tokio::test]
async fn a_code_refused_by_the_sso_is_400() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let callback = b.authorize(start.location(), PILOT_1).await;
    let state = url::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let page = b
        .get(&format!("/sso/callback?code=forged&state={state}"))
        .await;
    assert_eq!(page.status, 400, "{page:?}");
    assert!(site.tokens().await.is_empty());
    // The refused exchange used the login up: the real code with the same state is not taken.
    let late = b.get(&callback).await;
    assert_eq!(late.status, 404, "{late:?}");
    assert!(site.tokens().await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The login route and return targets.

#[tokio::test]
async fn login_refuses_return_targets_on_other_sites() {
    let site = TestSite::start().await;
    let b = site.browser();
    for next in [
        "//evil.com",
        "//evil.com/wallet",
        "///evil.com",
        "https://evil.com/",
        "http:evil.com",
        "\\\\evil.com",
        "/\\evil.com",
        "\\/evil.com",
        "/\t/evil.com",
        "javascript:alert(1)",
        "evil.com",
    ] {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("scopes", WALLET)
            .append_pair("next", next)
            .finish();
        let page = b.get(&format!("/sso/login?{q}")).await;
        assert_eq!(page.status, 400, "{next:?}: {page:?}");
        assert!(page.location.is_none());
    }
    assert!(pending_logins(&site).await.is_empty());
}

#[tokio::test]
async fn login_returns_to_next_with_the_token() {
    let site = TestSite::start().await;
    let b = site.browser();
    // Scopes as a repeated parameter and a space-delimited one.
    let start = b
        .get(&format!(
            "/sso/login?scopes={WALLET}&scopes={SKILLS}&next=%2Fmany%3Fx%3D1"
        ))
        .await;
    assert!(
        start
            .location()
            .contains("scope=esi-skills.read_skills.v1+esi-wallet")
    );
    let back = b.finish_sso(&start, PILOT_2).await;
    assert_eq!(back, "/many?x=1");
    let tokens = site.tokens().await;
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].scopes.contains(SKILLS) && tokens[0].scopes.contains(WALLET));
    assert!(
        tokens[0]
            .user_id
            .as_deref()
            .is_some_and(|u| u.starts_with("browser-")),
        "stored for the browser's user: {:?}",
        tokens[0].user_id
    );
    assert_eq!(
        site.web.login_url([WALLET], "/one?a=b"),
        "/sso/login?scopes=esi-wallet.read_character_wallet.v1&next=%2Fone%3Fa%3Db"
    );
    // Without next: back to /.
    let start = b.get(&format!("/sso/login?scopes={WALLET}")).await;
    assert_eq!(b.finish_sso(&start, PILOT_1).await, "/");
}

#[tokio::test]
async fn a_tampered_stored_return_url_still_stays_on_the_site() {
    let site = TestSite::start().await;
    let b = site.browser();
    let start = b.get("/one").await;
    let callback = b.authorize(start.location(), PILOT_1).await;
    let row = pending_logins(&site).await.pop().expect("pending");
    let mut am: callback_redirect::ActiveModel = row.into();
    am.return_url = Set("https://evil.com/".into());
    am.update(site.store.db()).await.expect("tamper");
    let back = b.get(&callback).await;
    assert_eq!(back.status, 302);
    assert_eq!(back.location(), "/");
}

// ---------------------------------------------------------------------------------------------
// token_required.

#[tokio::test]
async fn token_required_logs_in_then_uses_the_only_token() {
    let site = TestSite::start().await;
    let b = site.browser();
    let first = b.get("/one").await;
    assert!(first.is_sso_redirect(), "no token yet: {first:?}");
    assert!(
        first
            .location()
            .contains("scope=esi-wallet.read_character_wallet.v1")
    );
    let back = b.finish_sso(&first, PILOT_1).await;
    assert_eq!(back, "/one");
    let page = b.get(&back).await;
    assert_eq!(character(&page), PILOT_1);
    let id = token_id(&page);
    assert!(
        pending_logins(&site).await.is_empty(),
        "the login was consumed"
    );

    // Later visits: the one token, without asking.
    let again = b.get("/one").await;
    assert_eq!(token_id(&again), id);
    assert!(user(&again).starts_with("browser-"));
}

#[tokio::test]
async fn token_required_lets_the_user_pick_among_several() {
    let site = TestSite::start().await;
    let b = site.browser();
    let t1 = token_id(&b.login_through("/one", PILOT_1).await);
    let start = b
        .get(&format!("/sso/login?scopes={WALLET}&next=/one"))
        .await;
    let back = b.finish_sso(&start, PILOT_2).await;
    let t2 = token_id(&b.get(&back).await);
    assert_ne!(t1, t2);

    let select = b.get("/one").await;
    assert_eq!(select.status, 200);
    assert!(
        select.body.contains("id=\"select-token\""),
        "{}",
        select.body
    );
    assert!(select.body.contains(&format!("id=\"token-{t1}\"")));
    assert!(select.body.contains(&format!("id=\"token-{t2}\"")));
    assert!(select.body.contains("id=\"add-character\""));
    assert!(select.body.contains("Fake Pilot One") && select.body.contains("Fake Pilot Two"));
    let csrf = select.field("_csrf").expect("csrf field");

    let t1s = t1.to_string();
    let picked = b.post("/one", &[("_csrf", &csrf), ("_token", &t1s)]).await;
    assert_eq!(picked.status, 303, "{picked:?}");
    assert_eq!(picked.location(), "/one");
    assert_eq!(token_id(&b.get("/one").await), t1);
    // A pick is used once: the next visit asks again.
    let again = b.get("/one").await;
    assert!(again.body.contains("id=\"select-token\""));
}

#[tokio::test]
async fn one_entry_per_character_on_the_select_page() {
    let site = TestSite::start().await;
    let b = site.browser();
    // Pilot 1 twice (wallet, then wallet+skills: two tokens), pilot 2 once.
    b.login_through("/one", PILOT_1).await;
    let s = b.get(&format!("/sso/login?scopes={WALLET}+{SKILLS}")).await;
    b.finish_sso(&s, PILOT_1).await;
    let s = b.get(&format!("/sso/login?scopes={WALLET}")).await;
    b.finish_sso(&s, PILOT_2).await;
    assert_eq!(site.tokens().await.len(), 3);
    let select = b.get("/one").await;
    assert_eq!(
        select.body.matches("class=\"token\"").count(),
        2,
        "{}",
        select.body
    );
}

#[tokio::test]
async fn the_select_form_needs_its_csrf_token() {
    let site = TestSite::start().await;
    let b = site.browser();
    let t1 = token_id(&b.login_through("/one", PILOT_1).await);
    let s = b.get(&format!("/sso/login?scopes={WALLET}")).await;
    b.finish_sso(&s, PILOT_2).await;
    let select = b.get("/one").await;
    assert!(select.field("_csrf").is_some());
    let t1s = t1.to_string();
    for fields in [
        vec![("_token", t1s.as_str())],
        vec![("_csrf", "0000"), ("_token", t1s.as_str())],
        vec![("_add", "1")],
    ] {
        let page = b.post("/one", &fields).await;
        assert_eq!(page.status, 403, "{fields:?}: {page:?}");
    }
    // Another browser's CSRF token does not work either.
    let other = site.browser();
    other.login_through("/one", PILOT_3).await;
    let s = other.get(&format!("/sso/login?scopes={WALLET}")).await;
    other.finish_sso(&s, PILOT_1).await;
    let other_csrf = other.get("/one").await.field("_csrf").expect("csrf");
    let page = b
        .post("/one", &[("_csrf", &other_csrf), ("_token", &t1s)])
        .await;
    assert_eq!(page.status, 403);
    assert!(
        b.get("/one").await.body.contains("select-token"),
        "nothing picked"
    );
}

#[tokio::test]
async fn another_users_token_cannot_be_picked() {
    let site = TestSite::start().await;
    let alice = site.browser();
    let bob = site.browser();
    alice.login_through("/one", PILOT_1).await;
    let s = alice.get(&format!("/sso/login?scopes={WALLET}")).await;
    alice.finish_sso(&s, PILOT_2).await;
    let bobs = token_id(&bob.login_through("/one", PILOT_3).await);

    let csrf = alice.get("/one").await.field("_csrf").expect("csrf");
    let bobs_id = bobs.to_string();
    let page = alice
        .post("/one", &[("_csrf", &csrf), ("_token", &bobs_id)])
        .await;
    assert_eq!(page.status, 303, "{page:?}");
    let after = alice.get(page.location()).await;
    assert!(
        after.body.contains("select-token"),
        "asked again: {after:?}"
    );
    assert!(!after.body.contains(&format!("token-{bobs}")));

    // Nor a token of nobody (a single-use login's, not taken yet): their ids are guessable.
    let start = alice.get("/once").await;
    let callback = alice.authorize(start.location(), PILOT_3).await;
    assert_eq!(alice.get(&callback).await.status, 302);
    let nobodys = site
        .tokens()
        .await
        .into_iter()
        .find(|t| t.user_id.is_none())
        .expect("a token of nobody")
        .id;
    // The login changed the CSRF token.
    let csrf = alice.get("/one").await.field("_csrf").expect("csrf");
    let page = alice
        .post(
            "/one",
            &[("_csrf", &csrf), ("_token", &nobodys.to_string())],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(alice.get("/one").await.body.contains("select-token"));

    // A token id that is not a number, or does not exist.
    assert_eq!(
        alice
            .post("/one", &[("_csrf", &csrf), ("_token", "x")])
            .await
            .status,
        400
    );
    let page = alice
        .post("/one", &[("_csrf", &csrf), ("_token", "99999")])
        .await;
    assert_eq!(page.status, 303);
}

#[tokio::test]
async fn tokens_missing_scopes_are_not_used() {
    let site = TestSite::start().await;
    let b = site.browser();
    // A wallet-only token, and a skills-only one.
    let wallet_only = token_id(&b.login_through("/one", PILOT_1).await);
    let s = b.get(&format!("/sso/login?scopes={SKILLS}")).await;
    b.finish_sso(&s, PILOT_2).await;
    let skills_only = site
        .tokens()
        .await
        .into_iter()
        .find(|t| t.character_id == PILOT_2)
        .expect("skills token")
        .id;

    // /one needs the wallet scope: the skills-only token is neither listed nor pickable.
    let page = b.get("/one").await;
    assert_eq!(token_id(&page), wallet_only, "only one token qualifies");
    let s = b.get(&format!("/sso/login?scopes={WALLET}")).await;
    b.finish_sso(&s, PILOT_3).await;
    let select = b.get("/one").await;
    assert!(!select.body.contains(&format!("token-{skills_only}")));
    let csrf = select.field("_csrf").expect("csrf");
    let picked = b
        .post(
            "/one",
            &[("_csrf", &csrf), ("_token", &skills_only.to_string())],
        )
        .await;
    assert_eq!(picked.status, 303);
    assert!(
        b.get("/one").await.body.contains("select-token"),
        "not taken"
    );

    // /both needs both scopes (given as one space-delimited string): nobody has them → SSO.
    let both = b.get("/both").await;
    assert!(both.is_sso_redirect(), "{both:?}");
    assert!(
        both.location()
            .contains("scope=esi-skills.read_skills.v1+esi-wallet.read_character_wallet.v1")
    );
    let back = b.finish_sso(&both, PILOT_1).await;
    let page = b.get(&back).await;
    assert_eq!(character(&page), PILOT_1);
}

#[tokio::test]
async fn the_add_button_logs_another_character_in() {
    let site = TestSite::start().await;
    let b = site.browser();
    b.login_through("/one", PILOT_1).await;
    let s = b.get(&format!("/sso/login?scopes={WALLET}")).await;
    b.finish_sso(&s, PILOT_2).await;
    let csrf = b.get("/one").await.field("_csrf").expect("csrf");
    let add = b.post("/one", &[("_csrf", &csrf), ("_add", "1")]).await;
    assert_eq!(add.status, 303, "{add:?}");
    assert!(add.is_sso_redirect());
    let back = b.finish_sso(&add, PILOT_3).await;
    assert_eq!(back, "/one");
    assert_eq!(
        character(&b.get(&back).await),
        PILOT_3,
        "the new login is used"
    );
}

#[tokio::test]
async fn token_required_new_always_logs_in() {
    let site = TestSite::start().await;
    let b = site.browser();
    let first = token_id(&b.login_through("/one/new", PILOT_1).await);
    let again = b.get("/one/new").await;
    assert!(
        again.is_sso_redirect(),
        "new: SSO even with a token: {again:?}"
    );
    let back = b.finish_sso(&again, PILOT_2).await;
    let page = b.get(&back).await;
    assert_eq!(character(&page), PILOT_2);
    assert_ne!(token_id(&page), first);
}

#[tokio::test]
async fn a_revoked_token_is_skipped() {
    let site = TestSite::start().await;
    let b = site.browser();
    let t = token_id(&b.login_through("/one", PILOT_1).await);
    // Expire it and revoke it at the SSO: the refresh fails for good, the token is deleted.
    let token = site.store.token(t).await.expect("q").expect("token");
    let mut am: esi_store::entity::token::ActiveModel =
        esi_store::entity::token::Entity::find_by_id(token.id)
            .one(site.store.db())
            .await
            .expect("q")
            .expect("row")
            .into();
    am.expires = Set(Utc::now() - chrono::Duration::seconds(10));
    am.update(site.store.db()).await.expect("expire");
    site.harness.sso.revoke_all_for_character(PILOT_1);
    let page = b.get("/one").await;
    assert!(page.is_sso_redirect(), "{page:?}");
    assert!(site.store.token(t).await.expect("q").is_none(), "deleted");
}

// ---------------------------------------------------------------------------------------------
// tokens_required.

#[tokio::test]
async fn tokens_required_hands_every_token_without_asking() {
    let site = TestSite::start().await;
    let b = site.browser();
    let first = b.get("/many").await;
    assert!(first.is_sso_redirect(), "no token yet: {first:?}");
    let back = b.finish_sso(&first, PILOT_1).await;
    let page = b.get(&back).await;
    assert_eq!(page.status, 200, "{page:?}");
    let t1 = site.tokens().await[0].id;
    assert_eq!(page.body, format!("many {t1}"));

    let s = b.get(&format!("/sso/login?scopes={WALLET}")).await;
    b.finish_sso(&s, PILOT_2).await;
    let s = b.get(&format!("/sso/login?scopes={SKILLS}")).await;
    b.finish_sso(&s, PILOT_3).await;
    let t2 = site
        .tokens()
        .await
        .into_iter()
        .find(|t| t.character_id == PILOT_2)
        .expect("t2")
        .id;
    let page = b.get("/many").await;
    assert_eq!(
        page.body,
        format!("many {t2},{t1}"),
        "wallet tokens only, newest first"
    );

    // Another browser sees none of them.
    let other = site.browser();
    assert!(other.get("/many").await.is_sso_redirect());
}

#[tokio::test]
async fn tokens_required_sends_anonymous_visitors_to_the_site_login() {
    let site = TestSite::start_with(
        Users::LoggedInOnly { site_login: true },
        WebConfig::default(),
    )
    .await;
    let b = site.browser();
    let page = b.get("/many?x=1").await;
    assert_eq!(page.status, 302, "{page:?}");
    assert_eq!(page.location(), "/accounts/login?next=%2Fmany%3Fx%3D1");

    // Once logged in to the site: SSO, and the token belongs to that user.
    assert_eq!(b.get("/test-login?user=alice").await.status, 200);
    let page = b.login_through("/many", PILOT_1).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(site.tokens().await[0].user_id.as_deref(), Some("alice"));

    // Without a site login URL: 401.
    let site = TestSite::start_with(
        Users::LoggedInOnly { site_login: false },
        WebConfig::default(),
    )
    .await;
    assert_eq!(site.browser().get("/many").await.status, 401);
}

#[tokio::test]
async fn token_required_for_an_anonymous_visitor_logs_in_for_nobody() {
    let site = TestSite::start_with(
        Users::LoggedInOnly { site_login: false },
        WebConfig::default(),
    )
    .await;
    let b = site.browser();
    let page = b.login_through("/one", PILOT_1).await;
    assert_eq!(user(&page), "-");
    // Nothing to list for nobody: the next visit logs in again.
    assert!(b.get("/one").await.is_sso_redirect());
}

// ---------------------------------------------------------------------------------------------
// single_use_token.

#[tokio::test]
async fn single_use_token_always_logs_in_for_nobody() {
    let site = TestSite::start().await;
    let b = site.browser();
    // A user with a token already.
    b.login_through("/one", PILOT_1).await;

    let first = b.get("/once").await;
    assert!(first.is_sso_redirect(), "always SSO: {first:?}");
    let back = b.finish_sso(&first, PILOT_2).await;
    assert_eq!(back, "/once");
    let page = b.get(&back).await;
    assert!(page.body.starts_with("once "), "{page:?}");
    assert_eq!(character(&page), PILOT_2);
    assert_eq!(user(&page), "-", "attached to no user");
    assert!(
        site.store
            .token(token_id(&page))
            .await
            .expect("q")
            .is_none(),
        "revoked and deleted once used"
    );

    // Handed out once: the next visit logs in again.
    assert!(b.get("/once").await.is_sso_redirect());
    // The single-use token is not the user's: /one still uses pilot 1.
    assert_eq!(character(&b.get("/one").await), PILOT_1);
}

#[tokio::test]
async fn logins_go_only_to_pages_of_their_kind() {
    let site = TestSite::start().await;
    let b = site.browser();
    // A single-use login finished, but the browser goes to a token_required page instead.
    let once = b.get("/once").await;
    let callback = b.authorize(once.location(), PILOT_2).await;
    assert_eq!(b.get(&callback).await.status, 302);
    let page = b.get("/one").await;
    assert!(
        page.is_sso_redirect(),
        "a single-use token is nobody's: {page:?}"
    );

    // A user login for the single-use page's URL is still not handed to it.
    let start = b
        .get(&format!("/sso/login?scopes={WALLET}&next=/once"))
        .await;
    assert_eq!(b.finish_sso(&start, PILOT_1).await, "/once");
    assert!(b.get("/once").await.is_sso_redirect());
    // The token is the user's all the same: /one uses it.
    assert_eq!(character(&b.get("/one").await), PILOT_1);
}

// ---------------------------------------------------------------------------------------------
// Wiring mistakes.

#[tokio::test]
async fn wiring_mistakes_are_500() {
    let site = TestSite::start().await;
    let b = site.browser();
    let page = b.get("/bare").await;
    assert_eq!(page.status, 500, "extractor without its layer: {page:?}");
    let page = b.get("/no-session").await;
    assert_eq!(page.status, 500, "layer without a session: {page:?}");
}

#[tokio::test]
async fn pages_are_not_cached_or_framed_and_cookies_are_safe() {
    let site = TestSite::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = http
        .get(format!("{}/one", site.base))
        .send()
        .await
        .expect("get");
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.starts_with("esi_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "http callback: not Secure");

    let b = site.browser();
    let page = b.get("/sso/callback").await;
    assert_eq!(page.status, 400);
    let resp = http
        .get(format!("{}/sso/callback", site.base))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the whole login flow with sessions and tokens in PostgreSQL.

#[tokio::test]
async fn login_and_select_on_postgres() {
    let Some(admin) = postgres_url("login_and_select_on_postgres") else {
        return;
    };
    let (url, name) = fresh_postgres(&admin).await;
    {
        let site = TestSite::start_on(&url, Users::PerBrowser, WebConfig::default()).await;
        let b = site.browser();
        let t1 = token_id(&b.login_through("/one", PILOT_1).await);
        let s = b.get(&format!("/sso/login?scopes={WALLET}")).await;
        b.finish_sso(&s, PILOT_2).await;
        let select = b.get("/one").await;
        let csrf = select.field("_csrf").expect("csrf");
        let picked = b
            .post("/one", &[("_csrf", &csrf), ("_token", &t1.to_string())])
            .await;
        assert_eq!(picked.status, 303);
        assert_eq!(token_id(&b.get("/one").await), t1);
        site.store.db().clone().close().await.ok();
    }
    drop_postgres(&admin, &name).await;
}

#[tokio::test]
async fn an_unavailable_sso_is_503() {
    let site = TestSite::start().await;
    site.harness.sso.outage(503, None).expect("outage");
    let b = site.browser();
    let page = b.get("/one").await;
    assert_eq!(page.status, 503, "{page:?}");
    assert!(page.body.contains("unavailable"), "{}", page.body);
    site.harness.sso.clear_faults();
    assert!(b.get("/one").await.is_sso_redirect(), "works again");
}
