//! Retention windows, rollups against raw data, and 30-day charts from rollups, on both backends.

use smartmon::auth::Role;
use smartmon::clock::Clock;
use smartmon::lifecycle::{retention, rollups};

use crate::both_backends;
use crate::support::lifecycle::{DAY, lifecycle_settings};
use crate::support::{Backend, spawn_app};

async fn retention_removes_exactly_what_is_older_than_each_window(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = Clock::default().now().floor();
    // Raw window 14 days: one sample a minute past it, one a minute inside it.
    for (age, cpu) in [
        (20.0 * DAY, 1.0),
        (14.0 * DAY + 60.0, 2.0),
        (14.0 * DAY - 60.0, 3.0),
        (60.0, 4.0),
    ] {
        app.metric_at("web01", now - age, cpu).await;
        app.check_at("web01", now - age, Some(cpu), true).await;
        app.seed_change("web01", "nginx.service", "running", now - age)
            .await;
    }
    // Audit log and alerts: 365 days by default; open alerts stay whatever their age.
    for age in [400.0 * DAY, 300.0 * DAY] {
        app.seed_audit("alice", "login", None, true, age).await;
    }
    app.exec(&format!(
        "INSERT INTO alerts (hostname, source, severity, message, opened_at, last_seen_at, resolved_at) VALUES
         ('web01', 'disk', 'warning', 'old and resolved', {a}, {a}, {a}),
         ('web01', 'cpu', 'warning', 'old but open', {a}, {now}, NULL),
         ('web01', 'mem', 'warning', 'recently resolved', {b}, {b}, {b})",
        a = now - 400.0 * DAY,
        b = now - 30.0 * DAY,
    ))
    .await;

    let report = retention::run(&app.state.db.conn, &lifecycle_settings(&[]), now)
        .await
        .expect("retention runs");

    let cutoff = now - 14.0 * DAY;
    for table in ["system_metrics", "network_checks", "service_status"] {
        assert_eq!(
            app.count(table, &format!("ts_epoch < {cutoff}")).await,
            0,
            "{table}"
        );
        assert_eq!(
            app.count(table, "1 = 1").await,
            2,
            "{table} keeps the two newer rows"
        );
    }
    assert_eq!(
        app.count("audit_log", "username = 'alice'").await,
        1,
        "only the 400-day-old entry goes"
    );
    let messages: Vec<f64> = vec![
        app.count("alerts", "message = 'old and resolved'").await as f64,
        app.count("alerts", "message = 'old but open'").await as f64,
        app.count("alerts", "message = 'recently resolved'").await as f64,
    ];
    assert_eq!(messages, vec![0.0, 1.0, 1.0]);
    assert_eq!(report.rows(), 3 * 2 + 1 + 1);
    assert_eq!(
        app.number("SELECT rows_removed FROM retention_runs WHERE table_name = '(run)'")
            .await,
        8.0,
        "the run is recorded"
    );
    assert_eq!(
        app.number("SELECT rows_removed FROM retention_runs WHERE table_name = 'audit_log'")
            .await,
        1.0
    );
}

async fn a_shorter_audit_window_with_the_opt_in_removes_older_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = Clock::default().now();
    for age in [40.0 * DAY, 20.0 * DAY] {
        app.seed_audit("alice", "login", None, true, age).await;
    }
    let settings = lifecycle_settings(&[
        ("RETENTION_AUDIT_DAYS", "30"),
        ("RETENTION_AUDIT_ALLOW_SHORTER", "true"),
    ]);
    retention::run(&app.state.db.conn, &settings, now)
        .await
        .expect("runs");
    assert_eq!(app.count("audit_log", "username = 'alice'").await, 1);
}

async fn rollups_agree_with_raw_data_and_a_second_pass_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let hour = 3_600.0;
    let start = ((Clock::default().now() - 3.0 * hour) / hour).floor() * hour;
    // Two full hours, one sample every 20 s; cpu follows a saw tooth so min/avg/max differ per bucket.
    let cpu = |i: usize| (i % 37) as f64 * 2.5;
    for i in 0..360 {
        app.metric_at("web01", start + i as f64 * 20.0, cpu(i))
            .await;
        app.check_at(
            "web01",
            start + i as f64 * 20.0,
            Some(cpu(i) + 1.0),
            i % 10 != 0,
        )
        .await;
    }
    let conn = &app.state.db.conn;
    rollups::run(conn, Clock::default().now(), 120.0)
        .await
        .expect("first pass");
    let rows = app.count("metric_rollups", "1 = 1").await;
    rollups::run(conn, Clock::default().now(), 120.0)
        .await
        .expect("second pass");
    assert_eq!(
        app.count("metric_rollups", "1 = 1").await,
        rows,
        "idempotent"
    );

    for (secs, per_bucket) in [(300.0, 15usize), (hour, 180)] {
        let buckets = (2.0 * hour / secs) as usize;
        for b in 0..buckets {
            let samples: Vec<f64> = (b * per_bucket..(b + 1) * per_bucket).map(cpu).collect();
            let ts = start + b as f64 * secs;
            let want_avg = samples.iter().sum::<f64>() / samples.len() as f64;
            let want_min = samples.iter().copied().fold(f64::MAX, f64::min);
            let want_max = samples.iter().copied().fold(f64::MIN, f64::max);
            let at = format!("FROM metric_rollups WHERE bucket_secs = {secs} AND ts_epoch = {ts}");
            let avg = app.number(&format!("SELECT cpu_avg {at}")).await;
            assert!(
                (avg - want_avg).abs() < 1e-9,
                "{secs} s bucket {b}: avg {avg} vs {want_avg}"
            );
            assert_eq!(app.number(&format!("SELECT cpu_min {at}")).await, want_min);
            assert_eq!(app.number(&format!("SELECT cpu_max {at}")).await, want_max);
            assert_eq!(
                app.number(&format!("SELECT samples {at}")).await,
                per_bucket as f64
            );
            let at = format!("FROM check_rollups WHERE bucket_secs = {secs} AND ts_epoch = {ts}");
            let latency = app.number(&format!("SELECT latency_avg {at}")).await;
            assert!(
                (latency - want_avg - 1.0).abs() < 1e-9,
                "check latency {latency}"
            );
            let failures = (b * per_bucket..(b + 1) * per_bucket)
                .filter(|i| i % 10 == 0)
                .count();
            assert_eq!(
                app.number(&format!("SELECT failures {at}")).await,
                failures as f64
            );
        }
    }
}

