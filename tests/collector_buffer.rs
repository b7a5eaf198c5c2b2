//! The outage buffer: writes made while Postgres is unreachable (or too slow to finish a batch) are kept
//! in order and flushed when it returns; past the bound the oldest are dropped and counted.

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, TransactionTrait};
use smartmon::collector::Record;
use smartmon::db::entities::system_metrics;
use smartmon::domain::Hostname;

use crate::support::collector::collector_for;
use crate::support::proxy::{TcpProxy, spawn_app_behind_proxy};
use crate::support::{Backend, TestApp, TestDb, spawn_app_with};

fn sample(n: usize) -> Record {
    Record::Metrics(system_metrics::Model {
        id: 0,
        hostname: Hostname::parse("web01").expect("host"),
        ts_epoch: 1_800_000_000.0 + n as f64,
        cpu_percent: Some(n as f64),
        memory_percent: None,
        swap_percent: None,
        load_1: None,
        load_5: None,
        load_15: None,
        disk_percent: None,
        inode_percent: None,
        net_rx_bps: None,
        net_tx_bps: None,
        uptime_secs: None,
        process_count: None,
        temperature_c: None,
    })
}

/// An app whose database connection goes through a proxy the test can cut, with short timeouts.
async fn app_behind_proxy(extra: &[(&str, &str)]) -> (TestApp, TcpProxy, TestDb) {
    let mut vars = vec![("SMARTMON_DB_TIMEOUT_SECS", "1")];
    vars.extend_from_slice(extra);
    spawn_app_behind_proxy(&vars).await
}

async fn stored_cpu(app: &TestApp) -> Vec<f64> {
    system_metrics::Entity::find()
        .order_by_asc(system_metrics::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("metrics")
        .into_iter()
        .filter_map(|m| m.cpu_percent)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_written_during_an_outage_arrive_in_order_when_it_ends() {
    let (app, proxy, _db) = app_behind_proxy(&[]).await;
    let collector = collector_for(&app).await;
    collector.write(vec![sample(0)]).await;

    proxy.cut();
    for n in 1..=10 {
        let report = collector.write(vec![sample(n)]).await;
        assert_eq!(report.written, 0);
        assert_eq!(report.buffered, n, "kept while the database is away");
    }
    proxy.restore();
    let mut report = collector.flush().await;
    for _ in 0..20 {
        if report.buffered == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        report = collector.flush().await;
    }
    assert_eq!(
        report.buffered, 0,
        "the buffer drains once the database is back"
    );
    assert_eq!(report.dropped_total, 0);
    let expected: Vec<f64> = (0..=10).map(|n| n as f64).collect();
    assert_eq!(
        stored_cpu(&app).await,
        expected,
        "nothing lost, nothing reordered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_its_bound_the_buffer_drops_the_oldest_and_counts_them() {
    let (app, proxy, _db) = app_behind_proxy(&[("SMARTMON_BUFFER_MAX_RECORDS", "4")]).await;
    let collector = collector_for(&app).await;
    proxy.cut();
    let mut report = Default::default();
    for n in 1..=7 {
        report = collector.write(vec![sample(n)]).await;
    }
    assert_eq!(report.buffered, 4);
    assert_eq!(report.dropped_total, 3);
    proxy.restore();
    for _ in 0..20 {
        report = collector.flush().await;
        if report.buffered == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        stored_cpu(&app).await,
        vec![4.0, 5.0, 6.0, 7.0],
        "the newest four survive"
    );
}

/// A database that answers but is too slow (here: a table locked by a long maintenance job) is not a
/// refusal: the batch that timed out is kept and written once the lock goes, not dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_times_out_on_a_locked_table_is_kept_not_dropped() {
    let app = spawn_app_with(Backend::Postgres, &[("SMARTMON_DB_TIMEOUT_SECS", "1")]).await;
    let collector = collector_for(&app).await;
    let maintenance = app.state.db.conn.begin().await.expect("begin");
    maintenance
        .execute_unprepared("LOCK TABLE system_metrics IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");

    let report = collector.write(vec![sample(1)]).await;
    assert_eq!(report.written, 0, "the locked table holds the batch up");
    assert_eq!(report.buffered, 1, "the batch is kept for later");
    assert_eq!(report.dropped_total, 0, "nothing is thrown away");

    maintenance.rollback().await.expect("unlock");
    let mut report = collector.flush().await;
    for _ in 0..20 {
        if report.buffered == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        report = collector.flush().await;
    }
    assert_eq!(report.dropped_total, 0);
    assert_eq!(
        stored_cpu(&app).await,
        vec![1.0],
        "written once the lock is gone"
    );
}
