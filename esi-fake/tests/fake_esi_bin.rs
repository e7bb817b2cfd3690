//! The `esi-fake` binary: prints its URLs, serves, stops by itself, refuses public addresses.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn refuses_to_bind_a_public_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_esi-fake"))
        .args(["--bind", "0.0.0.0", "--max-seconds", "1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("0.0.0.0") && stderr.contains("loopback"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn prints_base_urls_serves_and_stops_by_itself() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_esi-fake"))
        .args(["--max-seconds", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let esi = lines.next().expect("a line").expect("text");
    let sso = lines.next().expect("a line").expect("text");
    let esi = esi
        .strip_prefix("ESI_BASE_URL=")
        .expect("ESI line")
        .to_string();
    assert!(sso.starts_with("SSO_BASE_URL=http://127.0.0.1:"), "{sso}");
    assert!(esi.starts_with("http://127.0.0.1:"), "{esi}");

    let resp = support::client()
        .get(format!("{esi}/status"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);

    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success());
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "did not stop by itself"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
