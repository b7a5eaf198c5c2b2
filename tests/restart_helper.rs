//! `smartmon helper` on a real unix socket: mode 0660 and the configured group, refuses a bad key, a
//! bad name and an unapproved unit (and says why), restarts an approved one, reads SMART for a device
//! path only; a console with `RESTART_MODE=helper` restarts through it. The `start`, `stop` and `reload`
//! verbs pass the same checks.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use smartmon::restart::helper::{HelperRequest, client};

use crate::both_backends;
use crate::support::Backend;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, HOST, KEY, Policy, ask_helper, console, start_helper, units};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helper_refuses_a_bad_key_a_bad_name_and_an_unapproved_unit() {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let socket = start_helper(
        &bus,
        &policy,
        policy.dir.path(),
        &[("DRY_RUN", "false"), ("SMARTMON_HELPER_GROUP", "root")],
    )
    .await;
    let meta = std::fs::metadata(&socket).expect("the socket exists");
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), 0, "the group named root");

    let wrong_key = ask_helper(&socket, "not-the-key", "restart", "nginx.service").await;
    assert_eq!(wrong_key.state, "refused");
    assert_eq!(wrong_key.error.as_deref(), Some("wrong API key"));
    let bad_name = ask_helper(&socket, KEY, "restart", "../../etc/passwd").await;
    assert_eq!(bad_name.state, "refused");
    assert!(
        bad_name
            .error
            .as_deref()
            .is_some_and(|e| e.contains("invalid unit name"))
    );
    let unapproved = ask_helper(&socket, KEY, "restart", "ssh.service").await;
    assert_eq!(unapproved.state, "refused");
    assert!(
        unapproved
            .error
            .as_deref()
            .is_some_and(|e| e.contains("approved"))
    );
    let other = ask_helper(&socket, KEY, "reboot", "nginx.service").await;
    assert_eq!(other.state, "refused");
    assert_eq!(bus.restart_count(), 0);

    let done = ask_helper(&socket, KEY, "restart", "nginx").await;
    assert_eq!(done.state, "done", "{done:?}");
    assert_eq!(done.active_state.as_deref(), Some("active"));
    assert_eq!(
        bus.restart_calls(),
        vec![("nginx.service".to_owned(), "replace".to_owned())]
    );
}

async fn a_console_in_helper_mode_restarts_through_the_helper(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let socket = start_helper(&bus, &policy, policy.dir.path(), &[("DRY_RUN", "false")]).await;
    let socket = socket.to_str().expect("utf-8").to_owned();
    // The console's own bus address is never used for restarts in helper mode.
    let app = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("RESTART_MODE", "helper"),
            ("SMARTMON_HELPER_SOCKET", &socket),
        ],
    )
    .await;

    let (status, body) = app.api_restart(HOST, "nginx.service").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "done");
    assert_eq!(bus.restart_count(), 1);
    let rows = app.restart_rows().await;
    assert_eq!(
        rows[0].executed_by.as_deref(),
        Some("BackendServer (the host helper)")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helper_reads_smart_for_a_device_and_nothing_else() {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/smartctl/smart-nvme.json");
    let script = policy.dir.path().join("smartctl");
    let log = policy.dir.path().join("calls.log");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\ncat '{}'\n",
            log.display(),
            fixture.display()
        ),
    )
    .expect("write fake smartctl");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let smartctl = script.to_str().expect("utf-8");
    let socket = start_helper(&bus, &policy, policy.dir.path(), &[("SMARTCTL", smartctl)]).await;
    let ask = |key: &str, device: &str| {
        let request = HelperRequest {
            api_key: key.to_owned(),
            action: "smart".into(),
            unit: None,
            device: Some(device.to_owned()),
            lines: None,
        };
        let socket = socket.clone();
        async move {
            client::call(&socket, &request, Duration::from_secs(10))
                .await
                .expect("the helper answers")
        }
    };

    let read = ask(KEY, "/dev/nvme0n1").await;
    assert_eq!(read.state, "smart", "{read:?}");
    let output: serde_json::Value =
        serde_json::from_str(read.output.as_deref().expect("smartctl's output")).expect("JSON");
    assert!(output["smartctl"].is_object());
    assert_eq!(ask("wrong", "/dev/nvme0n1").await.state, "refused");
    for bad in [
        "/dev/../etc/shadow",
        "/etc/shadow",
        "/dev/sda; reboot",
        "--scan",
    ] {
        assert_eq!(ask(KEY, bad).await.state, "refused", "{bad}");
    }
    let calls = std::fs::read_to_string(&log).expect("smartctl ran once");
    assert_eq!(calls.trim(), "--json=c -a /dev/nvme0n1");
}

