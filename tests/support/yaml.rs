//! YAML for the deployment tests, read with the PyYAML that Debian's docker-compose depends on (the test
//! suite has no YAML crate), and returned as JSON values.

use std::io::Write;
use std::process::{Command, Stdio};

const TO_JSON: &str = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)";

/// Parses YAML text; panics with PyYAML's message when it is not valid YAML.
pub fn yaml_to_json(yaml: &str) -> serde_json::Value {
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", TO_JSON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with PyYAML (Debian: python3-yaml, installed with docker-compose)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(yaml.as_bytes())
        .expect("write yaml");
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(
        out.status.success(),
        "not valid YAML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("PyYAML wrote JSON")
}
