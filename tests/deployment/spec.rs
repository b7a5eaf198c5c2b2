//! The deployment spec's names: every variable of its `.env` template is documented in `.env.example`,
//! and every variable and mount it names has a row in the README's "where it is honoured" table.

use super::read_repo_file;

/// The variables of the spec's minimal `.env` template (section 2), in its order.
const TEMPLATE: &[&str] = &[
    "GUI_IMAGE",
    "ORCH_IMAGE",
    "DB_NAME",
    "DB_USER",
    "DB_PASS",
    "DATABASE_URL_INTERNAL",
    "SMARTMON_INIT_PG",
    "HOST_IP",
    "HOST_PORT",
    "HTTP_PORT",
    "HTTPS_PORT",
    "NGINX_SITE_CONF",
    "TLS_FULLCHAIN",
    "TLS_PRIVKEY",
    "SMARTMON_API_KEY",
    "APPROVED_JSON_HOST",
    "APP_META_HOST",
    "GUI_PORT",
    "LOG_LEVEL",
    "DRY_RUN",
    "SMARTCTL_USE_SUDO",
    "SMARTCTL",
    "SMARTMON_SERVICE_WATCH",
    "SERVICE_STATUS_MODE",
    "SERVICE_STATUS_CMD",
    "CF_TUNNEL_TOKEN",
];

/// Named elsewhere in the spec (glossary, orchestrator modes).
const ELSEWHERE: &[&str] = &[
    "DATABASE_URL",
    "SMARTMONITOR_DB_PATH",
    "DBUS_SYSTEM_BUS_ADDRESS",
    "PROCFS_ROOT",
    "SYSFS_ROOT",
    "HOSTNAME_OVERRIDE",
    "TUNNEL_TOKEN",
];

/// The spec's mount table, plus the volume and the tunnel config it names.
const MOUNTS: &[&str] = &[
    "mount `/proc` → `/host/proc`",
    "mount `/sys` → `/host/sys`",
    "mount `/dev` → `/dev`",
    "mount `/run/systemd`",
    "mount `/run/dbus/system_bus_socket`",
    "mount `/etc/machine-id`",
    "mount `approved_services.json` → `/app/config/approved_services.json`",
    "volume `pgdata`",
    "`/etc/cloudflared/config.yml`",
];

#[test]
fn env_example_documents_every_variable_of_the_spec_s_template() {
    let example = read_repo_file(".env.example");
    let lines: Vec<&str> = example.lines().collect();
    let is_setting = |l: &&str| !l.starts_with('#') && l.contains('=');
    for name in TEMPLATE {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} is not in .env.example"));
        // A comment right above it, or above the group of settings it belongs to.
        let above = lines[..at].iter().rev().find(|l| !is_setting(l));
        assert!(
            above.is_some_and(|l| l.starts_with('#')),
            "{name} has a comment"
        );
    }
}

#[test]
fn the_readme_maps_every_spec_variable_and_mount() {
    let readme = read_repo_file("README.md");
    let table: Vec<&str> = readme
        .split("### Where each setting of the deployment spec is honoured")
        .nth(1)
        .expect("the mapping section")
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    for name in TEMPLATE.iter().chain(ELSEWHERE) {
        let cell = format!("`{name}`");
        assert!(
            table
                .iter()
                .any(|row| row.split('|').nth(1).is_some_and(|c| c.contains(&cell))),
            "{name} has no row"
        );
    }
    for mount in MOUNTS {
        assert!(
            table.iter().any(|row| row.contains(mount)),
            "{mount} has no row"
        );
    }
}
