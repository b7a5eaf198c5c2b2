//! A throwaway Postgres cluster that accepts only TLS, with a test CA and a server certificate for
//! `localhost` made with `openssl` at test time. Stopped and removed when the value is dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TlsPostgres {
    pub port: u16,
    /// The test CA's certificate (`sslrootcert`).
    pub ca: PathBuf,
    dir: PathBuf,
    pg_ctl: PathBuf,
}

fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a program (as `postgres` when we are root, since Postgres refuses root), panicking on failure.
fn run(program: &Path, args: &[&str], as_postgres: bool) {
    let mut cmd = if as_postgres && as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let out = cmd.args(args).output().expect("run a tool");
    assert!(
        out.status.success(),
        "{program:?} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new("openssl");
    let out = cmd.current_dir(dir).args(args).output().expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server certificate it signed for `localhost` only (not `127.0.0.1`).
fn make_certificates(dir: &Path) {
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
        "-days",
        "2",
        "-subj",
        "/CN=smartmon test CA",
    ];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-subj", "/CN=localhost"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions file");
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

impl TlsPostgres {
    pub fn start() -> TlsPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path().join("bin"))
                    .filter(|p| p.join("initdb").exists())
                    .max()
            })
            .expect("PostgreSQL server binaries (apt-get install postgresql)");
        let dir = tempfile::Builder::new()
            .prefix("smartmon-pgtls-")
            .tempdir()
            .expect("tempdir")
            .keep();
        let data = dir.join("data");
        make_certificates(&dir);
        if as_root() {
            let owner = Command::new("chown")
                .args(["-R", "postgres:postgres", dir.to_str().expect("utf-8")])
                .status()
                .expect("chown");
            assert!(owner.success());
        }
        let data_s = data.to_str().expect("utf-8");
        run(
            &bin.join("initdb"),
            &["-D", data_s, "-A", "trust", "-U", "postgres"],
            true,
        );
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .expect("pg_hba.conf");
        let port = super::unused_address().port();
        let dir_s = dir.to_str().expect("utf-8");
        let options = format!(
            "-p {port} -k {dir_s} -c listen_addresses=localhost -c fsync=off -c ssl=on \
             -c ssl_cert_file={dir_s}/server.crt -c ssl_key_file={dir_s}/server.key"
        );
        let log = format!("{dir_s}/server.log");
        let pg_ctl = bin.join("pg_ctl");
        run(
            &pg_ctl,
            &["-D", data_s, "-l", &log, "-o", &options, "-w", "start"],
            true,
        );
        TlsPostgres {
            port,
            ca: dir.join("ca.crt"),
            dir,
            pg_ctl,
        }
    }

    /// `postgres://postgres@{host}:{port}/postgres?sslmode={mode}&sslrootcert={ca}`.
    pub fn url(&self, host: &str, mode: &str) -> String {
        format!(
            "postgres://postgres@{host}:{}/postgres?sslmode={mode}&sslrootcert={}",
            self.port,
            self.ca.display()
        )
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = std::panic::catch_unwind(|| {
            run(
                &self.pg_ctl,
                &[
                    "-D",
                    data.to_str().unwrap_or_default(),
                    "-m",
                    "immediate",
                    "stop",
                ],
                true,
            )
        });
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
