//! Running as a native Windows service: `smartmon.exe service install|uninstall|start|stop` registers and
//! drives the `smartmon` service, which the Service Control Manager runs as `smartmon.exe agent
//! --service`. Settings come from `smartmon.env` beside the exe (`NAME=value` lines, `#` comments),
//! under the service's own environment, which wins.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use windows_service::service::{
    ServiceAccess, ServiceControl, ServiceControlAccept, ServiceErrorControl, ServiceExitCode,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

/// The service's name in the SCM (`sc query smartmon`).
pub const SERVICE_NAME: &str = "smartmon";
const DISPLAY_NAME: &str = "smartmon agent";
const DESCRIPTION: &str =
    "Writes this host's metrics and services to smartmon's database and runs its restarts";

/// `smartmon.env` beside the exe, under this process's environment: the settings a service gets.
pub fn settings_vars() -> anyhow::Result<HashMap<String, String>> {
    let mut vars = HashMap::new();
    let file = settings_file()?;
    if file.exists() {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        vars.extend(parse_env_file(&text));
    }
    vars.extend(std::env::vars());
    Ok(vars)
}

fn settings_file() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("the exe's own path")?;
    Ok(exe.with_file_name("smartmon.env"))
}

/// `NAME=value` lines; blank lines and `#` comments skipped, quotes around a value removed.
pub(crate) fn parse_env_file(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (name, value) = line.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name.trim().to_owned(), value.to_owned()))
    })
}

/// `service install|uninstall|start|stop`: what it did, for the terminal.
pub fn command(action: crate::cli::ServiceAction) -> anyhow::Result<String> {
    use crate::cli::ServiceAction;
    match action {
        ServiceAction::Install => install(),
        ServiceAction::Uninstall => uninstall(),
        ServiceAction::Start => control(true),
        ServiceAction::Stop => control(false),
    }
}

/// `service install`: registers `smartmon.exe agent --service`, started automatically, as LocalSystem.
fn install() -> anyhow::Result<String> {
    let manager = ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    )?;
    let info = ServiceInfo {
        name: OsString::from(SERVICE_NAME),
        display_name: OsString::from(DISPLAY_NAME),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: std::env::current_exe().context("the exe's own path")?,
        launch_arguments: vec![OsString::from("agent"), OsString::from("--service")],
        dependencies: vec![],
        account_name: None,
        account_password: None,
    };
    let service = manager
        .create_service(&info, ServiceAccess::CHANGE_CONFIG)
        .context("creating the smartmon service (run as an administrator)")?;
    service.set_description(DESCRIPTION)?;
    Ok(format!(
        "installed the {SERVICE_NAME} service; its settings are read from {}\n",
        settings_file()?.display()
    ))
}

/// `service uninstall`: stops the service if it runs, then deletes it.
fn uninstall() -> anyhow::Result<String> {
    let service = open(ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE)?;
    if service.query_status()?.current_state != ServiceState::Stopped {
        let _ = service.stop();
    }
    service.delete().context("deleting the smartmon service")?;
    Ok(format!("removed the {SERVICE_NAME} service\n"))
}

/// `service start` / `service stop`.
fn control(start: bool) -> anyhow::Result<String> {
    let service = open(ServiceAccess::START | ServiceAccess::STOP)?;
    if start {
        service.start(&[] as &[&OsStr])?;
        Ok(format!("asked the {SERVICE_NAME} service to start\n"))
    } else {
        service.stop()?;
        Ok(format!("asked the {SERVICE_NAME} service to stop\n"))
    }
}

fn open(access: ServiceAccess) -> anyhow::Result<windows_service::service::Service> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)?;
    manager
        .open_service(SERVICE_NAME, access)
        .with_context(|| format!("opening the {SERVICE_NAME} service (is it installed?)"))
}

/// What the dispatcher's thread runs: the agent, until the SCM says stop.
type AgentRun = Box<dyn FnOnce(tokio::sync::oneshot::Receiver<()>) -> anyhow::Result<()> + Send>;

static AGENT: OnceLock<std::sync::Mutex<Option<AgentRun>>> = OnceLock::new();

define_windows_service!(ffi_service_main, service_main);

/// Hands this thread to the SCM's dispatcher; `agent` runs on the service thread with a future that
/// completes when the SCM asks the service to stop. Returns when the service has stopped.
pub fn run_as_service<F, Fut>(runtime: tokio::runtime::Handle, agent: F) -> anyhow::Result<()>
where
    F: FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let run: AgentRun = Box::new(move |stop| {
        let stopped = Box::pin(async move {
            let _ = stop.await;
        });
        runtime.block_on(agent(stopped))
    });
    let slot = AGENT.get_or_init(|| std::sync::Mutex::new(None));
    *slot
        .lock()
        .map_err(|_| anyhow::anyhow!("the service slot is poisoned"))? = Some(run);
    service_dispatcher::start(SERVICE_NAME, ffi_service_main)
        .context("starting the service dispatcher (is this process started by the SCM?)")
}

fn service_main(_arguments: Vec<OsString>) {
    if let Err(err) = serve() {
        tracing::error!(error = format!("{err:#}"), "the service failed");
    }
}

fn serve() -> anyhow::Result<()> {
    let run = AGENT
        .get()
        .and_then(|slot| slot.lock().ok()?.take())
        .context("no agent to run")?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let stop_tx = std::sync::Mutex::new(Some(stop_tx));
    let handler = move |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown => {
            if let Some(tx) = stop_tx.lock().ok().and_then(|mut tx| tx.take()) {
                let _ = tx.send(());
            }
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let status = service_control_handler::register(SERVICE_NAME, handler)?;
    let report = |state, accept, code| ServiceStatus {
        service_type: ServiceType::OWN_PROCESS,
        current_state: state,
        controls_accepted: accept,
        exit_code: ServiceExitCode::Win32(code),
        checkpoint: 0,
        wait_hint: Duration::from_secs(15),
        process_id: None,
    };
    let accept = ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN;
    status.set_service_status(report(ServiceState::Running, accept, 0))?;
    let ended = run(stop_rx);
    // ERROR_SERVICE_SPECIFIC_ERROR would hide the cause; 1 (a generic failure) marks it failed.
    let code = if ended.is_ok() { 0 } else { 1 };
    if let Err(err) = &ended {
        tracing::error!(
            error = format!("{err:#}"),
            "the agent stopped with an error"
        );
    }
    status.set_service_status(report(
        ServiceState::Stopped,
        ServiceControlAccept::empty(),
        code,
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_file_is_name_value_lines() {
        let text = "# smartmon\nDATABASE_URL=postgresql://a@b/c\n\n HOSTNAME_OVERRIDE = \"win 01\" \nnonsense\n";
        let vars: Vec<(String, String)> = parse_env_file(text).collect();
        assert_eq!(
            vars,
            vec![
                ("DATABASE_URL".into(), "postgresql://a@b/c".into()),
                ("HOSTNAME_OVERRIDE".into(), "win 01".into()),
            ]
        );
    }
}
