//! Outbound HTTP (JWKS fetches, HTTP checks): one place that picks the TLS stack (rustls on ring).

use std::time::Duration;

/// Installs rustls' ring provider for the process; later calls are no-ops.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client with the given overall timeout and no redirects followed (callers decide what a redirect means).
pub(crate) fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("smartmon/", env!("CARGO_PKG_VERSION")))
        .build()
}
