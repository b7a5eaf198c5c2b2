//! What is sent and when: routing by severity, host, unit and kind; ntfy's request; a storm of 200
//! failures on 20 hosts (one of which stops reporting) as a bounded number of messages, and each recovery
//! once; a host that is down holding back its units' alerts.

use std::time::Duration;

use serde_json::json;
use smartmon::collector::Record;
use smartmon::db::entities::hosts;
use smartmon::domain::Hostname;

use crate::both_backends;
use crate::support::notify::{
    add_channel, add_routed_channel, add_webhook, condition, outbox, write, writer,
};
use crate::support::receiver::Receiver;
use crate::support::{Backend, TestApp, spawn_app_with};

const QUIET: [(&str, &str); 1] = [("SMARTMON_NOTIFY", "false")];

fn seen(host: &str, at: f64) -> Record {
    Record::HostSeen(hosts::Model {
        id: 0,
        hostname: Hostname::parse(host).expect("host"),
        os: None,
        kernel: None,
        agent_version: None,
        first_seen: at,
        last_seen: at,
    })
}

async fn deliver(app: &TestApp) -> usize {
    app.state
        .notifier
        .deliver_due()
        .await
        .expect("delivery runs")
}

async fn routing_sends_each_alert_only_where_its_rules_match(backend: Backend) {
    let (web, all) = (Receiver::start().await, Receiver::start().await);
    let app = spawn_app_with(backend, &QUIET).await;
    let route = json!({"min_severity": "critical", "hosts": "web*", "units": "nginx*", "kinds": ["service"]});
    let config = json!({"preset": "generic"});
    add_routed_channel(
        &app,
        "web",
        "webhook",
        config.clone(),
        json!({"url": web.url("/")}),
        0,
        route,
    )
    .await;
    add_channel(
        &app,
        "all",
        "webhook",
        config,
        json!({"url": all.url("/")}),
        0,
    )
    .await;
    let collector = writer(&app).await;
    let now = app.state.clock.now();
    write(
        &collector,
        vec![
            condition("web01", "service:nginx.service", true, now),
            condition("web01", "service:cron.service", true, now),
            condition("db01", "service:nginx.service", true, now),
            condition("web02", "disk:/dev/sda", true, now),
        ],
    )
    .await;
    deliver(&app).await;
    let got = web.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["unit"], "nginx.service");
    assert_eq!(got[0].json()["host"], "web01");
    let everything: usize = all
        .requests()
        .iter()
        .map(|r| {
            r.json()["count"]
                .as_str()
                .unwrap_or("0")
                .parse::<usize>()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(everything, 4, "the unfiltered channel hears all four");
}

async fn ntfy_gets_priority_tags_auth_and_a_link_to_the_unit(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_NOTIFY", "false"),
            ("SMARTMON_PUBLIC_URL", "https://mon.example.com"),
        ],
    )
    .await;
    add_channel(
        &app,
        "phone",
        "ntfy",
        json!({"server": receiver.url("/"), "topic": "ops_alerts"}),
        json!({"token": "tk_123"}),
        0,
    )
    .await;
    let collector = writer(&app).await;
    let now = app.state.clock.now();
    write(
        &collector,
        vec![condition("web01", "service:nginx.service", true, now)],
    )
    .await;
    deliver(&app).await;
    app.state.clock.advance(Duration::from_secs(5));
    let later = app.state.clock.now();
    write(
        &collector,
        vec![condition("web01", "service:nginx.service", false, later)],
    )
    .await;
    deliver(&app).await;
    let got = receiver.requests();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].method.as_str(), got[0].path.as_str()),
        ("POST", "/")
    );
    assert_eq!(got[0].headers["authorization"], "Bearer tk_123");
    let (failed, recovered) = (got[0].json(), got[1].json());
    assert_eq!(failed["topic"], "ops_alerts");
    assert_eq!(failed["priority"], 5);
    assert_eq!(failed["tags"], json!(["rotating_light"]));
    assert_eq!(
        failed["click"],
        "https://mon.example.com/services/web01/nginx.service"
    );
    assert!(failed["title"].as_str().unwrap_or("").contains("web01"));
    assert_eq!(recovered["priority"], 3);
    assert_eq!(recovered["tags"], json!(["white_check_mark"]));
}

async fn a_storm_of_200_failures_on_20_hosts_is_a_handful_of_messages(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &QUIET).await;
    add_webhook(&app, "ops", &receiver.url("/hook"), 30).await;
    let collector = writer(&app).await;
    let clock = &app.state.clock;
    let hosts: Vec<String> = (0..20).map(|i| format!("node{i:02}")).collect();
    let units = |host: &str, active: bool, at: f64| -> Vec<Record> {
        (0..10)
            .map(|u| condition(host, &format!("service:app{u}.service"), active, at))
            .collect()
    };
    let t0 = clock.now();
    for host in &hosts {
        let mut batch = vec![seen(host, t0)];
        batch.extend(units(host, true, t0));
        write(&collector, batch).await;
    }
    assert_eq!(
        deliver(&app).await,
        0,
        "nothing before the grace period ends"
    );
    clock.advance(Duration::from_secs(31));
    assert_eq!(
        deliver(&app).await,
        1,
        "200 failures on 20 hosts: one fleet-wide message"
    );
    let storm = &receiver.requests()[0];
    assert!(
        storm.body.contains("200 alerts on 20 hosts"),
        "{}",
        storm.body
    );

    // node19 stops reporting; the others go on.
    clock.advance(Duration::from_secs(200));
    let t1 = clock.now();
    for host in &hosts[..19] {
        write(&collector, vec![seen(host, t1)]).await;
    }
    app.state.notifier.check_hosts().await.expect("host check");
    write(
        &collector,
        vec![condition("node19", "disk:/dev/sdz", true, t1)],
    )
    .await;
    clock.advance(Duration::from_secs(31));
    assert_eq!(
        deliver(&app).await,
        1,
        "one host-down message; its new alert is held back"
    );
    assert!(
        receiver.requests()[1]
            .body
            .contains("node19 stopped reporting")
    );

    // Everything recovers; node19 reports again.
    let t2 = clock.now();
    for host in &hosts {
        let mut batch = vec![seen(host, t2)];
        batch.extend(units(host, false, t2));
        write(&collector, batch).await;
    }
    write(
        &collector,
        vec![condition("node19", "disk:/dev/sdz", false, t2)],
    )
    .await;
    app.state.notifier.check_hosts().await.expect("host check");
    assert_eq!(
        deliver(&app).await,
        1,
        "the recoveries are one fleet-wide message"
    );
    assert_eq!(receiver.requests().len(), 3);
    let recovery = &receiver.requests()[2];
    assert!(
        recovery.body.contains("RESOLVED 201 alerts on 20 hosts"),
        "{}",
        recovery.body
    );

    let log = outbox(&app).await;
    let resolved: Vec<_> = log.iter().filter(|r| r.event == "resolved").collect();
    assert_eq!(
        resolved.len(),
        201,
        "each unit's recovery and the host's, once"
    );
    assert!(
        resolved
            .iter()
            .all(|r| r.status == "delivered" && r.attempts == 1)
    );
    let held = log
        .iter()
        .find(|r| r.source == "disk:/dev/sdz")
        .expect("the held alert");
    assert_eq!(held.status, "suppressed");
    assert_eq!(deliver(&app).await, 0, "nothing more to send");
}

both_backends!(
    routing_sends_each_alert_only_where_its_rules_match,
    ntfy_gets_priority_tags_auth_and_a_link_to_the_unit,
    a_storm_of_200_failures_on_20_hosts_is_a_handful_of_messages,
);
