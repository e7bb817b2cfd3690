//! `cargo xtask refresh-spec` and `cargo xtask spec-diff`: fetch a newer ESI spec into
//! `specs/` safely, and show what a spec changes against another.
//!
//! [`refresh`] asks `/meta/compatibility-dates` for the newest date (unless one is given),
//! downloads `/meta/openapi.json` for it (or `/{version}/swagger.json`) into a temporary file
//! next to the target, validates it (it parses, it is the kind and date asked for, and the
//! generator emits a client from it), diffs it against the spec it replaces (or the newest
//! pinned one of its kind), and only then renames it into place. Any failure leaves the folder
//! as it was. The diff is [`esi_codegen::diff`], the same code `spec-diff` prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use esi_codegen::diff::SpecDiff;
use esi_codegen::model::{Api, SpecKind};

/// ESI's production server: the runtime's, the one place its host is written.
pub const DEFAULT_BASE_URL: &str = esi_client::DEFAULT_BASE_URL;

/// Largest spec accepted (today's are under 3 MB).
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// What to fetch and where to put it.
#[derive(Debug, Clone)]
pub struct RefreshOptions {
    /// Server to ask (default [`DEFAULT_BASE_URL`]).
    pub base_url: String,
    /// Folder the spec goes to (the workspace's `specs/`).
    pub out_dir: PathBuf,
    /// Compatibility date to fetch (default: the newest ESI lists).
    pub date: Option<String>,
    /// Fetch `/{version}/swagger.json` instead of an OpenAPI spec.
    pub swagger: Option<String>,
    /// Timeout of each request (connect, and between reads).
    pub timeout: Duration,
}

