//! `smartmon healthcheck`: exit 0 when the database answers `SELECT 1` in time, else a one-line reason.

use std::time::Duration;

use crate::db::{self, DatabaseSettings, Db};

/// Returns the one-line reason on failure; the caller turns it into a non-zero exit.
pub async fn run(settings: &DatabaseSettings) -> Result<String, String> {
    let limit = settings.timeout * 2;
    if let Some(reason) = unreachable(settings, limit).await {
        return Err(format!("unhealthy: {reason} ({})", db::describe(settings)));
    }
    let probe = async {
        let db = Db::connect(settings).await.map_err(|e| format!("{e:#}"))?;
        db.ping().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(db.backend)
    };
    match tokio::time::timeout(limit, probe).await {
        Ok(Ok(backend)) => Ok(format!("ok: {} answers", backend.label())),
        Ok(Err(reason)) => Err(format!("unhealthy: {reason}")),
        Err(_) => Err(format!(
            "unhealthy: {} did not answer within {limit:?}",
            db::describe(settings)
        )),
    }
}

/// Why a Postgres server cannot be reached at all, from one direct connection attempt: the pool retries a
/// refused connection until its timeout and then only says that it timed out.
async fn unreachable(settings: &DatabaseSettings, limit: Duration) -> Option<String> {
    use sea_orm::sqlx::postgres::PgConnection;
    use sea_orm::sqlx::{Connection, Error};
    let url = settings.url.as_ref()?.expose();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return None;
    }
    match tokio::time::timeout(limit, PgConnection::connect(url)).await {
        Ok(Err(Error::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Some("connection refused: nothing listens at the database's address".into())
        }
        Ok(Err(Error::Io(e))) => Some(format!("cannot reach the database: {e}")),
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            None
        }
        // Anything else (a timeout, a login refused) is told by the full probe below.
        _ => None,
    }
}
