//! The `smartmon` command line: one subcommand per way of running the binary.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "smartmon",
    version,
    about = "Monitor Linux hosts and their systemd services"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web console (http://127.0.0.1:5003 by default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Exit 0 when the database answers `SELECT 1`, non-zero with a one-line reason otherwise.
    Healthcheck,
    /// Manage local users: add, passwd, list, disable, enable.
    User {
        #[command(subcommand)]
        command: crate::auth::cli::UserCommand,
    },
    /// Run the collector alone (metrics, services, SMART, checks), writing to `DATABASE_URL`.
    Agent {
        /// Windows: run under the Service Control Manager (what `service install` registers).
        #[cfg(windows)]
        #[arg(long)]
        service: bool,
    },
    /// Windows: register, remove, start or stop the `smartmon` service (`agent --service`).
    #[cfg(windows)]
    Service {
        #[command(subcommand)]
        action: ServiceAction,
    },
    /// The host helper: restart approved units and read SMART for unprivileged agents, over a unix
    /// socket (`SMARTMON_HELPER_SOCKET`), with the API key.
    #[cfg(unix)]
    Helper,
    /// Print (or `--apply`) the SQL creating a least-privilege Postgres role for an agent on HOSTNAME.
    AgentRole {
        /// The host the agent reports as; it may read restart requests for this host only.
        hostname: String,
        /// The role name (default `smartmon_agent_<hostname>`).
        #[arg(long)]
        role: Option<String>,
        /// Run the SQL against `DATABASE_URL` instead of printing it.
        #[arg(long)]
        apply: bool,
    },
    /// Query systemd over D-Bus with the systemctl-shim contract (`SERVICE_STATUS_CMD` drop-in).
    #[cfg(unix)]
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
}

#[cfg(windows)]
#[derive(Debug, Subcommand)]
pub enum ServiceAction {
    /// Register `smartmon.exe agent --service`, started automatically, as LocalSystem.
    Install,
    /// Stop the service if it runs, and remove it.
    Uninstall,
    Start,
    Stop,
}

#[cfg(unix)]
#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Print the unit's ActiveState (`active`, `inactive`, `failed`, …, or `unknown`).
    IsActive { unit: String },
    /// Print ActiveState, SubState, Type, UnitFileState and LoadState as `Key=value` lines.
    Show { unit: String },
    /// Print every loaded `*.service`, one per line.
    ListUnits,
}
