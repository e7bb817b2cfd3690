//! Setup shared by the tests of state shared between processes (`shared_*.rs`): the gates on
//! `REDIS_URL` and `ESI_TEST_POSTGRES_URL` (skip with a message, or fail under `CI`), child
//! processes (the test binary re-run with [`CHILD_ENV`] set, so they are real OS processes),
//! and a `redis-server` of the test's own that it can hang and kill.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Set in child processes: the job, as JSON.
pub const CHILD_ENV: &str = "ESI_SHARED_STATE_CHILD";

/// Environment variable naming the Redis server.
pub const REDIS_ENV: &str = "REDIS_URL";

/// Environment variable naming the PostgreSQL server.
pub const PG_ENV: &str = "ESI_TEST_POSTGRES_URL";

/// The value of `var`, or `None` (with a SKIPPED message) when the test is to be skipped; under
/// `CI` a missing value is a failure.
fn required_env(var: &str, test: &str, how: &str) -> Option<String> {
    match std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
        Some(value) => Some(value.trim().to_string()),
        None if std::env::var_os("CI").is_some() => {
            panic!("{test}: {var} is not set, and CI requires this test to run ({how})")
        }
        None => {
            eprintln!("SKIPPED {test}: {var} is not set (run `{how}` first)");
            None
        }
    }
}

/// `REDIS_URL`, or `None` when the test is skipped.
pub fn redis_url(test: &str) -> Option<String> {
    required_env(REDIS_ENV, test, "eval \"$(bash .ci/redis.sh)\"")
}

/// `ESI_TEST_POSTGRES_URL`, or `None` when the test is skipped.
pub fn postgres_url(test: &str) -> Option<String> {
    required_env(PG_ENV, test, "eval \"$(bash .ci/postgres.sh)\"")
}

/// Milliseconds since 1970: children start their work at an agreed moment.
pub fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Sleeps until `start_at` (milliseconds since 1970), at most 10 s.
pub async fn sleep_until(start_at: u128) {
    let wait = start_at.saturating_sub(now_ms());
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(wait).unwrap_or(0).min(10_000),
    ))
    .await;
}

/// 12 random hex digits.
pub fn random_suffix() -> String {
    format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// The job of a child process, when this process is one.
pub fn child_job<T: serde::de::DeserializeOwned>() -> Option<T> {
    let text = std::env::var(CHILD_ENV).ok()?;
    Some(serde_json::from_str(&text).expect("child job"))
}

/// Runs `jobs.len()` copies of this test binary, each running only the test `entry` with one
/// job, and returns what each printed after `CHILD_RESULT ` (asserting they all succeeded
/// within `limit`).
pub async fn run_children(entry: &str, jobs: &[String], limit: Duration) -> Vec<String> {
    let exe = std::env::current_exe().expect("test binary");
    let mut children = Vec::new();
    for job in jobs {
        let child = tokio::process::Command::new(&exe)
            .args([entry, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, job)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn child");
        children.push(child);
    }
    let mut results = Vec::new();
    for child in children {
        let out = tokio::time::timeout(limit, child.wait_with_output())
            .await
            .expect("child finished in time")
            .expect("child output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("CHILD_RESULT ").map(|(_, rest)| rest.trim()))
            .unwrap_or_else(|| panic!("child reported nothing:\n{stdout}\n{stderr}"))
            .to_owned();
        results.push(line);
    }
    results
}

/// `key=value` pairs of a child's result line.
pub fn field(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

/// A `redis-server` started by a test on a free port of 127.0.0.1, killed when dropped.
pub struct OwnRedis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl OwnRedis {
    /// Starts one; `None` (skipped, or a failure under `CI`) without `redis-server`.
    pub fn start(test: &str) -> Option<Self> {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            if std::env::var_os("CI").is_some() {
                panic!("{test}: redis-server is not installed, and CI requires this test to run");
            }
            eprintln!("SKIPPED {test}: redis-server is not installed (run `bash .ci/redis.sh`)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("esi-own-redis-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("redis dir");
        let mut redis = OwnRedis {
            child: None,
            port,
            dir,
        };
        redis.spawn();
        Some(redis)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let started = Instant::now();
        while !self.answers() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not answer on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Whether it answers `PING` within 200 ms.
    pub fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let timeout = Some(Duration::from_millis(200));
        if stream.set_read_timeout(timeout).is_err() || stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 7];
        stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let ok = Command::new("kill")
            .args([signal, &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {signal} {pid}");
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing answers.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Thaws a frozen server (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    /// Kills the server (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: it keeps nothing).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        // SIGKILL ends a frozen server too.
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
