//! The lifecycle job inside `serve`, and the admin Data page that reports on it, on both backends.

use std::time::Duration;

use smartmon::auth::Role;
use smartmon::clock::Clock;
use smartmon::lifecycle::retention;

use crate::both_backends;
use crate::support::lifecycle::{DAY, lifecycle_settings};
use crate::support::{Backend, TestDb, base_vars, spawn_app, spawn_app_on};

async fn the_data_page_shows_each_table_to_admins_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.metric_at("web01", Clock::default().now() - 3_600.0, 10.0)
        .await;
    retention::run(
        &app.state.db.conn,
        &lifecycle_settings(&[]),
        Clock::default().now(),
    )
    .await
    .expect("a run to show");
    let admin = app.login_as("ada", Role::Admin).await;
    let response = admin.get("/admin/data").await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.expect("body");
    for table in ["system_metrics", "metric_rollups", "audit_log"] {
        assert!(
            page.contains(&format!("id=\"table:{table}\"")),
            "{table} listed"
        );
    }
    assert!(page.contains("id=\"next-run\""), "next retention run shown");
    assert!(page.contains("removed 0 rows"), "last run shown");
    let viewer = app.login_as("vera", Role::Viewer).await;
    assert_eq!(viewer.get("/admin/data").await.status().as_u16(), 403);
}

async fn serve_runs_retention_in_the_background(backend: Backend) {
    let db = TestDb::create(backend).await;
    {
        let settings = smartmon::config::Settings::from_map(base_vars(&db)).expect("settings");
        let conn = smartmon::db::Db::connect(&settings.database)
            .await
            .expect("connect");
        conn.migrate().await.expect("migrate");
        use sea_orm::ConnectionTrait;
        conn.conn
            .execute_unprepared(&format!(
                "INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent) VALUES ('web01', {}, 5), ('web01', {}, 6)",
                Clock::default().now() - 30.0 * DAY,
                Clock::default().now() - 60.0
            ))
            .await
            .expect("seed");
    }
    let app = spawn_app_on(db, &[("RETENTION_ENABLED", "true")]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while app
        .count("retention_runs", "table_name = 'system_metrics'")
        .await
        == 0
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count("system_metrics", "1 = 1").await,
        1,
        "the 30-day-old sample is gone"
    );
    assert_eq!(
        app.count("retention_runs", "table_name = 'system_metrics'")
            .await,
        1
    );
}

both_backends!(
    the_data_page_shows_each_table_to_admins_only,
    serve_runs_retention_in_the_background,
);
