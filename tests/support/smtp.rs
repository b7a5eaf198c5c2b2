//! A real SMTP server on loopback for the email tests: `aiosmtpd` (PyPI, installed by scripts/test)
//! run by `smtp_server.py`, with STARTTLS required or implicit TLS, AUTH required for one user, and a
//! server certificate for `localhost`/127.0.0.1 signed by a test CA made with `openssl`. Every accepted
//! message is read back decoded (envelope, login, headers, plain and HTML parts). Stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::collector::eventually;

/// How the server protects the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain on connect; STARTTLS required before AUTH or mail.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

pub struct SmtpServer {
    pub port: u16,
    /// The test CA's certificate (PEM), for the channel's CA file.
    pub ca: PathBuf,
    dir: tempfile::TempDir,
    child: Child,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ca.crt`, and `server.crt`/`server.key` for localhost and 127.0.0.1 signed by it.
fn certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-subj",
        "/CN=smartmon test CA",
        "-days",
        "2",
    ];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.crt"]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-subj", "/CN=localhost", "-keyout", "server.key"];
    csr.extend(ec);
    csr.extend(["-out", "server.csr"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
}

impl SmtpServer {
    /// Starts a server that takes mail only from `user` with `password`.
    pub fn start(tls: SmtpTls, user: &str, password: &str) -> SmtpServer {
        let dir = tempfile::tempdir().expect("a temp dir");
        certificates(dir.path());
        let out = dir.path().join("mail");
        std::fs::create_dir(&out).expect("the mail dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mode = match tls {
            SmtpTls::StartTls => "starttls",
            SmtpTls::Implicit => "tls",
        };
        let log = std::fs::File::create(dir.path().join("server.log")).expect("the log file");
        let mut child = Command::new("python3")
            .arg(&script)
            .args([mode, "server.crt", "server.key", user, password])
            .arg(&out)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("python3 runs");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the server's first line");
        let Some(port) = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            panic!(
                "the SMTP test server did not start (is aiosmtpd installed? scripts/test installs it): {log}"
            );
        };
        SmtpServer {
            port,
            ca: dir.path().join("ca.crt"),
            dir,
            child,
        }
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
            .expect("the mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                serde_json::from_str(&std::fs::read_to_string(p).expect("a message file"))
                    .expect("JSON")
            })
            .collect()
    }

    /// Waits until `n` messages arrived.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Value> {
        eventually("the SMTP server to receive mail", limit, || async {
            let got = self.messages();
            (got.len() >= n).then_some(got)
        })
        .await
    }

    /// What the server logged (for tests that check the password is not in it).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
