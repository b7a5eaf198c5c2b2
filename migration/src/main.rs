//! `cargo run -p migration -- [up|down|status|fresh]`: apply smartmon's migrations to `DATABASE_URL`
//! without the server (the product's own `smartmon migrate` does the same for `up`).

use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(message) = run().await {
        eprintln!("migration: {message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        "DATABASE_URL is not set (postgresql://… or sqlite://path?mode=rwc)".to_string()
    })?;
    let command = std::env::args().nth(1).unwrap_or_else(|| "up".into());
    let db = Database::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to DATABASE_URL: {e}"))?;
    let result = match command.as_str() {
        "up" => Migrator::up(&db, None).await,
        "down" => Migrator::down(&db, Some(1)).await,
        "fresh" => Migrator::fresh(&db).await,
        "status" => Migrator::status(&db).await,
        other => {
            return Err(format!(
                "unknown command {other:?}; expected up, down, status or fresh"
            ));
        }
    };
    result.map_err(|e| format!("{command} failed: {e}"))
}
