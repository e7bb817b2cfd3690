//! The `esi` binary against the fake ESI and SSO on 127.0.0.1: every subcommand, bad input
//! (clear message, non-zero exit) and nothing written to the store on failure.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use esi_fake::esi::{FakeEsiConfig, Fault, PageShape};
use esi_fake::harness::Harness;
use esi_fake::sso::{DEFAULT_NATIVE_CLIENT_ID, SsoConfig};

const WALLET: &str = "esi-wallet.read_character_wallet.v1";

/// The contact every test command sends (the CLI has no default).
const CONTACT: &str = "cli-tests@example.com";

struct Env {
    harness: Harness,
    /// A private home: HOME, the XDG data and config folders all point into it.
    home: PathBuf,
    db: PathBuf,
    callback: String,
    _dir: TempDir,
}

/// A temporary folder removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn env() -> Env {
    env_with(FakeEsiConfig::default().pages("/markets/{region_id}/orders", PageShape::new(3, 10)))
        .await
}

async fn env_with(config: FakeEsiConfig) -> Env {
    let harness = Harness::start_with(config, SsoConfig::default())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "esi-cli-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Env {
        harness,
        home,
        db: dir.join("tokens.sqlite"),
        callback: format!("http://127.0.0.1:{port}/callback"),
        _dir: TempDir(dir),
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A command of the binary that sees nothing of the machine's user: its home, data and
/// config folders are `home`, and no ESI or database variable is inherited.
fn isolated(home: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("esi").unwrap();
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("ESI_BASE_URL")
        .env_remove("ESI_SSO_BASE_URL")
        .env_remove("ESI_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env_remove("ESI_USER_CONTACT_EMAIL")
        .env_remove("ESI_SSO_CLIENT_SECRET")
        .env_remove("ESI_TOKEN_KEY")
        .env_remove("ESI_TOKEN_KEY_FILE")
        .env_remove("RUST_LOG")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    cmd
}

/// A started `esi login`, waiting for the browser to come back.
struct PendingLogin {
    child: std::process::Child,
    /// The SSO URL the command printed.
    url: url::Url,
    /// Reads the command's stderr to its end, and returns it.
    stderr: std::thread::JoinHandle<String>,
}

impl PendingLogin {
    /// The query parameter `name` of the SSO URL.
    fn param(&self, name: &str) -> String {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    /// Calls the callback URL with `query`; the status and body of the answer.
    async fn callback(&self, query: &str) -> (u16, String) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let answer = reqwest::get(format!("{}?{query}", self.param("redirect_uri")))
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap_or_default())
    }

    /// Waits (at most 20 s) for the command to end.
    async fn output(self) -> Output {
        let (child, stderr) = (self.child, self.stderr);
        tokio::time::timeout(
            Duration::from_secs(20),
            tokio::task::spawn_blocking(move || {
                let mut out = child.wait_with_output().unwrap();
                out.stderr = stderr.join().unwrap().into_bytes();
                out
            }),
        )
        .await
        .unwrap()
        .unwrap()
    }
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = isolated(&self.home, args);
        cmd.env("ESI_BASE_URL", self.harness.esi_url())
            .env("ESI_SSO_BASE_URL", self.harness.sso_url())
            .env("ESI_SSO_CLIENT_ID", DEFAULT_NATIVE_CLIENT_ID)
            .env("ESI_SSO_CALLBACK_URL", &self.callback)
            .env("ESI_USER_CONTACT_EMAIL", CONTACT)
            .env(
                "ESI_DATABASE_URL",
                format!("sqlite://{}?mode=rwc", self.db.display()),
            );
        cmd
    }

    async fn run(&self, args: &[&str]) -> Output {
        output(self.command(args)).await
    }

    /// Starts `esi login` (with `RUST_LOG` set to `log`, when given) and reads the SSO URL it
    /// prints.
    async fn start_login(&self, scopes: &str, log: Option<&str>) -> PendingLogin {
        let mut cmd = self.command(&["login", "--scopes", scopes, "--timeout", "20"]);
        if let Some(log) = log {
            cmd.env("RUST_LOG", log);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.trim().strip_prefix("http") {
                    let _ = url_tx.send(format!("http{rest}"));
                }
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let url = tokio::task::spawn_blocking(move || url_rx.recv_timeout(Duration::from_secs(20)))
            .await
            .unwrap()
            .expect("the login URL is printed");
        let url = url::Url::parse(&url).unwrap();
        PendingLogin { child, url, stderr }
    }

    /// `esi login`, with this test playing the browser: it reads the SSO URL the command
    /// prints, gets a code from the fake SSO for it and calls the callback URL.
    async fn login(&self, scopes: &str) -> Output {
        let pending = self.start_login(scopes, None).await;
        self.finish_login(pending).await
    }

    /// Plays the browser for a started login: logs the pilot in on the fake SSO's page and
    /// follows the redirect back to the command.
    async fn finish_login(&self, pending: PendingLogin) -> Output {
        let back = esi_fake::sso::play_login_page(&pending.url, 90_000_001)
            .await
            .unwrap();
        assert_eq!(back.host_str(), Some("127.0.0.1"));
        let (status, body) = pending.callback(back.query().unwrap_or_default()).await;
        assert_eq!(status, 200, "{body}");
        pending.output().await
    }
}

/// Runs a command to its end, off the async runtime's threads.
async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn status_and_calls_by_name() {
    let env = env().await;
    let out = env.run(&["status"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("players online"));

    let out = env
        .run(&[
            "call",
            "market",
            "get_markets_region_id_orders",
            "--region_id",
            "10000002",
            "--all-pages",
            "--json",
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let orders: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(orders.as_array().unwrap().len(), 30, "3 pages of 10");

    let out = env.run(&["call", "--list"]).await;
    assert!(text(&out.stdout).contains("get_markets_region_id_orders"));
    let out = env
        .run(&["call", "market", "get_markets_region_id_orders", "--help"])
        .await;
    assert!(text(&out.stdout).contains("--order_type"));
    assert!(text(&out.stdout).contains("one of buy, sell, all"));
}

const ALL_ORDERS: &[&str] = &[
    "call",
    "market",
    "get_markets_region_id_orders",
    "--region_id",
    "10000002",
    "--all-pages",
    "--json",
];

#[tokio::test(flavor = "multi_thread")]
async fn paged_calls_start_over_when_the_pages_change() {
    let env = env().await;
    env.harness
        .esi
        .inject(Fault::x_pages_change(7).times(1).on("/markets/"));
    let out = env.run(ALL_ORDERS).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let orders: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        orders.as_array().unwrap().len(),
        30,
        "3 pages of 10, not a mix"
    );
    assert!(env.harness.count_for("/markets/") > 3, "started over");

    let env = self::env().await;
    env.harness
        .esi
        .inject(Fault::x_pages_change(7).always().on("/markets/"));
    let out = env.run(ALL_ORDERS).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("the pages changed"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "nothing printed of a mixed page set");
}

#[tokio::test(flavor = "multi_thread")]
async fn paged_calls_stop_at_max_pages() {
    let pages = esi_client::MAX_PAGES + 1;
    let env = env_with(
        FakeEsiConfig::default().pages("/markets/{region_id}/orders", PageShape::new(pages, 1)),
    )
    .await;
    let out = env.run(ALL_ORDERS).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!(
            "announces {pages} pages; the client walks at most {}",
            esi_client::MAX_PAGES
        )),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        env.harness.count_for("/markets/"),
        1,
        "page 1, nothing more"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_a_clear_message_and_exit_code_2() {
    let env = env().await;
    let cases: [(&[&str], &str); 5] = [
        (&["call", "market", "get_nothing"], "unknown operation"),
        (&["call", "nowhere", "get_status"], "unknown resource"),
        (
            &["call", "market", "get_markets_region_id_orders"],
            "needs --region_id",
        ),
        (
            &[
                "call",
                "market",
                "get_markets_region_id_orders",
                "--region_id",
                "forge",
            ],
            "is not an integer",
        ),
        (&["cleanup"], "say what to clean"),
    ];
    for (args, message) in cases {
        let out = env.run(args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(env.harness.requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_is_exit_code_3_and_writes_nothing() {
    let env = env().await;
    let out = env
        .run(&[
            "call",
            "wallet",
            "get_characters_character_id_wallet",
            "--character_id",
            "90000001",
        ])
        .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("esi login"));
    let out = env.run(&["tokens", "list"]).await;
    assert!(text(&out.stdout).contains("no tokens stored"));
}

#[tokio::test(flavor = "multi_thread")]
async fn login_then_tokens_and_authenticated_calls() {
    let env = env().await;
    let out = env.login(WALLET).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("logged in Fake Pilot One (90000001)"));

    let out = env.run(&["tokens", "list"]).await;
    let listed = text(&out.stdout);
    assert!(
        listed.contains("90000001") && listed.contains(WALLET),
        "{listed}"
    );
    assert!(!listed.contains("ey"), "no token secrets printed");

    let out = env
        .run(&[
            "call",
            "wallet",
            "get_characters_character_id_wallet",
            "--character_id",
            "90000001",
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let balance: f64 = text(&out.stdout).trim().parse().unwrap();
    assert!(balance.is_finite());

    let out = env.run(&["tokens", "refresh"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = env
        .run(&["cleanup", "--callback-redirects", "--tokens"])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("callback redirect"));

    let out = env.run(&["tokens", "delete", "999"]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["tokens", "revoke", "1"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = env.run(&["tokens", "list"]).await;
    assert!(text(&out.stdout).contains("no tokens stored"));
}

/// The bytes of the token database and its journals.
fn database_bytes(db: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        bytes.extend(std::fs::read(name).unwrap_or_default());
    }
    bytes
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_sealed_with_a_key_rotated_and_re_encrypted() {
    let env = env().await;
    let with_key = |args: &[&str], var: &str, value: &std::ffi::OsStr| {
        let mut cmd = env.command(args);
        cmd.env(var, value);
        output(cmd)
    };
    // Stored before any key: in plain text, and the store says so on stderr.
    let out = env.login(WALLET).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no token key configured"),
        "{}",
        text(&out.stderr)
    );
    assert!(holds(&database_bytes(&env.db), "eyJ"), "plain before");

    // A key in a new private file, never overwritten.
    let key_file = env.home.join("secrets").join("token.key");
    let path = key_file.to_str().unwrap();
    let out = env
        .run(&["tokens", "new-key", "--id", "first", "--out", path])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ESI_TOKEN_KEY_FILE="));
    let written = std::fs::read_to_string(&key_file).unwrap();
    assert!(written.starts_with("first:"), "the key file holds the key");
    assert!(!text(&out.stdout).contains(written.trim()), "not printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let out = env
        .run(&["tokens", "new-key", "--id", "other", "--out", path])
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), written);

    // Re-encrypted with it: the database holds no token in plain text.
    let file = key_file.as_os_str();
    let out = with_key(&["tokens", "re-encrypt"], "ESI_TOKEN_KEY_FILE", file).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("sealed 1 token(s) with key first (1 stored plain"),
        "{said}"
    );
    assert!(
        said.contains("every token is sealed with key first"),
        "{said}"
    );
    assert!(!text(&out.stderr).contains("no token key configured"));
    let bytes = database_bytes(&env.db);
    assert!(holds(&bytes, "esi-sealed:v1:first:") && !holds(&bytes, "eyJ"));
    let call = [
        "call",
        "wallet",
        "get_characters_character_id_wallet",
        "--character_id",
        "90000001",
    ];
    let out = with_key(&call, "ESI_TOKEN_KEY_FILE", file).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Without the key: a clear failure, and the token is kept.
    let out = env.run(&["tokens", "list"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("sealed with token key \"first\""),
        "{}",
        text(&out.stderr)
    );

    // Rotation: a new key on stdout writes, the first one still opens.
    let out = env.run(&["tokens", "new-key", "--id", "second"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = text(&out.stdout).trim().to_owned();
    assert!(second.starts_with("second:"), "{second}");
    let both = format!("{second},{}", written.trim());
    let out = with_key(&["tokens", "re-encrypt"], "ESI_TOKEN_KEY", both.as_ref()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 under older keys"),
        "{}",
        text(&out.stdout)
    );
    let out = with_key(&call, "ESI_TOKEN_KEY", second.as_ref()).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The first key alone no longer opens it.
    let out = with_key(&["tokens", "list"], "ESI_TOKEN_KEY_FILE", file).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("\"second\""),
        "{}",
        text(&out.stderr)
    );

    // Misuse is exit code 2.
    let out = env.run(&["tokens", "re-encrypt"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("ESI_TOKEN_KEY"));
    let out = with_key(&["tokens", "list"], "ESI_TOKEN_KEY", "k:short".as_ref()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = env.run(&["tokens", "new-key", "--id", "no spaces"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_runs_offline() {
    let dir = TempDir(std::env::temp_dir().join(format!("esi-demo-test-{}", rand_suffix())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let db = dir.0.join("demo.sqlite");
    // No contact anywhere: the demo talks only to its own fake servers.
    let out = output(isolated(
        &dir.0,
        &["demo", "--database", db.to_str().unwrap()],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("logged in Fake Pilot One"), "{stdout}");
    assert!(
        stdout.contains("50000 market orders of The Forge in 50 pages"),
        "{stdout}"
    );
    assert!(db.is_file(), "the token was stored in SQLite");
}

/// `esi demo --sync`: a small fleet kept fresh offline, every change printed, nothing asked
/// for early, and the progress view's counters (lag, budget per group) on stderr.
#[tokio::test(flavor = "multi_thread")]
async fn demo_sync_keeps_a_small_fleet_fresh() {
    let dir = TempDir(std::env::temp_dir().join(format!("esi-demo-sync-test-{}", rand_suffix())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let db = dir.0.join("sync.sqlite");
    let out = output(isolated(
        &dir.0,
        &["demo", "--sync", "--database", db.to_str().unwrap()],
    ))
    .await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    // Fifteen jobs' first versions at least, and later changes.
    let changes = stdout
        .lines()
        .filter(|l| l.starts_with("changed character:"))
        .count();
    assert!(changes > 15, "{stdout}");
    assert!(stdout.contains("15 jobs;"), "{stdout}");
    assert!(
        stdout.contains(", 0 of them before the Expires it had given, 0 refused 420/429;"),
        "{stdout}"
    );
    assert!(stderr.contains("lag p50"), "{stderr}");
    assert!(stderr.contains("| budget: "), "{stderr}");
    assert!(db.is_file(), "the sync state was stored in SQLite");
}

#[test]
fn spec_diff_reports_changes_between_dates() {
    let specs = esi_fake::esi::config::specs_dir();
    let out = Command::cargo_bin("esi")
        .unwrap()
        .arg("spec-diff")
        .arg(specs.join("esi-openapi-2025-11-06.json"))
        .arg(specs.join("esi-openapi-2026-08-18.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains("GetFreelanceJobsListing"),
        "new routes listed"
    );
    let out = Command::cargo_bin("esi")
        .unwrap()
        .args(["spec-diff", "/nonexistent.json", "/nonexistent2.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A server of the test's own on 127.0.0.1 that answers every request with `status` and the
/// JSON `body`, as a hostile or broken ESI could.
async fn hostile_server(status: u16, body: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let status = axum::http::StatusCode::from_u16(status).unwrap();
    let app = axum::Router::new().fallback(move || async move {
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), task)
}

/// The names of the tables of a SQLite database.
async fn sqlite_tables(url: &str) -> Vec<String> {
    use sea_orm::sqlx::{self, Connection as _};
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    names.sort();
    names
}

/// Whether the bytes hold a character that steers a terminal (ESC, BEL, C1 CSI).
fn has_terminal_controls(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b) || bytes.contains(&0x07) || text(bytes).contains('\u{9b}')
}

#[tokio::test(flavor = "multi_thread")]
async fn login_ignores_callbacks_that_are_not_its_own() {
    let env = env().await;
    let pending = env.start_login(WALLET, None).await;
    let (status, body) = pending.callback("code=forged&state=not-this-login").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not the login"), "{body}");
    let (status, _) = pending.callback("error=access_denied").await;
    assert_eq!(status, 400, "a callback without state is not this login's");
    let out = env.finish_login(pending).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("logged in Fake Pilot One (90000001)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sso_error_text_is_printed_without_escape_sequences() {
    let env = env().await;
    let pending = env.start_login(WALLET, None).await;
    let state: String =
        url::form_urlencoded::byte_serialize(pending.param("state").as_bytes()).collect();
    let (status, _) = pending
        .callback(&format!(
            "error=%1b[31mred&error_description=%1b]0;title%07%C2%9B2J&state={state}"
        ))
        .await;
    assert_eq!(status, 200);
    let out = pending.output().await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(!has_terminal_controls(&out.stderr), "{stderr:?}");
    assert!(stderr.contains(r"\u{1b}[31mred"), "{stderr}");
    assert!(stderr.contains(r"\u{1b}]0;title\u{7}\u{9b}2J"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn esi_text_is_printed_without_escape_sequences() {
    let env = env().await;
    let (url, server) =
        hostile_server(404, r#"{"error":"\u001b[2J\u001b]0;pwned\u0007gone"}"#).await;
    let mut cmd = env.command(&["status"]);
    cmd.env("ESI_BASE_URL", &url);
    let out = output(cmd).await;
    server.abort();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        !has_terminal_controls(&out.stderr),
        "{:?}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains(r"\u{1b}[2J"),
        "{}",
        text(&out.stderr)
    );

    let (url, server) = hostile_server(
        200,
        r#"{"players":1,"server_version":"\u001b[31m2.0","start_time":"2026-01-01T00:00:00Z","vip":false}"#,
    )
    .await;
    for args in [&["status"][..], &["status", "--json"]] {
        let mut cmd = env.command(args);
        cmd.env("ESI_BASE_URL", &url);
        let out = output(cmd).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            !has_terminal_controls(&out.stdout),
            "{:?}",
            text(&out.stdout)
        );
        assert!(
            text(&out.stdout).contains("[31m2.0"),
            "{}",
            text(&out.stdout)
        );
    }
    server.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_ends_quietly_with_success() {
    let env = env().await;
    let cases: [&[&str]; 4] = [
        &["call", "--list"],
        &["call", "market", "get_markets_region_id_orders", "--help"],
        &["status", "--json"],
        &[
            "call",
            "market",
            "get_markets_region_id_orders",
            "--region_id",
            "10000002",
            "--all-pages",
            "--json",
        ],
    ];
    for args in cases {
        // The reader is gone before the command writes: `esi ... | head -0`.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = env.command(args);
        cmd.stdout(writer);
        let out = output(cmd).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("esi:"),
            "{args:?}: no error message: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_with_other_tables_is_refused_unless_asked() {
    let env = env().await;
    let url = format!("sqlite://{}?mode=rwc", env.db.display());
    {
        use sea_orm::sqlx::{self, Connection as _};
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let wallet = [
        "call",
        "wallet",
        "get_characters_character_id_wallet",
        "--character_id",
        "90000001",
    ];
    for args in [&["tokens", "list"][..], &wallet] {
        let out = env.run(args).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("orders") && stderr.contains("--migrate-foreign-database"),
            "{stderr}"
        );
        assert_eq!(sqlite_tables(&url).await, ["orders"], "nothing was created");
    }

    let out = env
        .run(&["tokens", "list", "--migrate-foreign-database"])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("no tokens stored"));
    let tables = sqlite_tables(&url).await;
    assert!(
        tables.contains(&"orders".to_owned()) && tables.contains(&"esi_token".to_owned()),
        "{tables:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generic_database_url_is_ignored() {
    let env = env().await;
    let other = env.home.join("other.sqlite");
    let mut cmd = env.command(&["tokens", "list"]);
    cmd.env_remove("ESI_DATABASE_URL").env(
        "DATABASE_URL",
        format!("sqlite://{}?mode=rwc", other.display()),
    );
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!other.exists(), "DATABASE_URL was not used");
    assert!(env.home.join("data/esi/tokens.sqlite").is_file());

    // ESI_DATABASE_URL is.
    let mut cmd = env.command(&["tokens", "list"]);
    cmd.env(
        "ESI_DATABASE_URL",
        format!("sqlite://{}?mode=rwc", other.display()),
    );
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(other.is_file());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_default_database_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = env().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let set = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let dir = env.home.join("data/esi");
    let file = dir.join("tokens.sqlite");
    let run = || {
        let mut cmd = env.command(&["tokens", "list"]);
        cmd.env_remove("ESI_DATABASE_URL");
        output(cmd)
    };

    let out = run().await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&dir), 0o700, "a new folder");
    assert_eq!(mode(&file), 0o600, "a new file");

    // Too open (an older esi, a copy): tightened, and said so.
    set(&dir, 0o755);
    set(&file, 0o644);
    let out = run().await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&file), 0o600);
    assert!(
        text(&out.stderr).contains("open to other users"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_is_required_to_reach_esi() {
    let env = env().await;
    let user_agent = |env: &Env| {
        env.harness
            .requests()
            .last()
            .and_then(|r| {
                r.headers
                    .iter()
                    .find(|(k, _)| k == "user-agent")
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    };
    for args in [&["status"][..], &["login"], &["tokens", "list"]] {
        let mut cmd = env.command(args);
        cmd.env_remove("ESI_USER_CONTACT_EMAIL");
        let out = output(cmd).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for way in ["--contact", "ESI_USER_CONTACT_EMAIL", "config.toml"] {
            assert!(stderr.contains(way), "{args:?}: {stderr}");
        }
    }
    assert!(env.harness.requests().is_empty(), "nothing was sent");

    // The variable.
    let out = env.run(&["status"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(user_agent(&env).contains(CONTACT), "{}", user_agent(&env));

    // The config file, and the flag before it.
    let config = env.home.join("config/esi");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "contact = \"from-file@example.com\"\n",
    )
    .unwrap();
    let mut cmd = env.command(&["status"]);
    cmd.env_remove("ESI_USER_CONTACT_EMAIL");
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(user_agent(&env).contains("from-file@example.com"));
    let mut cmd = env.command(&["status", "--contact", "flag@example.com"]);
    cmd.env_remove("ESI_USER_CONTACT_EMAIL");
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(user_agent(&env).contains("flag@example.com"));
    assert!(!user_agent(&env).contains("invalid"), "no placeholder");
}

#[tokio::test(flavor = "multi_thread")]
async fn rust_log_shows_the_clients_tracing_on_stderr() {
    let env = env().await;
    let args = [
        "call",
        "market",
        "get_markets_region_id_orders",
        "--region_id",
        "10000002",
        "--json",
    ];
    let mut cmd = env.command(&args);
    cmd.env("RUST_LOG", "debug");
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("esi.request"),
        "{}",
        text(&out.stderr)
    );
    let orders: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        orders.as_array().map(Vec::len),
        Some(10),
        "stdout is the JSON only"
    );

    // Quiet by default.
    let out = env.run(&args).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_never_reach_the_logs() {
    let env = env().await;
    let pending = env.start_login(WALLET, Some("trace")).await;
    let out = env.finish_login(pending).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut cmd = env.command(&[
        "call",
        "wallet",
        "get_characters_character_id_wallet",
        "--character_id",
        "90000001",
    ]);
    cmd.env("RUST_LOG", "trace");
    let call = output(cmd).await;
    assert!(call.status.success(), "{}", text(&call.stderr));
    for stderr in [text(&out.stderr), text(&call.stderr)] {
        assert!(
            stderr.contains("TRACE") || stderr.contains("DEBUG"),
            "{stderr}"
        );
        // The fake SSO's access tokens are JWTs: base64 of `{"`.
        assert!(!stderr.contains("eyJ"), "{stderr}");
    }
}
