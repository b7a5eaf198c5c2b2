//! Postgres only: the least-privilege agent role (`smartmon agent-role`) lets an agent do its job, read
//! only its own host's restart requests, route its own alerts, and nothing on accounts or the
//! notification channels' secrets.

use std::process::Stdio;
use std::time::Duration;

use smartmon::clock::Clock;
use smartmon::lifecycle::agent_role::{self, RoleName};

use crate::support::collector::{eventually, rows};
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::notify::add_webhook;
use crate::support::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_role_writes_collector_tables_and_cannot_read_accounts() {
    let app = spawn_app(Backend::Postgres).await;
    app.create_user("ada", smartmon::auth::Role::Admin).await;
    // Two queued restarts: one for this agent's host, one for another.
    app.exec(&format!(
        "INSERT INTO restart_requests (hostname, service_name, requested_by, source, state, dry_run, requested_at)
         VALUES ('web01', 'nginx.service', 'ada', 'ui', 'queued', false, {now}),
                ('db01', 'postgresql.service', 'ada', 'ui', 'queued', false, {now});",
        now = Clock::default().now()
    ))
    .await;
    let host = smartmon::domain::Hostname::parse("web01").expect("host");
    // Roles are cluster-wide: a name of this test's own, dropped at the end.
    let role = RoleName::parse(&unique_role()).expect("role");
    let sql = agent_role::sql(&role, &host);
    agent_role::apply(&app.state.db.conn, &sql)
        .await
        .expect("role created");
    agent_role::apply(&app.state.db.conn, &sql)
        .await
        .expect("and again: idempotent");

    let url =
        app.db
            .url
            .clone()
            .expect("url")
            .replacen("postgres@", &format!("{}@", role.as_str()), 1);
    let (agent, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("the agent logs in");
    tokio::spawn(connection);
    // Its job: upsert the host, write samples, run its own restart requests and record them in the audit log.
    agent
        .batch_execute(&format!(
            "INSERT INTO hosts (hostname, first_seen, last_seen) VALUES ('web01', {now}, {now})
               ON CONFLICT (hostname) DO UPDATE SET last_seen = excluded.last_seen;
             INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent) VALUES ('web01', {now}, 3);
             INSERT INTO network_checks (hostname, ts_epoch, target, method, status) VALUES ('web01', {now}, 'gw', 'ping', 'ok');
             UPDATE restart_requests SET state = 'running' WHERE service_name = 'nginx.service';
             INSERT INTO audit_log (ts_epoch, username, action, hostname, target, success)
               VALUES ({now}, 'agent', 'restart_done', 'web01', 'nginx.service', true);",
            now = Clock::default().now()
        ))
        .await
        .expect("the agent writes collector tables");
    let own = agent
        .query("SELECT hostname FROM restart_requests", &[])
        .await
        .expect("read");
    let hosts: Vec<String> = own.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        hosts,
        vec!["web01".to_owned()],
        "only its own host's requests"
    );
    for forbidden in [
        "SELECT * FROM users",
        "SELECT * FROM sessions",
        "SELECT * FROM audit_log",
        "DELETE FROM system_metrics",
    ] {
        let err = agent.batch_execute(forbidden).await.expect_err(forbidden);
        assert!(
            err.to_string().contains("permission denied") || format!("{err:?}").contains("42501"),
            "{forbidden}: {err:?}"
        );
    }
    drop(agent);
    drop_role(&app, role.as_str()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_role_cli_applies_the_role_and_refuses_bad_names() {
    let app = spawn_app(Backend::Postgres).await;
    let url = app.db.url.clone().expect("url");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_smartmon"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", &url)
            .output()
            .expect("smartmon runs")
    };
    let printed = run(&["agent-role", "web01"]);
    assert!(printed.status.success());
    assert!(
        String::from_utf8_lossy(&printed.stdout).contains("CREATE ROLE smartmon_agent_web01 LOGIN")
    );

    let bad = run(&["agent-role", "web01", "--role", "x; DROP TABLE users"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a role name"));
    let bad = run(&["agent-role", "not a host"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a host name"));

    let role = unique_role();
    let applied = run(&["agent-role", "web01", "--role", &role, "--apply"]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(
        app.count("pg_roles", &format!("rolname = '{role}'")).await,
        1,
        "the role exists"
    );
    drop_role(&app, &role).await;
}

/// The real agent, logged in as its role, with a failed unit and a notification channel in place: its
/// units and the alert reach the database, and the alert is routed to the channel in the same
/// transaction, without the agent reading the channel's secrets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_logged_in_as_its_role_writes_units_and_routes_its_alerts() {
    let app = spawn_app(Backend::Postgres).await;
    let secret = "https://hooks.example.invalid/T000/B000/s3cr3t";
    let channel = add_webhook(&app, "team", secret, 0).await;
    let role = RoleName::parse(&unique_role()).expect("role");
    let host = smartmon::domain::Hostname::parse("web01").expect("host");
    agent_role::apply(&app.state.db.conn, &agent_role::sql(&role, &host))
        .await
        .expect("role created");
    let url =
        app.db
            .url
            .clone()
            .expect("url")
            .replacen("postgres@", &format!("{}@", role.as_str()), 1);

    let bus = FakeSystemd::start(&[
        FakeUnit::service("ssh.service", "active", "running"),
        FakeUnit::service("nginx.service", "failed", "failed"),
    ])
    .await;
    let agent = tokio::process::Command::new(env!("CARGO_BIN_EXE_smartmon"))
        .arg("agent")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &url)
        .env("HOSTNAME_OVERRIDE", "web01")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus.address())
        .env("SMARTCTL", "/nonexistent/smartctl")
        .env("LOG_LEVEL", "WARNING")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the agent");

    let routed = eventually(
        "the failed unit's alert routed to the channel",
        Duration::from_secs(30),
        || async {
            rows(
                &app,
                &format!(
                    "SELECT o.source, o.event FROM notification_outbox o
                     WHERE o.hostname = 'web01' AND o.channel_id = {channel}"
                ),
            )
            .await
            .into_iter()
            .find(|r| r[0].contains("nginx.service"))
        },
    )
    .await;
    assert_eq!(routed[1], "opened");
    let units = rows(
        &app,
        "SELECT service_name FROM service_current WHERE hostname = 'web01' ORDER BY 1",
    )
    .await;
    assert_eq!(units, [["nginx.service"], ["ssh.service"]]);

    let output = stop(agent).await;
    assert!(
        !output.contains("permission denied"),
        "the agent was refused something its job needs: {output}"
    );
    assert!(!output.contains(secret), "{output}");

    // What the role may not read: the channel's secrets.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("the agent's role logs in");
    tokio::spawn(connection);
    let err = client
        .query("SELECT secrets FROM notification_channels", &[])
        .await
        .expect_err("secrets are not the agent's");
    assert!(format!("{err:?}").contains("42501"), "{err:?}");
    drop(client);
    drop_role(&app, role.as_str()).await;
}

/// Stops the agent and returns what it logged.
async fn stop(mut agent: tokio::process::Child) -> String {
    let _ = agent.start_kill();
    let out = agent.wait_with_output().await.expect("the agent's output");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn unique_role() -> String {
    let mut bytes = [0u8; 5];
    getrandom::fill(&mut bytes).expect("random");
    format!("smartmon_agent_t{}", hex::encode(bytes))
}

async fn drop_role(app: &crate::support::TestApp, role: &str) {
    app.exec(&format!("DROP OWNED BY {role}; DROP ROLE {role};"))
        .await;
}
