//! The HTTP client preset: reqwest on rustls with the ring provider and the platform's
//! certificate verifier, the one TLS stack of every crate of this workspace (the client's own,
//! the SSO's, and applications' that build their own `reqwest::Client`).

use std::sync::Arc;

use crate::error::{Error, Result};

/// A `reqwest::ClientBuilder` set up with the TLS stack the runtime uses itself (rustls with
/// the ring provider and the platform's certificate verifier), for applications that build
/// their own client ([`ClientBuilder::http_client`](crate::ClientBuilder::http_client)) with a
/// proxy or other settings of theirs.
///
/// ```
/// let http = esi_runtime::http_client_builder()?
///     .gzip(true)
///     .build()
///     .map_err(|e| esi_runtime::Error::Config(e.to_string()))?;
/// let client = esi_runtime::Client::builder()
///     .user_agent(esi_runtime::UserAgent::new("MyApp", "1.0").email("me@example.com"))
///     .http_client(http)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), esi_runtime::Error>(())
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls_config()?))
}

/// rustls with the ring provider and the platform's certificate verifier: one TLS stack.
fn tls_config() -> Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
