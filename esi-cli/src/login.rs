//! `esi login`: the EVE SSO login of a native application (PKCE, no client secret), with a
//! listener on the loopback callback URL the application registered.
//!
//! Invariant: only a request carrying the login's own `state` ends the wait; anything else
//! reaching the callback URL (another tab, another program on the machine) gets a plain error
//! page and is otherwise ignored, until the right one arrives or the timeout.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use esi_sso::Callback;
use esi_store::{Token, TokenStore};
use tokio::sync::oneshot;
use url::Url;

/// What the callback handler waits for: the login's `state`, and where to send the query of
/// the request that carries it.
struct Waiting {
    state: String,
    sender: Mutex<Option<oneshot::Sender<String>>>,
}

/// Logs a character in: prints (and hands `show` the) SSO URL, waits up to `timeout` for the
/// browser to come back to the callback URL, stores the token.
pub(crate) async fn login(
    store: &TokenStore,
    scopes: &str,
    timeout: Duration,
    show: impl FnOnce(&Url),
) -> anyhow::Result<Token> {
    let callback = Url::parse(&store.sso().config().callback_url)
        .context("ESI_SSO_CALLBACK_URL is not a URL")?;
    let addr = loopback_addr(&callback)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for the SSO callback"))?;

    let session = format!("esi-cli-{}", std::process::id());
    let scopes = scopes.replace(',', " ");
    let redirect = store.start_login(&session, scopes.as_str(), "/").await?;

    let (tx, rx) = oneshot::channel::<String>();
    let waiting = Arc::new(Waiting {
        state: redirect.state.clone(),
        sender: Mutex::new(Some(tx)),
    });
    let app = axum::Router::new()
        .route(callback.path(), axum::routing::get(receive))
        .with_state(waiting);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });

    eprintln!(
        "Open this URL to log in with EVE SSO:\n\n  {}\n",
        redirect.url
    );
    show(&redirect.url);
    let query = tokio::time::timeout(timeout, rx).await;
    let _ = stop_tx.send(());
    let _ = server.await;
    let query = match query {
        Ok(Ok(query)) => query,
        Ok(Err(_)) => bail!("the callback listener stopped"),
        Err(_) => bail!("no answer from the SSO within {} s", timeout.as_secs()),
    };
    let callback = Callback::from_query(&query)?;
    let finished = store.finish_login(&session, &callback, None).await?;
    Ok(finished.token)
}

/// The callback URL must be plain HTTP on a loopback address: that is where we listen.
fn loopback_addr(callback: &Url) -> anyhow::Result<SocketAddr> {
    if callback.scheme() != "http" {
        bail!("the callback URL of a native login must be http://127.0.0.1:PORT/...: {callback}");
    }
    let ip = match callback.host() {
        Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        Some(url::Host::Domain("localhost")) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        _ => bail!("the callback URL must be on 127.0.0.1 or localhost: {callback}"),
    };
    if !ip.is_loopback() {
        bail!("the callback URL must be on a loopback address: {callback}");
    }
    let port = callback
        .port_or_known_default()
        .context("the callback URL has no port")?;
    Ok(SocketAddr::new(ip, port))
}

async fn receive(State(waiting): State<Arc<Waiting>>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    if !state_matches(&query, &waiting.state) {
        tracing::warn!("ignored a request to the login callback URL that is not this login's");
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This is not the login the esi command is waiting for; it was ignored.\n",
        )
            .into_response();
    }
    let sender = waiting.sender.lock().ok().and_then(|mut p| p.take());
    if let Some(sender) = sender {
        let _ = sender.send(query);
    }
    Html(
        "<!doctype html><title>esi login</title><p>Login received. You can close this tab and \
         return to the terminal.</p>",
    )
    .into_response()
}

/// Whether the callback query carries `expected` as its `state` (compared in constant time:
/// the state is the login's secret against forged callbacks).
fn state_matches(query: &str, expected: &str) -> bool {
    let query = query.strip_prefix('?').unwrap_or(query);
    let state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    let Some(state) = state else {
        return false;
    };
    let (a, b) = (state.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Opens the URL in a browser when there is a desktop to show one.
pub(crate) fn open_browser(url: &Url) {
    let desktop = cfg!(any(target_os = "macos", target_os = "windows"))
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if desktop && open::that_detached(url.as_str()).is_err() {
        eprintln!("(could not open a browser; copy the URL above)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_must_be_loopback_http() {
        let ok = Url::parse("http://127.0.0.1:8765/callback").unwrap();
        assert_eq!(loopback_addr(&ok).unwrap().port(), 8765);
        assert!(loopback_addr(&Url::parse("https://127.0.0.1/cb").unwrap()).is_err());
        assert!(loopback_addr(&Url::parse("http://example.com/cb").unwrap()).is_err());
        assert!(loopback_addr(&Url::parse("http://10.0.0.1:80/cb").unwrap()).is_err());
    }

    #[test]
    fn only_the_logins_state_matches() {
        assert!(state_matches("code=c&state=abc", "abc"));
        assert!(state_matches("?state=a%2Bc&code=c", "a+c"));
        assert!(!state_matches("code=c&state=abd", "abc"));
        assert!(!state_matches("code=c&state=ab", "abc"));
        assert!(!state_matches("code=c", "abc"));
        assert!(!state_matches("error=access_denied", "abc"));
    }
}
