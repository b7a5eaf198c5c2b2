//! Fresh databases for tests: a SQLite file in a temp dir, or a Postgres database created for the test
//! and dropped after. Postgres comes from `TEST_DATABASE_URL` (an admin URL) when set; otherwise a private
//! throwaway cluster is started once for the test process and stopped when the process exits.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use super::Backend;

/// One test's database; dropped (Postgres) or deleted (SQLite) when the value is dropped.
pub struct TestDb {
    pub backend: Backend,
    /// The URL the server is given (`DATABASE_URL`), or None for the embedded default.
    pub url: Option<String>,
    pub sqlite_path: Option<PathBuf>,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn create(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("smartmon.db");
                TestDb {
                    backend,
                    url: None,
                    sqlite_path: Some(path),
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("smartmon_t_{}", random_suffix());
                let admin = admin_client().await;
                admin
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                TestDb {
                    backend,
                    url: Some(database_url(&name)),
                    sqlite_path: None,
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    /// A database someone else owns (it is not dropped with this value), reached at `url`.
    pub fn external(url: String) -> TestDb {
        TestDb {
            backend: Backend::Postgres,
            url: Some(url),
            sqlite_path: None,
            pg_name: None,
            _dir: None,
        }
    }

    /// The same database for a second server (a replica): dropping the copy leaves the database alone.
    pub fn shared(&self) -> TestDb {
        TestDb {
            backend: self.backend,
            url: self.url.clone(),
            sqlite_path: self.sqlite_path.clone(),
            pg_name: None,
            _dir: None,
        }
    }

    /// The variables that point the server at this database.
    pub fn env(&self) -> HashMap<String, String> {
        let mut vars = HashMap::new();
        if let Some(url) = &self.url {
            vars.insert("DATABASE_URL".to_owned(), url.clone());
        }
        if let Some(path) = &self.sqlite_path {
            vars.insert(
                "SMARTMONITOR_DB_PATH".to_owned(),
                path.display().to_string(),
            );
        }
        vars
    }

    /// A direct tokio-postgres client on this test's database (Postgres only).
    pub async fn pg_client(&self) -> tokio_postgres::Client {
        let url = self.url.as_deref().expect("a Postgres test database");
        connect(url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = admin_client().await;
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

/// The admin URL (any database the role may CREATE DATABASE from).
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => start_private_cluster(),
    })
}

/// The URL of database `name` on the admin URL's server.
pub fn database_url(name: &str) -> String {
    let admin = admin_url();
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

pub async fn admin_client() -> tokio_postgres::Client {
    connect(admin_url()).await
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to test Postgres: {e}"));
    tokio::spawn(connection);
    client
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random bytes");
    hex::encode(bytes)
}

/// initdb + pg_ctl a cluster on a free port, owned by `postgres` when we are root (initdb refuses root),
/// with a watchdog that stops it and removes its files once this test process is gone.
fn start_private_cluster() -> String {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .max()
        })
        .expect("TEST_DATABASE_URL is unset and no PostgreSQL server binaries are installed (apt-get install postgresql)");
    let dir = std::env::temp_dir().join(format!("smartmon-pg-{}", random_suffix()));
    std::fs::create_dir_all(&dir).expect("cluster dir");
    let port = super::unused_address().port();
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let run = |args: &[&str]| {
        let mut cmd = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]);
            c
        } else {
            Command::new(args[0])
        };
        let args = if as_root { args } else { &args[1..] };
        let out = cmd.args(args).output().expect("run a postgres tool");
        assert!(
            out.status.success(),
            "{:?} failed: {}",
            args,
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if as_root {
        let status = Command::new("chown")
            .args(["postgres:postgres", dir.to_str().expect("utf-8")])
            .status()
            .expect("chown");
        assert!(status.success(), "chown the cluster dir to postgres");
    }
    let data = dir.join("data");
    let (initdb, pg_ctl) = (bin.join("initdb"), bin.join("pg_ctl"));
    let (initdb, pg_ctl, data_s, dir_s) = (
        initdb.to_str().expect("utf-8"),
        pg_ctl.to_str().expect("utf-8"),
        data.to_str().expect("utf-8"),
        dir.to_str().expect("utf-8"),
    );
    run(&[initdb, "-D", data_s, "-A", "trust", "-U", "postgres"]);
    let options = format!(
        "-p {port} -k {dir_s} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    );
    let log = format!("{dir_s}/server.log");
    run(&[
        pg_ctl, "-D", data_s, "-l", &log, "-o", &options, "-w", "start",
    ]);
    let stop = if as_root {
        format!("runuser -u postgres -- {pg_ctl} -D {data_s} -m immediate stop")
    } else {
        format!("{pg_ctl} -D {data_s} -m immediate stop")
    };
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir_s}",
        pid = std::process::id()
    );
    let started = Command::new("setsid")
        .args(["-f", "sh", "-c", &watchdog])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("start the cluster watchdog");
    assert!(started.success(), "the cluster watchdog started");
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}
