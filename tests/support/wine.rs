//! The Windows agent under Wine: builds `smartmon.exe` for x86_64-pc-windows-gnu (once per test run),
//! prepares a Wine prefix in a cache dir with the `bcryptprimitives.dll` shim Wine 8 lacks (built from
//! `tests/windows/bcryptprimitives.c` with mingw), and runs the exe and `sc.exe` in it. Windows tests
//! take `wine::lock()` first: they share the prefix's services (Spooler, Schedule, …).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::process::{Child, Command};

const TARGET: &str = "x86_64-pc-windows-gnu";

/// What the Windows tests share: the built exe and the ready prefix.
pub struct Wine {
    pub exe: PathBuf,
    pub prefix: PathBuf,
    wine: PathBuf,
}

static READY: OnceLock<Wine> = OnceLock::new();
static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One Windows test at a time (they stop and start the same services in the one prefix).
pub async fn lock() -> tokio::sync::MutexGuard<'static, ()> {
    LOCK.lock().await
}

/// The exe and prefix, made ready on first use (the first call builds; later ones wait for it).
pub fn ready() -> &'static Wine {
    READY.get_or_init(|| {
        let target_dir = target_dir();
        let exe = build_exe(&target_dir);
        let prefix = target_dir.join("wine-prefix");
        let wine = wine_binary();
        prepare_prefix(&wine, &prefix, &target_dir);
        Wine { exe, prefix, wine }
    })
}

/// This test binary's target dir (`target/debug/deps/all-…` is three levels down).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let me = std::env::current_exe().expect("the test binary's path");
    me.ancestors()
        .nth(3)
        .expect("target/debug/deps/…")
        .to_path_buf()
}

fn build_exe(target_dir: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "build", "--quiet", "--locked", "--bin", "smartmon", "--target", TARGET,
        ])
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building smartmon.exe for {TARGET} failed"
    );
    target_dir.join(TARGET).join("debug").join("smartmon.exe")
}

fn wine_binary() -> PathBuf {
    ["wine64", "wine"]
        .iter()
        .find_map(|name| which(name))
        .or_else(|| Some(PathBuf::from("/usr/lib/wine/wine64")).filter(|p| p.exists()))
        .expect("Wine is installed (scripts/test installs wine64)")
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `wineboot --init` once, the shim DLL into system32, and a wineserver that outlives single calls.
fn prepare_prefix(wine: &Path, prefix: &Path, target_dir: &Path) {
    std::fs::create_dir_all(prefix).expect("the prefix dir");
    let run = |args: &[&str]| {
        let status = std::process::Command::new(wine)
            .args(args)
            .env("WINEPREFIX", prefix)
            .env("WINEDEBUG", "-all")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("wine runs");
        assert!(status.success(), "wine {args:?} failed");
    };
    if !prefix.join("system.reg").exists() {
        run(&["wineboot", "--init"]);
    }
    let dll = target_dir.join("bcryptprimitives.dll");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/windows/bcryptprimitives.c");
    let built = std::process::Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-O2", "-o"])
        .arg(&dll)
        .arg(&source)
        .arg("-ladvapi32")
        .status()
        .expect("mingw (gcc-mingw-w64-x86-64) is installed");
    assert!(built.success(), "building the bcryptprimitives shim failed");
    std::fs::copy(
        &dll,
        prefix.join("drive_c/windows/system32/bcryptprimitives.dll"),
    )
    .expect("the shim goes into system32");
    let server = wine.with_file_name("wineserver");
    let server = if server.exists() {
        server
    } else {
        PathBuf::from("wineserver")
    };
    let _ = std::process::Command::new(server)
        .args(["-p", "900"])
        .env("WINEPREFIX", prefix)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // Start services.exe and the auto-start services now, with no handles of ours.
    run(&["wineboot"]);
}

impl Wine {
    /// Wine's loader (`wine64`), for callers that need a plain `std` command.
    pub fn wine_binary(&self) -> &Path {
        &self.wine
    }

    /// A command running a Windows program in the prefix (the exe path or a builtin like `sc.exe`).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(&self.wine);
        cmd.arg(program)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// `smartmon.exe agent` with `env` (and nothing else from this process but PATH and HOME).
    pub fn agent(&self, env: &[(&str, &str)]) -> Child {
        let mut cmd = self.command(&self.exe);
        cmd.arg("agent")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            });
        cmd.spawn().expect("wine starts the agent")
    }

    /// `sc.exe ARGS…`, its output; panics when sc fails (so a test says which step broke).
    pub async fn sc(&self, args: &[&str]) -> String {
        match self.try_sc(args).await {
            Ok(text) => text,
            Err(text) => panic!("sc {args:?} failed: {text}"),
        }
    }

    /// `sc.exe ARGS…`: its output, or (when it fails) its output and errors.
    pub async fn try_sc(&self, args: &[&str]) -> Result<String, String> {
        // Output to a file, not a pipe: a call that starts Wine's daemons hands them its handles, and
        // a pipe would then stay open (and the read block) until they exit.
        let out = tempfile::tempfile().expect("a temp file");
        let status = self
            .command("sc.exe")
            .args(args)
            .stdout(out.try_clone().expect("the file again"))
            .stderr(out.try_clone().expect("the file again"))
            .status();
        let status = tokio::time::timeout(Duration::from_secs(60), status)
            .await
            .unwrap_or_else(|_| panic!("sc {args:?} hung"))
            .expect("sc runs");
        let mut text = String::new();
        let mut out = out;
        std::io::Seek::rewind(&mut out).expect("rewind");
        std::io::Read::read_to_string(&mut out, &mut text).expect("sc's output");
        if status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }

    /// Removes the service `name` if the prefix has it (one left by an earlier run that was cut off may
    /// still run, and a running service is only deleted once it stops): stop, delete, and wait until
    /// the SCM no longer knows it, so a service installed next under that name is not deleted with it.
    pub async fn remove_service(&self, name: &str) {
        if self.try_sc(&["query", name]).await.is_err() {
            return;
        }
        let _ = self.try_sc(&["stop", name]).await;
        let _ = self.try_sc(&["delete", name]).await;
        for _ in 0..150 {
            if self.try_sc(&["query", name]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the service {name} left by an earlier run could not be removed");
    }

    /// The `STATE` word `sc query NAME` prints (`RUNNING`, `STOPPED`, …).
    pub async fn sc_state(&self, name: &str) -> String {
        let text = self.sc(&["query", name]).await;
        text.lines()
            .find_map(|l| l.trim().strip_prefix("STATE"))
            .and_then(|rest| rest.split_whitespace().nth(2))
            .unwrap_or("")
            .to_owned()
    }

    /// A Linux path as the Windows side names it (Wine maps `/` to drive `Z:`).
    pub fn windows_path(path: &Path) -> String {
        format!("Z:{}", path.display()).replace('/', "\\")
    }
}
