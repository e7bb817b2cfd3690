//! A small web site with EVE SSO: `/wallet` needs `esi-wallet.read_character_wallet.v1` and
//! shows the character's wallet balance (`token_required`: with several characters logged in,
//! a page asks which one); `/wallets` lists every logged-in character's balance
//! (`tokens_required`); `/wallet/once` checks a balance with a fresh login each time
//! (`single_use_token`). The home page lists the logged-in characters, each with a button that
//! removes it (revoking its token, after a confirmation), a link to add another character and a
//! button to log out; nobody logged in, it shows the "LOG IN with EVE Online" button. The site
//! runs the cleanup every site must run ([`EsiWeb::spawn_cleanup`]).
//!
//! Offline, against the bundled fake ESI and EVE SSO on 127.0.0.1:
//!
//! ```text
//! cargo run -p esi-web --example web -- --fake
//! ```
//!
//! Against the real EVE SSO and ESI (register an application with the wallet scope and the
//! callback URL `http://localhost:8000/sso/callback` at <https://developers.eveonline.com/>):
//!
//! ```text
//! ESI_SSO_CLIENT_ID=... ESI_SSO_CLIENT_SECRET=... \
//! ESI_SSO_CALLBACK_URL=http://localhost:8000/sso/callback \
//!     cargo run -p esi-web --example web
//! ```
//!
//! Then open <http://localhost:8000/>. Options: `--listen ADDR` (default `127.0.0.1:8000`).
//! Tokens and sessions go to `DATABASE_URL` (default: an in-memory SQLite database with
//! `--fake`, the `esi-tokens.sqlite` file otherwise).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use esi_client::{Client, UserAgent};
use esi_sso::{Sso, SsoConfig};
use esi_store::{StoreConfig, Token, TokenStore};
use esi_web::html::{
    ButtonStyle, escape, home_link, layout, login_button, logout_form, portrait,
    remove_character_form,
};
use esi_web::{EsiToken, EsiTokens, EsiWeb, SessionUsers, WebConfig};
use tower_sessions::Session;

/// The scope the wallet pages need.
pub const WALLET: &str = "esi-wallet.read_character_wallet.v1";

/// What the pages share.
#[derive(Clone)]
pub struct Site {
    /// The EVE SSO integration.
    pub web: EsiWeb,
    /// The ESI client.
    pub esi: Client,
    /// How the login button looks (CCP's image on the real site, a drawn one offline).
    pub button: ButtonStyle,
}

/// The site's routes, with the login routes under `/sso` and sessions around everything. Every
/// answer is marked `no-store` and `X-Frame-Options: DENY`, like the crate's pages; unknown
/// paths get a 404 page and wrong methods a 405 one.
pub fn app(site: Site) -> Router {
    let web = site.web.clone();
    let web404 = web.clone();
    // Each route gets the 405 page as its own fallback, set before the token layer so that the
    // layer still sees the select-token form's POST (`Router::method_not_allowed_fallback`
    // would replace the fallback the layer wraps).
    let m405 = {
        let web = web.clone();
        move || std::future::ready(web.method_not_allowed())
    };
    Router::new()
        .route("/", get(home).fallback(m405.clone()))
        .route(
            "/wallet",
            get(wallet)
                .fallback(m405.clone())
                .layer(web.token_required(WALLET, false)),
        )
        .route(
            "/wallets",
            get(wallets)
                .fallback(m405.clone())
                .layer(web.tokens_required([WALLET])),
        )
        .route(
            "/wallet/once",
            get(wallet_once)
                .fallback(m405)
                .layer(web.single_use_token(WALLET)),
        )
        .nest("/sso", web.router())
        .fallback(move || std::future::ready(web404.not_found()))
        .layer(web.session_layer())
        .layer(axum::middleware::map_response(private_page))
        .with_state(site)
}

/// Marks an answer never cached and never framed (unless the handler said otherwise).
async fn private_page(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    resp
}

/// The fake backends and a site configuration pointing at them: the fake SSO knows a web
/// application whose callback is `http://127.0.0.1:<any port>/sso/callback`.
pub struct FakeBackends {
    /// The fake ESI and EVE SSO (stopped when dropped).
    pub harness: esi_fake::harness::Harness,
    /// An SSO client for the fake SSO, calling back to the site on `site_port`.
    pub sso: Sso,
    /// An ESI client for the fake ESI.
    pub esi: Client,
}

/// Starts the fake ESI and EVE SSO on 127.0.0.1 for a site listening on `site_port`.
pub async fn fake_backends(site_port: u16) -> anyhow::Result<FakeBackends> {
    use esi_fake::sso::{
        ClientConfig, DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_CLIENT_SECRET, SsoConfig as FakeSsoConfig,
    };
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
    let harness =
        esi_fake::harness::Harness::start_with(esi_fake::esi::FakeEsiConfig::default(), fake_sso)
            .await
            .context("starting the fake ESI and SSO")?;
    let sso = Sso::new(
        SsoConfig::new(
            DEFAULT_WEB_CLIENT_ID,
            format!("http://127.0.0.1:{site_port}/sso/callback"),
        )
        .client_secret(DEFAULT_WEB_CLIENT_SECRET)
        .base_url(&harness.sso_url())?
        .request_timeout(Duration::from_secs(10)),
    )?;
    let esi = esi_client(Some(harness.esi_url()))?;
    Ok(FakeBackends { harness, sso, esi })
}