async fn a_late_sample_reaches_its_bucket_on_the_next_pass(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = Clock::default().now();
    let bucket = ((now - 600.0) / 300.0).floor() * 300.0;
    app.metric_at("web01", bucket + 10.0, 10.0).await;
    let conn = &app.state.db.conn;
    rollups::run(conn, now, 120.0).await.expect("first pass");
    let at = format!("FROM metric_rollups WHERE bucket_secs = 300 AND ts_epoch = {bucket}");
    assert_eq!(app.number(&format!("SELECT samples {at}")).await, 1.0);
    // An agent's outage buffer delivers a sample for that bucket after it was rolled up.
    app.metric_at("web01", bucket + 20.0, 30.0).await;
    rollups::run(conn, now + 60.0, 120.0)
        .await
        .expect("next pass");
    assert_eq!(app.number(&format!("SELECT samples {at}")).await, 2.0);
    assert_eq!(app.number(&format!("SELECT cpu_avg {at}")).await, 20.0);
}

async fn charts_over_30_days_read_from_rollups_after_raw_samples_are_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_host("web01", 5.0).await;
    let now = Clock::default().now();
    let then = ((now - 20.0 * DAY) / 3_600.0).floor() * 3_600.0;
    for i in 0..60 {
        app.metric_at("web01", then + f64::from(i) * 60.0, 90.0)
            .await;
    }
    let settings = lifecycle_settings(&[]);
    smartmon::lifecycle::tick(&app.state.db, &settings, now, true)
        .await
        .expect("rollups, then retention");
    assert_eq!(
        app.count("system_metrics", "1 = 1").await,
        0,
        "raw samples are past 14 days"
    );

    let (points, source) = smartmon::db::series::series_with_source(
        &app.state.db.conn,
        "web01",
        now - 30.0 * DAY,
        10_800.0,
    )
    .await
    .expect("series");
    assert_eq!(source, smartmon::db::series::Source::Rollup(3_600));
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].cpu, Some(90.0));

    let viewer = app.login_as("vera", Role::Viewer).await;
    let page = viewer
        .get("/hosts/web01?range=30d")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("<polyline class=\"line series-a\""),
        "a CPU line from rollups"
    );
    assert!(page.contains("90%"), "the rolled-up figure is drawn");
}

async fn history_written_behind_the_rollup_mark_still_shows_on_charts(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_host("web01", 5.0).await;
    let now = Clock::default().now();
    // Rollups run on a fresh install (one recent sample), then a day of older history arrives.
    app.metric_at("web01", now - 60.0, 10.0).await;
    let settings = lifecycle_settings(&[]);
    smartmon::lifecycle::tick(&app.state.db, &settings, now, false)
        .await
        .expect("rollups");
    for i in 0..60 {
        app.metric_at("web01", now - 6.0 * 3_600.0 + f64::from(i) * 60.0, 70.0)
            .await;
    }
    let (points, source) = smartmon::db::series::series_with_source(
        &app.state.db.conn,
        "web01",
        now - 86_400.0,
        360.0,
    )
    .await
    .expect("series");
    assert_eq!(source, smartmon::db::series::Source::Rollup(300));
    assert!(
        points.iter().any(|p| p.cpu == Some(70.0)),
        "the older history is drawn from raw samples: {points:?}"
    );
}

both_backends!(
    history_written_behind_the_rollup_mark_still_shows_on_charts,
    retention_removes_exactly_what_is_older_than_each_window,
    a_shorter_audit_window_with_the_opt_in_removes_older_entries,
    rollups_agree_with_raw_data_and_a_second_pass_changes_nothing,
    a_late_sample_reaches_its_bucket_on_the_next_pass,
    charts_over_30_days_read_from_rollups_after_raw_samples_are_gone,
);
