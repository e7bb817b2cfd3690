//! `cargo xtask live-check`: how a live ESI sets its cache headers, next to what the fake ESI
//! does, so the fake can be kept at least as strict as ESI (a test instrument is not the truth).
//!
//! Per route, at the same time for all routes: a GET, recording `Date`, `Expires`,
//! `Cache-Control: max-age`, `Last-Modified`, `ETag` and the local time of arrival; a wait until
//! just past its `Expires` by the server's clock (`Expires − Date` after arrival, plus a
//! margin), never longer than `--max-wait`; a GET with `If-None-Match`. [`findings`] compares
//! the answers and [`report`] prints them. Opt-in and never run by CI: it needs the network;
//! its tests ask the fake ESI on loopback, whose clock they move instead of waiting.

mod answer;
mod findings;
mod report;
mod time;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use answer::{Answer, Reading};
use findings::{Comparison, Report, RouteReport, Wait};
use time::{SystemClock, TimeSource, from_unix_seconds, unix_seconds};

/// Public GET routes of the pinned spec: two with short cache times (`/status` 30 s,
/// `/sovereignty/campaigns` 5 s), one without a cache time in the spec, and one whose hour
/// the default `--max-wait` skips (its first answer is still read).
pub(crate) const DEFAULT_ROUTES: &[&str] = &[
    "/status",
    "/sovereignty/campaigns",
    "/universe/types/34",
    "/markets/prices",
];

/// How long past `Expires − Date` the second request waits: HTTP dates are whole seconds.
const MARGIN: Duration = Duration::from_secs(1);

/// Why the check could not run or finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LiveCheckError {
    /// `--base-url` is not an http(s) URL.
    #[error("bad --base-url {url:?}: {message}")]
    BaseUrl {
        /// What was given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// A route is not a path.
    #[error("bad route {0:?}: a route is a path starting with '/' (`/status`)")]
    Route(String),
    /// The HTTP client could not be set up (TLS, User-Agent).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// A request failed on the network (no answer, or a body cut short).
    #[error("GET {url} failed")]
    Request {
        /// The URL asked.
        url: String,
        /// What reqwest saw.
        #[source]
        source: reqwest::Error,
    },
    /// The client was built from a spec without a compatibility date.
    #[error("the client's spec names no compatibility date to send")]
    NoCompatibilityDate,
}

/// The command line's settings.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The server to ask.
    pub(crate) base_url: String,
    /// Routes to ask (empty: [`DEFAULT_ROUTES`]).
    pub(crate) routes: Vec<String>,
    /// The longest wait for a route's refresh.
    pub(crate) max_wait: Duration,
    /// Contact email for the User-Agent.
    pub(crate) contact: String,
    /// Timeout of each request.
    pub(crate) timeout: Duration,
    /// Print JSON instead of text.
    pub(crate) json: bool,
}

/// What the check asks, and how long it may wait.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The server, without a trailing `/`.
    pub(crate) base_url: String,
    /// The `X-Compatibility-Date` sent.
    pub(crate) compatibility_date: String,
    /// The routes.
    pub(crate) routes: Vec<Route>,
    /// The longest wait for a route's refresh.
    pub(crate) max_wait: Duration,
    /// How long past `Expires − Date` to ask again.
    pub(crate) margin: Duration,
}

/// A route to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// The path (with a query string, if any).
    pub(crate) path: String,
    /// Its GET's cache time in the pinned spec, in seconds.
    pub(crate) spec_window: Option<u64>,
}

