//! Shared test setup: a site on 127.0.0.1 using esi-web over the fake ESI and EVE SSO, and a
//! scripted "browser" (reqwest without redirects, with its own session cookie) that can walk
//! through the fake SSO's authorize page.
#![allow(dead_code)]

use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use esi_fake::harness::Harness;
use esi_fake::sso::{
    ClientConfig, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, SsoConfig as FakeSsoConfig,
};
use esi_sso::{RetryPolicy, Sso, SsoConfig};
use esi_store::{StoreConfig, Token, TokenStore};
use esi_web::{EsiToken, EsiTokens, EsiWeb, SessionUsers, WebConfig};
use tower_sessions::Session;

pub const WALLET: &str = "esi-wallet.read_character_wallet.v1";
pub const SKILLS: &str = "esi-skills.read_skills.v1";
pub const PILOT_1: i64 = 90_000_001;
pub const PILOT_2: i64 = 90_000_002;
pub const PILOT_3: i64 = 90_000_003;

/// A browser's `Sec-Fetch-Site` for a request another site's page made.
pub const CROSS_SITE: (&str, &str) = ("sec-fetch-site", "cross-site");
/// The link home every page of the test site has.
pub const HOME_LINK: &str = "id=\"home\" href=\"/\"";

/// Environment variable naming the PostgreSQL server for the PostgreSQL variants.
pub const PG_ENV: &str = "ESI_TEST_POSTGRES_URL";

/// How the test site identifies users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Users {
    /// The default: every browser session is a user.
    PerBrowser,
    /// Only users logged in through `/test-login?user=..`; with this site login URL.
    LoggedInOnly { site_login: bool },
}

/// The fake SSO and ESI with a web application calling back to `/sso/callback` on any
/// loopback port.
pub async fn harness() -> Harness {
    let fake_sso = FakeSsoConfig {
        clients: vec![
            ClientConfig::web(
                DEFAULT_WEB_CLIENT_ID,
                DEFAULT_WEB_CLIENT_SECRET,
                ["http://127.0.0.1/sso/callback"],
            )
            .with_any_loopback_port(),
        ],
        ..FakeSsoConfig::default()
    };
    Harness::start_with(esi_fake::esi::FakeEsiConfig::default(), fake_sso)
        .await
        .expect("fake servers")
}

/// How EVE SSO calls the test site back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http://127.0.0.1:PORT/sso/callback`, which the fake SSO accepts.
    Http,
    /// `https://127.0.0.1:PORT/sso/callback`: the site believes it is served over https (its
    /// cookies are `Secure`); logins cannot finish, the fake SSO knows only the http callback.
    Https,
}

/// An SSO client for the fake, calling back to a site on `port`.
pub fn sso(harness: &Harness, port: u16) -> Sso {
    sso_with(harness, port, Scheme::Http)
}

/// [`sso`] with the callback's scheme.
pub fn sso_with(harness: &Harness, port: u16, scheme: Scheme) -> Sso {
    let scheme = match scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
    };
    let config = SsoConfig::new(
        DEFAULT_WEB_CLIENT_ID,
        format!("{scheme}://127.0.0.1:{port}/sso/callback"),
    )
    .client_secret(DEFAULT_WEB_CLIENT_SECRET)
    .base_url(&harness.sso_url())
    .expect("base url")
    .retry(RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    })
    .request_timeout(Duration::from_secs(10));
    Sso::new(config).expect("sso")
}

/// A running test site.
pub struct TestSite {
    pub harness: Harness,
    pub store: TokenStore,
    pub web: EsiWeb,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn describe(t: &Token) -> String {
    format!(
        "id={} char={} user={}",
        t.id,
        t.character_id,
        t.user_id.as_deref().unwrap_or("-")
    )
}

async fn one(EsiToken(t): EsiToken) -> String {
    format!("one {}", describe(&t))
}

async fn many(EsiTokens(ts): EsiTokens) -> String {
    let ids: Vec<String> = ts.iter().map(|t| t.id.to_string()).collect();
    format!("many {}", ids.join(","))
}

async fn once(EsiToken(t): EsiToken) -> String {
    format!("once {}", describe(&t))
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    user: String,
}

/// The session's CSRF token, for tests posting the log-out and remove forms.
async fn test_csrf(
    axum::extract::State(web): axum::extract::State<EsiWeb>,
    session: Session,
) -> String {
    web.csrf_token(&session).await.expect("csrf token")
}

async fn test_login(session: Session, Query(q): Query<LoginQuery>) -> &'static str {
    SessionUsers::log_in(&session, &q.user)
        .await
        .expect("log in");
    "logged in"
}

impl TestSite {
    /// The default site.
    pub async fn start() -> Self {
        Self::start_with(Users::PerBrowser, WebConfig::default()).await
    }

