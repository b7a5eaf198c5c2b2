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

/// A P-256 key and a certificate request for `subject`, as `{name}.key` and `{name}.csr`.
fn request(dir: &Path, name: &str, subject: &str) {
    let (key, csr) = (format!("{name}.key"), format!("{name}.csr"));
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    let mut args: Vec<&str> = vec!["req", "-subj", subject, "-keyout", &key, "-out", &csr];
    args.extend(ec.split(' '));
    openssl(dir, &args);
}

/// `{name}.crt`: the CA's signature on `{name}.csr`, with these extensions.
fn sign(dir: &Path, name: &str, extensions: &str) {
    let (csr, crt, ext) = (
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&ext), extensions).expect("extensions file");
    let args = "x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -days 2";
    let mut args: Vec<&str> = args.split(' ').collect();
    args.extend(["-in", &csr, "-extfile", &ext, "-out", &crt]);
    openssl(dir, &args);
}

/// A CA; a server certificate it signed for `localhost` only (not `127.0.0.1`); and a client
/// certificate for the role `postgres` (the `cert` method matches its CN).
fn make_certificates(dir: &Path) {
    let ca = "req -x509 -days 2 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
              -keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:TRUE \
              -addext keyUsage=critical,keyCertSign,cRLSign -subj";
    let mut args: Vec<&str> = ca.split_whitespace().collect();
    args.push("/CN=smartmon test CA");
    openssl(dir, &args);
    request(dir, "server", "/CN=localhost");
    sign(
        dir,
        "server",
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    request(dir, "client", "/CN=postgres");
    sign(dir, "client", "extendedKeyUsage=clientAuth\n");
}

impl TlsPostgres {
    /// TLS only; any client of the loopback addresses is trusted.
    pub fn start() -> TlsPostgres {
        Self::start_with("trust")
    }

    /// TLS only, and a client certificate signed by the test CA for the role (`pg_hba.conf`'s `cert`).
    pub fn start_requiring_client_certificates() -> TlsPostgres {
        Self::start_with("cert")
    }

    fn start_with(method: &str) -> TlsPostgres {
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
            format!(
                "local all all trust\nhostssl all all 127.0.0.1/32 {method}\nhostssl all all ::1/128 {method}\n"
            ),
        )
        .expect("pg_hba.conf");
        let port = super::unused_address().port();
        let dir_s = dir.to_str().expect("utf-8");
        let options = format!(
            "-p {port} -k {dir_s} -c listen_addresses=localhost -c fsync=off -c ssl=on \
             -c ssl_cert_file={dir_s}/server.crt -c ssl_key_file={dir_s}/server.key \
             -c ssl_ca_file={dir_s}/ca.crt"
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

impl TlsPostgres {
    /// `url(host, mode)` with the test client certificate and key (`sslcert`, `sslkey`).
    pub fn url_with_client_certificate(&self, host: &str, mode: &str) -> String {
        format!(
            "{}&sslcert={}&sslkey={}",
            self.url(host, mode),
            self.dir.join("client.crt").display(),
            self.dir.join("client.key").display()
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
