//! docker-compose.yml, validated by Debian's docker-compose with `.env.example`, and checked for what the
//! deployment spec asks of each service and profile; scripts/compose-secrets writes the secret files.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use super::{read_repo_file, repo_path};
use crate::support::yaml::yaml_to_json;

/// docker-compose 1.29 (Debian's) predates `uts:` (Compose Specification, Docker Compose v2). It validates
/// the file with exactly the two `uts: host` lines removed; `uts_host_is_set_for_both_orchestrators`
/// checks those lines in the real file.
fn compose_v1_view(dir: &std::path::Path) -> std::path::PathBuf {
    let original = read_repo_file("docker-compose.yml");
    let kept: Vec<&str> = original
        .lines()
        .filter(|l| l.trim() != "uts: host")
        .collect();
    assert_eq!(
        original.lines().count() - kept.len(),
        2,
        "two uts: host lines"
    );
    let path = dir.join("docker-compose.yml");
    std::fs::write(&path, kept.join("\n")).expect("write compose copy");
    path
}

/// `docker-compose config` for a profile, as JSON.
fn compose_config(profile: Option<&str>) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = compose_v1_view(dir.path());
    let mut cmd = Command::new("docker-compose");
    cmd.arg("--project-directory")
        .arg(repo_path(""))
        .arg("--env-file")
        .arg(repo_path(".env.example"))
        .arg("-f")
        .arg(&file);
    if let Some(profile) = profile {
        cmd.args(["--profile", profile]);
    }
    let out = cmd
        .arg("config")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("docker-compose runs (Debian package docker-compose)");
    assert!(
        out.status.success(),
        "docker-compose config ({profile:?}) refused the file:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    yaml_to_json(&String::from_utf8_lossy(&out.stdout))
}

fn service<'a>(config: &'a Value, name: &str) -> &'a Value {
    config["services"]
        .get(name)
        .unwrap_or_else(|| panic!("service {name} in {:?}", config["services"]))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn compose_config_validates_for_the_default_set_and_each_profile() {
    for profile in [
        None,
        Some("lab"),
        Some("prod"),
        Some("tunnel"),
        Some("tunnel-file"),
    ] {
        let config = compose_config(profile);
        // The names the spec's verification commands use.
        for name in [
            "postgres",
            "gui",
            "nginx",
            "cloudflared",
            "orchestrator_lab",
        ] {
            service(&config, name);
        }
        let profiles = |name: &str| strings(&service(&config, name)["profiles"]);
        assert!(profiles("postgres").is_empty() && profiles("gui").is_empty());
        assert!(profiles("nginx").is_empty(), "nginx is in the default set");
        assert_eq!(profiles("orchestrator_lab"), ["lab"]);
        assert_eq!(profiles("orchestrator_prod"), ["prod"]);
        assert_eq!(profiles("cloudflared"), ["tunnel"]);
    }
}

#[test]
fn one_image_serves_the_console_and_the_collector() {
    let config = compose_config(None);
    let gui = service(&config, "gui");
    assert_eq!(strings(&gui["command"]), ["serve"]);
    for name in ["orchestrator_lab", "orchestrator_prod"] {
        let orch = service(&config, name);
        assert_eq!(strings(&orch["command"]), ["agent"], "{name}");
        assert_eq!(
            orch["image"], gui["image"],
            "{name} runs the console's image"
        );
    }
    assert_eq!(
        gui["healthcheck"]["test"],
        serde_json::json!(["CMD", "smartmon", "healthcheck"])
    );
    let pg = service(&config, "postgres");
    assert!(pg["healthcheck"]["test"].to_string().contains("pg_isready"));
    assert!(
        strings(&pg["volumes"])
            .iter()
            .any(|v| v.starts_with("pgdata:"))
    );
    let ports = &service(&config, "nginx")["ports"];
    assert_eq!(
        ports,
        &serde_json::json!([{"published": 8085, "target": 80}, {"published": 8443, "target": 443}]),
        "HTTP_PORT and HTTPS_PORT from .env.example"
    );
}

