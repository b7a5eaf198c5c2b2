//! Deployment: the compose file and its secrets, the container image, the tunnel config, and the nginx
//! site running for real in front of the console and in front of a scripted upstream.

mod cloudflared;
mod compose;
mod compose_inputs;
mod dockerfile;
mod nginx_console;
mod nginx_proxy;
mod packaging;
mod spec;

use std::path::PathBuf;

/// A file of the repository.
fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read_repo_file(relative: &str) -> String {
    std::fs::read_to_string(repo_path(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
}
