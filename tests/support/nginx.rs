//! Debian's nginx running the project's site template (`nginx/smartmon-docker.conf`) on loopback ports,
//! rendered the way the official image renders `/etc/nginx/templates/*.template`: `envsubst` given the
//! list of variables to replace, so nginx's own `$variables` stay. Runs unprivileged (as `nobody` when the
//! tests run as root) with its own prefix, temp and cache directories.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The template, as compose mounts it into the nginx container.
pub const SITE_TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/nginx/smartmon-docker.conf");

/// The values a rendering substitutes (what docker-compose.yml sets in the nginx container).
pub struct SiteVars {
    pub gui: SocketAddr,
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub fullchain: PathBuf,
    pub privkey: PathBuf,
    pub tunnel_subnet: String,
    pub cache_dir: PathBuf,
}

impl SiteVars {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GUI_HOST", self.gui.ip().to_string()),
            ("GUI_PORT", self.gui.port().to_string()),
            ("GUI_EXTRA_SERVERS", String::new()),
            ("NGINX_HTTP_LISTEN", self.http.to_string()),
            ("NGINX_HTTPS_LISTEN", self.https.to_string()),
            ("TLS_FULLCHAIN", self.fullchain.display().to_string()),
            ("TLS_PRIVKEY", self.privkey.display().to_string()),
            ("TUNNEL_SUBNET", self.tunnel_subnet.clone()),
            ("NGINX_CACHE_DIR", self.cache_dir.display().to_string()),
        ]
    }
}

/// Renders the site template with `envsubst`, replacing exactly the variables in `vars`.
pub fn render_site(vars: &SiteVars) -> String {
    let pairs = vars.pairs();
    let shell_format: Vec<String> = pairs.iter().map(|(k, _)| format!("${{{k}}}")).collect();
    let template = std::fs::File::open(SITE_TEMPLATE).expect("open the site template");
    let out = Command::new("envsubst")
        .arg(shell_format.join(" "))
        .env_clear()
        .envs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(template)
        .output()
        .expect("envsubst runs (gettext-base)");
    assert!(out.status.success(), "envsubst: {}", stderr(&out));
    String::from_utf8(out.stdout).expect("utf-8 site")
}

/// A running nginx; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Nginx {
    pub http: SocketAddr,
    pub https: SocketAddr,
    dir: tempfile::TempDir,
    child: Child,
}

impl Nginx {
    /// Renders the site for `gui`, checks it with `nginx -t`, starts nginx and waits until it accepts.
    /// Only peers in `tunnel_subnet` may set the client address with `CF-Connecting-IP`.
    pub fn start(gui: SocketAddr, tunnel_subnet: &str) -> Nginx {
        let dir = tempfile::tempdir().expect("nginx dir");
        let root = dir.path();
        for sub in ["tmp", "logs", "cache"] {
            std::fs::create_dir_all(root.join(sub)).expect("nginx subdir");
        }
        let (fullchain, privkey) = self_signed_certificate(root);
        let vars = SiteVars {
            gui,
            http: free_loopback_port(),
            https: free_loopback_port(),
            fullchain,
            privkey,
            tunnel_subnet: tunnel_subnet.to_owned(),
            cache_dir: root.join("cache"),
        };
        std::fs::write(root.join("site.conf"), render_site(&vars)).expect("write site");
        std::fs::write(root.join("nginx.conf"), main_conf(root)).expect("write nginx.conf");
        give_to_unprivileged_user(root);

        let test = nginx(root).arg("-t").output().expect("nginx -t runs");
        assert!(
            test.status.success(),
            "nginx -t refused the site:\n{}",
            stderr(&test)
        );
        let child = nginx(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            http: vars.http,
            https: vars.https,
            dir,
            child,
        };
        nginx.wait_until_listening();
        nginx
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.https)
    }

    /// nginx's error log so far (for assertion messages).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("logs/error.log")).unwrap_or_default()
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("nginx exited ({status}):\n{}", self.error_log());
            }
            if TcpStream::connect(self.http).is_ok() && TcpStream::connect(self.https).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("nginx did not listen within 5 s:\n{}", self.error_log());
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The main configuration around the site: what the image's /etc/nginx/nginx.conf provides, with every
/// path inside the test's own directory.
fn main_conf(root: &Path) -> String {
    let r = root.display();
    format!(
        "worker_processes 1;\n\
         daemon off;\n\
         pid {r}/nginx.pid;\n\
         error_log {r}/logs/error.log info;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n\
           access_log {r}/logs/access.log;\n\
           client_body_temp_path {r}/tmp/body;\n\
           proxy_temp_path {r}/tmp/proxy;\n\
           fastcgi_temp_path {r}/tmp/fastcgi;\n\
           uwsgi_temp_path {r}/tmp/uwsgi;\n\
           scgi_temp_path {r}/tmp/scgi;\n\
           include {r}/site.conf;\n\
         }}\n"
    )
}

/// `nginx` with the test's prefix and configuration, as `nobody` when the tests run as root.
fn nginx(root: &Path) -> Command {
    let mut cmd = if running_as_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "nginx",
        ]);
        c
    } else {
        Command::new("nginx")
    };
    cmd.arg("-p")
        .arg(root)
        .arg("-c")
        .arg(root.join("nginx.conf"))
        .arg("-e")
        .arg(root.join("logs/error.log"));
    cmd
}

/// A certificate for 127.0.0.1 (ECDSA P-256, one day), made with the openssl CLI.
fn self_signed_certificate(root: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (root.join("fullchain.pem"), root.join("privkey.pem"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "openssl: {}", stderr(&out));
    (cert, key)
}

fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Hands the directory tree to `nobody` so the unprivileged nginx can write its logs, temp and cache.
fn give_to_unprivileged_user(root: &Path) {
    if running_as_root() {
        let status = Command::new("chown")
            .args(["-R", "nobody:nogroup"])
            .arg(root)
            .status()
            .expect("chown");
        assert!(status.success(), "chown the nginx directory");
    }
}

/// A client that connects from `source` (any 127.0.0.0/8 address is on loopback), follows no redirects
/// and accepts the test's self-signed certificate.
pub fn client_from(source: [u8; 4]) -> reqwest::Client {
    smartmon::net::install_crypto_provider();
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(source))
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(true)
        .build()
        .expect("reqwest client")
}

/// A loopback address with a port free at the time of the call.
pub fn free_loopback_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
