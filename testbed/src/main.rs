//! `fake-systemd`: the systemd test double of `tests/support/fake_systemd.rs` as a program, for tests
//! that are not Rust (the browser tests in `e2e/`). It starts a private `dbus-daemon`, serves the double
//! on it with the units given on the command line, prints two lines:
//!
//! ```text
//! DBUS_SYSTEM_BUS_ADDRESS=unix:path=/tmp/fake-systemd-…/bus.sock
//! CONTROL_URL=http://127.0.0.1:40123
//! ```
//!
//! and takes control commands over that loopback HTTP address (see `control`). It stops, killing its
//! daemon, on SIGTERM or SIGINT, and with `--exit-with-stdin` also when its standard input closes (the
//! parent that holds the pipe went away, however it died).
//!
//! `fake-systemd [--control-port N] [--exit-with-stdin] UNIT[=ACTIVE/SUB] …`, e.g.
//! `fake-systemd nginx.service cron.service=failed/failed`.

#[path = "../../tests/support/fake_systemd.rs"]
mod fake_systemd;

mod control;

use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Mutex;

use fake_systemd::{FakeSystemd, FakeUnit};

const USAGE: &str =
    "usage: fake-systemd [--control-port N] [--exit-with-stdin] UNIT[=ACTIVE/SUB] …";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Args {
        port,
        exit_with_stdin,
        units,
    } = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("fake-systemd: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("fake-systemd: cannot listen on 127.0.0.1:{port}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let control_url = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}"),
        Err(err) => {
            eprintln!("fake-systemd: {err}");
            return ExitCode::FAILURE;
        }
    };
    let bus = FakeSystemd::start(&units).await;
    println!("DBUS_SYSTEM_BUS_ADDRESS={}", bus.address());
    println!("CONTROL_URL={control_url}");
    let bus = Arc::new(Mutex::new(bus));
    tokio::select! {
        () = control::serve(listener, bus.clone()) => {}
        () = stopped(exit_with_stdin) => {}
    }
    // Dropping the double kills its dbus-daemon and removes the socket directory.
    drop(bus);
    ExitCode::SUCCESS
}

/// The command line.
#[derive(Debug)]
struct Args {
    /// The control server's port (0: any free one).
    port: u16,
    /// Stop when standard input closes.
    exit_with_stdin: bool,
    units: Vec<FakeUnit>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 0,
        exit_with_stdin: false,
        units: Vec::new(),
    };
    while let Some(arg) = args.next() {
        if arg == "--control-port" {
            let value = args.next().ok_or("--control-port needs a number")?;
            parsed.port = value
                .parse()
                .map_err(|_| format!("--control-port: {value:?} is not a port"))?;
        } else if arg == "--exit-with-stdin" {
            parsed.exit_with_stdin = true;
        } else if arg.starts_with('-') {
            return Err(format!("unknown option {arg}"));
        } else {
            parsed.units.push(parse_unit(&arg)?);
        }
    }
    Ok(parsed)
}

/// `nginx.service` (active/running) or `nginx.service=failed/failed`.
fn parse_unit(spec: &str) -> Result<FakeUnit, String> {
    let (id, states) = spec.split_once('=').unwrap_or((spec, "active/running"));
    let (active, sub) = states
        .split_once('/')
        .ok_or_else(|| format!("{spec:?}: expected UNIT=ACTIVE/SUB"))?;
    if id.is_empty() || active.is_empty() || sub.is_empty() {
        return Err(format!("{spec:?}: expected UNIT=ACTIVE/SUB"));
    }
    Ok(FakeUnit::service(id, active, sub))
}

/// SIGTERM, SIGINT, or (when asked) the end of standard input.
async fn stopped(exit_with_stdin: bool) {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    // tokio's stdin needs a feature the rest of the workspace does not; a blocking thread will do.
    let stdin_closed = async move {
        if !exit_with_stdin {
            return std::future::pending().await;
        }
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        })
        .await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        () = stdin_closed => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn units_default_to_running_and_take_explicit_states() {
        let parsed = parse_args(args(&[
            "--control-port",
            "4000",
            "--exit-with-stdin",
            "a.service",
            "b.service=failed/failed",
        ]))
        .expect("valid");
        assert_eq!((parsed.port, parsed.exit_with_stdin), (4000, true));
        assert_eq!(
            parsed.units,
            [
                FakeUnit::service("a.service", "active", "running"),
                FakeUnit::service("b.service", "failed", "failed")
            ]
        );
    }

    #[test]
    fn bad_arguments_say_what_was_expected() {
        let err = parse_args(args(&["x.service=failed"])).expect_err("no sub-state");
        assert!(err.contains("UNIT=ACTIVE/SUB"), "{err}");
        let err = parse_args(args(&["--control-port", "many"])).expect_err("bad port");
        assert!(err.contains("not a port"), "{err}");
        assert!(parse_args(args(&["--verbose"])).is_err());
    }
}
