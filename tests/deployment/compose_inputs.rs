//! What docker-compose.yml reads from outside: every `${VARIABLE}` is documented in `.env.example`, and
//! scripts/compose-secrets writes the secret files it mounts.

use std::collections::BTreeSet;
use std::process::Command;

use super::{read_repo_file, repo_path};

#[test]
fn every_variable_the_compose_file_reads_is_in_env_example() {
    let compose = read_repo_file("docker-compose.yml");
    let example = read_repo_file(".env.example");
    let documented: BTreeSet<&str> = example
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .filter(|k| !k.starts_with('#'))
        .collect();
    // `${NAME}`, `${NAME:-default}`; not `$${NAME}` (the container's own variable) nor comments.
    let used: BTreeSet<&str> = compose
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split("${").skip(1).zip(l.split("${")))
        .filter(|(_, before)| !before.ends_with('$'))
        .filter_map(|(s, _)| {
            s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
        })
        .collect();
    let missing: Vec<&&str> = used.iter().filter(|v| !documented.contains(*v)).collect();
    assert!(missing.is_empty(), "not in .env.example: {missing:?}");
}

#[test]
fn compose_secrets_writes_private_files_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join(".env");
    let example = read_repo_file(".env.example")
        .replace(
            "SECRETS_DIR=./secrets",
            &format!("SECRETS_DIR={}/s", dir.path().display()),
        )
        .replace("\nDB_PASS=\n", "\nDB_PASS=correct-horse\n");
    std::fs::write(&env, example).expect("write .env");
    let run = || {
        let out = Command::new(repo_path("scripts/compose-secrets"))
            .arg(&env)
            .output()
            .expect("compose-secrets runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run();
    let secrets = dir.path().join("s");
    let read = |name: &str| std::fs::read_to_string(secrets.join(name)).expect(name);
    assert_eq!(read("db_password"), "correct-horse\n");
    assert_eq!(
        read("database_url"),
        "postgresql://smart:correct-horse@postgres:5432/smartdb\n"
    );
    let key = read("smartmon_api_key");
    assert!(key.trim().len() >= 24, "a generated key: {key:?}");
    // Private on the host (the directory); readable by the containers' non-root user (the files).
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(
        mode(&secrets),
        0o700,
        "only the owner enters the secrets directory"
    );
    for name in ["db_password", "database_url", "smartmon_api_key"] {
        assert_eq!(mode(&secrets.join(name)), 0o644, "{name}");
    }
    run();
    assert_eq!(read("smartmon_api_key"), key, "an existing secret is kept");
}
