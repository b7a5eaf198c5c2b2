//! Service states from a command instead of D-Bus: `SERVICE_STATUS_MODE=cmd` runs `SERVICE_STATUS_CMD`
//! (the systemctl-shim contract: `list-units`, `show UNIT`), `systemd` runs `systemctl`.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use super::services::UnitFilter;
use crate::systemd::UnitSnapshot;

/// Which program, and how to ask it.
pub enum CliFlavour<'a> {
    Shim(&'a Path),
    Systemctl(&'a Path),
}

impl CliFlavour<'_> {
    fn program(&self) -> &Path {
        match self {
            CliFlavour::Shim(path) | CliFlavour::Systemctl(path) => path,
        }
    }

    fn list_args(&self) -> Vec<&'static str> {
        match self {
            CliFlavour::Shim(_) => vec!["list-units"],
            CliFlavour::Systemctl(_) => vec![
                "list-units",
                "--type=service",
                "--all",
                "--no-legend",
                "--plain",
                "--no-pager",
            ],
        }
    }

    fn show_args<'n>(&self, unit: &'n str) -> Vec<&'n str> {
        match self {
            CliFlavour::Shim(_) => vec!["show", unit],
            CliFlavour::Systemctl(_) => vec![
                "show",
                unit,
                "-p",
                "ActiveState,SubState,Type,UnitFileState,LoadState,Description",
            ],
        }
    }
}

async fn run(program: &Path, args: &[&str], timeout: Duration) -> anyhow::Result<String> {
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(timeout, child)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "{} {} did not finish within {timeout:?}",
                program.display(),
                args.join(" ")
            )
        })?
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !output.status.success() {
        anyhow::bail!(
            "{} {} exited with {}: {}",
            program.display(),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Every followed unit's snapshot: the watch list when given, else whatever `list-units` prints.
pub(crate) async fn snapshot_all(
    flavour: CliFlavour<'_>,
    filter: &UnitFilter,
    timeout: Duration,
) -> anyhow::Result<Vec<UnitSnapshot>> {
    let watch = filter.watch_list();
    let names = match watch {
        Some(names) => names,
        None => run(flavour.program(), &flavour.list_args(), timeout)
            .await?
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(str::to_owned)
            .collect(),
    };
    let mut snapshots = Vec::new();
    for name in names.iter().filter(|n| filter.wants(n)) {
        let text = run(flavour.program(), &flavour.show_args(name), timeout).await?;
        snapshots.push(parse_show(name, &text));
    }
    Ok(snapshots)
}

/// Reads `Key=value` lines (`systemctl show` / the shim's `show`).
pub(crate) fn parse_show(name: &str, text: &str) -> UnitSnapshot {
    let mut snap = UnitSnapshot::not_found(name);
    snap.active_state = "unknown".into();
    snap.sub_state = "unknown".into();
    snap.load_state = "unknown".into();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "ActiveState" => snap.active_state = value,
            "SubState" => snap.sub_state = value,
            "Type" => snap.service_type = value,
            "UnitFileState" => snap.unit_file_state = value,
            "LoadState" => snap.load_state = value,
            "Description" => snap.description = value,
            _ => {}
        }
    }
    snap
}

#[cfg(test)]
mod tests {
    use super::parse_show;

    #[test]
    fn show_output_is_read_key_by_key() {
        let snap = parse_show(
            "ssh.service",
            "ActiveState=active\nSubState=running\nType=notify\nUnitFileState=enabled\nLoadState=loaded\n",
        );
        assert_eq!(snap.active_state, "active");
        assert_eq!(snap.sub_state, "running");
        assert_eq!(snap.service_type, "notify");
        assert_eq!(snap.unit_file_state, "enabled");
        assert_eq!(snap.load_state, "loaded");
        let empty = parse_show("x.service", "garbage");
        assert_eq!(empty.active_state, "unknown");
    }
}
