//! TLS to Postgres, for agents and replicas that reach the database over a network. The options are
//! libpq's, in `DATABASE_URL`'s query: `sslmode` (`disable`, `prefer`, `require`, `verify-ca`,
//! `verify-full`), `sslrootcert` (the CA file), and `sslcert` + `sslkey` (a client certificate). The
//! pool (sqlx, rustls) reads them itself; the `LISTEN` connection (tokio-postgres) gets them from
//! here (`connect_listener`), with the same meaning.

mod stream;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use stream::RustlsConnect;

/// How much TLS a connection insists on (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked (libpq's default).
    Prefer,
    /// TLS always; the certificate is not checked.
    Require,
    /// TLS, and a certificate chain to the CA; any host name.
    VerifyCa,
    /// TLS, a chain to the CA, and the certificate names the host connected to.
    VerifyFull,
}

/// The TLS options in a Postgres URL.
#[derive(Debug, Clone)]
pub struct PgTls {
    pub mode: SslMode,
    pub root_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

impl PgTls {
    /// Splits `url` into the URL without the TLS options (tokio-postgres knows none of them but
    /// `sslmode`, and not all its values) and the options.
    pub fn from_url(url: &str) -> anyhow::Result<(String, PgTls)> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut tls = PgTls {
            mode: SslMode::Prefer,
            root_cert: None,
            client_cert: None,
            client_key: None,
        };
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match key {
                "sslmode" => tls.mode = parse_mode(&value)?,
                "sslrootcert" => tls.root_cert = Some(PathBuf::from(value)),
                "sslcert" => tls.client_cert = Some(PathBuf::from(value)),
                "sslkey" => tls.client_key = Some(PathBuf::from(value)),
                _ => rest.push(pair),
            }
        }
        let url = match rest.is_empty() {
            true => base.to_owned(),
            false => format!("{base}?{}", rest.join("&")),
        };
        Ok((url, tls))
    }

    /// Whether this mode sends data without checking who receives it (`prefer`, `require`).
    pub fn unverified(&self) -> bool {
        matches!(self.mode, SslMode::Prefer | SslMode::Require)
    }

    /// The rustls client configuration these options ask for.
    pub fn client_config(&self) -> anyhow::Result<rustls::ClientConfig> {
        crate::net::install_crypto_provider();
        let builder = rustls::ClientConfig::builder();
        let builder = match self.mode {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verify::Unverified::new())),
            SslMode::VerifyCa => builder
                .dangerous()
                .with_custom_certificate_verifier(verify::AnyName::new(self.roots()?)?),
            SslMode::VerifyFull => builder.with_root_certificates(self.roots()?),
        };
        match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let certs = read_certs(cert)?;
                let key = PrivateKeyDer::from_pem_file(key).with_context(|| {
                    format!("sslkey: cannot read a private key from {}", key.display())
                })?;
                builder
                    .with_client_auth_cert(certs, key)
                    .context("sslcert/sslkey: the certificate and key do not go together")
            }
            (None, None) => Ok(builder.with_no_client_auth()),
            _ => {
                anyhow::bail!("DATABASE_URL: sslcert and sslkey go together; give both or neither")
            }
        }
    }

    /// The CA file's certificates (`sslrootcert`), or the system's trust store without one.
    fn roots(&self) -> anyhow::Result<rustls::RootCertStore> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                for cert in read_certs(path)? {
                    roots.add(cert).with_context(|| {
                        format!("sslrootcert: a bad certificate in {}", path.display())
                    })?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
            }
        }
        Ok(roots)
    }
}

fn read_certs(path: &PathBuf) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read certificates from {}", path.display()))?;
    anyhow::ensure!(!certs.is_empty(), "no certificate in {}", path.display());
    Ok(certs)
}

fn parse_mode(value: &str) -> anyhow::Result<SslMode> {
    Ok(match value {
        "disable" => SslMode::Disable,
        "allow" | "prefer" => SslMode::Prefer,
        "require" => SslMode::Require,
        "verify-ca" => SslMode::VerifyCa,
        "verify-full" => SslMode::VerifyFull,
        other => anyhow::bail!(
            "DATABASE_URL: sslmode must be disable, prefer, require, verify-ca or verify-full, got {other:?}"
        ),
    })
}

/// `%2F` and friends in a path given in a URL's query.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A `LISTEN` connection to `url` with its TLS options (tokio-postgres over rustls).
pub async fn connect_listener(
    url: &str,
) -> anyhow::Result<(
    tokio_postgres::Client,
    tokio_postgres::Connection<tokio_postgres::Socket, stream::Tls<tokio_postgres::Socket>>,
)> {
    let (plain_url, tls) = PgTls::from_url(url)?;
    let mut config: tokio_postgres::Config = plain_url.parse().context("DATABASE_URL")?;
    config.ssl_mode(match tls.mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    let connector = RustlsConnect::new(tls.client_config()?);
    let (client, connection) = config
        .connect(connector)
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe_error(&e)))?;
    Ok((client, connection))
}

/// tokio-postgres's error with its cause (a TLS failure says why the certificate was refused).
fn describe_error(err: &tokio_postgres::Error) -> String {
    use std::error::Error;
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_options_leave_the_url_and_the_rest_stays() {
        let (url, tls) = PgTls::from_url(
            "postgresql://u:p@db:5432/x?sslmode=verify-full&application_name=a&sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("parses");
        assert_eq!(url, "postgresql://u:p@db:5432/x?application_name=a");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert!(!tls.unverified());
        let (url, tls) = PgTls::from_url("postgresql://db/x").expect("parses");
        assert_eq!(
            (url.as_str(), tls.mode),
            ("postgresql://db/x", SslMode::Prefer)
        );
        assert!(PgTls::from_url("postgresql://db/x?sslmode=paranoid").is_err());
    }
}
