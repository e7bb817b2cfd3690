//! Answer size caps against a hostile "SSO" of the test's own on 127.0.0.1: it serves a normal
//! metadata document, then a JWKS (or a token answer) of 64 MiB, streamed in chunks or declared
//! up front. The client must refuse it with `SsoError::AnswerTooLarge` after reading at most its
//! cap, not buffer it whole.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use esi_sso::{DEFAULT_MAX_ANSWER_BYTES, RetryPolicy, Secret, Sso, SsoConfig, SsoError};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What the hostile server sends for a huge answer.
const HUGE: u64 = 64 * 1024 * 1024;
/// One chunk of the streamed body.
const CHUNK: usize = 64 * 1024;
/// Connections the server accepts before it stops (the tests need two or three).
const MAX_CONNECTIONS: usize = 8;
/// Longest a test may take.
const TEST_LIMIT: Duration = Duration::from_secs(60);

/// How the huge answers are framed.
#[derive(Clone, Copy)]
enum Framing {
    /// `Transfer-Encoding: chunked`, no length known in advance.
    Chunked,
    /// `Content-Length: 67108864`, then the bytes.
    Declared,
}

/// What the server's handlers report.
#[derive(Default)]
struct Report {
    /// Body bytes of the huge answer that got out.
    written: AtomicU64,
    /// The huge answer's handler has finished (sent everything, or the client hung up).
    done: AtomicBool,
}

/// The hostile server: its address, and what its handlers report.
struct Hostile {
    base: String,
    report: Arc<Report>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    async fn start(framing: Framing) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let report = Arc::new(Report::default());
        let task = tokio::spawn({
            let base = base.clone();
            let report = report.clone();
            async move {
                for _ in 0..MAX_CONNECTIONS {
                    let Ok((conn, _)) = listener.accept().await else {
                        break;
                    };
                    tokio::spawn(serve(conn, base.clone(), framing, report.clone()));
                }
            }
        });
        Self { base, report, task }
    }
}

/// Reads one request (head and form body, bounded) and answers it.
async fn serve(mut conn: TcpStream, base: String, framing: Framing, report: Arc<Report>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return;
        }
        match conn.read(&mut byte).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let body_len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(64 * 1024);
    while buf.len() < head_end + body_len {
        match conn.read(&mut byte).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    if path == "/.well-known/oauth-authorization-server" {
        let doc = serde_json::json!({
            "issuer": "login.eveonline.com",
            "authorization_endpoint": format!("{base}/v2/oauth/authorize"),
            "token_endpoint": format!("{base}/v2/oauth/token"),
            "jwks_uri": format!("{base}/oauth/jwks"),
            "revocation_endpoint": format!("{base}/v2/oauth/revoke"),
            "code_challenge_methods_supported": ["S256"],
        })
        .to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{doc}",
            doc.len()
        );
        let _ = conn.write_all(answer.as_bytes()).await;
        return;
    }
    // Everything else: a huge JSON answer that would parse if read to the end.
    huge_answer(&mut conn, framing, &report.written).await;
    report.done.store(true, Ordering::SeqCst);
}

/// Sends 64 MiB of JSON until done or the client hangs up, counting what got out.
async fn huge_answer(conn: &mut TcpStream, framing: Framing, written: &AtomicU64) {
    let framing_header = match framing {
        Framing::Chunked => "transfer-encoding: chunked".to_owned(),
        Framing::Declared => format!("content-length: {HUGE}"),
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing_header}\r\nconnection: close\r\n\r\n"
    );
    if conn.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let open = br#"{"keys":[],"access_token":"x","pad":""#;
    let close = br#""}"#;
    let filler = vec![b'a'; CHUNK];
    let mut sent = 0u64;
    while sent < HUGE {
        let piece: &[u8] = if sent == 0 {
            open
        } else if HUGE - sent <= close.len() as u64 {
            close
        } else {
            let room = usize::try_from(HUGE - sent - close.len() as u64).unwrap_or(CHUNK);
            &filler[..room.min(CHUNK)]
        };
        let ok = match framing {
            Framing::Chunked => {
                let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                framed.extend_from_slice(piece);
                framed.extend_from_slice(b"\r\n");
                conn.write_all(&framed).await.is_ok()
            }
            Framing::Declared => conn.write_all(piece).await.is_ok(),
        };
        if !ok {
            return;
        }
        sent += piece.len() as u64;
        written.store(sent, Ordering::Relaxed);
    }
    if let Framing::Chunked = framing {
        let _ = conn.write_all(b"0\r\n\r\n").await;
    }
}

