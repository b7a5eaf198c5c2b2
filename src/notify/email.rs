//! Email over SMTP (`lettre`, rustls with ring): STARTTLS on 587 (the default), implicit TLS on 465, or
//! no TLS for a relay on this machine only. Optional AUTH (PLAIN or LOGIN), one or more recipients, an
//! optional CA file for a private relay. The answer kept for the delivery log is the server's reply code
//! and text, or the TLS, login or connection error in words; the password never appears in either.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::email_body::{html, plain, subject};
use super::message::Message;
use super::stored::{Config, Secrets};
use crate::db::notify_delivery::Answer;

/// Most recipients one channel may have.
const MAX_RECIPIENTS: usize = 50;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS before anything else is said (refused if not offered).
    StartTls,
    /// TLS from the first byte ("SMTPS", port 465).
    Tls,
    /// No TLS: only for a relay on this machine.
    None,
}

impl Security {
    fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            "none" => Ok(Self::None),
            other => Err(format!("security: starttls, tls or none, got {other:?}")),
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// An email channel, checked.
#[derive(Clone)]
pub struct Email {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User name and password for AUTH, when the server wants a login.
    credentials: Option<(String, String)>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    /// The private relay's CA certificate(s), PEM, trusted besides the system's.
    ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("login", &self.credentials.as_ref().map(|_| "set"))
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish()
    }
}

impl Email {
    /// Checks the settings; each message names the field as the form does.
    pub(super) fn parse(config: &Config, secrets: &Secrets) -> Result<Self, String> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err("SMTP host is required".into());
        }
        if host.len() > 253
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:_".contains(c))
        {
            return Err(format!(
                "SMTP host: a host name or IP address, got {host:?}"
            ));
        }
        let security = Security::parse(&config.security)?;
        if security == Security::None && !is_local(host) {
            return Err(format!(
                "security none sends the password and the alerts unencrypted, so it is allowed only for a \
                 relay on this machine (localhost, 127.0.0.1, ::1); use starttls or tls for {host}"
            ));
        }
        let port = match config.port.trim() {
            "" => security.default_port(),
            text => text
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("SMTP port: a number from 1 to 65535, got {text:?}"))?,
        };
        let credentials = match (secrets.username.trim(), secrets.password.is_empty()) {
            ("", true) => None,
            (user, false) if !user.is_empty() => Some((user.to_owned(), secrets.password.clone())),
            _ => return Err("give both the SMTP user name and password, or neither".into()),
        };
        let from = mailbox("from", &config.from)?;
        let to = recipients(&config.to)?;
        let ca_pem = match config.ca_file.trim() {
            "" => None,
            path => Some(ca_file(path)?),
        };
        Ok(Self {
            host: host.to_owned(),
            port,
            security,
            credentials,
            from,
            to,
            ca_pem,
        })
    }

    /// Sends `message` and returns the server's answer (or what went wrong, in words).
    pub(super) async fn send(&self, message: &Message, timeout: Duration) -> Answer {
        match self.try_send(message, timeout).await {
            Ok(response) => Answer {
                delivered: true,
                status: Some(i32::from(u16::from(response.code()))),
                body: Some(response.message().collect::<Vec<_>>().join(" ")),
                error: None,
            },
            Err(failure) => Answer {
                delivered: false,
                status: failure.code.map(i32::from),
                body: None,
                error: Some(failure.words),
            },
        }
    }

    async fn try_send(
        &self,
        message: &Message,
        timeout: Duration,
    ) -> Result<lettre::transport::smtp::response::Response, Failure> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(subject(message))
            .user_agent(concat!("smartmon/", env!("CARGO_PKG_VERSION")).to_owned());
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let email = builder
            .multipart(MultiPart::alternative_plain_html(
                plain(message),
                html(message),
            ))
            .map_err(|e| Failure::words(format!("the message could not be built: {e}")))?;
        let transport = self.transport(timeout)?;
        transport.send(email).await.map_err(Failure::from_smtp)
    }

    fn transport(&self, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, Failure> {
        crate::net::install_crypto_provider();
        let tls = || {
            let mut params = TlsParameters::builder(self.host.clone());
            if let Some(pem) = &self.ca_pem {
                let cert = Certificate::from_pem(pem)
                    .map_err(|e| Failure::words(format!("the CA file: {e}")))?;
                params = params.add_root_certificate(cert);
            }
            params
                .build_rustls()
                .map_err(|e| Failure::words(format!("TLS settings: {e}")))
        };
        let tls = match self.security {
            Security::StartTls => Tls::Required(tls()?),
            Security::Tls => Tls::Wrapper(tls()?),
            Security::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &self.credentials {
            builder = builder
                .credentials(Credentials::new(user.clone(), password.clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(builder.build())
    }
}

/// Why a message was not sent: the SMTP reply code when the server gave one, and the reason in words.
struct Failure {
    code: Option<u16>,
    words: String,
}

impl Failure {
    fn words(words: String) -> Self {
        Self { code: None, words }
    }

    fn from_smtp(err: lettre::transport::smtp::Error) -> Self {
        let detail = innermost(&err);
        let code = err.status().map(u16::from);
        let words = if let Some(code) = code {
            format!("the SMTP server answered {code}: {detail}")
        } else if err.is_timeout() {
            "the SMTP server did not answer in time".to_owned()
        } else if err.is_tls() || from_rustls(&err) {
            format!("TLS with the SMTP server failed: {detail}")
        } else if err.is_client() {
            format!("the SMTP conversation failed: {detail}")
        } else {
            format!("could not talk to the SMTP server: {detail}")
        };
        Self { code, words }
    }
}

/// Whether a cause of `err` is rustls's (a handshake failure reaches us as an I/O error).
fn from_rustls(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        let io_inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<rustls::Error>());
        if e.is::<rustls::Error>() || io_inner {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The deepest cause's text (lettre's own text is "permanent error (535)" and the like).
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    text
}

/// Whether `host` is this machine (for `security = none`).
fn is_local(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn mailbox(what: &str, text: &str) -> Result<Mailbox, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{what}: an email address is required"));
    }
    text.parse::<Mailbox>()
        .map_err(|_| format!("{what}: {text:?} is not an email address"))
}

/// One or more addresses, separated by commas, semicolons or new lines.
fn recipients(text: &str) -> Result<Vec<Mailbox>, String> {
    let to = text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| mailbox("to", t))
        .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        return Err("to: at least one email address is required".into());
    }
    if to.len() > MAX_RECIPIENTS {
        return Err(format!("to: at most {MAX_RECIPIENTS} addresses"));
    }
    Ok(to)
}