    /// A site whose users come from `users`, configured by `config`, on SQLite in memory.
    pub async fn start_with(users: Users, config: WebConfig) -> Self {
        Self::start_on("sqlite::memory:", users, config).await
    }

    /// A site on the database at `database_url`.
    pub async fn start_on(database_url: &str, users: Users, config: WebConfig) -> Self {
        Self::start_full(database_url, users, config, Scheme::Http).await
    }

    /// A site whose SSO callback URL is https (see [`Scheme::Https`]).
    pub async fn start_https(config: WebConfig) -> Self {
        Self::start_full("sqlite::memory:", Users::PerBrowser, config, Scheme::Https).await
    }

    async fn start_full(
        database_url: &str,
        users: Users,
        mut config: WebConfig,
        scheme: Scheme,
    ) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let harness = harness().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let store = TokenStore::connect(
            StoreConfig::new(database_url),
            sso_with(&harness, port, scheme),
        )
        .await
        .expect("store");
        let mut builder = EsiWeb::builder(store.clone());
        if let Users::LoggedInOnly { site_login } = users {
            builder = builder.users(SessionUsers::logged_in_only());
            if site_login {
                config = config.site_login_url("/accounts/login");
            }
        }
        let web = builder.config(config).build().await.expect("esi-web");
        let app = Router::new()
            .route("/one", get(one).layer(web.token_required(WALLET, false)))
            .route(
                "/one/new",
                get(one).layer(web.token_required([WALLET], true)),
            )
            .route(
                "/both",
                get(one).layer(web.token_required(format!("{WALLET} {SKILLS}"), false)),
            )
            .route("/many", get(many).layer(web.tokens_required([WALLET])))
            .route("/once", get(once).layer(web.single_use_token(WALLET)))
            .route("/bare", get(one))
            .route("/test-login", get(test_login))
            .route("/test-csrf", get(test_csrf).with_state(web.clone()))
            .nest("/sso", web.router())
            .layer(web.session_layer());
        // The same page without any session layer.
        let app = app.route(
            "/no-session",
            get(one).layer(web.token_required(WALLET, false)),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestSite {
            harness,
            store,
            web,
            base: format!("http://127.0.0.1:{port}"),
            server,
        }
    }

    /// A browser with no cookie yet.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// Every token in the store.
    pub async fn tokens(&self) -> Vec<Token> {
        self.store.tokens().all().await.expect("tokens")
    }

    /// How many browser sessions the database holds.
    pub async fn session_rows(&self) -> usize {
        use sea_orm::{EntityTrait as _, PaginatorTrait as _};
        esi_web::session_store::entity::Entity::find()
            .count(self.store.db())
            .await
            .expect("count sessions") as usize
    }

    /// How many logins (in flight or finished and not handed out) the store holds.
    pub async fn login_rows(&self) -> usize {
        use sea_orm::{EntityTrait as _, PaginatorTrait as _};
        esi_store::entity::callback_redirect::Entity::find()
            .count(self.store.db())
            .await
            .expect("count logins") as usize
    }
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    /// The `Set-Cookie` headers of the answer.
    pub set_cookies: Vec<String>,
    /// The `Allow` header, if any.
    pub allow: Option<String>,
}

/// A word `key=value` of a handler's answer (`one id=.. char=.. user=..`), which must be there.
fn answer_field<'a>(page: &'a Page, key: &str) -> &'a str {
    page.body
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {page:?}"))
}

/// The token id in a handler's answer.
pub fn token_id(page: &Page) -> i64 {
    assert_eq!(page.status, 200, "{page:?}");
    answer_field(page, "id").parse().expect("id")
}

/// The character id in a handler's answer.
pub fn character(page: &Page) -> i64 {
    assert_eq!(page.status, 200, "{page:?}");
    answer_field(page, "char").parse().expect("character")
}

/// The user in a handler's answer.
pub fn user(page: &Page) -> String {
    answer_field(page, "user").to_owned()
}

impl Page {
    /// The `Location` header, which must be there.
    pub fn location(&self) -> &str {
        self.location
            .as_deref()
            .unwrap_or_else(|| panic!("no Location in {self:?}"))
    }

    /// Whether this is a redirect to the fake SSO's authorize page.
    pub fn is_sso_redirect(&self) -> bool {
        (self.status == 302 || self.status == 303)
            && self
                .location
                .as_deref()
                .is_some_and(|l| l.contains("/v2/oauth/authorize?"))
    }

    /// The value of the first `name="<name>" value="..."` in the body.
    pub fn field(&self, name: &str) -> Option<String> {
        let needle = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&needle)? + needle.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }
}

