//! `smartmon user add|passwd|list|disable|enable`. Passwords come from a prompt (echo off), from stdin
//! when it is not a terminal, or from `--password-file`; never from the command line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use clap::Subcommand;

use crate::auth::Role;
use crate::auth::accounts::{self, NewUser};
use crate::clock::Clock;
use crate::db::{Db, users};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (password from a prompt, stdin, or --password-file).
    Add {
        username: String,
        /// viewer (read), operator (also restart) or admin (also manage users).
        #[arg(long, default_value = "viewer")]
        role: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Set a user's password; ends all their sessions.
    Passwd {
        username: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List users with role, state and last login.
    List,
    /// Disable a user; ends all their sessions.
    Disable { username: String },
    /// Enable a disabled user again.
    Enable { username: String },
}

/// Runs one user command against the configured database; the error is the line to print.
pub async fn run(db: &Db, command: UserCommand) -> anyhow::Result<String> {
    let clock = Clock::default();
    let out = match command {
        UserCommand::Add {
            username,
            role,
            password_file,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("--role: expected viewer, operator or admin, got {role:?}")
            })?;
            let password = read_password(password_file.as_deref(), true)?;
            let new = NewUser {
                username: &username,
                password: &password,
                role,
            };
            accounts::create(db, &clock, new, "cli", None).await?;
            format!("created {role} {username}")
        }
        UserCommand::Passwd {
            username,
            password_file,
        } => {
            accounts::find(db, &username).await?;
            let password = read_password(password_file.as_deref(), true)?;
            let ended =
                accounts::change_password(db, &clock, &username, &password, None, "cli").await?;
            format!("password changed for {username}; {ended} session(s) ended")
        }
        UserCommand::List => {
            let mut out = format!(
                "{:<32} {:<9} {:<9} {}\n",
                "USERNAME", "ROLE", "STATE", "LAST LOGIN"
            );
            for user in users::list(&db.conn).await? {
                let state = if user.disabled { "disabled" } else { "enabled" };
                let last = user
                    .last_login_at
                    .map_or_else(|| "never".to_owned(), crate::clock::rfc3339);
                out.push_str(&format!(
                    "{:<32} {:<9} {:<9} {last}\n",
                    user.username, user.role, state
                ));
            }
            out.trim_end().to_owned()
        }
        UserCommand::Disable { username } => {
            accounts::set_disabled(db, &clock, &username, true, "cli").await?;
            format!("disabled {username}; their sessions ended")
        }
        UserCommand::Enable { username } => {
            accounts::set_disabled(db, &clock, &username, false, "cli").await?;
            format!("enabled {username}")
        }
    };
    Ok(out)
}

fn read_password(file: Option<&Path>, confirm: bool) -> anyhow::Result<String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--password-file: cannot read {}", path.display()))?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_owned());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    let first = prompt("Password: ")?;
    if confirm && prompt("Repeat password: ")? != first {
        anyhow::bail!("the passwords do not match");
    }
    Ok(first)
}

/// Reads a line from the terminal with echo turned off (via `stty`), restoring echo afterwards.
fn prompt(label: &str) -> anyhow::Result<String> {
    eprint!("{label}");
    std::io::stderr().flush().ok();
    let silenced = Command::new("stty")
        .arg("-echo")
        .status()
        .is_ok_and(|s| s.success());
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if silenced {
        let _ = Command::new("stty").arg("echo").status();
    }
    eprintln!();
    read.context("cannot read the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