impl FakeBackends {
    /// The site on these backends, tokens and sessions in `database_url`, portraits from the
    /// fake SSO's placeholder images.
    pub async fn site(&self, database_url: &str) -> anyhow::Result<Site> {
        let store = TokenStore::connect(StoreConfig::new(database_url), self.sso.clone()).await?;
        let web = EsiWeb::builder(store)
            .config(WebConfig::default().image_base_url(self.harness.images_url()))
            .build()
            .await?;
        Ok(Site {
            web,
            esi: self.esi.clone(),
            button: ButtonStyle::Plain,
        })
    }
}

/// An ESI client (the real ESI unless `base_url` is given).
pub fn esi_client(base_url: Option<String>) -> anyhow::Result<Client> {
    let mut b = Client::builder().user_agent(
        UserAgent::new("esi-web-example", env!("CARGO_PKG_VERSION"))
            .email("esi-web-example@example.invalid"),
    );
    if let Some(url) = base_url {
        b = b.base_url(url);
    }
    Ok(b.build()?)
}

async fn home(State(site): State<Site>, session: Session, headers: HeaderMap) -> Response {
    let web = &site.web;
    let login = web.login_url(WALLET, "/wallet");
    let mut body = wrong_host_warning(&site, &headers);
    let logged_in = match who_is_logged_in(&site, &session).await {
        Ok((who, anyone)) => {
            body += &who;
            anyone
        }
        Err(e) => {
            tracing::warn!(error = %e, "listing the characters failed");
            body += "<p>The characters could not be listed right now.</p>\n";
            false
        }
    };
    let log_in = if logged_in {
        format!(
            "<a id=\"add-character\" href=\"{}\">Add another character</a>",
            escape(&login)
        )
    } else {
        login_button(&login, site.button)
    };
    body += &format!(
        "<p>{log_in}</p>\n<ul>\n\
         <li><a id=\"wallet-link\" href=\"/wallet\">Wallet</a>: one character's balance \
         (asks which character when several are logged in)</li>\n\
         <li><a id=\"wallets-link\" href=\"/wallets\">All wallets</a>: every logged-in \
         character</li>\n\
         <li><a id=\"once-link\" href=\"/wallet/once\">Check a wallet once</a>: a fresh \
         login that is not kept for you</li>\n</ul>\n"
    );
    Html(layout("ESI wallet example", &body)).into_response()
}

/// Who is logged in: each character with its portrait and a remove button, and a log-out
/// button; or that nobody is (and whether anyone is). Reads the session without creating a
/// user.
async fn who_is_logged_in(site: &Site, session: &Session) -> anyhow::Result<(String, bool)> {
    let web = &site.web;
    let characters = match SessionUsers::current(session).await? {
        Some(user) => web.characters(&user).await?,
        None => Vec::new(),
    };
    if characters.is_empty() {
        return Ok(("<p id=\"who\">Nobody is logged in.</p>\n".to_owned(), false));
    }
    let csrf = web.csrf_token(session).await?;
    let mut out = String::from("<p id=\"who\">Logged in:</p>\n<ul id=\"characters\">\n");
    for t in &characters {
        out += &format!(
            "<li class=\"character\">{}<span class=\"name\">{}</span> {}</li>\n",
            portrait(web.images(), t.character_id, 32),
            escape(&t.character_name),
            remove_character_form(
                &web.remove_url(),
                &csrf,
                t.character_id,
                &t.character_name,
                "/"
            ),
        );
    }
    out += &format!(
        "</ul>\n<p>{}</p>\n",
        logout_form(&web.logout_url(), &csrf, "/")
    );
    Ok((out, true))
}

/// A warning when the page was opened under another host than the SSO callback's: the session
/// cookie would stay with this host and the login could not finish.
fn wrong_host_warning(site: &Site, headers: &HeaderMap) -> String {
    let callback = &site.web.store().sso().config().callback_url;
    let Ok(callback) = url::Url::parse(callback) else {
        return String::new();
    };
    let Some(expected) = callback
        .host_str()
        .map(|h| match callback.port_or_known_default() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_owned(),
        })
    else {
        return String::new();
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return String::new();
    };
    let with_port = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:{}", callback.port_or_known_default().unwrap_or(80))
    };
    if with_port.eq_ignore_ascii_case(&expected) {
        return String::new();
    }
    let origin = callback.origin().ascii_serialization();
    format!(
        "<p id=\"wrong-host\"><strong>This site is opened as {}, but EVE SSO sends logins back \
         to {}.</strong> A login started here cannot finish: open <a href=\"{}/\">{}</a> \
         instead.</p>\n",
        escape(host),
        escape(&origin),
        escape(&origin),
        escape(&origin),
    )
}