impl RefreshOptions {
    /// Defaults for `out_dir`: ESI's server, the newest date, 30 s timeouts.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        RefreshOptions {
            base_url: DEFAULT_BASE_URL.into(),
            out_dir: out_dir.into(),
            date: None,
            swagger: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// What [`refresh`] did.
#[derive(Debug)]
pub struct Refreshed {
    /// The file written.
    pub path: PathBuf,
    /// Whether it replaced a file of the same name.
    pub replaced: bool,
    /// Compatibility date (OpenAPI) or route and spec version (Swagger) fetched.
    pub version: String,
    /// Bytes downloaded.
    pub bytes: u64,
    /// Operations in the new spec.
    pub operations: usize,
    /// Lines of client code the generator emitted from it.
    pub generated_lines: usize,
    /// The spec it was compared with, and the differences.
    pub compared: Option<(PathBuf, SpecDiff)>,
    /// Why no comparison was made, when none was.
    pub not_compared: Option<String>,
}

/// Why a refresh failed. The target folder is unchanged whenever one is returned.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// A bad option.
    #[error("{0}")]
    Usage(String),
    /// The request could not be made or the answer not read.
    #[error("GET {url}: {}", causes(source))]
    Http {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("GET {url}: HTTP {status}: {excerpt}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
    /// `/meta/compatibility-dates` did not answer a list of dates.
    #[error("GET {url}: not a list of compatibility dates: {message}")]
    Dates {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The spec is larger than [`MAX_SPEC_BYTES`].
    #[error("GET {url}: the spec is larger than {MAX_SPEC_BYTES} bytes")]
    TooLarge {
        /// The URL.
        url: String,
    },
    /// The download is not a spec the generator accepts.
    #[error("the downloaded spec is invalid: {0}")]
    Invalid(String),
    /// A file could not be written, renamed or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// An error and its causes, `: `-separated (reqwest keeps the useful part in the causes).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    for _ in 0..8 {
        let Some(cause) = next else { break };
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RefreshError + '_ {
    move |source| RefreshError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A temporary download, removed unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The HTTP client: rustls with ring and the platform verifier (the workspace's one TLS
/// stack), no proxy for loopback servers.
fn http_client(options: &RefreshOptions) -> Result<reqwest::Client, RefreshError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| RefreshError::Usage(format!("cannot set up TLS: {e}")))?
        .with_no_client_auth();
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(concat!(
            "esi-rs-xtask/",
            env!("CARGO_PKG_VERSION"),
            " (+https://github.com/esi-rs/esi-rs)"
        ))
        .connect_timeout(options.timeout)
        .read_timeout(options.timeout)
        .gzip(true);
    if is_loopback(&options.base_url) {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| RefreshError::Usage(format!("cannot build the HTTP client: {e}")))
}

/// Whether `base_url` names this machine (the fake ESI): such requests skip any proxy.
pub(crate) fn is_loopback(base_url: &str) -> bool {
    reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]")
}

/// Fetches, validates and stores a spec; `progress` is told the bytes downloaded so far and
/// the announced total.
pub async fn refresh(
    options: &RefreshOptions,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Refreshed, RefreshError> {
    let base = options.base_url.trim_end_matches('/').to_string();
    reqwest::Url::parse(&base)
        .map_err(|e| RefreshError::Usage(format!("bad --base-url {base:?}: {e}")))?;
    if !options.out_dir.is_dir() {
        return Err(RefreshError::Usage(format!(
            "{} is not a directory",
            options.out_dir.display()
        )));
    }
    let client = http_client(options)?;
    let now = SystemTime::now();

    // What to download.
    let (url, wanted) = match (&options.swagger, &options.date) {
        (Some(_), Some(_)) => {
            return Err(RefreshError::Usage(
                "--swagger and --date do not go together: Swagger specs have no compatibility \
                 date"
                    .into(),
            ));
        }
        (Some(version), None) => {
            let version = version.trim_matches('/');
            if version.is_empty()
                || !version
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
            {
                return Err(RefreshError::Usage(format!(
                    "bad --swagger version {version:?} (e.g. latest, v1, dev)"
                )));
            }
            (
                format!("{base}/{version}/swagger.json"),
                Wanted::Route(version.to_string()),
            )
        }
        (None, Some(date)) => {
            esi_client::check_compatibility_date(date, now)
                .map_err(|e| RefreshError::Usage(format!("--date: {e}")))?;
            (openapi_url(&base, date), Wanted::Date(date.clone()))
        }
        (None, None) => {
            let date = newest_date(&client, &base, now).await?;
            (openapi_url(&base, &date), Wanted::Date(date))
        }
    };
    let date = match &wanted {
        Wanted::Date(date) => Some(date.as_str()),
        Wanted::Route(_) => None,
    };

    // Download next to the target, so the final rename stays on one file system.
    let temp = TempFile {
        path: options.out_dir.join(format!(
            ".esi-spec-download-{}-{}.json",
            std::process::id(),
            now.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        )),
        keep: false,
    };
    let bytes = download(&client, &url, date, &temp.path, progress).await?;

    // Validate: it parses, is what was asked for, and generates.
    let api = esi_codegen::load(&temp.path).map_err(|e| RefreshError::Invalid(e.to_string()))?;
    let (file_name, version) = match &wanted {
        Wanted::Route(route) => {
            if api.kind != SpecKind::Swagger2 {
                return Err(RefreshError::Invalid(format!(
                    "{url} is not a Swagger 2.0 document"
                )));
            }
            let spec_version: String = api
                .version
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            (
                format!("esi-swagger-{route}-v{spec_version}.json"),
                format!("{route} (spec version {})", api.version),
            )
        }
        Wanted::Date(date) => {
            if !api.kind.uses_compatibility_date() {
                return Err(RefreshError::Invalid(format!(
                    "{url} is not an OpenAPI document"
                )));
            }
            match api.compatibility_date.as_deref() {
                Some(served) if served == date => {}
                Some(served) => {
                    return Err(RefreshError::Invalid(format!(
                        "asked for compatibility date {date}, got a spec for {served}"
                    )));
                }
                None => {
                    return Err(RefreshError::Invalid(format!(
                        "the spec names no compatibility date (asked for {date})"
                    )));
                }
            }
            (esi_codegen::spec_files::spec_file_name(date), date.clone())
        }
    };
    if api.operations.is_empty() {
        return Err(RefreshError::Invalid("the spec has no operations".into()));
    }
    let generated = esi_codegen::Generator::new(api.clone())
        .generate()
        .map_err(|e| RefreshError::Invalid(format!("the generator rejects it: {e}")))?;

    // Compare with what it replaces, or the newest spec of its kind.
    let target = options.out_dir.join(&file_name);
    let replaced = target.exists();
    let previous = if replaced {
        Some(target.clone())
    } else {
        newest_pinned(&options.out_dir, api.kind, &file_name)
    };
    let (compared, not_compared) = match previous {
        None => (
            None,
            Some("no earlier spec of this kind in the folder".to_string()),
        ),
        Some(path) => match esi_codegen::load(&path) {
            Ok(old) => {
                let diff = esi_codegen::diff::diff(&old, &api);
                (Some((path, diff)), None)
            }
            Err(e) => (None, Some(format!("{} does not load: {e}", path.display()))),
        },
    };

    // Into place, atomically.
    if let Ok(file) = std::fs::File::open(&temp.path) {
        let _ = file.sync_all();
    }
    let mut temp = temp;
    std::fs::rename(&temp.path, &target).map_err(io(&target))?;
    temp.keep = true;
    Ok(Refreshed {
        path: target,
        replaced,
        version,
        bytes,
        operations: api.operations.len(),
        generated_lines: generated.lines(),
        compared,
        not_compared,
    })
}

/// The spec asked for.
enum Wanted {
    /// An OpenAPI spec of this compatibility date.
    Date(String),
    /// A Swagger spec of this route version.
    Route(String),
}

fn openapi_url(base: &str, date: &str) -> String {
    format!("{base}/meta/openapi.json?compatibility_date={date}")
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)])
        .trim()
        .to_string()
}

