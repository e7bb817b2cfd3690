//! Logins in flight live in the token store, one row each, and nothing else: logins started at
//! the same moment in one browser session all finish (up to the documented cap), anonymous
//! visits leave no rows behind once the cleanup has run, and a single-use token is gone after
//! its page used it. Over HTTP with scripted browsers against the fake EVE SSO.

mod support;

use std::time::Duration;

use esi_web::WebConfig;
use support::*;

/// `/sso/login` for the wallet scope, coming back to `/many?tab=<tab>`.
fn login_for_tab(tab: usize) -> String {
    format!("/sso/login?scopes={WALLET}&next=%2Fmany%3Ftab%3D{tab}")
}

#[tokio::test]
async fn eight_logins_started_at_once_in_one_session_all_finish() {
    let site = TestSite::start().await;
    let b = site.browser();
    assert!(b.get("/one").await.is_sso_redirect(), "a session first");
    let cap = esi_store::MAX_PENDING_LOGINS_PER_SESSION;
    assert_eq!(cap, 8, "the documented cap");
    // The first login (of /one) is one of the eight.
    let paths: Vec<String> = (1..cap).map(login_for_tab).collect();
    let starts = futures::future::join_all(paths.iter().map(|p| b.get(p))).await;
    for (i, start) in starts.iter().enumerate() {
        let tab = i + 1;
        let back = b.finish_sso(start, PILOT_1).await;
        assert_eq!(back, format!("/many?tab={tab}"));
        let page = b.get(&back).await;
        assert!(page.body.starts_with("many "), "tab {tab}: {page:?}");
    }
}

#[tokio::test]
async fn a_ninth_login_drops_the_oldest() {
    let site = TestSite::start().await;
    let b = site.browser();
    let cap = esi_store::MAX_PENDING_LOGINS_PER_SESSION;
    let mut starts = Vec::new();
    for tab in 0..=cap {
        let start = b.get(&login_for_tab(tab)).await;
        assert!(start.is_sso_redirect(), "{start:?}");
        starts.push(start);
    }
    let oldest = b.authorize(starts[0].location(), PILOT_1).await;
    let page = b.get(&oldest).await;
    assert_eq!(page.status, 404, "the oldest was dropped: {page:?}");
    for (tab, start) in starts.iter().enumerate().skip(1) {
        assert_eq!(
            b.finish_sso(start, PILOT_2).await,
            format!("/many?tab={tab}")
        );
    }
}

#[tokio::test]
async fn anonymous_visits_leave_no_rows_behind() {
    let ttl = Duration::from_secs(1);
    let period = Duration::from_secs(1);
    let site =
        TestSite::start_with(Users::PerBrowser, WebConfig::default().login_max_age(ttl)).await;
    let visits = 10;
    for _ in 0..visits {
        for path in ["/one", "/many", "/once"] {
            let page = site.browser().get(path).await;
            assert!(page.is_sso_redirect(), "{path}: {page:?}");
        }
    }
    assert_eq!(site.session_rows().await, 3 * visits);
    assert_eq!(site.login_rows().await, 3 * visits);

    let cleanup = site.web.spawn_cleanup(period);
    tokio::time::sleep(ttl + period + Duration::from_millis(1500)).await;
    assert_eq!(site.session_rows().await, 0, "sessions of anonymous visits");
    assert_eq!(site.login_rows().await, 0, "their logins");
    cleanup.stop().await;
}

#[tokio::test]
async fn a_finished_login_keeps_its_session() {
    let ttl = Duration::from_secs(1);
    let site =
        TestSite::start_with(Users::PerBrowser, WebConfig::default().login_max_age(ttl)).await;
    let b = site.browser();
    let page = b.login_through("/one", PILOT_1).await;
    assert_eq!(character(&page), PILOT_1);
    let cleanup = site.web.spawn_cleanup(Duration::from_secs(1));
    tokio::time::sleep(ttl + Duration::from_millis(2500)).await;
    assert_eq!(site.session_rows().await, 1, "the logged-in session stays");
    assert_eq!(character(&b.get("/one").await), PILOT_1);
    cleanup.stop().await;
}

#[tokio::test]
async fn a_single_use_token_is_revoked_after_its_page() {
    let site = TestSite::start().await;
    let b = site.browser();
    let live = site.harness.sso.live_refresh_tokens();
    let page = b.login_through("/once", PILOT_2).await;
    assert!(page.body.starts_with("once "), "{page:?}");
    assert!(site.tokens().await.is_empty(), "deleted after use");
    assert_eq!(
        site.harness.sso.live_refresh_tokens(),
        live,
        "its refresh token is revoked at EVE SSO"
    );
    assert_eq!(site.login_rows().await, 0);
}
