//! The `smartmon` binary: parse the command line, read settings, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use smartmon::cli::{Cli, Command};
use smartmon::config::Settings;
use smartmon::db::Db;
use smartmon::startup::Application;
use smartmon::{healthcheck, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("smartmon: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Healthcheck => match healthcheck::run(&settings).await {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(line) => {
                eprintln!("{line}");
                ExitCode::FAILURE
            }
        },
        Command::Migrate => {
            telemetry::init(&settings.log);
            report(migrate(&settings).await)
        }
        Command::User { command } => match user(&settings, command).await {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("smartmon: {err:#}");
                ExitCode::FAILURE
            }
        },
        Command::Serve => {
            telemetry::init(&settings.log);
            report(serve(settings).await)
        }
    }
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database).await?;
    db.migrate().await?;
    println!(
        "migrations applied to {}",
        smartmon::db::describe(&settings.database)
    );
    Ok(())
}

async fn user(
    settings: &Settings,
    command: smartmon::auth::cli::UserCommand,
) -> anyhow::Result<String> {
    let db = Db::connect(&settings.database).await?;
    if db.backend == smartmon::db::Backend::Sqlite || settings.database.init_pg {
        db.migrate().await?;
    } else {
        db.ensure_migrated().await?;
    }
    smartmon::auth::cli::run(&db, command).await
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let state = app.state();
    tracing::info!(
        port = app.port(),
        database = state.db.backend.label(),
        dry_run = state.settings.dry_run,
        "smartmon console listening on http://{}:{}",
        state.settings.http.bind,
        app.port()
    );
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "fatal");
            eprintln!("smartmon: {err:#}");
            ExitCode::FAILURE
        }
    }
}
