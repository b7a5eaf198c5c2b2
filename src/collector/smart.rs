//! SMART via `smartctl --json`: discover with `--scan-open`, then read each device with
//! `-a -n standby` (a sleeping drive is not woken). `SMARTCTL` names the program, `SMARTCTL_USE_SUDO`
//! runs it through `sudo -n`.

use anyhow::Context;

use super::CollectorSettings;
use super::smart_parse::{SmartReading, parse_device, parse_scan};

/// Runs smartctl with `args` and returns its JSON (smartctl exits non-zero for many readable
/// conditions, so the exit status is read from the JSON, not the process).
async fn smartctl(
    settings: &CollectorSettings,
    args: &[&str],
) -> anyhow::Result<serde_json::Value> {
    let mut command = if settings.smartctl_sudo {
        let mut c = tokio::process::Command::new("sudo");
        c.arg("-n").arg(&settings.smartctl);
        c
    } else {
        tokio::process::Command::new(&settings.smartctl)
    };
    command
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(settings.command_timeout, command.output())
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "smartctl {} did not finish within {:?}",
                args.join(" "),
                settings.command_timeout
            )
        })?
        .with_context(|| format!("cannot run {} (SMARTCTL)", settings.smartctl.display()))?;
    serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "smartctl {} printed no JSON (exit {}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// Every device the scan finds; a device whose output cannot be read at all is reported unreadable.
pub(crate) async fn read_all(settings: &CollectorSettings) -> anyhow::Result<Vec<SmartReading>> {
    let scan = smartctl(settings, &["--scan-open", "--json"]).await?;
    let mut readings = Vec::new();
    for (device, device_type) in parse_scan(&scan) {
        let args = [
            "--json",
            "-a",
            "-n",
            "standby",
            "-d",
            device_type.as_str(),
            device.as_str(),
        ];
        let reading = match smartctl(settings, &args).await {
            Ok(json) => parse_device(&device, &device_type, &json),
            Err(err) => SmartReading {
                device: device.clone(),
                device_type: device_type.clone(),
                health: "unreadable".into(),
                detail: Some(format!("{err:#}")),
                ..SmartReading::default()
            },
        };
        readings.push(reading);
    }
    Ok(readings)
}
