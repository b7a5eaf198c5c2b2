//! The `smartmon` binary: parse the command line, read settings, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
#[cfg(unix)]
use smartmon::cli::UnitsCommand;
use smartmon::cli::{Cli, Command};
use smartmon::collector::Collector;
use smartmon::config::Settings;
use smartmon::db::Db;
use smartmon::startup::Application;
#[cfg(unix)]
use smartmon::units;
use smartmon::{healthcheck, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match read_settings() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("smartmon: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Healthcheck => match healthcheck::run(&settings.database).await {
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
        #[cfg(unix)]
        Command::Agent {} => {
            telemetry::init(&settings.log);
            report(agent(settings, stop_requested()).await)
        }
        #[cfg(windows)]
        Command::Agent { service } => {
            telemetry::init(&settings.log);
            report(windows_agent(settings, service).await)
        }
        #[cfg(windows)]
        Command::Service { action } => windows_service(action),
        #[cfg(unix)]
        Command::Helper => {
            telemetry::init(&settings.log);
            report(helper(&settings).await)
        }
        #[cfg(unix)]
        Command::Units { command } => units(command, &settings).await,
        Command::AgentRole {
            hostname,
            role,
            apply,
        } => match agent_role(&settings, &hostname, role.as_deref(), apply).await {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("smartmon: {err:#}");
                ExitCode::FAILURE
            }
        },
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
    smartmon::startup::prepare_schema(&db, &settings.database).await?;
    smartmon::auth::cli::run(&db, command).await
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let settings_bind = settings.http.bind;
    let app = Application::build(settings).await?;
    let state = app.state();
    tracing::info!(
        port = app.port(),
        database = state.db.backend.label(),
        dry_run = state.restart.dry_run(),
        "smartmon console listening on http://{}:{}",
        settings_bind,
        app.port()
    );
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Windows: the agent in the foreground (Ctrl-C stops it), or under the SCM's dispatcher (`--service`).
#[cfg(windows)]
async fn windows_agent(settings: Settings, service: bool) -> anyhow::Result<()> {
    if !service {
        return agent(settings, stop_requested()).await;
    }
    let runtime = tokio::runtime::Handle::current();
    let run = move |stop| agent(settings, stop);
    tokio::task::block_in_place(|| smartmon::winsvc::run_as_service(runtime, run))
}

/// `smartmon.exe service install|uninstall|start|stop`.
#[cfg(windows)]
fn windows_service(action: smartmon::cli::ServiceAction) -> ExitCode {
    match smartmon::winsvc::command(action) {
        Ok(line) => {
            print!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("smartmon: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The environment; on Windows under `smartmon.env` beside the exe (the environment wins).
fn read_settings() -> Result<Settings, smartmon::vars::SettingsError> {
    #[cfg(windows)]
    {
        let vars = smartmon::winsvc::settings_vars()
            .map_err(|e| smartmon::vars::SettingsError::new("smartmon.env", format!("{e:#}")))?;
        Settings::from_map(vars)
    }
    #[cfg(unix)]
    Settings::from_env()
}

async fn agent(settings: Settings, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database).await?;
    smartmon::startup::prepare_schema(&db, &settings.database).await?;
    let site = settings.site.resolve()?;
    // LISTEN on Postgres: queued restarts for this host wake the agent at once.
    let live = smartmon::startup::start_live(&db, &settings.database);
    let restarter = smartmon::restart::Restarter::new(
        settings.restart.clone(),
        &site,
        settings.api_key.clone(),
        db.clone(),
        live.clone(),
        smartmon::clock::Clock::default(),
        None,
    );
    let collector_db = db.clone();
    let collector = Collector::new(settings.collector.clone(), &site, db, live)
        .await?
        .with_journal(smartmon::journal::Journal::new(settings.journal.clone()));
    tracing::info!(hostname = %collector.hostname(), dry_run = site.dry_run, "agent collecting");
    let mut tasks = collector.spawn();
    tasks.extend(restarter.spawn_background(true));
    if settings.lifecycle.enabled && settings.lifecycle.in_agent {
        tracing::info!("running retention and rollups (RETENTION_IN_AGENT)");
        tasks.push(smartmon::lifecycle::spawn(
            collector_db,
            settings.lifecycle.clone(),
        ));
    }
    stop.await;
    for task in tasks {
        task.abort();
    }
    // Whatever an outage left in the buffer gets one last chance.
    let flushing = tokio::time::timeout(std::time::Duration::from_secs(10), collector.flush());
    match flushing.await {
        Ok(report) if report.buffered > 0 => {
            tracing::warn!(
                lost = report.buffered,
                "stopped with records the database never took"
            )
        }
        Ok(_) => {}
        Err(_) => tracing::warn!("stopped before the outage buffer could be flushed"),
    }
    tracing::info!("stopped");
    Ok(())
}

#[cfg(unix)]
async fn helper(settings: &Settings) -> anyhow::Result<()> {
    use smartmon::restart::helper::server::{Helper, HelperSettings};
    let site = settings.site.resolve()?;
    let helper = Helper::bind(HelperSettings {
        restart: &settings.restart,
        site: &site,
        api_key: settings.api_key.clone(),
        smartctl: settings.collector.smartctl.clone(),
        command_timeout: settings.collector.command_timeout,
        journal: settings.journal.clone(),
    })?;
    tokio::select! {
        _ = helper.serve() => {}
        _ = stop_requested() => {}
    }
    let _ = std::fs::remove_file(&settings.restart.helper_socket);
    tracing::info!("stopped");
    Ok(())
}

#[cfg(unix)]
async fn units(command: UnitsCommand, settings: &Settings) -> ExitCode {
    let request = match &command {
        UnitsCommand::IsActive { unit } => units::Request::IsActive(unit),
        UnitsCommand::Show { unit } => units::Request::Show(unit),
        UnitsCommand::ListUnits => units::Request::ListUnits,
    };
    let out = units::run(request, settings.site.bus_address.as_deref()).await;
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    ExitCode::from(out.code)
}

/// Prints (or with `--apply` runs) the SQL that creates the agent role for `hostname`.
async fn agent_role(
    settings: &Settings,
    hostname: &str,
    role: Option<&str>,
    apply: bool,
) -> anyhow::Result<String> {
    use smartmon::lifecycle::agent_role::{RoleName, sql};
    let host = smartmon::domain::Hostname::parse(hostname)
        .map_err(|e| anyhow::anyhow!("{hostname:?} is not a host name: {e}"))?;
    let role = match role {
        Some(name) => RoleName::parse(name),
        None => RoleName::for_host(&host),
    }
    .map_err(anyhow::Error::msg)?;
    let sql = sql(&role, &host);
    if !apply {
        return Ok(sql);
    }
    let db = Db::connect(&settings.database).await?;
    if db.backend != smartmon::db::Backend::Postgres {
        anyhow::bail!(
            "agent roles are for Postgres (DATABASE_URL=postgresql://…); SQLite has no roles"
        );
    }
    smartmon::lifecycle::agent_role::apply(&db.conn, &sql).await?;
    Ok(format!(
        "role {} can now write {}'s collector data; set its password with ALTER ROLE {} PASSWORD '…'\n",
        role.as_str(),
        host.as_str(),
        role.as_str()
    ))
}

/// The platform's stop signals (SIGINT/SIGTERM, or Ctrl-C and close on Windows); Ctrl-C alone when
/// those cannot be watched.
async fn stop_requested() {
    if smartmon::startup::shutdown_signal().await.is_err() {
        let _ = tokio::signal::ctrl_c().await;
    }
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
