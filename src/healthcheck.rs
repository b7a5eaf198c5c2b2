//! `smartmon healthcheck`: exit 0 when the database answers `SELECT 1` in time, else a one-line reason.

use crate::db::{self, DatabaseSettings, Db};

/// Returns the one-line reason on failure; the caller turns it into a non-zero exit.
pub async fn run(settings: &DatabaseSettings) -> Result<String, String> {
    let limit = settings.timeout * 2;
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