/// A scripted browser: its own session cookie, no automatic redirects.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Mutex<Option<String>>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("http client");
        Self {
            http,
            base: base.to_owned(),
            cookie: Mutex::new(None),
        }
    }

    fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        }
    }

    /// The session cookie (`name=value`), if any.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    /// Replaces the session cookie.
    pub fn set_cookie(&self, cookie: Option<String>) {
        *self.cookie.lock().expect("lock") = cookie;
    }

    async fn send(&self, req: reqwest::RequestBuilder, to_site: bool) -> Page {
        let mut req = req;
        if to_site && let Some(c) = self.cookie() {
            req = req.header(reqwest::header::COOKIE, c);
        }
        let resp = req.send().await.expect("request");
        let set_cookies: Vec<String> = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let allow = resp
            .headers()
            .get(reqwest::header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if to_site {
            for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
                let v = v.to_str().expect("ascii cookie");
                let pair = v.split(';').next().unwrap_or("").trim().to_owned();
                if v.contains("Max-Age=0") {
                    self.set_cookie(None);
                } else {
                    self.set_cookie(Some(pair));
                }
            }
        }
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
            set_cookies,
            allow,
        }
    }

    /// A request to a site path with this method, extra headers and, if given, a form body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        fields: Option<&[(&str, &str)]>,
    ) -> Page {
        let mut req = self.http.request(method, self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(fields) = fields {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            req = req
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body);
        }
        self.send(req, true).await
    }

    /// GET a site path (or any absolute URL; the cookie only goes to the site).
    pub async fn get(&self, path_or_url: &str) -> Page {
        let url = self.url(path_or_url);
        let to_site = url.starts_with(&self.base);
        self.send(self.http.get(url), to_site).await
    }

    /// POST a form to a site path.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = self
            .http
            .post(self.url(path))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.send(req, true).await
    }

    /// On the fake SSO: opens the authorize page `sso_url` and picks `character`; returns the
    /// callback URL the SSO redirects to.
    pub async fn authorize(&self, sso_url: &str, character: i64) -> String {
        let page = self.get(sso_url).await;
        assert_eq!(page.status, 200, "authorize page: {page:?}");
        let request_id = page.field("request_id").expect("request_id on the page");
        let grant = url::Url::parse(sso_url)
            .expect("sso url")
            .join("/v2/oauth/authorize/grant")
            .expect("grant url");
        let character = character.to_string();
        let answer = self
            .send(
                self.http
                    .post(grant.as_str())
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(
                        url::form_urlencoded::Serializer::new(String::new())
                            .append_pair("request_id", &request_id)
                            .append_pair("character_id", &character)
                            .finish(),
                    ),
                false,
            )
            .await;
        assert_eq!(answer.status, 302, "grant: {answer:?}");
        answer.location().to_owned()
    }

    /// `page` must send the browser to EVE SSO; logs `character` in there, follows the
    /// callback and returns where the site sent the browser back to (a path).
    pub async fn finish_sso(&self, page: &Page, character: i64) -> String {
        assert!(page.is_sso_redirect(), "expected an SSO redirect: {page:?}");
        let callback = self.authorize(page.location(), character).await;
        let back = self.get(&callback).await;
        assert_eq!(back.status, 302, "callback: {back:?}");
        back.location().to_owned()
    }

    /// GET `path`, which must go to EVE SSO; log `character` in; GET the page it comes back to.
    pub async fn login_through(&self, path: &str, character: i64) -> Page {
        let first = self.get(path).await;
        let back = self.finish_sso(&first, character).await;
        self.get(&back).await
    }
}

/// The PostgreSQL server URL, or `None` (with a message) when the PostgreSQL variants are to be
/// skipped. Under `CI` a missing URL is a failure.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(PG_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(url) => Some(url),
        None if std::env::var_os("CI").is_some() => {
            panic!("{test}: {PG_ENV} is not set, and CI requires the PostgreSQL tests to run")
        }
        None => {
            eprintln!(
                "SKIPPED {test}: {PG_ENV} is not set (run `eval \"$(bash .ci/postgres.sh)\"` first)"
            );
            None
        }
    }
}

/// A fresh PostgreSQL database for one test; dropped by [`drop_postgres`].
pub async fn fresh_postgres(admin: &str) -> (String, String) {
    use rand::RngCore as _;
    use sea_orm::ConnectionTrait as _;
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    let name = format!(
        "esi_web_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    );
    let conn = sea_orm::Database::connect(admin)
        .await
        .expect("PostgreSQL reachable");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    conn.close().await.ok();
    let mut url = url::Url::parse(admin).expect("PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    (url.to_string(), name)
}

/// Drops a database made by [`fresh_postgres`].
pub async fn drop_postgres(admin: &str, name: &str) {
    use sea_orm::ConnectionTrait as _;
    if let Ok(conn) = sea_orm::Database::connect(admin).await {
        let _ = conn
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
        conn.close().await.ok();
    }
}

/// A browser with two characters logged in (so `/one` shows the select page).
pub async fn two_characters(site: &TestSite) -> Browser {
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
