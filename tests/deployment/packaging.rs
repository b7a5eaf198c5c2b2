//! The bare-metal systemd units: systemd itself reads them without a complaint, and its own offline
//! security analysis rates each one well hardened.

use std::process::Command;

use super::{read_repo_file, repo_path};

const UNITS: [&str; 3] = [
    "smartmon.service",
    "smartmon-agent.service",
    "smartmon-helper.service",
];
const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

/// The units with ExecStart pointing at the binary under test (verify insists that it exists).
fn units_in(dir: &std::path::Path) {
    for unit in UNITS {
        let text = read_repo_file(&format!("packaging/{unit}"));
        assert!(
            text.contains("ExecStart=/usr/local/bin/smartmon "),
            "{unit}"
        );
        let text = text.replace("/usr/local/bin/smartmon", BIN);
        std::fs::write(dir.join(unit), text).expect("write unit");
    }
}

#[test]
fn systemd_reads_every_unit_without_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    units_in(dir.path());
    for unit in UNITS {
        let out = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(dir.path().join(unit))
            .env("SYSTEMD_LOG_COLOR", "0")
            .output()
            .expect("systemd-analyze runs (Debian package systemd)");
        let complaints = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && complaints.trim().is_empty(),
            "{unit}:\n{complaints}"
        );
    }
}

#[test]
fn every_unit_is_rated_ok_by_systemd_s_security_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    units_in(dir.path());
    for unit in UNITS {
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--no-pager"])
            .arg(dir.path().join(unit))
            .output()
            .expect("systemd-analyze security runs");
        let report = String::from_utf8_lossy(&out.stdout);
        let verdict = report
            .lines()
            .find(|l| l.contains("Overall exposure level"))
            .unwrap_or_else(|| panic!("{unit}: no verdict in\n{report}"));
        // "→ Overall exposure level for x.service: 1.6 OK 🙂": systemd rates up to 2.0 as OK.
        let score: f64 = verdict
            .rsplit(": ")
            .next()
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{unit}: {verdict}"));
        assert!(verdict.contains(" OK") && score <= 2.0, "{unit}: {verdict}");
    }
    assert!(
        repo_path("packaging/README.md").exists(),
        "the install guide"
    );
}