both_backends!(a_console_in_helper_mode_restarts_through_the_helper);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helper_stops_starts_and_reloads_approved_units_only() {
    let bus = FakeSystemd::start(&[
        crate::support::fake_systemd::FakeUnit::service("nginx.service", "active", "running")
            .reloadable(),
        crate::support::fake_systemd::FakeUnit::service("ssh.service", "active", "running"),
    ])
    .await;
    let policy = Policy::new(ALLOW);
    let socket = start_helper(&bus, &policy, policy.dir.path(), &[("DRY_RUN", "false")]).await;

    let unapproved = ask_helper(&socket, KEY, "stop", "ssh.service").await;
    assert_eq!(unapproved.state, "refused", "{unapproved:?}");
    let stopped = ask_helper(&socket, KEY, "stop", "nginx.service").await;
    assert_eq!(
        (stopped.state.as_str(), stopped.active_state.as_deref()),
        ("done", Some("inactive")),
        "{stopped:?}"
    );
    let started = ask_helper(&socket, KEY, "start", "nginx.service").await;
    assert_eq!(started.state, "done", "{started:?}");
    let reloaded = ask_helper(&socket, KEY, "reload", "nginx.service").await;
    assert_eq!(reloaded.state, "done", "{reloaded:?}");
    let methods: Vec<String> = bus.job_calls().into_iter().map(|(m, _, _)| m).collect();
    assert_eq!(methods, ["StopUnit", "StartUnit", "ReloadUnit"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helper_reads_a_units_latest_log_lines_bounded() {
    use crate::support::journal::{FakeJournal, Message};
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let journal = FakeJournal::new();
    journal.write_lines("nginx.service", 1, 250);
    journal.write(
        "nginx.service",
        3,
        9,
        Message::Text("<b>last</b> \u{1b}[31mline"),
    );
    let env = journal.env();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let socket = start_helper(&bus, &policy, policy.dir.path(), &vars).await;
    let ask = |lines: Option<usize>, unit: &str| HelperRequest {
        api_key: KEY.to_owned(),
        action: "logs".into(),
        unit: Some(unit.to_owned()),
        device: None,
        lines,
    };

    let answer = client::call(
        &socket,
        &ask(Some(3), "nginx.service"),
        Duration::from_secs(10),
    )
    .await
    .expect("the helper answers");
    assert_eq!(answer.state, "logs", "{answer:?}");
    let lines: serde_json::Value =
        serde_json::from_str(answer.output.as_deref().expect("output")).expect("a JSON array");
    let messages: Vec<&str> = lines
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|l| l["message"].as_str())
        .collect();
    assert_eq!(messages, ["line 249", "line 250", "<b>last</b> line"]);

    let many = client::call(
        &socket,
        &ask(Some(100_000), "nginx"),
        Duration::from_secs(10),
    )
    .await
    .expect("the helper answers");
    assert_eq!(many.result.as_deref(), Some("200"), "at most 200 lines");
    let bad = client::call(&socket, &ask(None, "../etc"), Duration::from_secs(10))
        .await
        .expect("the helper answers");
    assert_eq!(bad.state, "refused");
}
