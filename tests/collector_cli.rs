//! `smartmon units` (the systemctl-shim contract) and `smartmon agent`, run as the real binary against
//! the fake systemd bus and real Postgres.

use std::process::Stdio;
use std::time::Duration;

use crate::support::collector::eventually;
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::{Backend, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

async fn units(bus: &str, args: &[&str]) -> Run {
    let out = tokio::process::Command::new(BIN)
        .arg("units")
        .args(args)
        .env_clear()
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run smartmon units");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

fn bus_units() -> Vec<FakeUnit> {
    vec![
        FakeUnit::service("ssh.service", "active", "running").with_type("notify"),
        FakeUnit::service("nginx.service", "failed", "failed").with_type("forking"),
        FakeUnit::service("cron.service", "inactive", "dead").with_unit_file_state("disabled"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_show_prints_the_five_line_contract() {
    let bus = FakeSystemd::start(&bus_units()).await;
    for name in ["ssh.service", "ssh"] {
        let run = units(bus.address(), &["show", name]).await;
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(
            run.stdout,
            "ActiveState=active\nSubState=running\nType=notify\nUnitFileState=enabled\nLoadState=loaded\n"
        );
    }
    let cron = units(bus.address(), &["show", "cron"]).await;
    assert_eq!(
        cron.stdout,
        "ActiveState=inactive\nSubState=dead\nType=simple\nUnitFileState=disabled\nLoadState=loaded\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_is_active_and_list_units_speak_the_shim_contract() {
    let bus = FakeSystemd::start(&bus_units()).await;
    let active = units(bus.address(), &["is-active", "ssh"]).await;
    assert_eq!((active.stdout.as_str(), active.code), ("active\n", Some(0)));
    let failed = units(bus.address(), &["is-active", "nginx.service"]).await;
    assert_eq!((failed.stdout.as_str(), failed.code), ("failed\n", Some(3)));
    let missing = units(bus.address(), &["is-active", "nope.service"]).await;
    assert_eq!(
        (missing.stdout.as_str(), missing.code),
        ("unknown\n", Some(3))
    );

    let list = units(bus.address(), &["list-units"]).await;
    assert_eq!(list.code, Some(0));
    assert_eq!(list.stdout, "cron.service\nnginx.service\nssh.service\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_refuses_bad_names_and_says_unknown_without_a_bus() {
    let bus = FakeSystemd::start(&bus_units()).await;
    let bad = units(bus.address(), &["show", "../../etc/passwd"]).await;
    assert_eq!(bad.code, Some(2));
    assert!(bad.stdout.is_empty());
    assert!(bad.stderr.contains("invalid unit name"), "{}", bad.stderr);

    let nobus = units("unix:path=/nonexistent/bus.sock", &["is-active", "ssh"]).await;
    assert_eq!(nobus.stdout, "unknown\n");
    assert_eq!(nobus.code, Some(1));
    assert!(nobus.stderr.contains("D-Bus"), "{}", nobus.stderr);
}

/// The deployment spec's runbook queries return the expected rows after `smartmon agent` has run
/// against Postgres with the fake systemd bus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_fills_the_runbook_queries_on_postgres() {
    let bus = FakeSystemd::start(&bus_units()).await;
    let db = TestDb::create(Backend::Postgres).await;
    let url = db.url.clone().expect("pg url");
    let mut agent = tokio::process::Command::new(BIN)
        .arg("agent")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &url)
        .env("SMARTMON_INIT_PG", "1")
        .env("HOSTNAME_OVERRIDE", "BackendServer")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus.address())
        .env("SMARTCTL", "/nonexistent/smartctl")
        .env("LOG_LEVEL", "ERROR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the agent");
    let pg = db.pg_client().await;
    let runbook_c = "SELECT service_name, raw_status, sub_state, service_type, unit_file_state
FROM service_status
WHERE hostname='BackendServer'
ORDER BY ts_epoch DESC
LIMIT 20;";
    let count_query = "SELECT normalized_status, COUNT(*) FROM service_status WHERE hostname='BackendServer' GROUP BY 1;";

    eventually(
        "the agent's first sync",
        Duration::from_secs(15),
        || async {
            pg.query(runbook_c, &[])
                .await
                .ok()
                .filter(|rows| rows.len() == 3)
                .map(|_| ())
        },
    )
    .await;
    bus.set_state("ssh.service", "failed", "failed").await;
    eventually("the failure", Duration::from_secs(5), || async {
        pg.query(runbook_c, &[])
            .await
            .ok()
            .filter(|rows| rows.len() == 4)
            .map(|_| ())
    })
    .await;

    let rows: Vec<(String, String, String, String, String)> = pg
        .query(runbook_c, &[])
        .await
        .expect("runbook query C")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        rows[0],
        (
            s("ssh.service"),
            s("failed"),
            s("failed"),
            s("notify"),
            s("enabled")
        ),
        "the newest row is the failure"
    );
    let mut rest = rows[1..].to_vec();
    rest.sort();
    assert_eq!(
        rest,
        vec![
            (
                s("cron.service"),
                s("inactive"),
                s("dead"),
                s("simple"),
                s("disabled")
            ),
            (
                s("nginx.service"),
                s("failed"),
                s("failed"),
                s("forking"),
                s("enabled")
            ),
            (
                s("ssh.service"),
                s("active"),
                s("running"),
                s("notify"),
                s("enabled")
            ),
        ]
    );
    let mut counts: Vec<(String, i64)> = pg
        .query(count_query, &[])
        .await
        .expect("runbook count query")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![(s("failed"), 2), (s("running"), 1), (s("stopped"), 1)]
    );
    let hosts = pg
        .query("SELECT hostname FROM hosts", &[])
        .await
        .expect("hosts");
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].get::<_, String>(0), "BackendServer");

    let pid = agent.id().expect("running").to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(term.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), agent.wait())
        .await
        .expect("the agent stops on SIGTERM")
        .expect("exit status");
    assert!(exit.success(), "a graceful stop exits 0: {exit}");
}