#[test]
fn the_lab_orchestrator_has_the_spec_s_host_access() {
    let config = compose_config(Some("lab"));
    let lab = service(&config, "orchestrator_lab");
    assert_eq!(lab["privileged"], true);
    assert_eq!(lab["pid"], "host");
    let volumes = strings(&lab["volumes"]);
    for mount in [
        "/run/dbus/system_bus_socket:/run/dbus/system_bus_socket:rw",
        "/run/systemd:/run/systemd:rw",
        "/dev:/dev:rw",
        "/etc/machine-id:/etc/machine-id:ro",
        "/proc:/host/proc:ro",
        "/sys:/host/sys:ro",
        "/etc/smart-monitor/approved_services.json:/app/config/approved_services.json:ro",
    ] {
        assert!(volumes.iter().any(|v| v == mount), "{mount} in {volumes:?}");
    }
    let env = &lab["environment"];
    assert_eq!(env["PROCFS_ROOT"], "/host/proc");
    assert_eq!(env["SYSFS_ROOT"], "/host/sys");
    assert_eq!(
        env["DBUS_SYSTEM_BUS_ADDRESS"],
        "unix:path=/run/dbus/system_bus_socket"
    );
}

#[test]
fn the_prod_orchestrator_is_read_only_and_unprivileged() {
    let config = compose_config(Some("prod"));
    let prod = service(&config, "orchestrator_prod");
    assert_eq!(prod["read_only"], true);
    assert_eq!(strings(&prod["cap_drop"]), ["ALL"]);
    assert!(strings(&prod["security_opt"]).contains(&"no-new-privileges:true".to_owned()));
    assert!(
        strings(&prod["tmpfs"])
            .iter()
            .any(|t| t.starts_with("/tmp"))
    );
    assert!(prod.get("privileged").is_none() && prod.get("pid").is_none());
    let volumes = strings(&prod["volumes"]);
    assert!(volumes.iter().all(|v| v.ends_with(":ro")), "{volumes:?}");
    assert!(
        !volumes
            .iter()
            .any(|v| v.starts_with("/dev") || v.starts_with("/run/systemd"))
    );
    assert!(
        volumes.contains(&"/run/smartmon:/run/smartmon:ro".to_owned()),
        "helper socket"
    );
    assert_eq!(prod["environment"]["RESTART_MODE"], "helper");
}

#[test]
fn uts_host_is_set_for_both_orchestrators() {
    let raw = yaml_to_json(&read_repo_file("docker-compose.yml"));
    for name in ["orchestrator_lab", "orchestrator_prod"] {
        assert_eq!(raw["services"][name]["uts"], "host", "{name}");
    }
}

#[test]
fn secrets_reach_the_containers_as_files_never_as_variables() {
    let config = compose_config(Some("prod"));
    let secret_names: BTreeSet<&String> = config["secrets"]
        .as_object()
        .expect("top-level secrets")
        .keys()
        .collect();
    assert_eq!(secret_names.len(), 3, "{secret_names:?}");
    let pg = &service(&config, "postgres")["environment"];
    assert_eq!(pg["POSTGRES_PASSWORD_FILE"], "/run/secrets/db_password");
    assert!(pg.get("POSTGRES_PASSWORD").is_none());
    for name in ["gui", "orchestrator_lab", "orchestrator_prod"] {
        let env = &service(&config, name)["environment"];
        assert_eq!(
            env["DATABASE_URL_FILE"], "/run/secrets/database_url",
            "{name}"
        );
        assert!(env.get("DATABASE_URL").is_none() && env.get("SMARTMON_API_KEY").is_none());
    }
}

#[test]
fn the_nginx_container_sets_every_variable_of_the_site_template() {
    // The image's envsubst replaces only variables set in the container: one missing here would reach
    // nginx as a literal `${NAME}`.
    let template = read_repo_file("nginx/smartmon-docker.conf");
    let wanted: BTreeSet<&str> = template
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split("${").skip(1))
        .filter_map(|s| s.split('}').next())
        .collect();
    assert!(wanted.len() >= 6, "{wanted:?}");
    let config = compose_config(None);
    let env = &service(&config, "nginx")["environment"];
    for name in wanted {
        assert!(
            env[name].is_string(),
            "nginx's environment lacks {name}: {env}"
        );
    }
    let volumes = strings(&service(&config, "nginx")["volumes"]);
    assert!(
        volumes
            .iter()
            .any(|v| v.ends_with(":/etc/nginx/templates/default.conf.template:ro")),
        "the site is mounted as the image's template: {volumes:?}"
    );
}
