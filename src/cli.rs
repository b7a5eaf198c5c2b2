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
}