/// The newest date `/meta/compatibility-dates` lists.
async fn newest_date(
    client: &reqwest::Client,
    base: &str,
    now: SystemTime,
) -> Result<String, RefreshError> {
    let url = format!("{base}/meta/compatibility-dates");
    // Any valid date may be sent; ESI's today sees every route.
    let today = esi_client::esi_today(now).to_string();
    let response = client
        .get(&url)
        .header("X-Compatibility-Date", &today)
        .send()
        .await
        .map_err(|source| RefreshError::Http {
            url: url.clone(),
            source,
        })?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|source| RefreshError::Http {
            url: url.clone(),
            source,
        })?;
    if status != 200 {
        return Err(RefreshError::Status {
            url,
            status,
            excerpt: excerpt(&body),
        });
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| RefreshError::Dates {
            url: url.clone(),
            message: e.to_string(),
        })?;
    let list = value
        .get("compatibility_dates")
        .unwrap_or(&value)
        .as_array()
        .ok_or_else(|| RefreshError::Dates {
            url: url.clone(),
            message: format!(
                "expected {{\"compatibility_dates\": [...]}}, got {}",
                excerpt(&body)
            ),
        })?;
    let mut dates = Vec::new();
    for entry in list {
        let text = entry.as_str().ok_or_else(|| RefreshError::Dates {
            url: url.clone(),
            message: format!("{entry} is not a string"),
        })?;
        esi_client::check_compatibility_date(text, now).map_err(|e| RefreshError::Dates {
            url: url.clone(),
            message: e.to_string(),
        })?;
        dates.push(text.to_string());
    }
    dates.into_iter().max().ok_or(RefreshError::Dates {
        url,
        message: "the list is empty".into(),
    })
}

/// Streams `url` into `path`, reporting progress; at most [`MAX_SPEC_BYTES`].
async fn download(
    client: &reqwest::Client,
    url: &str,
    date: Option<&str>,
    path: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<u64, RefreshError> {
    let mut request = client.get(url);
    if let Some(date) = date {
        request = request.header("X-Compatibility-Date", date);
    }
    let http = |source| RefreshError::Http {
        url: url.to_string(),
        source,
    };
    let mut response = request.send().await.map_err(http)?;
    let status = response.status().as_u16();
    if status != 200 {
        let body = response.bytes().await.map_err(http)?;
        return Err(RefreshError::Status {
            url: url.to_string(),
            status,
            excerpt: excerpt(&body),
        });
    }
    let total = response.content_length();
    if total.is_some_and(|t| t > MAX_SPEC_BYTES) {
        return Err(RefreshError::TooLarge { url: url.into() });
    }
    let mut file = std::fs::File::create(path).map_err(io(path))?;
    let mut bytes: u64 = 0;
    progress(0, total);
    while let Some(chunk) = response.chunk().await.map_err(http)? {
        bytes += chunk.len() as u64;
        if bytes > MAX_SPEC_BYTES {
            return Err(RefreshError::TooLarge { url: url.into() });
        }
        file.write_all(&chunk).map_err(io(path))?;
        progress(bytes, total);
    }
    file.flush().map_err(io(path))?;
    Ok(bytes)
}

/// The newest other spec of `kind` in `dir`: OpenAPI by date, Swagger by name.
fn newest_pinned(dir: &Path, kind: SpecKind, except: &str) -> Option<PathBuf> {
    let prefix = if kind == SpecKind::Swagger2 {
        "esi-swagger-"
    } else {
        "esi-openapi-"
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".json") && n != except)
        .collect();
    names.sort();
    names.pop().map(|n| dir.join(n))
}