/// The wallet page (`token_required`).
async fn wallet(State(site): State<Site>, EsiToken(token): EsiToken) -> Response {
    match balance(&site, &token).await {
        Ok(isk) => Html(layout(
            "Wallet",
            &format!(
                "<p>Character: {}<span id=\"character\">{}</span></p>\n\
                 <p>Balance: <strong id=\"balance\">{}</strong></p>\n\
                 <p><a id=\"home\" href=\"/\">Home</a> · <a id=\"add-character\" href=\"{}\">Log in \
                 another character</a></p>\n",
                portrait(site.web.images(), token.character_id, 64),
                escape(&token.character_name),
                format_isk(isk),
                escape(&site.web.login_url(WALLET, "/wallet")),
            ),
        ))
        .into_response(),
        Err(e) => failed(e),
    }
}

/// Every character's balance (`tokens_required`).
async fn wallets(State(site): State<Site>, EsiTokens(tokens): EsiTokens) -> Response {
    let mut rows = String::new();
    for t in &tokens {
        let cell = match balance(&site, t).await {
            Ok(isk) => format_isk(isk),
            Err(e) => {
                tracing::warn!(error = %e, character_id = t.character_id, "wallet failed");
                "unavailable".to_owned()
            }
        };
        rows += &format!(
            "<tr><td>{}{}</td><td class=\"balance amount\">{cell}</td></tr>\n",
            portrait(site.web.images(), t.character_id, 32),
            escape(&t.character_name)
        );
    }
    Html(layout(
        "All wallets",
        &format!(
            "<table id=\"wallets\">\n<thead><tr><th scope=\"col\">Character</th>\
             <th scope=\"col\" class=\"amount\">Balance</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n{}",
            home_link("/")
        ),
    ))
    .into_response()
}

/// One balance with a fresh login (`single_use_token`).
async fn wallet_once(State(site): State<Site>, EsiToken(token): EsiToken) -> Response {
    match balance(&site, &token).await {
        Ok(isk) => Html(layout(
            "Wallet (single use)",
            &format!(
                "<p>{}<span id=\"character\">{}</span> has <strong id=\"balance\">{}</strong>.</p>\n{}",
                portrait(site.web.images(), token.character_id, 64),
                escape(&token.character_name),
                format_isk(isk),
                home_link("/")
            ),
        ))
        .into_response(),
        Err(e) => failed(e),
    }
}

/// The character's wallet balance, with the token's (refreshed if needed) access token.
async fn balance(site: &Site, token: &Token) -> anyhow::Result<f64> {
    let access = site.web.store().valid_access_token(token).await?;
    Ok(site
        .esi
        .wallet()
        .get_characters_character_id_wallet(token.character_id)
        .token(access.expose())
        .await?)
}

fn failed(e: anyhow::Error) -> Response {
    tracing::warn!(error = %e, "ESI call failed");
    (
        StatusCode::BAD_GATEWAY,
        Html(layout(
            "ESI error",
            &format!("<p>ESI did not answer; try again.</p>\n{}", home_link("/")),
        )),
    )
        .into_response()
}

/// `1234567.891` → `1,234,567.89 ISK`.
pub fn format_isk(isk: f64) -> String {
    let s = format!("{:.2}", isk.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if isk < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}.{frac} ISK")
}

/// Command-line options.
struct Args {
    fake: bool,
    listen: SocketAddr,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        fake: false,
        listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fake" => args.fake = true,
            "--listen" => {
                let v = it.next().context("--listen needs an address")?;
                args.listen = v.parse().with_context(|| format!("--listen {v:?}"))?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: web [--fake] [--listen ADDR]\n\n  --fake         use the bundled fake ESI \
                     and EVE SSO (no ESI_SSO_* needed)\n  --listen ADDR  where the site listens \
                     (default 127.0.0.1:8000)"
                );
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = parse_args()?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let port = listener.local_addr()?.port();

    let (site, _fake) = if args.fake {
        let fake = fake_backends(port).await?;
        let db = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
        let site = fake.site(&db).await?;
        println!(
            "fake ESI at {}, fake EVE SSO at {}",
            fake.harness.esi_url(),
            fake.harness.sso_url()
        );
        (site, Some(fake))
    } else {
        let store = TokenStore::from_env()
            .await
            .context("set ESI_SSO_CLIENT_ID, ESI_SSO_CLIENT_SECRET and ESI_SSO_CALLBACK_URL")?;
        let site = Site {
            web: EsiWeb::new(store).await?,
            esi: esi_client(None)?,
            button: ButtonStyle::Eve {
                dark: true,
                large: true,
            },
        };
        (site, None)
    };
    println!(
        "site at http://{}/ (SSO callback: {})",
        listener.local_addr()?,
        site.web.store().sso().config().callback_url
    );
    // Every site runs it: logins never finished, sessions of visits that never came back from
    // EVE SSO and single-use tokens nobody took would pile up otherwise.
    let cleanup = site.web.spawn_cleanup(Duration::from_secs(60));
    axum::serve(listener, app(site))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    cleanup.stop().await;
    Ok(())
}