/// `cargo xtask live-check`: plans, asks (waiting in real time), prints.
pub(crate) fn run(options: &Options, specs_dir: &Path) -> anyhow::Result<()> {
    let plan = plan(options, specs_dir)?;
    let http = http_client(options)?;
    eprintln!(
        "asking {} route(s) of {}; waiting at most {} s for a refresh",
        plan.routes.len(),
        plan.base_url,
        plan.max_wait.as_secs()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(check(&http, &plan, &SystemClock))?;
    let mut out = std::io::stdout().lock();
    let printed = if options.json {
        writeln!(out, "{:#}", report::json(&report)?)
    } else {
        report::text(&report, &mut out)
    };
    match printed {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The plan for `options`: the base URL checked, the routes (default [`DEFAULT_ROUTES`]) with
/// their cache times from the pinned spec of the client's compatibility date in `specs_dir`.
pub(crate) fn plan(options: &Options, specs_dir: &Path) -> Result<Plan, LiveCheckError> {
    let base_url = options.base_url.trim_end_matches('/').to_string();
    check_base_url(&base_url)?;
    let compatibility_date = esi_client::SPEC
        .compatibility_date
        .ok_or(LiveCheckError::NoCompatibilityDate)?;
    let paths: Vec<String> = if options.routes.is_empty() {
        DEFAULT_ROUTES.iter().map(|r| r.to_string()).collect()
    } else {
        options.routes.clone()
    };
    if let Some(bad) = paths.iter().find(|p| !p.starts_with('/')) {
        return Err(LiveCheckError::Route(bad.clone()));
    }
    let spec = specs_dir.join(format!("esi-openapi-{compatibility_date}.json"));
    Ok(Plan {
        base_url,
        compatibility_date: compatibility_date.to_string(),
        routes: spec_windows(&spec, &paths),
        max_wait: options.max_wait,
        margin: MARGIN,
    })
}

fn check_base_url(base_url: &str) -> Result<(), LiveCheckError> {
    let bad = |message: String| LiveCheckError::BaseUrl {
        url: base_url.to_string(),
        message,
    };
    let url = reqwest::Url::parse(base_url).map_err(|e| bad(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(bad(format!("{other}: is not http or https"))),
    }
}

/// Each path with its GET's cache time in `spec`; a note on stderr for a path that no GET of
/// the spec matches, or when the spec cannot be read (the check runs without the windows).
fn spec_windows(spec: &Path, paths: &[String]) -> Vec<Route> {
    let api = esi_codegen::load(spec)
        .map_err(|e| eprintln!("note: no cache times from {}: {e}", spec.display()))
        .ok();
    paths
        .iter()
        .map(|path| {
            let operation = api.as_ref().and_then(|api| spec_get(api, path));
            if api.is_some() && operation.is_none() {
                eprintln!("note: {path} matches no GET of {}", spec.display());
            }
            Route {
                path: path.clone(),
                spec_window: operation.and_then(|op| op.cache_seconds),
            }
        })
        .collect()
}

/// The GET of `api` whose path template matches `path` (its query string aside).
fn spec_get<'a>(
    api: &'a esi_codegen::model::Api,
    path: &str,
) -> Option<&'a esi_codegen::model::Operation> {
    let path = path.split('?').next().unwrap_or(path);
    api.operations.iter().find(|op| {
        op.method == esi_codegen::model::HttpMethod::Get && template_matches(&op.path, path)
    })
}

/// Whether `path` fills in `template` (`/universe/types/34` and `/universe/types/{type_id}`).
fn template_matches(template: &str, path: &str) -> bool {
    let segments = |p: &str| {
        p.trim_matches('/')
            .split('/')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (template, path) = (segments(template), segments(path));
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

/// reqwest on the runtime's TLS preset, with a User-Agent naming this tool and `contact`, and
/// no proxy for a loopback server.
pub(crate) fn http_client(options: &Options) -> Result<reqwest::Client, LiveCheckError> {
    let client = |e: &dyn std::fmt::Display| LiveCheckError::Client(e.to_string());
    let agent = esi_client::UserAgent::new("esi-rs-live-check", env!("CARGO_PKG_VERSION"))
        .email(&options.contact)
        .to_header()
        .map_err(|e| client(&e))?;
    let mut builder = esi_client::http_client_builder()
        .map_err(|e| client(&e))?
        .user_agent(agent)
        .connect_timeout(options.timeout)
        .timeout(options.timeout)
        .gzip(true);
    if crate::specs::is_loopback(&options.base_url) {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| client(&e))
}

/// Runs `plan`: every route at once, each waiting on `time`.
pub(crate) async fn check(
    http: &reqwest::Client,
    plan: &Plan,
    time: &impl TimeSource,
) -> Result<Report, LiveCheckError> {
    let routes = plan
        .routes
        .iter()
        .map(|route| check_route(http, plan, route, time));
    Ok(Report {
        base_url: plan.base_url.clone(),
        compatibility_date: plan.compatibility_date.clone(),
        routes: futures::future::try_join_all(routes).await?,
    })
}

/// One route: ask, wait just past `Expires` (at most `max_wait` plus the margin), ask again
/// with the first answer's `ETag`.
async fn check_route(
    http: &reqwest::Client,
    plan: &Plan,
    route: &Route,
    time: &impl TimeSource,
) -> Result<RouteReport, LiveCheckError> {
    let get = Get {
        http,
        url: format!("{}{}", plan.base_url, route.path),
        compatibility_date: &plan.compatibility_date,
    };
    let first = get.send(None, time).await?;
    let wait = Wait::after(&first, plan.max_wait, plan.margin);
    let second = match &wait {
        Wait::Waited { seconds } => {
            time.sleep_until(from_unix_seconds(first.arrived_at + seconds))
                .await;
            Some(get.send(first.etag.as_deref(), time).await?)
        }
        Wait::Skipped { .. } => None,
    };
    let window = route.spec_window;
    let first = Reading::new(first, window);
    let second = second.map(|s| Reading::new(s, window));
    Ok(RouteReport {
        route: route.path.clone(),
        url: get.url,
        spec_window: window,
        comparison: Comparison::of(&first, second.as_ref()),
        first,
        wait,
        second,
    })
}

/// A GET of one URL, as the client sends it.
struct Get<'a> {
    http: &'a reqwest::Client,
    url: String,
    compatibility_date: &'a str,
}

impl Get<'_> {
    /// Sends it (with `If-None-Match: etag` when given) and reads the answer's headers, timed
    /// on `time` when they arrive.
    async fn send(
        &self,
        etag: Option<&str>,
        time: &impl TimeSource,
    ) -> Result<Answer, LiveCheckError> {
        let failed = |source| LiveCheckError::Request {
            url: self.url.clone(),
            source,
        };
        let mut request = self
            .http
            .get(&self.url)
            .header("x-compatibility-date", self.compatibility_date);
        if let Some(tag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let response = request.send().await.map_err(failed)?;
        let arrived_at = unix_seconds(time.now());
        let answer = Answer::read(response.status().as_u16(), response.headers(), arrived_at);
        // The body is not looked at; reading it frees the connection for the next request.
        response.bytes().await.map_err(failed)?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use esi_fake::esi::{Clock, FakeEsi, FakeEsiConfig};

    use super::*;

    /// The fake ESI's clock: arrivals are read on it, and waiting moves it forward at once.
    struct FakeTime(Clock);

    impl TimeSource for FakeTime {
        fn now(&self) -> SystemTime {
            self.0.wall()
        }

        async fn sleep_until(&self, at: SystemTime) {
            if let Ok(left) = at.duration_since(self.0.wall()) {
                self.0.advance(left);
            }
        }
    }

    fn options(base_url: String, routes: &[&str]) -> Options {
        Options {
            base_url,
            routes: routes.iter().map(|r| r.to_string()).collect(),
            max_wait: Duration::from_secs(120),
            contact: "live-check@example.com".into(),
            timeout: Duration::from_secs(10),
            json: true,
        }
    }

    fn specs_dir() -> std::path::PathBuf {
        crate::workspace_root().join("specs")
    }

    /// Every header the check reads, read: present, and the dates parsed.
    fn assert_read(answer: &Answer, what: &str) {
        for (name, date) in [
            ("Date", &answer.date),
            ("Expires", &answer.expires),
            ("Last-Modified", &answer.last_modified),
        ] {
            assert!(
                date.as_ref().is_some_and(|d| d.unix.is_some()),
                "{what}: {name} {date:?}"
            );
        }
        assert!(answer.cache_control.is_some(), "{what}: Cache-Control");
        assert!(answer.max_age.is_some(), "{what}: max-age");
        assert!(answer.etag.is_some(), "{what}: ETag");
    }

    /// The timing is what the headers say, whatever the fake's headers are today.
    fn assert_timing(reading: &Reading, window: u64) {
        let (a, t) = (&reading.answer, &reading.timing);
        let (date, expires) = (a.date_unix().unwrap_or(0), a.expires_unix().unwrap_or(0));
        assert_eq!(t.skew, Some(a.arrived_at - date as f64));
        assert_eq!(t.expires_minus_date, Some(expires - date));
        assert!(t.max_age_vs_expires.is_some());
        assert_eq!(
            t.max_age_past_expires,
            Some(a.arrived_at + a.max_age.unwrap_or(0) as f64 - expires as f64)
        );
        assert_eq!(t.phase, Some(expires.rem_euclid(window as i64)));
    }

    #[tokio::test]
    async fn reads_the_fakes_cache_headers_and_revalidates_with_a_304() {
        let esi = FakeEsi::start(FakeEsiConfig::default())
            .await
            .expect("fake ESI starts");
        let options = options(esi.base_url(), &["/status", "/markets/prices"]);
        let plan = plan(&options, &specs_dir()).expect("plan");
        let http = http_client(&options).expect("client");
        let time = FakeTime(esi.clock().clone());
        let report = tokio::time::timeout(Duration::from_secs(20), check(&http, &plan, &time))
            .await
            .expect("no real waiting")
            .expect("check");

        let [status, prices] = &report.routes[..] else {
            panic!("two routes: {report:?}");
        };
        assert_eq!(status.spec_window, Some(30));
        assert_eq!(status.first.answer.status, 200);
        assert_read(&status.first.answer, "first answer");
        assert_timing(&status.first, 30);
        let lifetime = status.first.timing.expires_minus_date.unwrap_or(0);
        assert_eq!(
            status.wait,
            Wait::Waited {
                seconds: lifetime.max(0) as f64 + 1.0
            }
        );
        let second = status.second.as_ref().expect("asked again");
        assert_eq!(second.answer.status, 304);
        assert_read(&second.answer, "304");
        assert_timing(second, 30);
        let comparison = status.comparison.as_ref().expect("compared");
        assert!(comparison.not_modified && comparison.etag_stayed);
        // It waited past the first Expires on the fake's clock.
        assert!(second.answer.arrived_at >= status.first.answer.arrived_at + lifetime as f64);

        assert_eq!(prices.spec_window, Some(3600));
        assert_read(&prices.first.answer, "long window");
        assert!(
            matches!(&prices.wait, Wait::Skipped { reason } if reason.contains("--max-wait")),
            "{:?}",
            prices.wait
        );
        assert_eq!(prices.second, None);

        let requests = esi.requests();
        let status_requests: Vec<_> = requests.iter().filter(|r| r.path == "/status").collect();
        assert_eq!(status_requests.len(), 2);
        assert_eq!(status_requests[0].header("if-none-match"), None);
        assert_eq!(
            status_requests[1].header("if-none-match"),
            status.first.answer.etag.as_deref()
        );
        for request in &requests {
            assert_eq!(request.header("x-compatibility-date"), Some("2026-08-18"));
            assert!(
                request
                    .header("user-agent")
                    .is_some_and(|ua| ua.contains("live-check@example.com")),
                "{:?}",
                request.header("user-agent")
            );
        }

        let json = report::json(&report).expect("json");
        assert_eq!(json["routes"][0]["second"]["answer"]["status"], 304);
        assert_eq!(json["routes"][0]["comparison"]["not_modified"], true);
        assert_eq!(json["routes"][1]["wait"]["kind"], "skipped");
        assert!(json["routes"][0]["first"]["answer"]["date"]["unix"].is_i64());
        assert!(json["routes"][0]["first"]["timing"]["skew"].is_f64());
        assert!(
            json["summary"]
                .as_array()
                .is_some_and(|lines| lines.iter().any(|l| l
                    .as_str()
                    .is_some_and(|l| l.starts_with("If-None-Match answered 304 on 1 of 1"))))
        );
        let mut text = Vec::new();
        report::text(&report, &mut text).expect("text");
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains("/status  (spec window 30 s)"), "{text}");
        assert!(text.contains("  second 304 at "), "{text}");
        assert!(text.contains("not revalidated: /markets/prices"), "{text}");
        esi.shutdown();
    }

    #[tokio::test]
    async fn a_server_that_does_not_answer_is_an_error_naming_the_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        drop(listener);
        let options = options(base_url.clone(), &["/status"]);
        let plan = Plan {
            routes: vec![Route {
                path: "/status".into(),
                spec_window: None,
            }],
            ..plan(&options, Path::new("/nonexistent")).expect("plan")
        };
        let http = http_client(&options).expect("client");
        let err = check(&http, &plan, &SystemClock)
            .await
            .expect_err("nothing listens");
        assert!(
            matches!(&err, LiveCheckError::Request { url, .. } if *url == format!("{base_url}/status")),
            "{err:?}"
        );
    }

    #[test]
    fn the_default_routes_are_gets_of_the_pinned_spec_with_their_cache_times() {
        let api = esi_codegen::load(specs_dir().join("esi-openapi-2026-08-18.json")).expect("spec");
        let windows: Vec<Option<u64>> = DEFAULT_ROUTES
            .iter()
            .map(|route| spec_get(&api, route).map(|op| op.cache_seconds))
            .map(|found| found.expect("in the pinned spec"))
            .collect();
        assert_eq!(windows, [Some(30), Some(5), None, Some(3600)]);
        assert!(spec_get(&api, "/status?datasource=tranquility").is_some());
        assert!(spec_get(&api, "/universe/types").is_some());
        assert!(spec_get(&api, "/universe/types/34/extra").is_none());
    }

    #[test]
    fn bad_base_urls_and_routes_are_refused_before_asking() {
        let dir = Path::new("/nonexistent");
        let bad_url = plan(&options("esi.example".into(), &[]), dir);
        assert!(matches!(bad_url, Err(LiveCheckError::BaseUrl { .. })));
        let ftp = plan(&options("ftp://127.0.0.1".into(), &[]), dir);
        assert!(matches!(ftp, Err(LiveCheckError::BaseUrl { .. })));
        let route = plan(&options("http://127.0.0.1:1/".into(), &["status"]), dir);
        assert!(matches!(route, Err(LiveCheckError::Route(r)) if r == "status"));
        let defaults = plan(&options("http://127.0.0.1:1/".into(), &[]), dir).expect("plan");
        assert_eq!(defaults.base_url, "http://127.0.0.1:1");
        let paths: Vec<&str> = defaults.routes.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, DEFAULT_ROUTES);
    }
}