fn sso(base: &str) -> Sso {
    let config = SsoConfig::new("cid", "http://127.0.0.1/callback")
        .client_secret("secret")
        .base_url(base)
        .expect("base")
        .retry(RetryPolicy::none())
        .request_timeout(Duration::from_secs(30));
    Sso::new(config).expect("sso")
}

/// A token whose header parses, so `verify` goes on to fetch the JWKS.
fn token_asking_for_keys() -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#),
        b64("{}"),
        b64("sig")
    )
}

/// The server is done (the client hung up on it) and got out far less than 64 MiB: at most the
/// cap plus what the loopback socket buffers hold.
async fn assert_stopped_early(server: Hostile) {
    let started = std::time::Instant::now();
    while !server.report.done.load(Ordering::SeqCst) {
        assert!(
            started.elapsed() < TEST_LIMIT,
            "the hostile server should stop once the client hangs up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let written = server.report.written.load(Ordering::Relaxed);
    assert!(
        written < HUGE / 2,
        "the client kept reading: {written} bytes were sent"
    );
}

fn assert_too_large(r: Result<impl std::fmt::Debug, SsoError>, what: &str) {
    match r {
        Err(SsoError::AnswerTooLarge { what: w, limit }) => {
            assert_eq!(w, what);
            assert_eq!(limit, DEFAULT_MAX_ANSWER_BYTES);
        }
        other => panic!("expected AnswerTooLarge for {what}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_streamed_64_mib_jwks_is_refused_at_the_cap() {
    let server = Hostile::start(Framing::Chunked).await;
    let sso = sso(&server.base);
    let r = tokio::time::timeout(TEST_LIMIT, sso.verify(&token_asking_for_keys()))
        .await
        .expect("bounded");
    assert_too_large(r, "SSO JWKS");
    drop(sso);
    assert_stopped_early(server).await;
}

#[tokio::test]
async fn a_declared_64_mib_jwks_is_refused_before_reading() {
    let server = Hostile::start(Framing::Declared).await;
    let sso = sso(&server.base);
    let r = tokio::time::timeout(TEST_LIMIT, sso.verify(&token_asking_for_keys()))
        .await
        .expect("bounded");
    assert_too_large(r, "SSO JWKS");
    drop(sso);
    assert_stopped_early(server).await;
}

#[tokio::test]
async fn a_streamed_64_mib_token_answer_is_refused_at_the_cap() {
    let server = Hostile::start(Framing::Chunked).await;
    let sso = sso(&server.base);
    let r = tokio::time::timeout(
        TEST_LIMIT,
        sso.exchange_code_unverified(&Secret::new("code"), None),
    )
    .await
    .expect("bounded");
    assert_too_large(r, "code exchange");
    drop(sso);
    assert_stopped_early(server).await;
}

#[tokio::test]
async fn the_cap_is_configurable_and_covers_the_metadata() {
    let server = Hostile::start(Framing::Chunked).await;
    let config = SsoConfig::new("cid", "http://127.0.0.1/callback")
        .base_url(&server.base)
        .expect("base")
        .retry(RetryPolicy::none())
        .max_answer_bytes(64);
    let sso = Sso::new(config).expect("sso");
    match sso.metadata().await {
        Err(SsoError::AnswerTooLarge { what, limit }) => {
            assert_eq!(what, "SSO metadata");
            assert_eq!(limit, 64);
        }
        other => panic!("expected AnswerTooLarge, got {other:?}"),
    }
}
