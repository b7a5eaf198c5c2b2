//! Postgres only: day partitions created ahead and dropped by retention, the migration of a populated
//! unpartitioned install, and history reads from `DATABASE_URL_READ`.

use sea_orm::ConnectionTrait;
use smartmon::clock::Clock;
use smartmon::lifecycle::{partitions, retention};

use crate::support::lifecycle::{DAY, lifecycle_settings};
use crate::support::{Backend, TestDb, base_vars, spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_are_created_ahead_and_whole_days_are_dropped_by_retention() {
    let app = spawn_app(Backend::Postgres).await;
    let conn = &app.state.db.conn;
    let now = Clock::default().now();
    partitions::ensure_ahead(conn, "system_metrics", now, 10)
        .await
        .expect("ahead");
    let parts = partitions::list(conn, "system_metrics")
        .await
        .expect("list");
    let today = (now / DAY).floor() * DAY;
    for k in 0..=10 {
        let day = today + f64::from(k) * DAY;
        assert!(
            parts.iter().any(|p| p.from == day),
            "day +{k} exists: {parts:?}"
        );
    }
    // Rows of a day 20 days ago land in the default partition; creating that day's partition moves them.
    let old_day = ((now - 20.0 * DAY) / DAY).floor() * DAY;
    for i in 0..5 {
        app.metric_at("web01", old_day + f64::from(i) * 60.0, 1.0)
            .await;
    }
    app.exec(&format!(
        "SELECT smartmon_ensure_partition('system_metrics', {old_day})"
    ))
    .await;
    app.metric_at("web01", now - 60.0, 2.0).await;
    let old_name = partitions::list(conn, "system_metrics")
        .await
        .expect("list")
        .into_iter()
        .find(|p| p.from == old_day)
        .expect("the old partition exists")
        .name;

    let moved = app
        .number(&format!(
            "SELECT COUNT(*) FROM smartmon_partitions.{old_name}"
        ))
        .await;
    assert_eq!(
        moved, 5.0,
        "the day's rows moved out of the default partition"
    );

    let report = retention::run(conn, &lifecycle_settings(&[]), now)
        .await
        .expect("runs");

    let metrics = report
        .tables
        .iter()
        .find(|t| t.table == "system_metrics")
        .expect("metrics");
    assert_eq!(metrics.partitions, 1, "the old day is dropped whole");
    assert_eq!(metrics.rows, 0, "nothing left to delete row by row");
    let gone = app
        .number(&format!(
            "SELECT COUNT(*) FROM pg_class WHERE relname = '{old_name}'"
        ))
        .await;
    assert_eq!(gone, 0.0, "{old_name} no longer exists");
    assert_eq!(
        app.count("system_metrics", "1 = 1").await,
        1,
        "today's sample stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_populated_unpartitioned_install_is_migrated_without_losing_rows() {
    use migration::{Migrator, MigratorTrait};
    let db = TestDb::create(Backend::Postgres).await;
    let settings = smartmon::config::Settings::from_map(base_vars(&db)).expect("settings");
    let conn = smartmon::db::Db::connect(&settings.database)
        .await
        .expect("connect")
        .conn;
    // The schema as `main` had it: everything before the lifecycle migrations.
    Migrator::up(&conn, Some(5)).await.expect("old schema");
    let now = Clock::default().now();
    conn.execute_unprepared(&format!(
        "INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent)
           SELECT 'web' || (g % 3), {start} + g * 600, g % 100 FROM generate_series(0, 5999) g;
         INSERT INTO service_status (hostname, service_name, raw_status, normalized_status, sub_state,
           service_type, unit_file_state, load_state, ts_epoch)
           SELECT 'web1', 'u' || g || '.service', 'active', 'running', 'running', 'simple', 'enabled',
                  'loaded', {start} + g * 3600 FROM generate_series(0, 999) g;
         INSERT INTO network_checks (hostname, ts_epoch, target, method, status, latency_ms)
           SELECT 'web1', {start} + g * 900, 'gw', 'ping', 'ok', g FROM generate_series(0, 3999) g;",
        start = now - 40.0 * DAY
    ))
    .await
    .expect("populate");
    let sums = "SELECT COUNT(*), SUM(id), SUM(ts_epoch) FROM";
    let mut before = Vec::new();
    let client = db.pg_client().await;
    for table in ["system_metrics", "service_status", "network_checks"] {
        let row = client
            .query_one(&format!("{sums} {table}"), &[])
            .await
            .expect("sums");
        before.push((row.get::<_, i64>(0), row.get::<_, Option<f64>>(2)));
    }

    Migrator::up(&conn, None)
        .await
        .expect("the lifecycle migrations");

    for (i, table) in ["system_metrics", "service_status", "network_checks"]
        .iter()
        .enumerate()
    {
        let row = client
            .query_one(&format!("{sums} {table}"), &[])
            .await
            .expect("sums");
        assert_eq!(
            (row.get::<_, i64>(0), row.get::<_, Option<f64>>(2)),
            before[i],
            "{table}"
        );
        let partitioned = client
            .query_one(
                "SELECT COUNT(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                 WHERE c.relname = $1",
                &[table],
            )
            .await
            .expect("catalog");
        assert_eq!(partitioned.get::<_, i64>(0), 1, "{table} is partitioned");
    }
    // New rows keep counting ids after the copied ones.
    let row = client
        .query_one(
            "INSERT INTO system_metrics (hostname, ts_epoch) VALUES ('web9', $1) RETURNING id",
            &[&now],
        )
        .await
        .expect("insert after the migration");
    assert_eq!(row.get::<_, i64>(0), 6_001);

    // And back: `down` returns plain tables with every row (undoing the lifecycle migrations and every
    // one after them).
    let after_old_schema = (Migrator::migrations().len() - 5) as u32;
    Migrator::down(&conn, Some(after_old_schema))
        .await
        .expect("down");
    let row = client
        .query_one(&format!("{sums} system_metrics"), &[])
        .await
        .expect("sums");
    assert_eq!(row.get::<_, i64>(0), before[0].0 + 1);
    let partitioned = client
        .query_one("SELECT COUNT(*) FROM pg_partitioned_table", &[])
        .await
        .expect("catalog");
    assert_eq!(partitioned.get::<_, i64>(0), 0, "plain tables again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_read_from_database_url_read() {
    // The "replica": a second database whose history differs, so the chart shows where it read.
    let replica = spawn_app(Backend::Postgres).await;
    replica
        .metric_at("web01", Clock::default().now() - 120.0, 77.0)
        .await;
    let replica_url = replica.db.url.clone().expect("url");
    let app = spawn_app_with(
        Backend::Postgres,
        &[("DATABASE_URL_READ", replica_url.as_str())],
    )
    .await;
    app.seed_host("web01", 5.0).await;
    app.metric_at("web01", Clock::default().now() - 120.0, 11.0)
        .await;
    let viewer = app.login_as("vera", smartmon::auth::Role::Viewer).await;
    let body: serde_json::Value = viewer
        .get("/api/hosts/web01/metrics?minutes=10")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["items"][0]["cpu_percent"], 77.0, "{body}");
}

/// Several consoles (replicas behind nginx) starting at once on an empty Postgres: each applies the
/// migrations under the advisory lock, so every start succeeds and each migration is recorded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consoles_starting_at_once_apply_each_migration_once() {
    use migration::{Migrator, MigratorTrait};
    let db = TestDb::create(Backend::Postgres).await;
    let settings = smartmon::config::Settings::from_map(base_vars(&db)).expect("settings");
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let database = settings.database.clone();
            tokio::spawn(async move {
                let db = smartmon::db::Db::connect(&database).await?;
                db.migrate().await
            })
        })
        .collect();
    for start in starts {
        start
            .await
            .expect("the start ran")
            .expect("every console starts: none trips over another's migration");
    }
    let client = db.pg_client().await;
    let counts = client
        .query(
            "SELECT version, COUNT(*) FROM seaql_migrations GROUP BY version",
            &[],
        )
        .await
        .expect("the migration table");
    assert_eq!(
        counts.len(),
        Migrator::migrations().len(),
        "every migration"
    );
    for row in &counts {
        assert_eq!(
            row.get::<_, i64>(1),
            1,
            "{} applied once",
            row.get::<_, String>(0)
        );
    }
}