/// Loads two spec files and compares them (what `spec-diff` prints).
pub fn spec_diff(old: &Path, new: &Path) -> anyhow::Result<SpecDiff> {
    let load = |path: &Path| -> anyhow::Result<Api> {
        esi_codegen::load(path).map_err(|e| anyhow::anyhow!("{e}"))
    };
    Ok(esi_codegen::diff::diff(&load(old)?, &load(new)?))
}

/// A progress line on stderr, rewritten in place (at most every 64 KiB).
pub fn progress_line(url: &str) -> impl FnMut(u64, Option<u64>) {
    let mut shown: u64 = 0;
    let url = url.to_string();
    move |bytes, total| {
        if bytes != 0 && bytes < shown + 64 * 1024 && Some(bytes) != total {
            return;
        }
        shown = bytes;
        let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
        eprint!("\rdownloading {url}: {bytes}{of} bytes   ");
        let _ = std::io::stderr().flush();
    }
}

/// Prints what a refresh did (a closed pipe, as with `| head`, is not an error).
pub fn report(done: &Refreshed, out: &mut dyn Write) {
    let _ = write_report(done, out);
}

fn write_report(done: &Refreshed, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {} ({}): {} bytes, {} operations; the generator emits {} lines from it",
        if done.replaced { "replaced" } else { "wrote" },
        done.path.display(),
        done.version,
        done.bytes,
        done.operations,
        done.generated_lines
    )?;
    match (&done.compared, &done.not_compared) {
        (Some((path, diff)), _) => {
            writeln!(out, "\nChanges against {}:", path.display())?;
            write!(out, "{diff}")?;
        }
        (None, Some(why)) => writeln!(out, "not compared: {why}")?,
        (None, None) => {}
    }
    if !done.replaced {
        writeln!(
            out,
            "\nRecord where {} came from in specs/SOURCES.md.",
            done.path.file_name().unwrap_or_default().to_string_lossy()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use esi_fake::esi::config::specs_dir;
    use esi_fake::esi::{FakeEsi, FakeEsiConfig, Fault, FaultKind};

    /// A fresh, empty folder under the system temp dir, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "esi-xtask-{name}-{}-{}",
                std::process::id(),
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            ));
            std::fs::create_dir_all(&path).expect("temp dir");
            Dir(path)
        }

        fn names(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .expect("read dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn fake(change: impl FnOnce(FakeEsiConfig) -> FakeEsiConfig) -> FakeEsi {
        FakeEsi::start(change(FakeEsiConfig::default()))
            .await
            .expect("fake ESI starts")
    }

    fn options(esi: &FakeEsi, dir: &Dir) -> RefreshOptions {
        RefreshOptions {
            base_url: esi.base_url(),
            timeout: Duration::from_secs(10),
            ..RefreshOptions::new(&dir.0)
        }
    }

    const OLD_BYTES: &str = "{\"old\": \"copy kept on failure\"}";

    #[tokio::test]
    async fn fetches_the_newest_date_validates_and_diffs_against_the_newest_pinned() {
        let esi = fake(|c| c).await;
        let dir = Dir::new("ok");
        std::fs::copy(
            specs_dir().join("esi-openapi-2025-11-06.json"),
            dir.0.join("esi-openapi-2025-11-06.json"),
        )
        .expect("copy");
        let mut seen = Vec::new();
        let done = refresh(&options(&esi, &dir), &mut |b, t| seen.push((b, t)))
            .await
            .expect("refresh succeeds");
        assert_eq!(done.version, "2026-08-18");
        assert_eq!(done.path, dir.0.join("esi-openapi-2026-08-18.json"));
        assert!(!done.replaced);
        assert_eq!(done.operations, 233);
        assert_eq!(
            std::fs::read(&done.path).expect("written"),
            std::fs::read(specs_dir().join("esi-openapi-2026-08-18.json")).expect("pinned"),
        );
        let (against, diff) = done.compared.as_ref().expect("compared");
        assert_eq!(against, &dir.0.join("esi-openapi-2025-11-06.json"));
        assert_eq!((diff.added.len(), diff.removed.len()), (33, 2));
        // Progress went from 0 to every byte.
        assert_eq!(seen.first(), Some(&(0, Some(done.bytes))));
        assert_eq!(seen.last().map(|p| p.0), Some(done.bytes));
        assert_eq!(
            dir.names(),
            ["esi-openapi-2025-11-06.json", "esi-openapi-2026-08-18.json"]
        );

        let requests = esi.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].path, "/meta/compatibility-dates");
        assert_eq!(requests[1].path, "/meta/openapi.json");
        assert_eq!(
            requests[1].header("x-compatibility-date"),
            Some("2026-08-18")
        );
        assert_eq!(
            requests[1].query_param("compatibility_date").as_deref(),
            Some("2026-08-18")
        );
        esi.shutdown();
    }

    #[tokio::test]
    async fn refreshing_the_same_date_replaces_it_and_reports_no_change() {
        let esi = fake(|c| c).await;
        let dir = Dir::new("same");
        let mut opts = options(&esi, &dir);
        opts.date = Some("2026-08-18".into());
        refresh(&opts, &mut |_, _| {}).await.expect("first");
        let done = refresh(&opts, &mut |_, _| {}).await.expect("second");
        assert!(done.replaced);
        let (against, diff) = done.compared.as_ref().expect("compared");
        assert_eq!(against, &done.path);
        assert!(diff.is_empty(), "{diff}");
        // No compatibility-dates request when the date is given.
        assert_eq!(esi.count_for("/meta/compatibility-dates"), 0);
        esi.shutdown();
    }

    async fn fails_keeping_the_old_file(
        esi: &FakeEsi,
        opts: &RefreshOptions,
        dir: &Dir,
    ) -> RefreshError {
        let target = dir.0.join("esi-openapi-2026-08-18.json");
        std::fs::write(&target, OLD_BYTES).expect("old copy");
        let err = refresh(opts, &mut |_, _| {})
            .await
            .expect_err("refresh fails");
        assert_eq!(
            std::fs::read_to_string(&target).expect("old copy still there"),
            OLD_BYTES
        );
        assert_eq!(
            dir.names(),
            ["esi-openapi-2026-08-18.json"],
            "no temp file left"
        );
        let _ = esi;
        err
    }

    #[tokio::test]
    async fn a_server_error_keeps_the_old_file() {
        let esi = fake(|c| c).await;
        let dir = Dir::new("503");
        esi.inject(Fault {
            path: Some("/meta/openapi.json".into()),
            ..Fault::status(503)
        });
        let err = fails_keeping_the_old_file(&esi, &options(&esi, &dir), &dir).await;
        match err {
            RefreshError::Status { status, url, .. } => {
                assert_eq!(status, 503);
                assert!(url.ends_with("/meta/openapi.json?compatibility_date=2026-08-18"));
            }
            other => panic!("{other}"),
        }

        // A failing date list stops before any download.
        esi.inject(Fault {
            path: Some("/meta/compatibility-dates".into()),
            ..Fault::status(500)
        });
        let err = fails_keeping_the_old_file(&esi, &options(&esi, &dir), &dir).await;
        assert!(
            matches!(err, RefreshError::Status { status: 500, .. }),
            "{err}"
        );
        esi.shutdown();
    }

    #[tokio::test]
    async fn an_invalid_or_cut_download_keeps_the_old_file() {
        let esi = fake(|c| c).await;
        let dir = Dir::new("invalid");
        esi.inject(Fault {
            path: Some("/meta/openapi.json".into()),
            ..Fault::new(FaultKind::TruncatedJson)
        });
        let err = fails_keeping_the_old_file(&esi, &options(&esi, &dir), &dir).await;
        assert!(
            matches!(&err, RefreshError::Invalid(m) if m.contains("not valid JSON")),
            "{err}"
        );

        esi.inject(Fault {
            path: Some("/meta/openapi.json".into()),
            ..Fault::truncated_body()
        });
        let err = fails_keeping_the_old_file(&esi, &options(&esi, &dir), &dir).await;
        assert!(matches!(err, RefreshError::Http { .. }), "{err}");
        esi.shutdown();
    }

    #[tokio::test]
    async fn a_spec_for_another_date_is_refused() {
        // The fake serves its one spec (2026-08-18) whatever date is asked for.
        let esi = fake(|c| c).await;
        let dir = Dir::new("date");
        let mut opts = options(&esi, &dir);
        opts.date = Some("2025-11-06".into());
        std::fs::write(dir.0.join("esi-openapi-2025-11-06.json"), OLD_BYTES).expect("old");
        let err = refresh(&opts, &mut |_, _| {}).await.expect_err("refused");
        assert_eq!(
            err.to_string(),
            "the downloaded spec is invalid: asked for compatibility date 2025-11-06, got a \
             spec for 2026-08-18"
        );
        assert_eq!(
            std::fs::read_to_string(dir.0.join("esi-openapi-2025-11-06.json")).expect("kept"),
            OLD_BYTES
        );
        assert_eq!(dir.names(), ["esi-openapi-2025-11-06.json"]);
        esi.shutdown();
    }

    #[tokio::test]
    async fn bad_options_fail_before_any_request() {
        let esi = fake(|c| c).await;
        let dir = Dir::new("usage");
        let mut opts = options(&esi, &dir);
        opts.date = Some("2019-01-01".into());
        let err = refresh(&opts, &mut |_, _| {}).await.expect_err("old date");
        assert!(err.to_string().contains("2020-01-01"), "{err}");
        opts.date = Some("2026-08-18".into());
        opts.swagger = Some("latest".into());
        assert!(matches!(
            refresh(&opts, &mut |_, _| {}).await,
            Err(RefreshError::Usage(_))
        ));
        assert!(esi.requests().is_empty());
        esi.shutdown();
    }

    #[tokio::test]
    async fn swagger_specs_come_from_the_route_version() {
        let esi = fake(|c| c.spec(specs_dir().join("esi-swagger-latest-v1.3.8.json"))).await;
        let dir = Dir::new("swagger");
        let mut opts = options(&esi, &dir);
        opts.swagger = Some("v1".into());
        let done = refresh(&opts, &mut |_, _| {}).await.expect("refresh");
        assert_eq!(done.path, dir.0.join("esi-swagger-v1-v1.3.8.json"));
        assert_eq!(done.operations, 206);
        assert!(done.compared.is_none());
        assert_eq!(esi.requests()[0].path, "/v1/swagger.json");

        // Asking an OpenAPI server for Swagger is a 404, as on today's ESI.
        let openapi = fake(|c| c).await;
        let mut opts = options(&openapi, &dir);
        opts.swagger = Some("latest".into());
        let err = refresh(&opts, &mut |_, _| {}).await.expect_err("404");
        assert!(
            matches!(err, RefreshError::Status { status: 404, .. }),
            "{err}"
        );
        esi.shutdown();
        openapi.shutdown();
    }

    #[test]
    fn spec_diff_of_the_pinned_specs() {
        let diff = spec_diff(
            &specs_dir().join("esi-openapi-2025-11-06.json"),
            &specs_dir().join("esi-openapi-2026-08-18.json"),
        )
        .expect("diff");
        assert!(
            diff.to_string()
                .starts_with("ESI spec diff: 2025-11-06 (202 operations) → 2026-08-18 (233 operations)\n33 added, 2 removed, ")
        );
        assert!(
            spec_diff(
                &specs_dir().join("nope.json"),
                &specs_dir().join("nope.json")
            )
            .is_err()
        );
    }
}