fn ca_file(path: &str) -> Result<Vec<u8>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("CA file: cannot read {path:?}: {e}"))?;
    Certificate::from_pem(&pem)
        .map_err(|_| format!("CA file: {path:?} holds no PEM certificate"))?;
    Ok(pem)
}

/// The reply code shown beside an answer: SMTP for email, HTTP for the others.
pub fn protocol_of(kind: &str) -> &'static str {
    if kind == "email" { "SMTP" } else { "HTTP" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, security: &str) -> Config {
        Config {
            host: host.into(),
            security: security.into(),
            from: "smartmon <mon@example.com>".into(),
            to: "ops@example.com, Oncall <oncall@example.com>".into(),
            ..Config::default()
        }
    }

    #[test]
    fn ports_follow_the_security_and_none_is_for_this_machine_only() {
        let none = Secrets::default();
        let e = Email::parse(&config("smtp.example.com", ""), &none).expect("starttls");
        assert_eq!(
            (e.security, e.port, e.to.len()),
            (Security::StartTls, 587, 2)
        );
        let e = Email::parse(&config("smtp.example.com", "tls"), &none).expect("tls");
        assert_eq!(e.port, 465);
        assert!(Email::parse(&config("127.0.0.1", "none"), &none).is_ok());
        assert!(Email::parse(&config("localhost", "none"), &none).is_ok());
        let refused =
            Email::parse(&config("smtp.example.com", "none"), &none).expect_err("refused");
        assert!(
            refused.contains("only for a relay on this machine"),
            "{refused}"
        );
    }

    #[test]
    fn bad_addresses_and_half_logins_are_refused_by_name() {
        let none = Secrets::default();
        let mut c = config("smtp.example.com", "");
        c.to = "ops@example.com, not an address".into();
        assert!(
            Email::parse(&c, &none)
                .expect_err("refused")
                .starts_with("to:")
        );
        c.to = String::new();
        assert!(
            Email::parse(&c, &none)
                .expect_err("refused")
                .contains("at least one")
        );
        let c = config("smtp.example.com", "");
        let half = Secrets {
            username: "mon".into(),
            ..Secrets::default()
        };
        assert!(
            Email::parse(&c, &half)
                .expect_err("refused")
                .contains("user name and password")
        );
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let secrets = Secrets {
            username: "mon".into(),
            password: "hunter2-secret".into(),
            ..Secrets::default()
        };
        let e = Email::parse(&config("smtp.example.com", ""), &secrets).expect("valid");
        assert!(!format!("{e:?}").contains("hunter2"));
    }
}
