//! Agents reach Postgres over TLS: with `sslmode=verify-full` and the CA both the pool and the `LISTEN`
//! connection are encrypted and the server verified; a certificate for another host name and a plain
//! connection to a server that requires TLS are refused with a clear error.

use sea_orm::{ConnectionTrait, Statement};
use smartmon::db::Db;
use smartmon::db::pg_tls::connect_listener;

use crate::support::TestDb;
use crate::support::postgres_tls::TlsPostgres;

const IS_SSL: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

async fn pool(url: &str) -> anyhow::Result<Db> {
    let vars = [("DATABASE_URL".to_owned(), url.to_owned())]
        .into_iter()
        .collect();
    let settings = smartmon::config::Settings::from_map(vars).expect("settings");
    Db::connect(&settings.database).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_connects_the_pool_and_listen_over_tls() {
    let server = TlsPostgres::start();
    let url = server.url("localhost", "verify-full");

    let db = pool(&url)
        .await
        .expect("the pool connects over verified TLS");
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.conn.get_database_backend(),
            IS_SSL,
        ))
        .await
        .expect("query")
        .expect("a row");
    assert!(
        row.try_get_by_index::<bool>(0).expect("bool"),
        "the pool's connection is TLS"
    );

    let (client, connection) = connect_listener(&url).await.expect("LISTEN connects");
    tokio::spawn(connection);
    client
        .batch_execute("LISTEN smartmon_events")
        .await
        .expect("LISTEN");
    let row = client.query_one(IS_SSL, &[]).await.expect("query");
    assert!(row.get::<_, bool>(0), "the LISTEN connection is TLS");

    // The console itself, started on that URL, is ready.
    let app = crate::support::spawn_app_on(TestDb::external(url), &[]).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_and_plain_text_are_refused() {
    let server = TlsPostgres::start();

    // The certificate names `localhost`, not `127.0.0.1`.
    let wrong = server.url("127.0.0.1", "verify-full");
    let err = format!("{:#}", pool(&wrong).await.expect_err("refused"));
    assert!(err.contains("certificate not valid for name"), "{err}");
    let err = format!(
        "{:#}",
        connect_listener(&wrong).await.err().expect("refused")
    );
    assert!(err.contains("certificate not valid for name"), "{err}");

    let plain = server.url("localhost", "disable");
    let err = format!("{:#}", pool(&plain).await.expect_err("refused"));
    assert!(err.contains("no encryption"), "{err}");
    let err = format!(
        "{:#}",
        connect_listener(&plain).await.err().expect("refused")
    );
    assert!(err.contains("no encryption"), "{err}");

    let err = format!(
        "{:#}",
        pool(&server.url("localhost", "sometimes"))
            .await
            .expect_err("refused")
    );
    assert!(err.contains("sslmode must be"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_asking_for_client_certificates_gets_the_configured_one() {
    let server = TlsPostgres::start_requiring_client_certificates();

    let url = server.url_with_client_certificate("localhost", "verify-full");
    let db = pool(&url)
        .await
        .expect("the pool connects with its certificate");
    assert!(db.ping().await.is_ok());
    let (client, connection) = connect_listener(&url)
        .await
        .expect("LISTEN connects with its certificate");
    tokio::spawn(connection);
    client
        .batch_execute("LISTEN smartmon_events")
        .await
        .expect("LISTEN");

    let without = server.url("localhost", "verify-full");
    let err = format!("{:#}", pool(&without).await.expect_err("refused"));
    assert!(err.contains("certificate"), "{err}");

    let half = format!("{without}&sslcert=/nowhere/client.crt");
    let err = format!("{:#}", pool(&half).await.expect_err("refused"));
    assert!(err.contains("sslcert and sslkey go together"), "{err}");
}
